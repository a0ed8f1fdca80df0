//! Why report-investigations took, planned or left an action. An action holds it as an `outcome::Reason`
//! (displayed, and serialised as its wording); metrics and tests ask for it back by type.

use std::fmt;

use crate::outcome::Explains;

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The investigation's status is not final yet (RUNNING).
    StillRunning(String),
    NoAccountForSecurityHub,
    ArchivedAsNoise {
        severity: String,
        threshold: String,
    },
    AlreadyArchived,
    /// The investigation read is not the one the message describes (its entity or graph
    /// differ): a forged or mistaken message never archives someone else's investigation.
    NotTheMessagesInvestigation {
        found: String,
        expected: String,
    },
    /// The message says this sink has the report already (sent again after a later write
    /// failed).
    AlreadyDelivered,
    /// Sent again to the report queue carrying how many sinks are delivered.
    SentAgain(usize),
    /// Sent to the dead-letter queue, why.
    DeadLettered(String),
}

impl Explains for Reason {}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StillRunning(status) => write!(
                formatter,
                "the investigation is {status}: SQS delivers the message again after the visibility timeout"
            ),
            Self::NoAccountForSecurityHub => write!(
                formatter,
                "the batch names no queue ARN, so the account whose Security Hub product to use is unknown"
            ),
            Self::ArchivedAsNoise { severity, threshold } => {
                write!(formatter, "severity {severity} is at or below ARCHIVE_AT_OR_BELOW={threshold}")
            }
            Self::AlreadyArchived => write!(formatter, "already ARCHIVED"),
            Self::NotTheMessagesInvestigation { found, expected } => write!(
                formatter,
                "the investigation is of {found}, not of the message's {expected}: not archived"
            ),
            Self::SentAgain(delivered) => write!(
                formatter,
                "a write failed after {delivered} sink(s) had the report: sent again with what is delivered, so none gets it twice"
            ),
            Self::DeadLettered(why) => write!(formatter, "to the report dead-letter queue: {why}"),
            Self::AlreadyDelivered => write!(
                formatter,
                "delivered already (the message was sent again after a later write failed)"
            ),
        }
    }
}
