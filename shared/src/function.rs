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
use crate::metrics::IgnoredMetric;
use crate::outcome::Outcome;

/// One invocation, already parsed and routed.
pub struct Invocation<'a> {
    pub envelope: &'a Envelope,
    pub trigger: &'a Trigger,
    pub clock: &'a dyn Clock,
    /// When to stop starting new work; none in the CLI.
    pub deadline: Option<DateTime<Utc>>,
}

impl Invocation<'_> {
    pub fn event_id(&self) -> Option<String> {
        self.envelope.id.clone()
    }
}

/// What a function takes and how it decides: generic over its ports, so that tests can
/// put a fake behind it.
pub trait Handler: Sync {
    /// Crate name, binary name and `function` in outcomes.
    const NAME: &'static str;
    /// How an event it does not take is told so: "is not a GuardDuty finding".
    const NOT_TAKEN: &'static str;
    /// The metric an ignored event also counts toward, if any.
    const IGNORED_METRIC: Option<IgnoredMetric> = None;

    /// Whether it handles this trigger; any other is ignored with `NOT_TAKEN`.
    fn takes(trigger: &Trigger) -> bool;

    fn handle(&self, invocation: &Invocation<'_>) -> impl Future<Output = Outcome> + Send;
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
