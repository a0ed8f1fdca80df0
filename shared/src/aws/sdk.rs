//! One SDK configuration, loaded once at start.

use aws_config::{BehaviorVersion, SdkConfig};

/// Loads the default chain: credentials, region, `AWS_ENDPOINT_URL` (the sandbox or
/// moto) and `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` (the SDK's jittered exponential
/// backoff on throttling and 5xx) are all read natively by the SDK.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}
