//! One executor for every plan: the deadline margin, the dry run, the call, done or
//! failed, and one log line per decision with its final result.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::outcome::{Action, ActionResult, DeadlineNear, Retry};
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

    /// The plan as actions, without a call: each write as intended (planned), each decision
    /// as it is. What an alert tells before the writes are made.
    pub fn preview<P>(&self) -> Vec<Action>
    where
        W: Write<P>,
    {
        let mut actions = Vec::new();
        for step in &self.steps {
            match step {
                Step::Decided(action) => actions.push(action.as_ref().clone()),
                Step::Write(write) => actions.extend(write.intended().into_iter().map(|mut action| {
                    action.result = ActionResult::Planned;
                    action
                })),
            }
        }
        actions
    }
}

/// A write a plan intends; how it is made is its own business (retries, read-backs).
pub trait Write<P>: Send {
    /// The actions as intended (what, where, on what, why): what a dry run reports.
    fn intended(&self) -> Vec<Action>;

    /// Makes the call(s): every resulting action, final. A write of several calls asks
    /// `policy.out_of_time()` before each.
    fn perform(self, ports: &P, policy: &Policy<'_>) -> impl Future<Output = Vec<Action>> + Send;
}

/// Whether to write at all, and until when.
pub struct Policy<'a> {
    pub function: &'static str,
    pub dry_run: bool,
    pub clock: &'a dyn Clock,
    /// When to stop starting new work (`lambda::work_deadline`); none in the CLI.
    pub deadline: Option<DateTime<Utc>>,
    /// Who tries again what the deadline cut short.
    pub retry: Retry,
}

impl Policy<'_> {
    pub fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|deadline| self.clock.now() >= deadline)
    }

    /// The intended action, not started because the deadline was near.
    pub fn not_started(&self, mut action: Action) -> Action {
        action.result = ActionResult::Failed;
        action.with_reason(DeadlineNear(self.retry))
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
            // A dry run makes no call, so the deadline cannot cut it short.
            Step::Write(write) if policy.dry_run => write
                .intended()
                .into_iter()
                .map(|mut action| {
                    action.result = ActionResult::Planned;
                    action
                })
                .collect(),
            Step::Write(write) if policy.out_of_time() => write
                .intended()
                .into_iter()
                .map(|action| policy.not_started(action))
                .collect(),
            Step::Write(write) => write.perform(ports, policy).await,
        };
        for action in &finished {
            telemetry::log_action(policy.function, action);
        }
        actions.extend(finished);
    }
    actions
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::clock::FixedClock;
    use crate::operation::Operation;

    struct Calls(AtomicUsize);

    struct Touch;

    impl Write<Calls> for Touch {
        fn intended(&self) -> Vec<Action> {
            vec![Action::new(Operation::TagResource, ActionResult::Planned)]
        }

        async fn perform(self, ports: &Calls, _: &Policy<'_>) -> Vec<Action> {
            ports.0.fetch_add(1, Ordering::Relaxed);
            vec![Action::new(Operation::TagResource, ActionResult::Done)]
        }
    }

    fn plan() -> Plan<Touch> {
        let mut plan = Plan::default();
        plan.decided(Action::new(Operation::UntagResource, ActionResult::Skipped));
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
            retry: Retry::LambdaRetry,
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
        // A dry run calls nothing, so a near deadline does not fail it.
        assert_eq!(run(true, Some(DateTime::UNIX_EPOCH)).await, (vec![Skipped, Planned], 0));
    }
}
