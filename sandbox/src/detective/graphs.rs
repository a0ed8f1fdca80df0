//! Behavior graphs (ListGraphs, CreateGraph, DeleteGraph) and the organization configuration.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::tags::request_tags;
use super::{administered, region_mut, Call};
use crate::names::admin_of;
use crate::paging::page;
use crate::protocol::{ApiError, Service};
use crate::state::{Graph, GraphSettings, PackageState, QueuedDeletion, SandboxState};

const GRAPH_PAGE: usize = 200;

/// Only the graphs the caller administers (the API reference: "the behavior graphs that the
/// calling account is an administrator account of"), and those it deleted that Detective
/// has not yet removed (`graph_deletion_reads`).
pub fn list_graphs(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let mut graphs: Vec<Graph> = state
        .region(call.region)
        .map(|region| {
            region
                .graphs
                .iter()
                .filter(|graph| admin_of(&graph.arn) == call.caller)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for queued in &mut state.queued_deletions {
        if queued.region == call.region && admin_of(&queued.graph_arn) == call.caller && queued.reads_left > 0 {
            queued.reads_left -= 1;
            graphs.push(Graph {
                arn: queued.graph_arn.clone(),
                auto_enable: false,
                members: Vec::new(),
            });
        }
    }
    state.queued_deletions.retain(|queued| queued.reads_left > 0);
    let (graphs, next) = page(
        Service::Detective,
        "ListGraphs",
        call.caller,
        &graphs,
        call.body,
        GRAPH_PAGE,
    )?;
    let list: Vec<Value> = graphs
        .iter()
        .map(|graph| json!({"Arn": graph.arn, "CreatedTime": "2024-01-01T00:00:00.000Z"}))
        .collect();
    Ok(json!({"GraphList": list, "NextToken": next}))
}

/// Documented: "If the same account calls CreateGraph with the same administrator
/// account, it always returns the same behavior graph ARN." Its `Tags` are validated like
/// TagResource's (ValidationException, which CreateGraph's model does not declare: the
/// error for a request off the model is not documented) and kept with a new graph; an
/// existing graph's tags are left as they are (not documented; TagResource changes them).
pub fn create_graph(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let tags = request_tags(call.body, "Tags")?.unwrap_or_default();
    let arn = ensure_graph(state, call.region, call.caller, tags, call.now);
    Ok(json!({"GraphArn": arn}))
}

/// The graph `account` administers in `region`, created (with `tags`) when it has none. Its
/// packages: every one STARTED `now`, as the Detective User Guide documents for new graphs
/// (EKS audit logs "enabled by default for new behavior graphs created after July 26, 2022",
/// AWS security findings after May 16, 2023).
pub(super) fn ensure_graph(
    state: &mut SandboxState,
    region: &str,
    account: &str,
    tags: BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> String {
    let prefix = format!("arn:{}:detective:{region}:{account}:graph:", state.partition);
    let region = region_mut(state, region);
    if let Some(existing) = region.graphs.iter().find(|graph| graph.arn.starts_with(&prefix)) {
        return existing.arn.clone();
    }
    let seed = now.timestamp_nanos_opt().unwrap_or_default() as u128 ^ region.graphs.len() as u128;
    let arn = format!("{prefix}{seed:032x}");
    region.graphs.push(Graph {
        arn: arn.clone(),
        auto_enable: false,
        members: Vec::new(),
    });
    region.graph_settings.insert(
        arn.clone(),
        GraphSettings {
            tags,
            datasource_packages: ["DETECTIVE_CORE", "EKS_AUDIT", "ASFF_SECURITYHUB_FINDING"]
                .into_iter()
                .map(|package| (package.to_owned(), PackageState::started(now)))
                .collect(),
        },
    );
    arn
}

/// Documented: "Disables the specified behavior graph and queues it to be deleted. This
/// operation removes the behavior graph from each member account's list of behavior
/// graphs." Only its administrator may.
pub fn delete_graph(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let arn = administered(state, call)?.arn.clone();
    remove_graph(state, call.region, &arn);
    if state.graph_deletion_reads > 0 {
        state.queued_deletions.push(QueuedDeletion {
            region: call.region.to_owned(),
            graph_arn: arn,
            reads_left: state.graph_deletion_reads,
        });
    }
    Ok(json!({}))
}

/// The graph gone, with its settings, its members' invitations and memberships, and its
/// investigations. The organization's Detective administrator stays designated (only
/// DisableOrganizationAdminAccount removes it; not documented for DeleteGraph).
pub(super) fn remove_graph(state: &mut SandboxState, region: &str, arn: &str) {
    let region = region_mut(state, region);
    region.graphs.retain(|graph| graph.arn != arn);
    region.graph_settings.remove(arn);
    region.invitations.retain(|invitation| invitation.graph_arn != arn);
    region
        .investigations
        .retain(|investigation| investigation.graph_arn != arn);
}

/// "Can only be called by the Detective administrator account for the organization."
fn organization_graph<'a>(state: &'a mut SandboxState, call: &Call) -> Result<&'a mut Graph, ApiError> {
    let organization_admin = state
        .region(call.region)
        .and_then(|region| region.organization_admin_account_id.clone());
    if organization_admin.as_deref() != Some(call.caller) {
        return Err(ApiError::access_denied(format!(
            "account {} is not the organization's Detective administrator in {}",
            call.caller, call.region
        )));
    }
    administered(state, call)
}

pub fn describe_organization_configuration(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let graph = organization_graph(state, call)?;
    Ok(json!({"AutoEnable": graph.auto_enable}))
}

pub fn update_organization_configuration(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let auto_enable = call.body.get("AutoEnable").and_then(Value::as_bool).unwrap_or(false);
    organization_graph(state, call)?.auto_enable = auto_enable;
    Ok(json!({}))
}
