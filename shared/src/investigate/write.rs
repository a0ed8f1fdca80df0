//! The one write: StartInvestigation, trying the next scope when Detective refuses one.

use chrono::{DateTime, SecondsFormat, Utc};

use super::scope::Scope;
use crate::aws::arn::GraphArn;
use crate::aws::{InvestigationPort, StartInvestigationRequest};
use crate::execute::{Policy, Write};
use crate::outcome::{Action, ActionResult};

#[derive(Debug, Clone, PartialEq)]
pub struct StartInvestigation {
    pub graph: GraphArn,
    pub entity_arn: String,
    /// Best first; at least one.
    pub scopes: Vec<Scope>,
    /// What resolving the principal had to assume.
    pub notes: Vec<String>,
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
    let mut action = Action::new("StartInvestigation", result);
    action.region = Some(region.to_owned());
    action.graph_arn = graph_arn.map(str::to_owned);
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
}

impl<P: InvestigationPort> Write<P> for StartInvestigation {
    fn intended(&self) -> Vec<Action> {
        vec![self.intended_action()]
    }

    /// The best scope; on ValidationException the next, each refusal noted.
    async fn perform(self, ports: &P, _: &Policy<'_>) -> Vec<Action> {
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
