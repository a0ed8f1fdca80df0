//! The effects: resolve the principal's ARN, find the graph, de-duplicate, check
//! membership, start (trying the next scope if Detective refuses one).

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

use super::config::InvestigateConfig;
use super::principal::{known_path, KnownPath, Principal};
use super::scope::Scope;
use super::screen::{screen, Candidate, Screened};
use crate::aws::arn::GraphArn;
use crate::aws::{
    AwsError, GraphCache, GraphPort, InvestigationFilter, InvestigationPort, MemberPort, PrincipalLookupPort,
    StartInvestigationRequest,
};
use crate::clock::Clock;
use crate::event::{route, Envelope, Trigger};
use crate::outcome::{Action, ActionResult, Outcome, Status};
use crate::telemetry;

pub const FUNCTION: &str = "investigate-findings";
const OPERATION: &str = "StartInvestigation";

/// Everything a run needs; built per invocation from long-lived parts.
pub struct Investigator<'a, P, L> {
    pub detective: &'a P,
    /// The principal lookup (`ROLE_LOOKUP_ROLE_NAME`); None when it is off.
    pub lookup: Option<&'a L>,
    pub config: &'a InvestigateConfig,
    /// Lives as long as the execution environment: a warm function lists a region's graphs once.
    pub graphs: &'a GraphCache,
    pub clock: &'a dyn Clock,
    /// When to stop starting new work (`work_deadline` of the Lambda deadline); none in the CLI.
    pub deadline: Option<DateTime<Utc>>,
}

/// The principal's ARN, and what had to be assumed to write it.
struct ResolvedArn {
    arn: String,
    notes: Vec<String>,
}

