//! Logging: JSON in Lambda (`AWS_LAMBDA_LOG_FORMAT=JSON`), always on stderr for the CLI.

use crate::outcome::{Action, Outcome};

use lambda_runtime::tracing::subscriber::filter::{EnvFilter, LevelFilter};

/// Crates whose TRACE or DEBUG lines carry what must never reach the logs: lambda_runtime
/// writes each raw event at TRACE (a custom resource's presigned ResponseURL is a credential
/// until it expires), the SDK's HTTP layers write requests and responses. At most INFO for
/// them, whatever the level.
const CAPPED: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_config",
    "aws_sigv4",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
];

/// The filter for `level` (Lambda's `AWS_LAMBDA_LOG_LEVEL`, the LogLevel parameter): our
/// own lines at that level, the capped crates at INFO at most. RUST_LOG is not read: a
/// variable must not lift the cap.
pub fn lambda_filter(level: Option<&str>) -> EnvFilter {
    let level = level
        .and_then(|level| level.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let capped = level.min(LevelFilter::INFO);
    CAPPED.iter().fold(
        EnvFilter::builder()
            .with_default_directive(level.into())
            .parse_lossy(""),
        |filter, target| match format!("{target}={capped}").parse() {
            Ok(directive) => filter.add_directive(directive),
            Err(_) => filter,
        },
    )
}

/// Lambda: JSON lines when `AWS_LAMBDA_LOG_FORMAT` is JSON (the template's), at
/// `AWS_LAMBDA_LOG_LEVEL`, never a raw event or an HTTP exchange.
pub fn init_lambda() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let collector = lambda_runtime::tracing::subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(lambda_filter(level.as_deref()));
    let installed = if json {
        collector.json().try_init()
    } else {
        collector.try_init()
    };
    if let Err(error) = installed {
        eprintln!("logging not set up: {error}");
    }
}

/// CLI: the same subscriber on stderr, so stdout carries only the outcome.
pub fn init_cli() {
    lambda_runtime::tracing::init_default_subscriber_with_writer(std::io::stderr);
}

/// One structured line per decision.
pub fn log_outcome(outcome: &Outcome) {
    let status = serde_json::to_value(outcome.status).unwrap_or_default();
    let status = status.as_str().unwrap_or_default();
    let event_id = outcome.event_id.as_deref().unwrap_or_default();
    if outcome.is_failed() {
        tracing::error!(function = outcome.function, event_id, status, reason = %outcome.reason, actions = outcome.actions.len(), "decision");
    } else {
        tracing::info!(function = outcome.function, event_id, status, reason = %outcome.reason, actions = outcome.actions.len(), "decision");
    }
}

/// One structured line per action, once it is final (made, planned, left or failed).
pub fn log_action(function: &'static str, action: &Action) {
    let result = serde_json::to_value(action.result).unwrap_or_default();
    let result = result.as_str().unwrap_or_default();
    let reason = action.reason_text().unwrap_or_default();
    let error = action.error_text().unwrap_or_default();
    let accounts = action.account_ids.join(",");
    tracing::info!(
        function,
        operation = action.operation.name(),
        result,
        region = action.region.as_deref().unwrap_or_default(),
        graph_arn = action.graph_arn.as_deref().unwrap_or_default(),
        accounts,
        administrator_id = action.administrator_id.as_deref().unwrap_or_default(),
        entity_arn = action.entity_arn.as_deref().unwrap_or_default(),
        reason,
        error,
        "action"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_level_lets_the_runtime_or_the_sdk_write_raw_events_or_http() {
        let filter = lambda_filter(Some("TRACE")).to_string();
        assert!(filter.contains("lambda_runtime=info"), "{filter}");
        assert!(filter.contains("aws_smithy_runtime=info"), "{filter}");
        assert!(
            filter.starts_with("trace") || filter.contains(",trace") || filter.contains("trace,"),
            "{filter}"
        );
        // Below INFO the cap is the level itself.
        assert!(lambda_filter(Some("WARN")).to_string().contains("lambda_runtime=warn"));
        assert!(lambda_filter(None).to_string().contains("lambda_runtime=info"));
    }
}
