//! One SDK configuration, loaded once at start.

use aws_config::{BehaviorVersion, SdkConfig};

/// Loads the default chain: credentials, region, `AWS_ENDPOINT_URL` (the sandbox or
/// moto) and `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` (the SDK's jittered exponential
/// backoff on throttling and 5xx) are all read natively by the SDK.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The same configuration pointed at a local endpoint (the sandbox) with throwaway
/// credentials; retry settings still come from the environment.
pub async fn local_sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    let credentials = aws_sdk_detective::config::Credentials::new("sandbox", "sandbox", None, None, "sandbox");
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .load()
        .await
}
