//! report-investigations: every investigation we start ends in a report. Triggered by the
//! delayed message investigate-findings sends; reads the investigation's verdict and
//! evidence (GetInvestigation, ListIndicators), then publishes the report (EventBridge),
//! optionally imports it into Security Hub and archives the noise.

mod asff;
#[cfg(test)]
mod fixtures;
mod follow_up;
mod handler;
mod message;
mod metrics;
mod plan;
mod reason;
mod summary;
mod writes;

pub use asff::{cut, finding};
pub use follow_up::{FollowUp, Queues, MOST_ATTEMPTS, PERMANENT_AFTER};
pub use handler::{redelivered, ReportInvestigations, FUNCTION};
pub use message::{OriginatingFinding, ReportMessage, Sink, VERSION};
pub use plan::{plan_report, Verdict};
pub use reason::Reason;
pub use summary::{console_url, report_id, summarize, Report, SEVERITIES, TOP};
pub use writes::{ReportPorts, ReportWrite};

use crate::config::{self, ConfigError, Env};
use crate::domain::InvestigationSeverity;

pub use crate::aws::EVENT_SOURCE;
pub const DETAIL_COMPLETED: &str = "Detective Investigation Completed";
pub const DETAIL_FAILED: &str = "Detective Investigation Failed";

pub const AWS_ACTIONS: &[&str] = &[
    "detective:GetInvestigation",
    "detective:ListIndicators",
    "detective:UpdateInvestigationState",
    "events:PutEvents",
    "securityhub:BatchImportFindings",
    "sqs:SendMessage",
];

pub const VARIABLES: &[(&str, &str)] = &[
    ("REPORT_BUS_NAME", "default"),
    ("REPORT_QUEUE_URL", ""),
    ("REPORT_DEAD_LETTER_QUEUE_URL", ""),
    ("SECURITY_HUB", "false"),
    ("ARCHIVE_AT_OR_BELOW", ""),
    ("DRY_RUN", "false"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportConfig {
    /// `REPORT_BUS_NAME`: the EventBridge bus the reports go to.
    pub bus: String,
    /// `SECURITY_HUB`: also import each report as a Security Hub finding.
    pub security_hub: bool,
    /// `ARCHIVE_AT_OR_BELOW`: archive investigations of this severity or lower (unset: none).
    pub archive_at_or_below: Option<InvestigationSeverity>,
    /// `REPORT_QUEUE_URL`, `REPORT_DEAD_LETTER_QUEUE_URL`: where a message is sent again
    /// with what is delivered, and where one that can never succeed goes with why.
    pub queues: Queues,
    /// `DRY_RUN`: read and decide, write nothing.
    pub dry_run: bool,
}

fn queue_url(env: &dyn Env, var: &'static str) -> Result<Option<String>, ConfigError> {
    match config::optional(env, var) {
        Some(url) if !url.starts_with("https://") && !url.starts_with("http://") => Err(ConfigError {
            var,
            expected: "an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)",
            found: url,
        }),
        url => Ok(url),
    }
}

impl ReportConfig {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let archive_at_or_below = match config::optional(env, "ARCHIVE_AT_OR_BELOW") {
            None => None,
            Some(value) => match InvestigationSeverity::from_aws(&value.to_ascii_uppercase()) {
                InvestigationSeverity::Other(_) => {
                    return Err(ConfigError {
                        var: "ARCHIVE_AT_OR_BELOW",
                        expected: "one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL",
                        found: value,
                    })
                }
                severity => Some(severity),
            },
        };
        Ok(Self {
            bus: config::optional(env, "REPORT_BUS_NAME").unwrap_or_else(|| "default".to_owned()),
            security_hub: config::boolean(env, "SECURITY_HUB", false)?,
            archive_at_or_below,
            queues: Queues {
                report: queue_url(env, "REPORT_QUEUE_URL")?,
                dead_letter: queue_url(env, "REPORT_DEAD_LETTER_QUEUE_URL")?,
            },
            dry_run: config::boolean(env, "DRY_RUN", false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn declared_defaults_are_the_code_defaults() {
        let declared = env(VARIABLES);
        assert_eq!(
            ReportConfig::from_env(&declared).ok(),
            ReportConfig::from_env(&env(&[])).ok()
        );
    }

    #[test]
    fn a_bad_threshold_names_the_variable() {
        let error = ReportConfig::from_env(&env(&[("ARCHIVE_AT_OR_BELOW", "SOMETIMES")])).err();
        assert_eq!(error.map(|error| error.var), Some("ARCHIVE_AT_OR_BELOW"));
        let low = ReportConfig::from_env(&env(&[("ARCHIVE_AT_OR_BELOW", "low")])).ok();
        assert_eq!(
            low.and_then(|config| config.archive_at_or_below),
            Some(InvestigationSeverity::Low)
        );
    }
}