impl<P, L> Investigator<'_, P, L>
where
    P: GraphPort + MemberPort + InvestigationPort,
    L: PrincipalLookupPort,
{
    /// Handles one event end to end and says what was decided and done.
    pub async fn handle(&self, payload: &Value) -> Outcome {
        let outcome = self.decide_and_act(payload).await;
        telemetry::log_outcome(&outcome);
        outcome
    }

    async fn decide_and_act(&self, payload: &Value) -> Outcome {
        let envelope = match Envelope::from_value(payload) {
            Ok(envelope) => envelope,
            Err(error) => return Outcome::new(FUNCTION, None, Status::Failed, error.to_string()),
        };
        let event_id = envelope.id.clone();
        let outcome = |status, reason: String| Outcome::new(FUNCTION, event_id.clone(), status, reason);
        let finding = match route(&envelope) {
            Ok(Trigger::GuardDutyFinding(finding)) => finding,
            Ok(_) => {
                return outcome(
                    Status::Ignored,
                    format!(
                        "source {:?} with detail-type {:?} is not a GuardDuty finding",
                        envelope.source, envelope.detail_type
                    ),
                )
            }
            Err(error) => return outcome(Status::Failed, error.to_string()),
        };
        let region = finding
            .region
            .clone()
            .or_else(|| envelope.region.clone())
            .or_else(|| self.config.graph_arn.as_ref().map(|graph| graph.region.clone()));
        let candidate = match screen(&finding, region.as_deref(), self.config, self.clock.now()) {
            Screened::Investigate(candidate) => candidate,
            Screened::Ignore(reason) => return outcome(Status::Ignored, reason),
            Screened::Invalid(error) => return outcome(Status::Failed, error.to_string()),
        };
        let Some(region) = region else {
            return outcome(
                Status::Failed,
                "the finding names no region (detail.region or the envelope's region), and GRAPH_ARN is unset"
                    .to_owned(),
            );
        };
        let resolved = match self.resolve_arn(&candidate.principal).await {
            Ok(resolved) => resolved,
            Err(reason) => return outcome(Status::Failed, reason),
        };
        let best = candidate.scopes.first();
        let mut action = Action::new(OPERATION, ActionResult::Skipped);
        action.region = Some(region.clone());
        action.entity_arn = Some(resolved.arn.clone());
        action.scope_start_time = best.map(|scope| timestamp(scope.start));
        action.scope_end_time = best.map(|scope| timestamp(scope.end));
        action.notes = resolved.notes.clone();
        // What had to be assumed or given up is part of the decision's reason, not only of the action.
        let done = |status, reason: String, action: Action| {
            let reason = if action.notes.is_empty() {
                reason
            } else {
                format!("{reason} ({})", action.notes.join("; "))
            };
            outcome(status, reason).with_actions(vec![action])
        };
        let failed = |reason: String, mut action: Action| {
            action.result = ActionResult::Failed;
            action.error = Some(reason.clone());
            done(Status::Failed, reason, action)
        };

        // The de-duplication query is the first call on the graph: a remembered graph that
        // was deleted since is noticed there and looked up again.
        let filter = self.filter(&resolved.arn);
        let lookup = self
            .graphs
            .with_graph(self.detective, self.config.graph_arn.as_ref(), &region, |graph| {
                let filter = &filter;
                async move {
                    self.detective
                        .find_investigation(&graph.region, &graph.arn, filter)
                        .await
                }
            })
            .await;
        let (graph, existing) = match lookup {
            Ok(found) => found,
            Err(error) => return failed(error.to_string(), action),
        };
        action.graph_arn = Some(graph.arn.clone());
        if let Some(existing) = existing {
            let reason = format!(
                "investigation {} of {} is already ACTIVE (created within DEDUP_WINDOW_HOURS={})",
                existing.investigation_id, resolved.arn, self.config.dedup_window_hours
            );
            action.investigation_id = Some(existing.investigation_id);
            action.reason = Some(reason.clone());
            return done(Status::Ignored, reason, action);
        }
        if let Err(reason) = self.check_membership(&graph, &candidate).await {
            return failed(reason, action);
        }
        if self.config.dry_run {
            action.result = ActionResult::Planned;
            return done(
                Status::Planned,
                format!("dry run: would investigate {}", resolved.arn),
                action,
            );
        }
        if self.deadline.is_some_and(|deadline| self.clock.now() >= deadline) {
            return failed(
                "not started: the invocation's deadline was near; Lambda retries the event".to_owned(),
                action,
            );
        }
        match self.start(&graph, &resolved.arn, &candidate.scopes).await {
            Ok((id, scope, refusals)) => {
                action.result = ActionResult::Done;
                action.investigation_id = Some(id.clone());
                action.scope_start_time = Some(timestamp(scope.start));
                action.scope_end_time = Some(timestamp(scope.end));
                action.notes.extend(refusals);
                action.notes.extend(scope.note.clone());
                done(
                    Status::Acted,
                    format!("started investigation {id} of {}", resolved.arn),
                    action,
                )
            }
            Err(error) => failed(error.to_string(), action),
        }
    }

    /// The principal's ARN: derived where the name says the path, read from IAM where
    /// ROLE_LOOKUP_ROLE_NAME allows, otherwise assumed `/` and said so.
    async fn resolve_arn(&self, principal: &Principal) -> Result<ResolvedArn, String> {
        let known = known_path(principal, self.config.identity_center_region.as_deref());
        let (fallback_path, assumption) = match known {
            KnownPath::Certain(path) => {
                return Ok(ResolvedArn {
                    arn: principal.arn_with_path(&path),
                    notes: Vec::new(),
                })
            }
            KnownPath::Assumed { path, assumption } => (path, assumption),
            KnownPath::Unknown => (
                "/".to_owned(),
                format!(
                    "the {}'s path is not in the finding and ROLE_LOOKUP_ROLE_NAME is unset, so it is assumed to be /",
                    principal.kind.resource()
                ),
            ),
        };
        let Some(lookup) = self.lookup else {
            return Ok(ResolvedArn {
                arn: principal.arn_with_path(&fallback_path),
                notes: vec![assumption],
            });
        };
        let found = lookup
            .principal_arn(
                &principal.partition,
                &principal.account_id,
                principal.kind,
                &principal.name,
            )
            .await;
        match found {
            Ok(Some(arn)) => Ok(ResolvedArn { arn, notes: Vec::new() }),
            Ok(None) => Ok(ResolvedArn {
                arn: principal.arn_with_path(&fallback_path),
                notes: vec![format!(
                    "IAM has no {} {} in account {} (deleted since the finding?), so its path is assumed to be {fallback_path}",
                    principal.kind.resource(),
                    principal.name,
                    principal.account_id
                )],
            }),
            Err(error) => Err(format!(
                "could not read the {}'s ARN through ROLE_LOOKUP_ROLE_NAME in account {}: {error}",
                principal.kind.resource(),
                principal.account_id
            )),
        }
    }

    fn filter(&self, entity_arn: &str) -> InvestigationFilter {
        let now = self.clock.now();
        let window = TimeDelta::hours(i64::from(self.config.dedup_window_hours));
        InvestigationFilter {
            entity_arn: entity_arn.to_owned(),
            state: Some("ACTIVE".to_owned()),
            created_from: now.checked_sub_signed(window).unwrap_or(DateTime::UNIX_EPOCH),
            created_to: now,
        }
    }

    /// Detective can only investigate principals of the administrator or an ENABLED member.
    async fn check_membership(&self, graph: &GraphArn, candidate: &Candidate) -> Result<(), String> {
        let account = &candidate.principal.account_id;
        if *account == graph.account_id {
            return Ok(());
        }
        let lookup = self
            .detective
            .get_members(&graph.region, &graph.arn, std::slice::from_ref(account))
            .await
            .map_err(|error| error.to_string())?;
        match lookup.members.iter().find(|member| member.account_id == *account) {
            Some(member) if member.status == "ENABLED" => Ok(()),
            Some(member) => Err(format!(
                "account {account} is a member of graph {} with status {}, not ENABLED, so Detective has no data on it",
                graph.arn,
                member.status_text()
            )),
            None => Err(format!(
                "account {account} is neither the administrator nor a member of graph {}",
                graph.arn
            )),
        }
    }

    /// StartInvestigation with the best scope; on ValidationException the next one. The
    /// investigation's id, the scope it got, and the scopes refused.
    async fn start(
        &self,
        graph: &GraphArn,
        entity_arn: &str,
        scopes: &[Scope],
    ) -> Result<(String, Scope, Vec<String>), AwsError> {
        let mut refused = Vec::new();
        let mut last_error = None;
        for scope in scopes {
            let request = StartInvestigationRequest {
                graph_arn: graph.arn.clone(),
                entity_arn: entity_arn.to_owned(),
                scope_start: scope.start,
                scope_end: scope.end,
            };
            match self.detective.start_investigation(&graph.region, &request).await {
                Ok(id) => return Ok((id, scope.clone(), refused)),
                Err(error) if error.code == "ValidationException" => {
                    refused.push(format!(
                        "scope {} to {} refused: {}",
                        timestamp(scope.start),
                        timestamp(scope.end),
                        error.message
                    ));
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or_else(|| AwsError::new(OPERATION, "NoScope", "no scope to try")))
    }
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}
