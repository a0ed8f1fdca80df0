//! The one write: StartInvestigation, trying the next scope when Detective refuses one.

use crate::operation::Operation;
use chrono::{DateTime, SecondsFormat, Utc};

use super::scope::Scope;
use crate::aws::arn::GraphArn;
use crate::aws::{InvestigationPort, ReportQueuePort, StartInvestigationRequest};
use crate::execute::{Policy, Write};
use crate::outcome::{Action, ActionResult};
use crate::report::{OriginatingFinding, ReportMessage, VERSION};

#[derive(Debug, Clone, PartialEq)]
pub struct StartInvestigation {
    pub graph: GraphArn,
    pub entity_arn: String,
    /// Best first; at least one.
    pub scopes: Vec<Scope>,
    /// What resolving the principal had to assume.
    pub notes: Vec<String>,
    /// Where to request the report once it is started (REPORT_QUEUE_URL).
    pub report: Option<ReportRequest>,
}

/// The report request to send for an investigation (report-investigations).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    pub queue_url: String,
    pub delay_seconds: u32,
    pub finding: OriginatingFinding,
}

/// What the writes are made with: Detective, and the report queue when there is one.
pub struct InvestigatePorts<'a, P, Q> {
    pub detective: &'a P,
    pub queue: Option<&'a Q>,
}

/// SendMessage of the report request for an investigation already started.
#[derive(Debug, Clone, PartialEq)]
pub struct SendReport {
    pub graph: GraphArn,
    pub entity_arn: String,
    pub investigation_id: Option<String>,
    pub report: ReportRequest,
}

impl SendReport {
    fn action(&self, result: ActionResult) -> Action {
        let mut action = Action::on_graph(
            Operation::SendMessage,
            result,
            &self.graph.region,
            Some(&self.graph.arn),
        );
        action.entity_arn = Some(self.entity_arn.clone());
        action.investigation_id = self.investigation_id.clone();
        action.notes = vec![format!(
            "report request to {}, delayed {} s",
            self.report.queue_url, self.report.delay_seconds
        )];
        action
    }

    /// Sends it: the action, final.
    pub async fn send<Q: ReportQueuePort>(&self, queue: Option<&Q>) -> Action {
        let Some(queue) = queue else {
            return self.action(ActionResult::Skipped);
        };
        let message = ReportMessage {
            version: VERSION,
            graph_arn: self.graph.arn.clone(),
            investigation_id: self.investigation_id.clone().unwrap_or_default(),
            entity_arn: self.entity_arn.clone(),
            region: self.graph.region.clone(),
            finding: self.report.finding.clone(),
            delivered: Vec::new(),
            attempts: 0,
        };
        match queue
            .send_report_message(&self.report.queue_url, &message.to_body(), self.report.delay_seconds)
            .await
        {
            Ok(_) => self.action(ActionResult::Done),
            Err(error) => self.action(ActionResult::Failed).failed(error),
        }
    }
}

impl<P: Sync, Q: ReportQueuePort> Write<InvestigatePorts<'_, P, Q>> for SendReport {
    fn intended(&self) -> Vec<Action> {
        vec![self.action(ActionResult::Planned)]
    }

    async fn perform(self, ports: &InvestigatePorts<'_, P, Q>, _: &Policy<'_>) -> Vec<Action> {
        vec![self.send(ports.queue).await]
    }
}

/// investigate-findings' writes: start an investigation (then request its report), or
/// request the report of one already started.
#[derive(Debug, Clone, PartialEq)]
pub enum InvestigateWrite {
    Start(StartInvestigation),
    Resend(SendReport),
}

impl<P: InvestigationPort, Q: ReportQueuePort> Write<InvestigatePorts<'_, P, Q>> for InvestigateWrite {
    fn intended(&self) -> Vec<Action> {
        match self {
            Self::Start(start) => Write::<InvestigatePorts<'_, P, Q>>::intended(start),
            Self::Resend(send) => Write::<InvestigatePorts<'_, P, Q>>::intended(send),
        }
    }

    async fn perform(self, ports: &InvestigatePorts<'_, P, Q>, policy: &Policy<'_>) -> Vec<Action> {
        match self {
            Self::Start(start) => start.perform(ports, policy).await,
            Self::Resend(send) => send.perform(ports, policy).await,
        }
    }
}

