//! What every handler returns: the Lambda response and what `autopilot replay` prints.

mod failure;
mod reason;

use crate::operation::Operation;
use serde::Serialize;

use crate::domain::DatasourcePackage;

pub use failure::Failure;
pub use reason::{DeadlineNear, Explains, Reason, Retry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Writes were made.
    Acted,
    /// Dry run: the writes that would have been made are listed.
    Planned,
    /// Nothing to do, for the reason given.
    Ignored,
    /// Something could not be done; the invocation fails so Lambda retries it.
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionResult {
    Done,
    Planned,
    Skipped,
    Failed,
}

impl Status {
    /// Several as one: failed if any failed (the invocation fails and is retried), else
    /// acted if any acted, else planned if any was planned, else ignored.
    pub fn combined(statuses: impl IntoIterator<Item = Status>) -> Self {
        let statuses: Vec<Status> = statuses.into_iter().collect();
        [Self::Failed, Self::Acted, Self::Planned]
            .into_iter()
            .find(|status| statuses.contains(status))
            .unwrap_or(Self::Ignored)
    }
}

impl From<ActionResult> for Status {
    fn from(result: ActionResult) -> Self {
        match result {
            ActionResult::Done => Self::Acted,
            ActionResult::Planned => Self::Planned,
            ActionResult::Skipped => Self::Ignored,
            ActionResult::Failed => Self::Failed,
        }
    }
}

impl From<Status> for ActionResult {
    fn from(status: Status) -> Self {
        match status {
            Status::Acted => Self::Done,
            Status::Planned => Self::Planned,
            Status::Ignored => Self::Skipped,
            Status::Failed => Self::Failed,
        }
    }
}

/// One API write (made, planned, skipped or failed), named as in the API reference,
/// with the parameters that matter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub operation: Operation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graph_arn: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub account_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub administrator_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_end_time: Option<String>,
    pub result: ActionResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_enable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub investigation_id: Option<String>,
    /// Detective's severity of the investigation a report is about (PutEvents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Data source packages started (UpdateDatasourcePackages).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<DatasourcePackage>,
    /// Tags set (`key=value`, TagResource and CreateGraph) or keys removed (UntagResource).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// What the action had to assume or give up (a role path assumed, a narrower scope).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Action {
    /// An action in `region` on `graph_arn` for `account_ids`.
    pub fn on_accounts(
        operation: Operation,
        result: ActionResult,
        region: &str,
        graph_arn: &str,
        account_ids: Vec<String>,
    ) -> Self {
        let mut action = Self::on_graph(operation, result, region, Some(graph_arn));
        action.account_ids = account_ids;
        action
    }

    /// An action in `region`, on `graph_arn` when it is known.
    pub fn on_graph(operation: Operation, result: ActionResult, region: &str, graph_arn: Option<&str>) -> Self {
        let mut action = Self::new(operation, result);
        action.region = Some(region.to_owned());
        action.graph_arn = graph_arn.map(str::to_owned);
        action
    }

    /// The same action, about investigation `investigation_id`.
    pub fn of_investigation(mut self, investigation_id: &str) -> Self {
        self.investigation_id = Some(investigation_id.to_owned());
        self
    }

    pub fn with_reason(mut self, reason: impl Into<Reason>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The same action, failed for `failure`.
    pub fn failed(mut self, failure: impl Into<Failure>) -> Self {
        self.result = ActionResult::Failed;
        self.error = Some(failure.into());
        self
    }

    /// The reason, if it is of the function's own reason type `T`.
    pub fn reason_of<T: Explains>(&self) -> Option<&T> {
        self.reason.as_ref().and_then(Reason::of)
    }

    /// The reason's wording, if any.
    pub fn reason_text(&self) -> Option<String> {
        self.reason.as_ref().map(ToString::to_string)
    }

    /// The error's wording, if any.
    pub fn error_text(&self) -> Option<String> {
        self.error.as_ref().map(ToString::to_string)
    }

    pub fn new(operation: Operation, result: ActionResult) -> Self {
        Self {
            operation,
            region: None,
            graph_arn: None,
            account_ids: Vec::new(),
            administrator_id: None,
            entity_arn: None,
            scope_start_time: None,
            scope_end_time: None,
            result,
            auto_enable: None,
            investigation_id: None,
            severity: None,
            packages: Vec::new(),
            tags: Vec::new(),
            reason: None,
            error: None,
            notes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub function: &'static str,
    pub event_id: Option<String>,
    pub status: Status,
    pub reason: String,
    /// Per region, for functions that cover several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<RegionResult>,
    pub actions: Vec<Action>,
    /// What the function answers its trigger with besides the outcome, keyed as the response
    /// carries it (a partial batch response's `batchItemFailures`, a custom resource's
    /// `cloudformation` answer): the function's own, which its `Handler::answered` reads.
    #[serde(flatten)]
    pub response: serde_json::Map<String, serde_json::Value>,
    /// What failed before any action (for metrics; the reason says it).
    #[serde(skip)]
    pub failure: Option<Failure>,
}

/// How one region went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionResult {
    pub region: String,
    /// done, planned, skipped or failed.
    pub result: ActionResult,
    pub reason: String,
    /// What stopped the region, if anything (for metrics; the reason says it).
    #[serde(skip)]
    pub failure: Option<Failure>,
}

impl Outcome {
    pub fn new(function: &'static str, event_id: Option<String>, status: Status, reason: impl Into<String>) -> Self {
        Self {
            function,
            event_id,
            status,
            reason: reason.into(),
            regions: Vec::new(),
            actions: Vec::new(),
            response: serde_json::Map::new(),
            failure: None,
        }
    }

    /// Failed before any action, for `failure`.
    pub fn failed(function: &'static str, event_id: Option<String>, failure: impl Into<Failure>) -> Self {
        let failure = failure.into();
        let mut outcome = Self::new(function, event_id, Status::Failed, failure.to_string());
        outcome.failure = Some(failure);
        outcome
    }

    pub fn with_actions(mut self, actions: Vec<Action>) -> Self {
        self.actions = actions;
        self
    }

    pub fn is_failed(&self) -> bool {
        self.status == Status::Failed
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_outweighs_an_act_which_outweighs_a_plan() {
        use ActionResult::{Done, Failed, Planned, Skipped};
        let of = |results: &[ActionResult]| Status::combined(results.iter().map(|result| (*result).into()));
        assert_eq!(of(&[Done, Failed, Planned]), Status::Failed);
        assert_eq!(of(&[Skipped, Planned, Done]), Status::Acted);
        assert_eq!(of(&[Skipped, Planned]), Status::Planned);
        assert_eq!(of(&[Skipped]), Status::Ignored);
        assert_eq!(of(&[]), Status::Ignored);
    }

    #[test]
    fn serializes_in_the_documented_shape() {
        let mut action = Action::new(Operation::StartInvestigation, ActionResult::Done);
        action.region = Some("us-east-1".into());
        action.investigation_id = Some("000000000000000000001".into());
        let outcome = Outcome::new("investigate-findings", Some("e1".into()), Status::Acted, "started")
            .with_actions(vec![action]);
        assert_eq!(
            outcome.to_json(),
            r#"{"function":"investigate-findings","event_id":"e1","status":"acted","reason":"started","actions":[{"operation":"StartInvestigation","region":"us-east-1","result":"done","investigation_id":"000000000000000000001"}]}"#
        );
    }
}
