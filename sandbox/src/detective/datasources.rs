//! Data source packages: ListDatasourcePackages and UpdateDatasourcePackages (the graph's),
//! BatchGetGraphMemberDatasources (the administrator's view of its members) and
//! BatchGetMembershipDatasources (a member's view of its graphs).
//!
//! A graph's packages are in its settings (by default DETECTIVE_CORE STARTED, the optional
//! packages off). An account's history is what the graph's packages give it when it is
//! ENABLED (each STARTED or STOPPED package, in that state since the package's `since`),
//! with the account's own recorded entries (`datasources` of a member or an invitation) in
//! place of those packages; an account that is not ENABLED has only its recorded entries.
//! Not documented, the sandbox's choice: the administrator account counts as a member of its
//! own graph, with the graph's packages.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::accounts::is_callers;
use super::{administered, check_accounts, check_count, region_mut, string_list, timestamp, Call};
use crate::names::{admin_of, is_graph_arn, DATASOURCE_PACKAGES};
use crate::paging::page;
use crate::protocol::{ApiError, Service};
use crate::state::{GraphSettings, IngestHistory, PackageState, SandboxState};

const PACKAGE_PAGE: usize = 200;
const STARTED: &str = "STARTED";
const DISABLED: &str = "DISABLED";
const ENABLED: &str = "ENABLED";
const ACCEPTED_BUT_DISABLED: &str = "ACCEPTED_BUT_DISABLED";

/// An account's history in a graph with `packages`: see the module's documentation.
pub(super) fn history(packages: &BTreeMap<String, PackageState>, enabled: bool, own: &IngestHistory) -> IngestHistory {
    let mut history = IngestHistory::new();
    if enabled {
        for (package, state) in packages.iter().filter(|(_, state)| state.state != DISABLED) {
            history.insert(package.clone(), BTreeMap::from([(state.state.clone(), state.since)]));
        }
    }
    history.extend(own.iter().map(|(package, states)| (package.clone(), states.clone())));
    history
}

/// Per package, the state with the latest time in `history`.
pub(super) fn latest_states(history: &IngestHistory) -> BTreeMap<String, String> {
    history
        .iter()
        .filter_map(|(package, states)| {
            let latest = states.iter().max_by_key(|(_, since)| **since)?;
            Some((package.clone(), latest.0.clone()))
        })
        .collect()
}

/// LastIngestStateChangeDates: `{STATE: {"Timestamp": ...}}`.
fn changes_json(states: &BTreeMap<String, DateTime<Utc>>) -> Value {
    Value::Object(
        states
            .iter()
            .map(|(state, since)| (state.clone(), json!({"Timestamp": timestamp(*since)})))
            .collect::<Map<String, Value>>(),
    )
}

/// MembershipDatasources.
fn membership_json(account: &str, graph_arn: &str, history: &IngestHistory) -> Value {
    let packages: Map<String, Value> = history
        .iter()
        .map(|(package, states)| (package.clone(), changes_json(states)))
        .collect();
    json!({"AccountId": account, "GraphArn": graph_arn, "DatasourcePackageIngestHistory": packages})
}

fn graph_packages(state: &SandboxState, region: &str, graph_arn: &str) -> BTreeMap<String, PackageState> {
    state
        .region(region)
        .map(|region| region.settings(graph_arn).packages())
        .unwrap_or_else(|| GraphSettings::default().packages())
}

/// The graph's packages, each with its state and when it entered it; paged by `MaxResults`
/// (1 to 200) and `NextToken`.
pub fn list_datasource_packages(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let arn = administered(state, call)?.arn.clone();
    let packages: Vec<(String, PackageState)> = graph_packages(state, call.region, &arn).into_iter().collect();
    let (packages, next) = page(
        Service::Detective,
        "ListDatasourcePackages",
        &arn,
        &packages,
        call.body,
        PACKAGE_PAGE,
    )?;
    let details: Map<String, Value> = packages
        .iter()
        .map(|(package, state)| {
            let detail = json!({
                "DatasourcePackageIngestState": state.state,
                "LastIngestStateChange": changes_json(&BTreeMap::from([(state.state.clone(), state.since)])),
            });
            (package.clone(), detail)
        })
        .collect();
    Ok(json!({"DatasourcePackages": details, "NextToken": next}))
}

