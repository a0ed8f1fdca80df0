//! The report message investigate-findings sends and report-investigations reads.

use crate::operation::Operation;
use serde::{Deserialize, Serialize};

use crate::aws::arn::GraphArn;
use crate::outcome::{Action, ActionResult};

/// The finding that started the investigation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginatingFinding {
    pub id: String,
    #[serde(rename = "type")]
    pub finding_type: String,
    pub severity: f64,
}

/// Where a report goes (the writes of a report, besides reading it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sink {
    /// PutEvents of the report.
    EventBridge,
    /// BatchImportFindings of its finding.
    SecurityHub,
    /// UpdateInvestigationState to ARCHIVED.
    Archive,
}

impl Sink {
    /// The sink an action of the report's writes is.
    pub fn of_operation(operation: Operation) -> Option<Self> {
        match operation {
            Operation::PutEvents => Some(Self::EventBridge),
            Operation::BatchImportFindings => Some(Self::SecurityHub),
            Operation::UpdateInvestigationState => Some(Self::Archive),
            _ => None,
        }
    }
}

/// One investigation to report on (version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportMessage {
    pub version: u32,
    pub graph_arn: String,
    pub investigation_id: String,
    pub entity_arn: String,
    pub region: String,
    pub finding: OriginatingFinding,
    /// The sinks already delivered: a message sent again after a later write failed
    /// carries what is done, so that no sink gets the report twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delivered: Vec<Sink>,
    /// How many times it was received before this message was sent (carried over when it is
    /// sent again), so that one that keeps failing ends in the dead-letter queue.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

pub const VERSION: u32 = 1;

impl ReportMessage {
    /// An action on this message's investigation.
    pub fn action(&self, operation: Operation, result: ActionResult) -> Action {
        Action::on_graph(operation, result, &self.region, Some(&self.graph_arn))
            .of_investigation(&self.investigation_id)
    }

    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a message body; the error names what is wrong with it.
    pub fn parse(body: &str) -> Result<(Self, GraphArn), String> {
        let message: Self = serde_json::from_str(body).map_err(|error| {
            format!("the message is not a report request (graph_arn, investigation_id, entity_arn, region, finding): {error}")
        })?;
        if message.version != VERSION {
            return Err(format!("version: expected {VERSION}; found {}", message.version));
        }
        let graph = GraphArn::parse(&message.graph_arn).ok_or_else(|| {
            format!(
                "graph_arn: expected a behavior graph ARN; found {:?}",
                message.graph_arn
            )
        })?;
        if graph.region != message.region {
            return Err(format!(
                "region: expected the graph's region {}; found {:?}",
                graph.region, message.region
            ));
        }
        let id_ok = !message.investigation_id.is_empty()
            && message.investigation_id.len() <= 21
            && message.investigation_id.bytes().all(|byte| byte.is_ascii_digit());
        if !id_ok {
            return Err(format!(
                "investigation_id: expected up to 21 digits; found {:?}",
                message.investigation_id
            ));
        }
        Ok((message, graph))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::message;

    #[test]
    fn a_message_round_trips() {
        let body = message().to_body();
        assert_eq!(ReportMessage::parse(&body).map(|(parsed, _)| parsed), Ok(message()));
    }

    #[test]
    fn a_bad_message_names_the_problem() {
        let error = |body: &str| ReportMessage::parse(body).err().unwrap_or_default();
        assert!(error("not json").starts_with("the message is not a report request"));
        let mut wrong_region = message();
        wrong_region.region = "eu-west-1".to_owned();
        assert_eq!(
            error(&wrong_region.to_body()),
            "region: expected the graph's region us-east-1; found \"eu-west-1\""
        );
        let mut bad_id = message();
        bad_id.investigation_id = "abc".to_owned();
        assert!(error(&bad_id.to_body()).starts_with("investigation_id: expected"));
        let mut bad_graph = message();
        bad_graph.graph_arn = "arn:aws:detective:us-east-1:1:graph:x".to_owned();
        assert!(error(&bad_graph.to_body()).starts_with("graph_arn: expected"));
    }
}
