//! Lambda entry point: wiring only. The logic is `shared::accept`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use shared::accept::{handle, AcceptConfig};
use shared::aws::{load_sdk_config, SdkDetective};
use shared::config::ProcessEnv;
use shared::lambda::respond;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_lambda();
    // Fail closed: a missing or malformed allowlist stops the function here, naming the variable.
    let config = AcceptConfig::from_env(&ProcessEnv).map_err(|error| error.to_string())?;
    let detective = SdkDetective::new(&load_sdk_config().await);
    let (detective, config) = (&detective, &config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        respond(&event.payload, handle(&event.payload, detective, config).await)
    }))
    .await
}
