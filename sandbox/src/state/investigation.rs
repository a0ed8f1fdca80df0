//! Investigations as the state file holds them, with what the model allows of their values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::names::{indicator_problem, INVESTIGATION_STATES, INVESTIGATION_STATUSES, SEVERITIES};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    pub id: String,
    pub graph_arn: String,
    pub entity_arn: String,
    /// RUNNING, FAILED or SUCCESSFUL.
    pub status: String,
    /// ACTIVE or ARCHIVED.
    pub state: String,
    #[serde(default = "informational")]
    pub severity: String,
    pub created_time: DateTime<Utc>,
    pub scope_start_time: DateTime<Utc>,
    pub scope_end_time: DateTime<Utc>,
}

fn informational() -> String {
    "INFORMATIONAL".to_owned()
}

/// An investigation's own results and progress (in the state file, in its object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InvestigationProgress {
    /// Its indicators (the API's Indicator JSON: `{"IndicatorType": ..., "IndicatorDetail":
    /// {...}}`); when absent, a SUCCESSFUL investigation has `investigation_results`'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicators: Option<Vec<Value>>,
    /// GetInvestigation reads it still answers RUNNING; when absent, a RUNNING
    /// investigation starts counting from `investigation_results.running_reads`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_reads_left: Option<u32>,
}

/// How investigations end. The sandbox has no clock of its own when `now` is fixed, so
/// reads stand in for time: a new investigation answers RUNNING to `running_reads`
/// GetInvestigation calls, then completes, at the next one, with `status` and `severity`.
/// A FAILED investigation completes INFORMATIONAL and without indicators (what Detective
/// shows for one is not documented).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestigationResults {
    #[serde(default)]
    pub running_reads: u32,
    /// SUCCESSFUL (default) or FAILED.
    #[serde(default = "successful")]
    pub status: String,
    /// Of a SUCCESSFUL investigation: HIGH by default.
    #[serde(default = "high")]
    pub severity: String,
    /// Of a SUCCESSFUL investigation without its own; when absent, one or more indicators of
    /// every IndicatorType, with realistic detail of the investigated account
    /// (`detective::indicators::generated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicators: Option<Vec<Value>>,
}

impl Default for InvestigationResults {
    fn default() -> Self {
        Self {
            running_reads: 0,
            status: successful(),
            severity: high(),
            indicators: None,
        }
    }
}

impl InvestigationResults {
    pub(super) fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

fn successful() -> String {
    "SUCCESSFUL".to_owned()
}

fn high() -> String {
    "HIGH".to_owned()
}

/// An investigation's status, state and severity among the model's values, and its
/// indicators of the API's shape.
pub(super) fn check_investigation(
    investigation: &Investigation,
    progress: Option<&InvestigationProgress>,
) -> Result<(), String> {
    let owner = format!("investigation {}", investigation.id);
    check_one_of(&owner, "status", &investigation.status, &INVESTIGATION_STATUSES)?;
    check_one_of(&owner, "state", &investigation.state, &INVESTIGATION_STATES)?;
    check_one_of(&owner, "severity", &investigation.severity, &SEVERITIES)?;
    if let Some(indicators) = progress.and_then(|progress| progress.indicators.as_ref()) {
        check_indicators(&owner, indicators)?;
    }
    Ok(())
}

pub(super) fn check_results(results: &InvestigationResults) -> Result<(), String> {
    let owner = "investigation_results";
    check_one_of(owner, "status", &results.status, &["SUCCESSFUL", "FAILED"])?;
    check_one_of(owner, "severity", &results.severity, &SEVERITIES)?;
    match &results.indicators {
        Some(indicators) => check_indicators(owner, indicators),
        None => Ok(()),
    }
}

pub(super) fn check_indicators(owner: &str, indicators: &[Value]) -> Result<(), String> {
    for (index, indicator) in indicators.iter().enumerate() {
        if let Some(problem) = indicator_problem(indicator) {
            return Err(format!("{owner}, indicators[{index}]: {problem}"));
        }
    }
    Ok(())
}

pub(super) fn check_one_of(owner: &str, field: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("{owner}: {field} {value:?} is not one of {allowed:?}"))
    }
}
