//! Lambda entry point: wiring only. The logic is `shared::enroll`.

use std::time::Duration;

use chrono::Utc;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use shared::aws::{load_sdk_config, GraphCache, SdkDetective, SdkOrganizations};
use shared::clock::SystemClock;
use shared::config::ProcessEnv;
use shared::enroll::{EnrollConfig, Enroller};
use shared::lambda::{lambda_deadline, respond, work_deadline};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_lambda();
    // Fails at start, naming the variable, before any event is taken.
    let config = EnrollConfig::from_env(&ProcessEnv).map_err(|error| error.to_string())?;
    let sdk = load_sdk_config().await;
    let (detective, organizations) = (SdkDetective::new(&sdk), SdkOrganizations::new(&sdk));
    // Graphs found by ListGraphs stay cached while the execution environment is warm.
    let graphs = GraphCache::default();
    let (detective, organizations, config, graphs) = (&detective, &organizations, &config, &graphs);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now = Utc::now();
        let deadline = lambda_deadline(event.context.deadline, now).map(|deadline| work_deadline(deadline, now));
        let enroller = Enroller {
            detective,
            organizations,
            config,
            graphs,
            clock: &SystemClock,
            deadline,
            retry_base: Duration::from_secs(1),
        };
        respond(&event.payload, enroller.handle(&event.payload).await)
    }))
    .await
}
