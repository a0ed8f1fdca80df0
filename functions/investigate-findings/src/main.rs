//! Lambda entry point: wiring only. The logic is `shared::investigate`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use shared::aws::{load_sdk_config, GraphCache, SdkDetective};
use shared::clock::SystemClock;
use shared::config::ProcessEnv;
use shared::investigate::{handle, InvestigateConfig};
use shared::lambda::respond;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_lambda();
    // Fails at start, naming the variable, before any event is taken.
    let config = InvestigateConfig::from_env(&ProcessEnv).map_err(|error| error.to_string())?;
    let detective = SdkDetective::new(&load_sdk_config().await);
    // Graphs found by ListGraphs stay cached while the execution environment is warm.
    let graphs = GraphCache::default();
    let (detective, config, graphs) = (&detective, &config, &graphs);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        respond(
            &event.payload,
            handle(&event.payload, detective, config, graphs, &SystemClock).await,
        )
    }))
    .await
}
