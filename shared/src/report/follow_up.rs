//! What becomes of a report message once its reads and writes are done, decided purely:
//! done; delivered again by SQS (a batch item failure); sent again carrying what is already
//! delivered (so that a sink that succeeded never gets the report twice, however often a
//! later one fails); or sent to the dead-letter queue with why, when it can never succeed
//! here or keeps failing.

use super::message::{ReportMessage, Sink};
use crate::outcome::{Action, ActionResult, Failure};

/// Receives of a message whose failure will not pass by itself (access denied, a finding
/// Security Hub rejects) before it goes to the dead-letter queue: a few, in case the cause
/// is fixed meanwhile (IAM propagating after a deployment).
pub const PERMANENT_AFTER: u32 = 3;
/// Attempts of a message that keeps failing, carried over when it is sent again: the report
/// queue's maxReceiveCount (100 x the 15-minute visibility timeout, 25 hours).
pub const MOST_ATTEMPTS: u32 = 100;
/// A message sent again waits SQS's longest delay, as a redelivery waits the visibility
/// timeout.
pub const SEND_AGAIN_DELAY_SECONDS: u32 = 900;

/// The queues report-investigations may send to (`REPORT_QUEUE_URL`,
/// `REPORT_DEAD_LETTER_QUEUE_URL`); without them a message can only be delivered again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Queues {
    pub report: Option<String>,
    pub dead_letter: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    Done,
    /// A batch item failure: SQS delivers it again after the visibility timeout.
    Again(String),
    /// A copy carrying what is delivered, to the report queue; the message itself is done.
    SendAgain {
        queue_url: String,
        message: ReportMessage,
    },
    /// To the dead-letter queue with why; the message itself is done. `about`: the message,
    /// when it could be read.
    DeadLetter {
        queue_url: String,
        body: String,
        reason: String,
        about: Option<ReportMessage>,
    },
}

/// Failures that pass by themselves: throttling, a service's fault, no answer.
fn transient(code: &str) -> bool {
    matches!(
        code,
        "ThrottlingException"
            | "TooManyRequestsException"
            | "Throttling"
            | "LimitExceededException"
            | "RequestLimitExceeded"
            | "InternalException"
            | "InternalServerException"
            | "InternalFailure"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
            | "ServiceException"
            | "TimeoutError"
            | "DispatchFailure"
            | "ResponseError"
            | "Unknown"
    )
}

/// Whether a failed action will fail again, whatever the wait: an AWS error that is not
/// transient. A write the deadline left unstarted is not.
pub fn permanent(failure: &Failure) -> bool {
    match failure {
        Failure::Aws(error) => !transient(&error.code),
        _ => false,
    }
}

/// Whether a message that failed `attempts` times goes to the dead-letter queue: a
/// permanent failure after a few, any after the queue's own limit.
fn gives_up(is_permanent: bool, attempts: u32) -> bool {
    (is_permanent && attempts >= PERMANENT_AFTER) || attempts >= MOST_ATTEMPTS
}

fn dead_letter(queues: &Queues, body: String, reason: String, about: Option<&ReportMessage>) -> FollowUp {
    match &queues.dead_letter {
        Some(queue_url) => FollowUp::DeadLetter {
            queue_url: queue_url.clone(),
            body,
            reason,
            about: about.cloned(),
        },
        None => FollowUp::Again(format!(
            "{reason} (REPORT_DEAD_LETTER_QUEUE_URL is unset: delivered again)"
        )),
    }
}

/// A message that can never be reported here (unreadable, another region's): straight to
/// the dead-letter queue, its body as it came.
pub fn never(body: &str, about: Option<&ReportMessage>, reason: String, queues: &Queues) -> FollowUp {
    dead_letter(queues, body.to_owned(), reason, about)
}

/// A read (GetInvestigation, ListIndicators) failed: nothing was delivered, so SQS delivers
/// it again, unless the failure is permanent and has been seen `PERMANENT_AFTER` times.
pub fn after_failed_read(message: &ReportMessage, receives: u32, failure: &Failure, queues: &Queues) -> FollowUp {
    let attempts = message.attempts.saturating_add(receives.max(1));
    if gives_up(permanent(failure), attempts) {
        let reason = format!("after {attempts} attempts: {failure}");
        return dead_letter(queues, message.to_body(), reason, Some(message));
    }
    FollowUp::Again(failure.to_string())
}