/// Documented: "Starts a data source package for the Detective behavior graph." Each package
/// (1 to 25 of DETECTIVE_CORE, EKS_AUDIT, ASFF_SECURITYHUB_FINDING) not already STARTED is
/// STARTED now, and so in the history of each ENABLED member; one already STARTED is left as
/// it is.
pub fn update_datasource_packages(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let requested = string_list(call.body, "DatasourcePackages")?;
    check_count("DatasourcePackages", requested.len(), 1, 25)?;
    if let Some(unknown) = requested
        .iter()
        .find(|package| !DATASOURCE_PACKAGES.contains(&package.as_str()))
    {
        return Err(ApiError::validation(format!(
            "{unknown:?} is not a data source package; the packages are {DATASOURCE_PACKAGES:?}"
        )));
    }
    let arn = administered(state, call)?.arn.clone();
    let before = graph_packages(state, call.region, &arn);
    let mut after = before.clone();
    let region = region_mut(state, call.region);
    for package in &requested {
        if after.get(package).is_some_and(|current| current.state == STARTED) {
            continue;
        }
        after.insert(package.clone(), PackageState::started(call.now));
        let members = region
            .graphs
            .iter_mut()
            .filter(|graph| graph.arn == arn)
            .flat_map(|graph| graph.members.iter_mut())
            .filter(|member| member.status == ENABLED);
        for member in members {
            // A member with a history of this package keeps it, with STARTED now; one without
            // takes the graph's (STARTED now).
            if let Some(mut states) = history(&before, true, &member.datasources).remove(package) {
                states.insert(STARTED.to_owned(), call.now);
                member.datasources.insert(package.clone(), states);
            }
        }
    }
    if after != before {
        region.graph_settings.entry(arn).or_default().datasource_packages = after;
    }
    Ok(json!({}))
}

/// The history of each of 1 to 200 `AccountIds` in the graph: members (any status), and
/// the administrator; any other account is in UnprocessedAccounts (free-text reason).
pub fn batch_get_graph_member_datasources(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let ids = string_list(call.body, "AccountIds")?;
    check_accounts(&ids, 200)?;
    let graph = administered(state, call)?.clone();
    let packages = graph_packages(state, call.region, &graph.arn);
    let mut found = Vec::new();
    let mut unprocessed = Vec::new();
    for id in &ids {
        let member = graph.members.iter().find(|member| member.account_id == *id);
        let account_history = if id == admin_of(&graph.arn) {
            Some(history(&packages, true, &IngestHistory::new()))
        } else {
            member.map(|member| history(&packages, member.status == ENABLED, &member.datasources))
        };
        match account_history {
            Some(account_history) => found.push(membership_json(id, &graph.arn, &account_history)),
            None => {
                unprocessed.push(json!({"AccountId": id, "Reason": "Account is not a member of the behavior graph"}))
            }
        }
    }
    Ok(json!({"MemberDatasources": found, "UnprocessedAccounts": unprocessed}))
}

/// The caller's history in each of 1 to 50 `GraphArns`: a graph of this region where it is
/// the administrator, or a member ENABLED or ACCEPTED_BUT_DISABLED (the graph's member list
/// decides); for a graph the region's state does not hold, the caller's invitation with
/// either status. Other graphs are in UnprocessedGraphs (free-text reason).
pub fn batch_get_membership_datasources(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let arns = string_list(call.body, "GraphArns")?;
    check_count("GraphArns", arns.len(), 1, 50)?;
    if let Some(bad) = arns.iter().find(|arn| !is_graph_arn(arn)) {
        return Err(ApiError::invalid_graph(format!(
            "GraphArns: {bad:?} is not a valid behavior graph ARN"
        )));
    }
    let mut found = Vec::new();
    let mut unprocessed = Vec::new();
    let region = state.region(call.region);
    let member_of = |status: &str| status == ENABLED || status == ACCEPTED_BUT_DISABLED;
    for arn in &arns {
        let packages = graph_packages(state, call.region, arn);
        let graph = region.and_then(|region| region.graphs.iter().find(|graph| graph.arn == *arn));
        let account_history = match graph {
            Some(_) if admin_of(arn) == call.caller => Some(history(&packages, true, &IngestHistory::new())),
            Some(graph) => graph
                .members
                .iter()
                .find(|member| member.account_id == call.caller && member_of(&member.status))
                .map(|member| history(&packages, member.status == ENABLED, &member.datasources)),
            None => region
                .and_then(|region| {
                    region.invitations.iter().find(|invitation| {
                        invitation.graph_arn == *arn
                            && is_callers(state, invitation, call.caller)
                            && member_of(&invitation.status)
                    })
                })
                .map(|invitation| history(&packages, invitation.status == ENABLED, &invitation.datasources)),
        };
        match account_history {
            Some(account_history) => found.push(membership_json(call.caller, arn, &account_history)),
            None => unprocessed
                .push(json!({"GraphArn": arn, "Reason": "The account is not a member of the behavior graph"})),
        }
    }
    Ok(json!({"MembershipDatasources": found, "UnprocessedGraphs": unprocessed}))
}
