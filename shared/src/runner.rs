//! Everything around a handler, once for every function: parse, route, "not for this
//! function", handle, log the decision.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::clock::Clock;
use crate::event::{route_payload, Envelope, Trigger};
use crate::function::{Handler, Invocation};
use crate::outcome::{Outcome, Status};
use crate::telemetry;

/// What an invocation came to, with the trigger it had (for metrics and the response).
pub struct Handled {
    pub outcome: Outcome,
    /// The trigger's stable name (`Unparsable` when there was none).
    pub trigger: &'static str,
    /// A schedule: its failure is answered, the next schedule being the retry.
    pub scheduled: bool,
}

pub async fn run<F: Handler>(
    function: &F,
    payload: &Value,
    clock: &dyn Clock,
    deadline: Option<DateTime<Utc>>,
) -> Handled {
    let handled = decide(function, payload, clock, deadline).await;
    telemetry::log_outcome(&handled.outcome);
    handled
}

async fn decide<F: Handler>(
    function: &F,
    payload: &Value,
    clock: &dyn Clock,
    deadline: Option<DateTime<Utc>>,
) -> Handled {
    let (envelope, trigger) = match route_payload(payload) {
        Ok(routed) => routed,
        Err((event_id, error)) => {
            return Handled {
                outcome: Outcome::failed(F::NAME, event_id, error),
                trigger: "Unparsable",
                scheduled: false,
            }
        }
    };
    let outcome = if F::takes(&trigger) {
        let invocation = Invocation {
            envelope: &envelope,
            trigger: &trigger,
            clock,
            deadline,
        };
        // Boxed: the handlers' futures (regions, plans, SDK calls) nest deeper than the
        // compiler's default limit once the Lambda runtime's own are wrapped around them.
        Box::pin(function.handle(&invocation)).await
    } else {
        Outcome::new(
            F::NAME,
            envelope.id.clone(),
            Status::Ignored,
            not_taken(&envelope, &trigger, F::NOT_TAKEN),
        )
    };
    Handled {
        outcome,
        trigger: trigger.name(),
        scheduled: matches!(trigger, Trigger::Scheduled { .. }),
    }
}

/// `source "…" with detail-type "…" (Trigger) is not …`; an unhandled event has no name to give.
fn not_taken(envelope: &Envelope, trigger: &Trigger, not_taken: &str) -> String {
    let name = match trigger {
        Trigger::Unhandled { .. } => String::new(),
        other => format!(" ({})", other.name()),
    };
    format!(
        "source {:?} with detail-type {:?}{name} {not_taken}",
        envelope.source, envelope.detail_type
    )
}
