//! One executor for every plan: the deadline margin, the dry run, the call, done or
//! failed, and one log line per decision with its final result.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::outcome::{Action, ActionResult, Reason};
use crate::telemetry;

/// A decision: a write to make, or an action already final (left alone, or failed without
/// a call).
#[derive(Debug, Clone, PartialEq)]
pub enum Step<W> {
    Write(W),
    Decided(Box<Action>),
}

/// What a function means to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<W> {
    pub steps: Vec<Step<W>>,
}

impl<W> Default for Plan<W> {
    fn default() -> Self {
        Self { steps: Vec::new() }
    }
}

impl<W> Plan<W> {
    pub fn write(&mut self, write: W) {
        self.steps.push(Step::Write(write));
    }

    pub fn decided(&mut self, action: Action) {
        self.steps.push(Step::Decided(Box::new(action)));
    }

    /// The writes, in order (for tests and summaries).
    pub fn writes(&self) -> impl Iterator<Item = &W> {
        self.steps.iter().filter_map(|step| match step {
            Step::Write(write) => Some(write),
            Step::Decided(_) => None,
        })
    }

    /// The decisions already final, in order.
    pub fn decided_actions(&self) -> impl Iterator<Item = &Action> {
        self.steps.iter().filter_map(|step| match step {
            Step::Decided(action) => Some(action.as_ref()),
            Step::Write(_) => None,
        })
    }
}

/// A write a plan intends; how it is made is its own business (retries, read-backs).
pub trait Write<P>: Send {
    /// The actions as intended (what, where, on what, why): what a dry run reports.
    fn intended(&self) -> Vec<Action>;

    /// Makes the call(s): every resulting action, final.
    fn perform(self, ports: &P) -> impl Future<Output = Vec<Action>> + Send;
}

/// Whether to write at all, and until when.
pub struct Policy<'a> {
    pub function: &'static str,
    pub dry_run: bool,
    pub clock: &'a dyn Clock,
    /// When to stop starting new work (`lambda::work_deadline`); none in the CLI.
    pub deadline: Option<DateTime<Utc>>,
}

impl Policy<'_> {
    pub fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|deadline| self.clock.now() >= deadline)
    }
}

/// Runs a plan, step by step, and logs each final action.
pub async fn execute<P, W>(plan: Plan<W>, ports: &P, policy: &Policy<'_>) -> Vec<Action>
where
    P: Sync,
    W: Write<P>,
{
    let mut actions = Vec::new();
    for step in plan.steps {
        let finished = match step {
            Step::Decided(action) => vec![*action],
            Step::Write(write) if policy.out_of_time() => with_result(write.intended(), ActionResult::Failed)
                .into_iter()
                .map(|action| action.with_reason(Reason::DeadlineNear))
                .collect(),
            Step::Write(write) if policy.dry_run => with_result(write.intended(), ActionResult::Planned),
            Step::Write(write) => write.perform(ports).await,
        };
        for action in &finished {
            telemetry::log_action(policy.function, action);
        }
        actions.extend(finished);
    }
    actions
}

fn with_result(actions: Vec<Action>, result: ActionResult) -> Vec<Action> {
    actions
        .into_iter()
        .map(|mut action| {
            action.result = result;
            action
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::clock::FixedClock;

    struct Calls(AtomicUsize);

    struct Touch;

    impl Write<Calls> for Touch {
        fn intended(&self) -> Vec<Action> {
            vec![Action::new("Touch", ActionResult::Planned)]
        }

        async fn perform(self, ports: &Calls) -> Vec<Action> {
            ports.0.fetch_add(1, Ordering::Relaxed);
            vec![Action::new("Touch", ActionResult::Done)]
        }
    }

    fn plan() -> Plan<Touch> {
        let mut plan = Plan::default();
        plan.decided(Action::new("Left", ActionResult::Skipped));
        plan.write(Touch);
        plan
    }

    async fn run(dry_run: bool, deadline: Option<DateTime<Utc>>) -> (Vec<ActionResult>, usize) {
        let calls = Calls(AtomicUsize::new(0));
        let clock = FixedClock(DateTime::UNIX_EPOCH);
        let policy = Policy {
            function: "test",
            dry_run,
            clock: &clock,
            deadline,
        };
        let actions = execute(plan(), &calls, &policy).await;
        (
            actions.iter().map(|a| a.result).collect(),
            calls.0.load(Ordering::Relaxed),
        )
    }

    #[tokio::test]
    async fn writes_are_made_planned_or_not_started_and_decisions_pass_through() {
        use ActionResult::*;
        assert_eq!(run(false, None).await, (vec![Skipped, Done], 1));
        assert_eq!(run(true, None).await, (vec![Skipped, Planned], 0));
        assert_eq!(run(false, Some(DateTime::UNIX_EPOCH)).await, (vec![Skipped, Failed], 0));
    }
}
