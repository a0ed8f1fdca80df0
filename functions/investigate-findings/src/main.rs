//! Lambda entry point: wiring only. The logic is `shared::investigate`.

use chrono::Utc;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use shared::aws::{load_sdk_config, GraphCache, SdkDetective, SdkPrincipalLookup};
use shared::clock::SystemClock;
use shared::config::ProcessEnv;
use shared::investigate::{InvestigateConfig, Investigator};
use shared::lambda::{lambda_deadline, respond, work_deadline};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_lambda();
    // Fails at start, naming the variable, before any event is taken.
    let config = InvestigateConfig::from_env(&ProcessEnv).map_err(|error| error.to_string())?;
    let sdk = load_sdk_config().await;
    let detective = SdkDetective::new(&sdk);
    let lookup = config
        .role_lookup_role_name
        .as_deref()
        .map(|role| SdkPrincipalLookup::new(&sdk, role));
    // Graphs found by ListGraphs stay cached while the execution environment is warm.
    let graphs = GraphCache::default();
    let (detective, lookup, config, graphs) = (&detective, lookup.as_ref(), &config, &graphs);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now = Utc::now();
        let deadline = lambda_deadline(event.context.deadline, now).map(|deadline| work_deadline(deadline, now));
        let investigator = Investigator {
            detective,
            lookup,
            config,
            graphs,
            clock: &SystemClock,
            deadline,
        };
        respond(&event.payload, investigator.handle(&event.payload).await)
    }))
    .await
}
