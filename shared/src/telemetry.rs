//! Logging: JSON in Lambda (`AWS_LAMBDA_LOG_FORMAT=JSON`), always on stderr for the CLI.

use crate::outcome::{Action, Outcome};

/// Lambda: the runtime's subscriber, honouring `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL`.
pub fn init_lambda() {
    lambda_runtime::tracing::init_default_subscriber();
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
        operation = action.operation,
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