pub fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A StartInvestigation action: where (the graph, when one was found), on what, over
/// which scope, and what resolving the principal had to assume.
pub fn investigation_action(
    result: ActionResult,
    region: &str,
    graph_arn: Option<&str>,
    entity_arn: &str,
    scope: Option<&Scope>,
    notes: &[String],
) -> Action {
    let mut action = Action::on_graph(Operation::StartInvestigation, result, region, graph_arn);
    action.entity_arn = Some(entity_arn.to_owned());
    action.scope_start_time = scope.map(|scope| timestamp(scope.start));
    action.scope_end_time = scope.map(|scope| timestamp(scope.end));
    action.notes = notes.to_vec();
    action
}

impl StartInvestigation {
    fn action(&self, result: ActionResult, scope: Option<&Scope>) -> Action {
        investigation_action(
            result,
            &self.graph.region,
            Some(&self.graph.arn),
            &self.entity_arn,
            scope,
            &self.notes,
        )
    }
}

impl StartInvestigation {
    /// The write as intended: the graph, the entity and the best scope.
    pub fn intended_action(&self) -> Action {
        self.action(ActionResult::Planned, self.scopes.first())
    }

    /// The report request for the investigation `id`.
    pub fn report_for(&self, investigation_id: Option<String>) -> Option<SendReport> {
        self.report.clone().map(|report| SendReport {
            graph: self.graph.clone(),
            entity_arn: self.entity_arn.clone(),
            investigation_id,
            report,
        })
    }
}

impl<P: InvestigationPort, Q: ReportQueuePort> Write<InvestigatePorts<'_, P, Q>> for StartInvestigation {
    fn intended(&self) -> Vec<Action> {
        let mut intended = vec![self.intended_action()];
        intended.extend(self.report_for(None).map(|send| send.action(ActionResult::Planned)));
        intended
    }

    /// Starts it, then sends its report request (a failed send fails the invocation: on
    /// Lambda's retry, de-duplication finds the investigation and sends the request again).
    async fn perform(self, ports: &InvestigatePorts<'_, P, Q>, policy: &Policy<'_>) -> Vec<Action> {
        let mut actions = self.start(ports.detective, policy).await;
        let started = actions
            .first()
            .filter(|action| action.result == ActionResult::Done)
            .and_then(|action| action.investigation_id.clone());
        if started.is_some() {
            if let Some(send) = self.report_for(started) {
                actions.push(send.send(ports.queue).await);
            }
        }
        actions
    }
}

impl StartInvestigation {
    /// The best scope; on ValidationException the next, each refusal noted.
    async fn start<P: InvestigationPort>(&self, ports: &P, _: &Policy<'_>) -> Vec<Action> {
        let mut refusals = Vec::new();
        let mut last_error = None;
        for scope in &self.scopes {
            let request = StartInvestigationRequest {
                graph_arn: self.graph.arn.clone(),
                entity_arn: self.entity_arn.clone(),
                scope_start: scope.start,
                scope_end: scope.end,
            };
            match ports.start_investigation(&self.graph.region, &request).await {
                Ok(id) => {
                    let mut action = self.action(ActionResult::Done, Some(scope));
                    action.investigation_id = Some(id);
                    action.notes.extend(refusals);
                    action.notes.extend(scope.note.clone());
                    return vec![action];
                }
                Err(error) if error.code == "ValidationException" => {
                    refusals.push(format!(
                        "scope {} to {} refused: {}",
                        timestamp(scope.start),
                        timestamp(scope.end),
                        error.message
                    ));
                    last_error = Some(error);
                }
                Err(error) => return vec![self.action(ActionResult::Failed, self.scopes.first()).failed(error)],
            }
        }
        let action = self.action(ActionResult::Failed, self.scopes.first());
        vec![match last_error {
            Some(error) => action.failed(error),
            None => action,
        }]
    }
}
