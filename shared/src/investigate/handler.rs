//! The effects: find the graph, check membership, de-duplicate, start.

use chrono::{Duration, SecondsFormat};
use serde_json::Value;

use super::config::InvestigateConfig;
use super::screen::{screen, Candidate, Screened};
use crate::aws::arn::GraphArn;
use crate::aws::{
    AwsError, GraphCache, GraphPort, InvestigationFilter, InvestigationPort, MemberPort, StartInvestigationRequest,
};
use crate::clock::Clock;
use crate::event::{route, Envelope, Trigger};
use crate::outcome::{Action, ActionResult, Outcome, Status};
use crate::telemetry;

pub const FUNCTION: &str = "investigate-findings";
const OPERATION: &str = "StartInvestigation";

/// Handles one event end to end and says what was decided and done. `graphs` lives as long
/// as the execution environment: a warm function lists a region's graphs once.
pub async fn handle<P>(
    payload: &Value,
    ports: &P,
    config: &InvestigateConfig,
    graphs: &GraphCache,
    clock: &dyn Clock,
) -> Outcome
where
    P: GraphPort + MemberPort + InvestigationPort,
{
    let outcome = decide_and_act(payload, ports, config, graphs, clock).await;
    telemetry::log_outcome(&outcome);
    outcome
}

async fn decide_and_act<P>(
    payload: &Value,
    ports: &P,
    config: &InvestigateConfig,
    graphs: &GraphCache,
    clock: &dyn Clock,
) -> Outcome
where
    P: GraphPort + MemberPort + InvestigationPort,
{
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
    let region = finding.region.clone().or_else(|| envelope.region.clone());
    let candidate = match screen(&finding, region.as_deref(), config, clock.now()) {
        Screened::Investigate(candidate) => candidate,
        Screened::Ignore(reason) => return outcome(Status::Ignored, reason),
        Screened::Invalid(error) => return outcome(Status::Failed, error.to_string()),
    };
    let graph = match find_graph(ports, config, graphs, region.as_deref()).await {
        Ok(graph) => graph,
        Err(reason) => return outcome(Status::Failed, reason),
    };
    let mut action = Action::new(OPERATION, ActionResult::Skipped);
    action.region = Some(graph.region.clone());
    action.graph_arn = Some(graph.arn.clone());
    action.entity_arn = Some(candidate.principal.arn.clone());
    action.scope_start_time = Some(timestamp(candidate.scope_start));
    action.scope_end_time = Some(timestamp(candidate.scope_end));
    let with_action = |status, reason: String, action: Action| outcome(status, reason).with_actions(vec![action]);

    if let Err(reason) = check_membership(ports, &graph, &candidate).await {
        action.result = ActionResult::Failed;
        action.error = Some(reason.clone());
        return with_action(Status::Failed, reason, action);
    }
    match find_active_investigation(ports, &graph, &candidate, config, clock).await {
        Err(error) => {
            action.result = ActionResult::Failed;
            action.error = Some(error.to_string());
            return with_action(Status::Failed, error.to_string(), action);
        }
        Ok(Some(existing)) => {
            let reason = format!(
                "investigation {existing} of {} is already ACTIVE (created within DEDUP_WINDOW_HOURS={})",
                candidate.principal.arn, config.dedup_window_hours
            );
            action.investigation_id = Some(existing);
            action.reason = Some(reason.clone());
            return with_action(Status::Ignored, reason, action);
        }
        Ok(None) => {}
    }
    if config.dry_run {
        action.result = ActionResult::Planned;
        let reason = format!("dry run: would investigate {}", candidate.principal.arn);
        return with_action(Status::Planned, reason, action);
    }
    let request = StartInvestigationRequest {
        graph_arn: graph.arn.clone(),
        entity_arn: candidate.principal.arn.clone(),
        scope_start: candidate.scope_start,
        scope_end: candidate.scope_end,
    };
    match ports.start_investigation(&graph.region, &request).await {
        Ok(id) => {
            action.result = ActionResult::Done;
            action.investigation_id = Some(id.clone());
            with_action(
                Status::Acted,
                format!("started investigation {id} of {}", candidate.principal.arn),
                action,
            )
        }
        Err(error) => {
            action.result = ActionResult::Failed;
            action.error = Some(error.to_string());
            with_action(Status::Failed, error.to_string(), action)
        }
    }
}

fn timestamp(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `GRAPH_ARN` (whatever the finding's region), else the single graph ListGraphs finds in
/// the finding's region, remembered while the function is warm.
async fn find_graph<P: GraphPort>(
    ports: &P,
    config: &InvestigateConfig,
    graphs: &GraphCache,
    region: Option<&str>,
) -> Result<GraphArn, String> {
    if let Some(graph) = &config.graph_arn {
        return Ok(graph.clone());
    }
    let Some(region) = region else {
        return Err("the finding names no region (detail.region or the envelope's region); set GRAPH_ARN".to_owned());
    };
    graphs.resolve(ports, None, region).await
}

/// Detective can only investigate principals of the administrator or an ENABLED member.
async fn check_membership<P: MemberPort>(ports: &P, graph: &GraphArn, candidate: &Candidate) -> Result<(), String> {
    let account = &candidate.principal.account_id;
    if *account == graph.account_id {
        return Ok(());
    }
    let lookup = ports
        .get_members(&graph.region, &graph.arn, std::slice::from_ref(account))
        .await
        .map_err(|error| error.to_string())?;
    match lookup.members.iter().find(|member| member.account_id == *account) {
        Some(member) if member.status == "ENABLED" => Ok(()),
        Some(member) => Err(format!(
            "account {account} is a member of graph {} with status {}, not ENABLED, so Detective has no data on it",
            graph.arn, member.status
        )),
        None => Err(format!(
            "account {account} is neither the administrator nor a member of graph {}",
            graph.arn
        )),
    }
}

/// The id of an ACTIVE investigation of the same principal inside the window, if any.
async fn find_active_investigation<P: InvestigationPort>(
    ports: &P,
    graph: &GraphArn,
    candidate: &Candidate,
    config: &InvestigateConfig,
    clock: &dyn Clock,
) -> Result<Option<String>, AwsError> {
    let now = clock.now();
    let filter = InvestigationFilter {
        entity_arn: candidate.principal.arn.clone(),
        state: Some("ACTIVE".to_owned()),
        created_from: now - Duration::hours(i64::from(config.dedup_window_hours)),
        created_to: now,
    };
    let existing = ports.list_investigations(&graph.region, &graph.arn, &filter).await?;
    Ok(existing
        .into_iter()
        .find(|investigation| {
            investigation
                .entity_arn
                .as_deref()
                .is_none_or(|arn| arn == candidate.principal.arn)
        })
        .map(|investigation| investigation.investigation_id))
}
