//! One SDK configuration, loaded once at start.

use std::time::Duration;

use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

/// Attempts per call when `AWS_MAX_ATTEMPTS` is not set: more than the SDK's 3, because a
/// sweep of a large organization meets Detective's throttling in bursts.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 6;

/// The first retry's backoff ceiling (full jitter, doubling each attempt, 20 s at most):
/// half the SDK's 1 s, so that a short burst of throttling costs a region about half the
/// wait, while six attempts keep the patience of the SDK's 1 s over five (up to 15.5 s of
/// backoff in all).
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(500);

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
        loader.retry_config(retry_config())
    }
}

/// Standard retries with our attempts and backoff.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(DEFAULT_MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
}

/// `config`'s retries made adaptive, unless `AWS_RETRY_MODE` chose a mode: for
/// Organizations, one endpoint for the whole organization with low request rates, where a
/// run may read thousands of accounts' tags, the client slows its own sending once
/// throttled instead of retrying into the limit. Attempts and backoff stay as configured.
pub fn adaptive(config: Option<&RetryConfig>) -> Option<RetryConfig> {
    if std::env::var_os("AWS_RETRY_MODE").is_some() {
        return None;
    }
    config
        .filter(|config| config.mode() == RetryMode::Standard)
        .map(|config| config.clone().with_retry_mode(RetryMode::Adaptive))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizations_retries_become_adaptive_with_the_same_attempts_and_backoff() {
        let made = adaptive(Some(&retry_config()));
        if std::env::var_os("AWS_RETRY_MODE").is_some() {
            assert_eq!(made, None, "the environment's mode stands");
            return;
        }
        let made = made.unwrap_or_else(|| unreachable!("standard retries are made adaptive"));
        assert_eq!(made.mode(), RetryMode::Adaptive);
        assert_eq!(
            (made.max_attempts(), made.initial_backoff()),
            (DEFAULT_MAX_ATTEMPTS, INITIAL_BACKOFF)
        );
        assert_eq!(adaptive(None), None);
    }
}
