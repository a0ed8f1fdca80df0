//! Behavior graphs and the organization configuration.

use serde_json::{json, Value};

use super::{administered, region_mut, Call};
use crate::names::admin_of;
use crate::paging::page;
use crate::protocol::{ApiError, Service};
use crate::state::{Graph, SandboxState};

const GRAPH_PAGE: usize = 200;

/// Only the graphs the caller administers (the API reference: "the behavior graphs that the
/// calling account is an administrator account of").
pub fn list_graphs(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let graphs: Vec<Graph> = state
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
/// account, it always returns the same behavior graph ARN."
pub fn create_graph(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let prefix = format!(
        "arn:{}:detective:{}:{}:graph:",
        state.partition, call.region, call.caller
    );
    let region = region_mut(state, call.region);
    if let Some(existing) = region.graphs.iter().find(|graph| graph.arn.starts_with(&prefix)) {
        return Ok(json!({"GraphArn": existing.arn}));
    }
    let seed = call.now.timestamp_nanos_opt().unwrap_or_default() as u128 ^ region.graphs.len() as u128;
    let arn = format!("{prefix}{seed:032x}");
    region.graphs.push(Graph {
        arn: arn.clone(),
        auto_enable: false,
        members: Vec::new(),
    });
    Ok(json!({"GraphArn": arn}))
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
