//! Lambda glue: an outcome becomes the response, or, when failed, an invocation error
//! (so Lambda retries the event and finally sends it to the dead-letter queue).

use lambda_runtime::Diagnostic;
use serde_json::Value;

use crate::outcome::Outcome;

/// A failed outcome, carried as the invocation's error.
#[derive(Debug)]
pub struct FailedOutcome(pub Outcome);

impl From<FailedOutcome> for Diagnostic {
    fn from(failed: FailedOutcome) -> Self {
        Diagnostic {
            error_type: format!("{}.Failed", failed.0.function),
            error_message: failed.0.to_json(),
        }
    }
}

pub fn into_response(outcome: Outcome) -> Result<Value, FailedOutcome> {
    if outcome.is_failed() {
        Err(FailedOutcome(outcome))
    } else {
        Ok(serde_json::to_value(&outcome).unwrap_or_default())
    }
}
