//! report-investigations' writes: publish, import, archive.

use super::EVENT_SOURCE;
use crate::aws::{AsffFinding, InvestigationResultPort, ReportSinkPort};
use crate::execute::{Policy, Write};
use crate::outcome::{Action, ActionResult, Reason};

#[derive(Debug, Clone, PartialEq)]
pub enum ReportWrite {
    /// PutEvents of the report.
    Publish {
        /// Detective's severity (for the action and the metric).
        severity: Option<String>,
        region: String,
        graph_arn: String,
        investigation_id: String,
        bus: String,
        detail_type: &'static str,
        detail: String,
        resources: Vec<String>,
    },
    /// BatchImportFindings of the report's finding.
    Import {
        investigation_id: String,
        graph_arn: String,
        finding: Box<AsffFinding>,
    },
    /// UpdateInvestigationState to ARCHIVED.
    Archive {
        region: String,
        graph_arn: String,
        investigation_id: String,
        reason: Reason,
    },
}

impl ReportWrite {
    fn action(&self, result: ActionResult) -> Action {
        let (operation, region, graph, id) = match self {
            Self::Publish {
                region,
                graph_arn,
                investigation_id,
                ..
            } => ("PutEvents", region, graph_arn, investigation_id),
            Self::Import {
                investigation_id,
                graph_arn,
                finding,
            } => ("BatchImportFindings", &finding.region, graph_arn, investigation_id),
            Self::Archive {
                region,
                graph_arn,
                investigation_id,
                ..
            } => ("UpdateInvestigationState", region, graph_arn, investigation_id),
        };
        let mut action = Action::on_graph(operation, result, region, Some(graph)).of_investigation(id);
        match self {
            Self::Publish {
                bus,
                detail_type,
                severity,
                ..
            } => {
                action.notes = vec![format!("{detail_type} on bus {bus} (source {EVENT_SOURCE})")];
                action.severity = severity.clone();
                action
            }
            Self::Import { finding, .. } => {
                action.notes = vec![format!("finding {} in {}", finding.id, finding.product_arn)];
                action
            }
            Self::Archive { reason, .. } => action.with_reason(reason.clone()),
        }
    }
}

/// The ports the writes are made with.
pub struct ReportPorts<'a, D, S> {
    pub detective: &'a D,
    pub sinks: &'a S,
}

impl<D, S> Write<ReportPorts<'_, D, S>> for ReportWrite
where
    D: InvestigationResultPort,
    S: ReportSinkPort,
{
    fn intended(&self) -> Vec<Action> {
        vec![self.action(ActionResult::Planned)]
    }

    async fn perform(self, ports: &ReportPorts<'_, D, S>, _: &Policy<'_>) -> Vec<Action> {
        let result = match &self {
            Self::Publish {
                bus,
                detail_type,
                detail,
                resources,
                ..
            } => ports
                .sinks
                .put_report_event(bus, detail_type, detail, resources)
                .await
                .map(|_| ()),
            Self::Import { finding, .. } => ports.sinks.import_finding(finding).await,
            Self::Archive {
                region,
                graph_arn,
                investigation_id,
                ..
            } => {
                ports
                    .detective
                    .archive_investigation(region, graph_arn, investigation_id)
                    .await
            }
        };
        vec![match result {
            Ok(()) => self.action(ActionResult::Done),
            Err(error) => self.action(ActionResult::Failed).failed(error),
        }]
    }
}
