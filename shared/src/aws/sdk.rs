//! One SDK configuration, loaded once at start.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

/// Attempts per call when `AWS_MAX_ATTEMPTS` is not set: more than the SDK's 3, because a
/// sweep of a large organization meets Detective's throttling in bursts.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// One attempt of any call, and one call with all its retries and backoff, may take at most
/// this long. Without them a hung connection or a long retry storm could outlast the
/// function's own timeout (60 s for the shortest), and Lambda would kill the invocation
/// mid-call instead of our code failing it with a reason.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(25);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

fn defaults() -> ConfigLoader {
    let loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts());
    // Set explicitly, the retry config would override the environment: only when it is silent.
    if std::env::var_os("AWS_MAX_ATTEMPTS").is_some() || std::env::var_os("AWS_RETRY_MODE").is_some() {
        loader
    } else {
        loader.retry_config(RetryConfig::standard().with_max_attempts(DEFAULT_MAX_ATTEMPTS))
    }
}

/// Loads the default chain: credentials, region, `AWS_ENDPOINT_URL` (the sandbox or
/// moto) and `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` (the SDK's jittered exponential
/// backoff on throttling and 5xx) are all read natively by the SDK.
pub async fn load_sdk_config() -> SdkConfig {
    defaults().load().await
}

/// The same configuration pointed at a local endpoint (the sandbox) with throwaway
/// credentials; retry settings still come from the environment.
pub async fn local_sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    local_sdk_config_as(endpoint, region, "sandbox").await
}

/// The same, with this access key id (the sandbox tells the caller's account by it).
pub async fn local_sdk_config_as(endpoint: &str, region: &str, access_key_id: &str) -> SdkConfig {
    let credentials = aws_sdk_detective::config::Credentials::new(access_key_id, "sandbox", None, None, "sandbox");
    defaults()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .load()
        .await
}
