//! report-investigations' writes: publish, import, archive.

use super::follow_up::SEND_AGAIN_DELAY_SECONDS;
use super::message::Sink;
use super::EVENT_SOURCE;
use crate::aws::{AsffFinding, InvestigationResultPort, ReportQueuePort, ReportSinkPort};
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
    /// SendMessage of the message again, to the report queue, with what is delivered.
    SendAgain {
        queue_url: String,
        body: String,
        delivered: Vec<Sink>,
    },
    /// SendMessage to the report dead-letter queue, with why (a message attribute).
    DeadLetter {
        queue_url: String,
        body: String,
        reason: String,
    },
}

impl ReportWrite {
    fn action(&self, result: ActionResult) -> Action {
        let (operation, region, graph, id) = match self {
            Self::SendAgain {
                queue_url, delivered, ..
            } => {
                let mut action = Action::new("SendMessage", result).with_reason(Reason::SentAgain(delivered.len()));
                action.notes = vec![format!("to {queue_url}, delivered {delivered:?}")];
                return action;
            }
            Self::DeadLetter { queue_url, reason, .. } => {
                let mut action = Action::new("SendMessage", result).with_reason(Reason::DeadLettered(reason.clone()));
                action.notes = vec![format!("to {queue_url}")];
                return action;
            }
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
            Self::SendAgain { .. } | Self::DeadLetter { .. } => action,
        }
    }
}

/// The ports the writes are made with.
pub struct ReportPorts<'a, D, S, Q> {
    pub detective: &'a D,
    pub sinks: &'a S,
    pub queue: &'a Q,
}

impl<D, S, Q> Write<ReportPorts<'_, D, S, Q>> for ReportWrite
where
    D: InvestigationResultPort,
    S: ReportSinkPort,
    Q: ReportQueuePort,
{
    fn intended(&self) -> Vec<Action> {
        vec![self.action(ActionResult::Planned)]
    }

    async fn perform(self, ports: &ReportPorts<'_, D, S, Q>, _: &Policy<'_>) -> Vec<Action> {
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
            Self::SendAgain { queue_url, body, .. } => ports
                .queue
                .send_report_message(queue_url, body, SEND_AGAIN_DELAY_SECONDS)
                .await
                .map(|_| ()),
            Self::DeadLetter {
                queue_url,
                body,
                reason,
            } => ports.queue.send_dead_letter(queue_url, body, reason).await.map(|_| ()),
        };
        vec![match result {
            Ok(()) => self.action(ActionResult::Done),
            Err(error) => self.action(ActionResult::Failed).failed(error),
        }]
    }
}