/// After the writes: done when none failed. Otherwise what was delivered is carried in a
/// copy sent again (none is delivered twice), or, when nothing new was, SQS delivers the
/// message again; a permanent failure seen `PERMANENT_AFTER` times, or any after
/// `MOST_ATTEMPTS`, goes to the dead-letter queue with what is delivered and why.
pub fn after_writes(message: &ReportMessage, receives: u32, actions: &[Action], queues: &Queues) -> FollowUp {
    let failed: Vec<&Action> = actions
        .iter()
        .filter(|action| action.result == ActionResult::Failed)
        .collect();
    if failed.is_empty() {
        return FollowUp::Done;
    }
    let mut delivered = message.delivered.clone();
    for action in actions.iter().filter(|action| action.result == ActionResult::Done) {
        if let Some(sink) = Sink::of_operation(action.operation) {
            if !delivered.contains(&sink) {
                delivered.push(sink);
            }
        }
    }
    let attempts = message.attempts.saturating_add(receives.max(1));
    let why: Vec<String> = failed
        .iter()
        .map(|action| {
            format!(
                "{}: {}",
                action.operation,
                action.error_text().or_else(|| action.reason_text()).unwrap_or_default()
            )
        })
        .collect();
    let why = why.join("; ");
    let is_permanent = failed.iter().any(|action| action.error.as_ref().is_some_and(permanent));
    let progressed = delivered.len() > message.delivered.len();
    let continued = ReportMessage {
        delivered,
        attempts,
        ..message.clone()
    };
    if gives_up(is_permanent, attempts) {
        let reason = format!("after {attempts} attempts: {why}");
        return dead_letter(queues, continued.to_body(), reason, Some(&continued));
    }
    match (&queues.report, progressed) {
        (Some(queue_url), true) => FollowUp::SendAgain {
            queue_url: queue_url.clone(),
            message: continued,
        },
        _ => FollowUp::Again(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::AwsError;
    use crate::operation::Operation;
    use crate::report::fixtures::message;

    fn queues() -> Queues {
        Queues {
            report: Some("https://sqs.us-east-1.amazonaws.com/111111111111/reports".to_owned()),
            dead_letter: Some("https://sqs.us-east-1.amazonaws.com/111111111111/reports-dlq".to_owned()),
        }
    }

    fn action(operation: Operation, code: Option<&str>) -> Action {
        let action = Action::new(operation, ActionResult::Done);
        match code {
            Some(code) => action.failed(AwsError::new(operation, code, "no")),
            None => action,
        }
    }

    fn kind(follow_up: &FollowUp) -> String {
        match follow_up {
            FollowUp::Done => "done".to_owned(),
            FollowUp::Again(_) => "again".to_owned(),
            FollowUp::SendAgain { message, .. } => format!(
                "send again delivered {:?} attempts {}",
                message.delivered, message.attempts
            ),
            FollowUp::DeadLetter { reason, body, .. } => {
                let delivered = serde_json::from_str::<ReportMessage>(body)
                    .map(|message| message.delivered)
                    .unwrap_or_default();
                format!("dead letter delivered {delivered:?}: {reason}")
            }
        }
    }

    #[test]
    fn what_each_result_comes_to() {
        let published = action(Operation::PutEvents, None);
        let throttled = action(Operation::BatchImportFindings, Some("TooManyRequestsException"));
        let denied = action(Operation::BatchImportFindings, Some("AccessDeniedException"));
        let unpublished = action(Operation::PutEvents, Some("InternalException"));
        let cases: Vec<(Vec<Action>, u32, &str)> = vec![
            (vec![published.clone()], 1, "done"),
            // The report is out; only the import is tried again, in a copy that says so.
            (vec![published.clone(), throttled.clone()], 1, "send again delivered [EventBridge] attempts 1"),
            // Nothing delivered: SQS delivers the message itself again.
            (vec![unpublished.clone()], 1, "again"),
            (vec![published.clone(), denied.clone()], 1, "send again delivered [EventBridge] attempts 1"),
            (vec![published.clone(), denied.clone()], 3, "dead letter delivered [EventBridge]: after 3 attempts: BatchImportFindings: BatchImportFindings failed: AccessDeniedException: no"),
            (vec![unpublished.clone()], 100, "dead letter delivered []: after 100 attempts: PutEvents: PutEvents failed: InternalException: no"),
        ];
        for (actions, receives, expected) in cases {
            assert_eq!(
                kind(&after_writes(&message(), receives, &actions, &queues())),
                expected,
                "{actions:?}"
            );
        }
    }

    #[test]
    fn attempts_carry_over_so_a_message_sent_again_still_ends() {
        let mut again = message();
        again.delivered = vec![Sink::EventBridge];
        again.attempts = 2;
        let denied = action(Operation::BatchImportFindings, Some("AccessDeniedException"));
        assert!(kind(&after_writes(&again, 1, &[denied], &queues()))
            .starts_with("dead letter delivered [EventBridge]: after 3 attempts"));
    }

    #[test]
    fn without_the_queues_a_message_is_only_delivered_again() {
        let published = action(Operation::PutEvents, None);
        let denied = action(Operation::BatchImportFindings, Some("AccessDeniedException"));
        let none = Queues::default();
        assert_eq!(
            kind(&after_writes(
                &message(),
                1,
                &[published.clone(), denied.clone()],
                &none
            )),
            "again"
        );
        assert_eq!(kind(&after_writes(&message(), 5, &[published, denied], &none)), "again");
        assert_eq!(kind(&never("x", None, "unreadable".to_owned(), &none)), "again");
    }
}
