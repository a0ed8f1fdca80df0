//! The contract every function fulfils. A new function is a type implementing [`Handler`]
//! (what it takes and how it decides, over its ports) and [`Function`] (how Lambda builds
//! it), one line in `registry.rs`, and a `main.rs` that calls `lambda::serve`.

use std::future::Future;

use aws_config::SdkConfig;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::clock::Clock;
use crate::config::{ConfigError, Env};
use crate::event::{Envelope, Trigger};
use crate::execute::Policy;
use crate::metrics::FunctionMetrics;
use crate::outcome::{Outcome, Retry};

/// One invocation, already parsed and routed.
pub struct Invocation<'a> {
    pub envelope: &'a Envelope,
    pub trigger: &'a Trigger,
    pub clock: &'a dyn Clock,
    /// When to stop starting new work; none in the CLI.
    pub deadline: Option<DateTime<Utc>>,
}

impl<'a> Invocation<'a> {
    pub fn event_id(&self) -> Option<String> {
        self.envelope.id.clone()
    }

    /// How this invocation's writes are run.
    pub fn policy(&self, function: &'static str, dry_run: bool) -> Policy<'a> {
        Policy {
            function,
            dry_run,
            clock: self.clock,
            deadline: self.deadline,
            retry: match self.trigger {
                Trigger::Scheduled { .. } => Retry::NextRun,
                _ => Retry::LambdaRetry,
            },
        }
    }
}

/// What a function takes and how it decides: generic over its ports, so that tests can
/// put a fake behind it.
pub trait Handler: Sync {
    /// Crate name, binary name and `function` in outcomes.
    const NAME: &'static str;
    /// How an event it does not take is told so: "is not a GuardDuty finding".
    const NOT_TAKEN: &'static str;

    /// Whether it handles this trigger; any other is ignored with `NOT_TAKEN`.
    fn takes(trigger: &Trigger) -> bool;

    fn handle(&self, invocation: &Invocation<'_>) -> impl Future<Output = Outcome> + Send;

    /// Whether a failed outcome was answered to its trigger rather than to be raised as the
    /// invocation's error (which Lambda retries): by default, never. A batch answered per
    /// message, or a custom resource CloudFormation has its answer for, must not be run again.
    fn answered(_outcome: &Outcome) -> bool {
        false
    }

    /// What it counts of an outcome (its folder's `metrics.rs`), beyond what every function
    /// counts: none by default.
    fn metrics(_outcome: &Outcome) -> FunctionMetrics {
        FunctionMetrics::default()
    }
}

/// How Lambda (and the CLI) make one: configuration from the environment, clients from
/// the SDK configuration.
pub trait Function: Handler + Sized {
    /// The AWS actions it calls (the template's IAM policy, checked).
    const AWS_ACTIONS: &'static [&'static str];
    /// Its configuration variables with their defaults ("" = unset), as the template declares them.
    const VARIABLES: &'static [(&'static str, &'static str)];

    type Config: Clone + Send + Sync;

    /// Reads the configuration; an error names the variable (the function refuses to start).
    fn config(env: &dyn Env) -> Result<Self::Config, ConfigError>;

    /// `autopilot replay --aws` without `--execute`.
    fn force_dry_run(config: &mut Self::Config);

    /// The long-lived function: clients and caches built once per execution environment.
    fn build(config: Self::Config, sdk: &SdkConfig) -> Self;

    /// What `autopilot describe` prints of it (checked against the template).
    fn describe() -> Value {
        described(Self::AWS_ACTIONS, Self::VARIABLES)
    }
}

/// `{"actions": [...], "variables": {name: default}}`.
pub fn described(actions: &[&str], variables: &[(&str, &str)]) -> Value {
    let variables: serde_json::Map<String, Value> = variables
        .iter()
        .map(|(name, default)| ((*name).to_owned(), Value::from(*default)))
        .collect();
    json!({"actions": actions, "variables": variables})
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clock::FixedClock;
    use crate::outcome::DeadlineNear;

    fn deadline_reason(trigger: Trigger) -> String {
        let envelope =
            Envelope::from_value(&json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}));
        let Ok(envelope) = envelope else {
            unreachable!("a readable envelope")
        };
        let clock = FixedClock(DateTime::UNIX_EPOCH);
        let invocation = Invocation {
            envelope: &envelope,
            trigger: &trigger,
            clock: &clock,
            deadline: Some(DateTime::UNIX_EPOCH),
        };
        DeadlineNear(invocation.policy("f", false).retry).to_string()
    }

    /// A failed schedule is answered (the next run retries); a failed event is raised
    /// (Lambda retries it): the reason says which.
    #[test]
    fn what_the_deadline_cut_short_is_retried_by_whoever_retries_the_trigger() {
        assert_eq!(
            deadline_reason(Trigger::Scheduled { rules: Vec::new() }),
            "not started: the invocation's deadline was near; the next run picks it up"
        );
        let event = Trigger::Unhandled {
            source: "aws.organizations".into(),
            detail_type: "AWS API Call via CloudTrail".into(),
            event_name: None,
        };
        assert_eq!(
            deadline_reason(event),
            "not started: the invocation's deadline was near; Lambda retries the event"
        );
    }
}
