//! investigate-findings configuration, read once at start.

use crate::aws::arn::GraphArn;
use crate::config::{self, ConfigError, Env};

#[derive(Debug, Clone, PartialEq)]
pub struct InvestigateConfig {
    /// `GRAPH_ARN`: the graph to use; else the one graph ListGraphs finds in the finding's region.
    pub graph_arn: Option<GraphArn>,
    /// `MIN_SEVERITY`: findings below are ignored (7.0 is GuardDuty's High).
    pub min_severity: f64,
    /// `FINDING_TYPES`: finding type prefixes to act on; empty means all.
    pub finding_types: Vec<String>,
    /// `INVESTIGATE_SAMPLE_FINDINGS`: act on GuardDuty's generated sample findings too.
    pub investigate_sample_findings: bool,
    /// `INVESTIGATE_SECURITY_HUB_FINDINGS`: act on GuardDuty findings forwarded by Security Hub (ASFF).
    pub investigate_security_hub_findings: bool,
    /// `DEDUP_WINDOW_HOURS`: an ACTIVE investigation of the same principal created this recently suppresses a new one.
    pub dedup_window_hours: u32,
    /// `SCOPE_PADDING_HOURS`: added before the first and after the last sighting.
    pub scope_padding_hours: u32,
    /// `IDENTITY_CENTER_REGION`: the region of the IAM Identity Center instance, which is
    /// part of its permission-set roles' path unless it is us-east-1.
    pub identity_center_region: Option<String>,
    /// `ROLE_LOOKUP_ROLE_NAME`: a role in every member account that may call iam:GetRole
    /// and iam:GetUser, through which a principal's real path is read. Unset: no lookup.
    pub role_lookup_role_name: Option<String>,
    /// `REPORT_QUEUE_URL`: where each started investigation's report request goes
    /// (report-investigations); unset: no reports.
    pub report_queue_url: Option<String>,
    /// `REPORT_DELAY_SECONDS`: the request's SQS delay (at most SQS's 900).
    pub report_delay_seconds: u32,
    /// `DRY_RUN`: read, decide, but make no write.
    pub dry_run: bool,
}

/// Every variable the function reads, with its default ("" = unset), as the template declares them.
pub const VARIABLES: &[(&str, &str)] = &[
    ("GRAPH_ARN", ""),
    ("MIN_SEVERITY", "7"),
    ("FINDING_TYPES", ""),
    ("INVESTIGATE_SAMPLE_FINDINGS", "false"),
    ("INVESTIGATE_SECURITY_HUB_FINDINGS", "false"),
    ("DEDUP_WINDOW_HOURS", "24"),
    ("SCOPE_PADDING_HOURS", "1"),
    ("IDENTITY_CENTER_REGION", ""),
    ("ROLE_LOOKUP_ROLE_NAME", ""),
    ("REPORT_QUEUE_URL", ""),
    ("REPORT_DELAY_SECONDS", "900"),
    ("DRY_RUN", "false"),
];

impl InvestigateConfig {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let graph_arn = match config::optional(env, "GRAPH_ARN") {
            None => None,
            Some(value) => Some(GraphArn::parse(&value).ok_or(ConfigError {
                var: "GRAPH_ARN",
                expected: "arn:<partition>:detective:<region>:<12-digit account>:graph:<32 lowercase hex digits>",
                found: value,
            })?),
        };
        Ok(Self {
            graph_arn,
            min_severity: config::number(env, "MIN_SEVERITY", 7.0, 0.0, 10.0)?,
            finding_types: config::list(env, "FINDING_TYPES"),
            investigate_sample_findings: config::boolean(env, "INVESTIGATE_SAMPLE_FINDINGS", false)?,
            investigate_security_hub_findings: config::boolean(env, "INVESTIGATE_SECURITY_HUB_FINDINGS", false)?,
            dedup_window_hours: config::whole_number(env, "DEDUP_WINDOW_HOURS", 24, 0, 24 * 365)?,
            scope_padding_hours: config::whole_number(env, "SCOPE_PADDING_HOURS", 1, 0, 24 * 30)?,
            identity_center_region: config::optional_region(env, "IDENTITY_CENTER_REGION")?,
            role_lookup_role_name: config::optional_role_name(env, "ROLE_LOOKUP_ROLE_NAME")?,
            report_queue_url: match config::optional(env, "REPORT_QUEUE_URL") {
                Some(url) if !url.starts_with("https://") && !url.starts_with("http://") => {
                    return Err(ConfigError {
                        var: "REPORT_QUEUE_URL",
                        expected: "an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)",
                        found: url,
                    })
                }
                url => url,
            },
            report_delay_seconds: config::whole_number(env, "REPORT_DELAY_SECONDS", 900, 0, 900)?,
            dry_run: config::boolean(env, "DRY_RUN", false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn declared_defaults_are_the_code_defaults() {
        let declared: HashMap<String, String> = VARIABLES.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        assert_eq!(
            InvestigateConfig::from_env(&declared).ok(),
            InvestigateConfig::from_env(&HashMap::new()).ok()
        );
    }

    #[test]
    fn defaults_and_a_bad_graph_arn() {
        let defaults = InvestigateConfig::from_env(&HashMap::new()).ok();
        assert_eq!(defaults.as_ref().map(|c| c.min_severity), Some(7.0));
        assert_eq!(defaults.as_ref().map(|c| c.dedup_window_hours), Some(24));
        assert_eq!(defaults.map(|c| c.scope_padding_hours), Some(1));
        let env: HashMap<String, String> = [("GRAPH_ARN".to_owned(), "graph-1".to_owned())].into();
        let error = InvestigateConfig::from_env(&env).err().map(|e| e.var);
        assert_eq!(error, Some("GRAPH_ARN"));
    }

    #[test]
    fn the_lookup_role_and_identity_center_region_are_checked() {
        let bad = |var: &str, value: &str| {
            let env: HashMap<String, String> = [(var.to_owned(), value.to_owned())].into();
            InvestigateConfig::from_env(&env).err().map(|e| e.var)
        };
        assert_eq!(bad("ROLE_LOOKUP_ROLE_NAME", "a/b"), Some("ROLE_LOOKUP_ROLE_NAME"));
        assert_eq!(bad("IDENTITY_CENTER_REGION", "Ireland"), Some("IDENTITY_CENTER_REGION"));
        assert_eq!(bad("ROLE_LOOKUP_ROLE_NAME", "detective-autopilot-lookup"), None);
        assert_eq!(bad("REPORT_DELAY_SECONDS", "901"), Some("REPORT_DELAY_SECONDS"));
        assert_eq!(bad("REPORT_QUEUE_URL", "reports"), Some("REPORT_QUEUE_URL"));
    }
}
