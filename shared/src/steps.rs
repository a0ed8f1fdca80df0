//! The shape of every function's work in one place (a region, a principal, a message): read
//! what is, plan purely from what was read, carry the plan out through the one executor. A
//! function writes its reads ([`Steps::observe`]) and its plan ([`Steps::plan`]); the
//! sequence is [`carry_out`], and how results combine is `Status::combined`.

use std::future::Future;

use crate::execute::{execute, Plan, Policy, Write};
use crate::outcome::{Action, Failure};

pub trait Steps: Sync {
    /// Where the work is: a region's name, a principal, a message.
    type Place: ?Sized + Sync;
    /// What was read there.
    type Observed: Send + Sync;
    type Write: Send;

    /// The reads; a failure stops the place before any write.
    fn observe(&self, place: &Self::Place) -> impl Future<Output = Result<Self::Observed, Failure>> + Send;

    /// Pure: what to write, and what is decided without a write.
    fn plan(&self, place: &Self::Place, observed: &Self::Observed) -> Plan<Self::Write>;
}

/// What one place came to: what was read, and every action of its plan, final.
pub struct Carried<O> {
    pub observed: O,
    pub actions: Vec<Action>,
}

/// Observe, plan, execute: the writes made with `ports` under `policy`.
pub async fn carry_out<S, P>(
    steps: &S,
    place: &S::Place,
    ports: &P,
    policy: &Policy<'_>,
) -> Result<Carried<S::Observed>, Failure>
where
    S: Steps,
    P: Sync,
    S::Write: Write<P>,
{
    let observed = steps.observe(place).await?;
    let plan = steps.plan(place, &observed);
    let actions = execute(plan, ports, policy).await;
    Ok(Carried { observed, actions })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::DateTime;

    use super::*;
    use crate::clock::FixedClock;
    use crate::operation::Operation;
    use crate::outcome::{ActionResult, Retry};

    /// Tags a region's graph when the read says it has none.
    struct Tagging {
        reads: AtomicUsize,
        tagged: bool,
    }

    struct Tag(String);

    impl Write<AtomicUsize> for Tag {
        fn intended(&self) -> Vec<Action> {
            let mut action = Action::new(Operation::TagResource, ActionResult::Planned);
            action.region = Some(self.0.clone());
            vec![action]
        }

        async fn perform(self, calls: &AtomicUsize, _: &Policy<'_>) -> Vec<Action> {
            calls.fetch_add(1, Ordering::Relaxed);
            let mut action = Action::new(Operation::TagResource, ActionResult::Done);
            action.region = Some(self.0);
            vec![action]
        }
    }

    impl Steps for Tagging {
        type Place = str;
        type Observed = bool;
        type Write = Tag;

        async fn observe(&self, region: &str) -> Result<bool, Failure> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            if region == "unreadable" {
                return Err(Failure::DeadlineReached);
            }
            Ok(self.tagged)
        }

        fn plan(&self, region: &str, tagged: &bool) -> Plan<Tag> {
            let mut plan = Plan::default();
            if !tagged {
                plan.write(Tag(region.to_owned()));
            }
            plan
        }
    }

    async fn run(steps: &Tagging, region: &str, dry_run: bool) -> (Result<Vec<ActionResult>, Failure>, usize) {
        let calls = AtomicUsize::new(0);
        let clock = FixedClock(DateTime::UNIX_EPOCH);
        let policy = Policy {
            function: "test",
            dry_run,
            clock: &clock,
            deadline: None,
            retry: Retry::LambdaRetry,
        };
        let carried = carry_out(steps, region, &calls, &policy).await;
        let results = carried.map(|carried| carried.actions.iter().map(|action| action.result).collect());
        (results, calls.load(Ordering::Relaxed))
    }

    #[tokio::test]
    async fn what_is_read_decides_the_writes_and_a_failed_read_writes_nothing() {
        let untagged = Tagging {
            reads: AtomicUsize::new(0),
            tagged: false,
        };
        assert_eq!(
            run(&untagged, "us-east-1", false).await,
            (Ok(vec![ActionResult::Done]), 1)
        );
        assert_eq!(
            run(&untagged, "us-east-1", true).await,
            (Ok(vec![ActionResult::Planned]), 0)
        );
        assert_eq!(
            run(&untagged, "unreadable", false).await,
            (Err(Failure::DeadlineReached), 0)
        );
        let tagged = Tagging {
            reads: AtomicUsize::new(0),
            tagged: true,
        };
        assert_eq!(run(&tagged, "us-east-1", false).await, (Ok(Vec::new()), 0));
        assert_eq!(untagged.reads.load(Ordering::Relaxed), 3);
    }
}
