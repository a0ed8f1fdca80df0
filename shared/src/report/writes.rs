//! report-investigations' writes: publish, import, archive, and a message's follow-up (sent
//! again, or to the dead-letter queue).

use super::follow_up::SEND_AGAIN_DELAY_SECONDS;
use super::message::ReportMessage;
use super::reason::Reason;
use super::EVENT_SOURCE;
use crate::aws::{AsffFinding, InvestigationResultPort, ReportQueuePort, ReportSinkPort};
use crate::execute::{Policy, Write};
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult};

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
    SendAgain { queue_url: String, message: ReportMessage },
    /// SendMessage of `body` to the report dead-letter queue, with why (a message
    /// attribute); `about`: the message, when it could be read.
    DeadLetter {
        queue_url: String,
        body: String,
        reason: String,
        about: Option<ReportMessage>,
    },
}

impl ReportWrite {
    fn action(&self, result: ActionResult) -> Action {
        let on = |operation, region: &str, graph: &str, id: &str| {
            Action::on_graph(operation, result, region, Some(graph)).of_investigation(id)
        };
        match self {
            Self::Publish {
                region,
                graph_arn,
                investigation_id,
                bus,
                detail_type,
                severity,
                ..
            } => {
                let mut action = on(Operation::PutEvents, region, graph_arn, investigation_id);
                action.notes = vec![format!("{detail_type} on bus {bus} (source {EVENT_SOURCE})")];
                action.severity = severity.clone();
                action
            }
            Self::Import {
                investigation_id,
                graph_arn,
                finding,
            } => {
                let mut action = on(
                    Operation::BatchImportFindings,
                    &finding.region,
                    graph_arn,
                    investigation_id,
                );
                action.notes = vec![format!("finding {} in {}", finding.id, finding.product_arn)];
                action
            }
            Self::Archive {
                region,
                graph_arn,
                investigation_id,
                reason,
            } => {
                on(Operation::UpdateInvestigationState, region, graph_arn, investigation_id).with_reason(reason.clone())
            }
            Self::SendAgain { queue_url, message } => {
                let mut action = message
                    .action(Operation::SendMessage, result)
                    .with_reason(Reason::SentAgain(message.delivered.len()));
                action.notes = vec![format!("to {queue_url}, delivered {:?}", message.delivered)];
                action
            }
            Self::DeadLetter {
                queue_url,
                reason,
                about,
                ..
            } => {
                let sent = about.as_ref().map_or_else(
                    || Action::new(Operation::SendMessage, result),
                    |message| message.action(Operation::SendMessage, result),
                );
                let mut action = sent.with_reason(Reason::DeadLettered(reason.clone()));
                action.notes = vec![format!("to {queue_url}")];
                action
            }
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
            Self::SendAgain { queue_url, message } => ports
                .queue
                .send_report_message(queue_url, &message.to_body(), SEND_AGAIN_DELAY_SECONDS)
                .await
                .map(|_| ()),
            Self::DeadLetter {
                queue_url,
                body,
                reason,
                ..
            } => ports.queue.send_dead_letter(queue_url, body, reason).await.map(|_| ()),
        };
        vec![match result {
            Ok(()) => self.action(ActionResult::Done),
            Err(error) => self.action(ActionResult::Failed).failed(error),
        }]
    }
}
