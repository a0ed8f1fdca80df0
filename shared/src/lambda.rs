//! Lambda glue: an outcome becomes the response, or, when failed, an invocation error
//! (so Lambda retries the event and finally sends it to the dead-letter queue).

use std::time::Duration;

use chrono::{DateTime, Utc};
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::Value;

use crate::aws::load_sdk_config;
use crate::clock::SystemClock;
use crate::config::ProcessEnv;
use crate::function::{Function, Handler};
use crate::outcome::Outcome;
use crate::runner::{run, Handled};

/// A function's whole `main`: configuration read at start (an unusable variable stops it
/// there, naming the variable), clients and caches built once, then every event through
/// the runner.
pub async fn serve<F: Function>() -> Result<(), lambda_runtime::Error> {
    crate::telemetry::init_lambda();
    let config = F::config(&ProcessEnv).map_err(|error| error.to_string())?;
    let function = F::build(config, &load_sdk_config().await);
    let function = &function;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now = Utc::now();
        let deadline = lambda_deadline(event.context.deadline, now).map(|deadline| work_deadline(deadline, now));
        respond::<F>(run(function, &event.payload, &SystemClock, deadline).await)
    }))
    .await
}

/// A failed outcome, carried as the invocation's error.
#[derive(Debug)]
pub struct FailedOutcome(pub Box<Outcome>);

impl From<FailedOutcome> for Diagnostic {
    fn from(failed: FailedOutcome) -> Self {
        Diagnostic {
            error_type: format!("{}.Failed", failed.0.function),
            // The reason first: consoles and `cargo lambda invoke` cut long messages short.
            error_message: format!("{} | outcome: {}", failed.0.reason, failed.0.to_json()),
        }
    }
}

/// The invocation's deadline from the runtime's `Lambda-Runtime-Deadline-Ms` (epoch
/// milliseconds). A value that is not in the future cannot be a real deadline (the
/// `cargo lambda watch` emulator sends the timeout as a duration): no deadline then.
pub fn lambda_deadline(epoch_millis: u64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let deadline = i64::try_from(epoch_millis)
        .ok()
        .and_then(DateTime::from_timestamp_millis)?;
    if deadline > now {
        Some(deadline)
    } else {
        tracing::warn!(
            deadline_ms = epoch_millis,
            "the runtime's deadline is not in the future; running without one"
        );
        None
    }
}

/// Stop starting new work this long before the Lambda deadline, at most...
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// ...and at most a fifth of the time the invocation has, so short timeouts still work.
pub fn work_deadline(lambda_deadline: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let remaining = (lambda_deadline - now).max(chrono::Duration::zero());
    let margin = chrono::Duration::from_std(DEADLINE_MARGIN)
        .unwrap_or_default()
        .min(remaining / 5);
    lambda_deadline - margin
}

pub fn into_response(outcome: Outcome) -> Result<Value, FailedOutcome> {
    if outcome.is_failed() {
        Err(FailedOutcome(Box::new(outcome)))
    } else {
        Ok(serde_json::to_value(&outcome).unwrap_or_default())
    }
}

/// What a function returns to the runtime: emits the metrics of the outcome, then the
/// response (or, when failed, the invocation error).
///
/// A failed scheduled run is answered, not raised: Lambda would run the whole sweep twice
/// more for a problem (a member Detective will not enable, an email that does not match)
/// that the next scheduled run meets and reports again anyway. The next schedule is the
/// retry; the failure stays visible in the decision log line, the `EventsReceived`
/// metric with `Status=failed`, and the alarm on it.
pub fn respond<F: Handler>(handled: Handled) -> Result<Value, FailedOutcome> {
    crate::metrics::emit(&handled.outcome, handled.trigger, &F::metrics(&handled.outcome));
    if handled.scheduled || F::answered(&handled.outcome) {
        return Ok(serde_json::to_value(&handled.outcome).unwrap_or_default());
    }
    into_response(handled.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A function with the contract's defaults.
    struct Any;

    impl Handler for Any {
        const NAME: &'static str = "any";
        const NOT_TAKEN: &'static str = "is not taken";

        fn takes(_: &crate::event::Trigger) -> bool {
            false
        }

        async fn handle(&self, _: &crate::function::Invocation<'_>) -> Outcome {
            Outcome::new(Self::NAME, None, crate::outcome::Status::Ignored, "")
        }
    }

    #[test]
    fn a_failed_scheduled_run_is_answered_but_a_failed_event_is_raised() {
        let failed = |scheduled| Handled {
            outcome: Outcome::new("f", None, crate::outcome::Status::Failed, "a member stays disabled"),
            trigger: if scheduled {
                "ScheduledEvent"
            } else {
                "Organizations.CreateAccountResult"
            },
            scheduled,
        };
        let answered = respond::<Any>(failed(true));
        assert_eq!(
            answered.ok().and_then(|v| v.get("status").cloned()),
            Some(Value::from("failed"))
        );
        assert!(
            respond::<Any>(failed(false)).is_err(),
            "Lambda retries an event, then dead-letters it"
        );
    }

    #[test]
    fn the_margin_is_ten_seconds_or_a_fifth_of_the_time_left() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let at = |seconds| now + chrono::Duration::seconds(seconds);
        assert_eq!(work_deadline(at(300), now), at(290));
        assert_eq!(work_deadline(at(3), now), now + chrono::Duration::milliseconds(2_400));
        assert_eq!(work_deadline(at(-1), now), at(-1));
    }

    #[test]
    fn only_a_future_deadline_counts() {
        let now = DateTime::from_timestamp_millis(1_800_000_000_000).unwrap_or_default();
        assert_eq!(
            lambda_deadline(1_800_000_300_000, now),
            DateTime::from_timestamp_millis(1_800_000_300_000)
        );
        assert_eq!(lambda_deadline(600_000, now), None);
    }

    #[test]
    fn a_failed_outcome_is_an_error_that_starts_with_its_reason() {
        let outcome = Outcome::new("f", None, crate::outcome::Status::Failed, "event.detail.x: expected y");
        let Err(failed) = into_response(outcome) else {
            unreachable!("failed outcomes are errors")
        };
        let diagnostic = Diagnostic::from(failed);
        assert_eq!(diagnostic.error_type, "f.Failed");
        assert!(diagnostic
            .error_message
            .starts_with("event.detail.x: expected y | outcome: {"));
    }
}
