//! Detective (restJson1) on the sandbox state: routes, who may call what, and the shapes
//! the model gives. Where the model and the API reference are silent, the choice made is
//! named in a comment and in the README's sandbox section.

mod accounts;
mod datasources;
mod graphs;
mod indicators;
mod investigations;
mod invitations;
mod members;
mod organization;
mod tags;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::names::{admin_of, is_account_id, is_graph_arn};
use crate::protocol::{decode_path_segment, ApiError};
use crate::state::{Graph, RegionState, SandboxState};

/// `(method, path, operation)` of each Detective operation the sandbox serves, as the
/// model's `http` traits give them; `{Name}` segments are URI members.
pub const ROUTES: &[(&str, &str, &str)] = &[
    ("PUT", "/invitation", "AcceptInvitation"),
    ("POST", "/graph", "CreateGraph"),
    ("POST", "/graph/members", "CreateMembers"),
    ("POST", "/graph/members/removal", "DeleteMembers"),
    (
        "POST",
        "/orgs/describeOrganizationConfiguration",
        "DescribeOrganizationConfiguration",
    ),
    ("POST", "/membership/removal", "DisassociateMembership"),
    ("POST", "/graph/members/get", "GetMembers"),
    ("POST", "/graphs/list", "ListGraphs"),
    ("POST", "/invitations/list", "ListInvitations"),
    ("POST", "/graph/members/list", "ListMembers"),
    ("POST", "/invitation/removal", "RejectInvitation"),
    ("POST", "/graph/member/monitoringstate", "StartMonitoringMember"),
    (
        "POST",
        "/orgs/updateOrganizationConfiguration",
        "UpdateOrganizationConfiguration",
    ),
    ("POST", "/investigations/startInvestigation", "StartInvestigation"),
    ("POST", "/investigations/getInvestigation", "GetInvestigation"),
    ("POST", "/investigations/listInvestigations", "ListInvestigations"),
    ("POST", "/investigations/listIndicators", "ListIndicators"),
    (
        "POST",
        "/investigations/updateInvestigationState",
        "UpdateInvestigationState",
    ),
    ("POST", "/orgs/enableAdminAccount", "EnableOrganizationAdminAccount"),
    ("POST", "/orgs/disableAdminAccount", "DisableOrganizationAdminAccount"),
    ("POST", "/orgs/adminAccountslist", "ListOrganizationAdminAccounts"),
    ("POST", "/graph/removal", "DeleteGraph"),
    ("POST", "/graph/datasources/list", "ListDatasourcePackages"),
    ("POST", "/graph/datasources/update", "UpdateDatasourcePackages"),
    ("POST", "/graph/datasources/get", "BatchGetGraphMemberDatasources"),
    ("POST", "/membership/datasources/get", "BatchGetMembershipDatasources"),
    ("POST", "/tags/{ResourceArn}", "TagResource"),
    ("DELETE", "/tags/{ResourceArn}", "UntagResource"),
    ("GET", "/tags/{ResourceArn}", "ListTagsForResource"),
];

/// The HTTP status of a successful call: the model's `responseCode` (204 for TagResource
/// and UntagResource), else 200.
pub fn success_status(operation: &str) -> u16 {
    match operation {
        "TagResource" | "UntagResource" => 204,
        _ => 200,
    }
}

/// The operation and its URI members, for a method and path.
pub fn operation_for(method: &str, path: &str) -> Option<(&'static str, Map<String, Value>)> {
    ROUTES.iter().find_map(|(route_method, route_path, operation)| {
        if *route_method != method {
            return None;
        }
        let template: Vec<&str> = route_path.split('/').collect();
        let actual: Vec<&str> = path.split('/').collect();
        if template.len() != actual.len() {
            return None;
        }
        let mut captured = Map::new();
        for (expected, found) in template.iter().zip(&actual) {
            match expected.strip_prefix('{').and_then(|name| name.strip_suffix('}')) {
                Some(name) => {
                    captured.insert(name.to_owned(), Value::from(decode_path_segment(found)));
                }
                None if expected == found => {}
                None => return None,
            }
        }
        Some((*operation, captured))
    })
}

/// One call: who makes it, where, when, with what.
pub struct Call<'a> {
    pub region: &'a str,
    pub caller: &'a str,
    pub now: DateTime<Utc>,
    pub body: &'a Value,
}

pub fn call(state: &mut SandboxState, operation: &str, call: &Call) -> Result<Value, ApiError> {
    match operation {
        "ListGraphs" => graphs::list_graphs(state, call),
        "CreateGraph" => graphs::create_graph(state, call),
        "DescribeOrganizationConfiguration" => graphs::describe_organization_configuration(state, call),
        "UpdateOrganizationConfiguration" => graphs::update_organization_configuration(state, call),
        "ListMembers" => members::list_members(state, call),
        "GetMembers" => members::get_members(state, call),
        "CreateMembers" => members::create_members(state, call),
        "DeleteMembers" => members::delete_members(state, call),
        "StartMonitoringMember" => members::start_monitoring_member(state, call),
        "ListInvitations" => invitations::list_invitations(state, call),
        "AcceptInvitation" => invitations::accept_invitation(state, call),
        "RejectInvitation" => invitations::reject_invitation(state, call),
        "DisassociateMembership" => invitations::disassociate_membership(state, call),
        "StartInvestigation" => investigations::start_investigation(state, call),
        "GetInvestigation" => investigations::get_investigation(state, call),
        "ListInvestigations" => investigations::list_investigations(state, call),
        "ListIndicators" => investigations::list_indicators(state, call),
        "UpdateInvestigationState" => investigations::update_investigation_state(state, call),
        "DeleteGraph" => graphs::delete_graph(state, call),
        "EnableOrganizationAdminAccount" => organization::enable_organization_admin_account(state, call),
        "DisableOrganizationAdminAccount" => organization::disable_organization_admin_account(state, call),
        "ListOrganizationAdminAccounts" => organization::list_organization_admin_accounts(state, call),
        "ListDatasourcePackages" => datasources::list_datasource_packages(state, call),
        "UpdateDatasourcePackages" => datasources::update_datasource_packages(state, call),
        "BatchGetGraphMemberDatasources" => datasources::batch_get_graph_member_datasources(state, call),
        "BatchGetMembershipDatasources" => datasources::batch_get_membership_datasources(state, call),
        "TagResource" => tags::tag_resource(state, call),
        "UntagResource" => tags::untag_resource(state, call),
        "ListTagsForResource" => tags::list_tags_for_resource(state, call),
        other => Err(ApiError::new(
            "UnknownOperationException",
            format!("{other} is not served by the sandbox"),
        )),
    }
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn required_str<'a>(body: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    body.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::validation(format!("{field} is required")))
}

fn region_mut<'a>(state: &'a mut SandboxState, region: &str) -> &'a mut RegionState {
    state.regions.entry(region.to_owned()).or_default()
}

/// The graph named by `GraphArn`, which the caller must administer. A graph of another
/// account is AccessDeniedException: the API reference names no code for this
/// (undocumented), and our code must not depend on which.
fn administered<'a>(state: &'a mut SandboxState, call: &Call) -> Result<&'a mut Graph, ApiError> {
    administered_by(state, call, "GraphArn")
}

/// `administered`, for the graph ARN in the member `field` (`ResourceArn` for the tag
/// operations).
fn administered_by<'a>(state: &'a mut SandboxState, call: &Call, field: &str) -> Result<&'a mut Graph, ApiError> {
    let arn = required_str(call.body, field)?.to_owned();
    if !is_graph_arn(&arn) {
        return Err(ApiError::invalid_graph(format!(
            "{field} {arn:?} is not a valid behavior graph ARN"
        )));
    }
    let region = call.region;
    let graph = region_mut(state, region)
        .graphs
        .iter_mut()
        .find(|graph| graph.arn == arn)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "The request refers to a nonexistent resource: graph {arn} in {region}"
            ))
        })?;
    if admin_of(&graph.arn) != call.caller {
        return Err(ApiError::access_denied(format!(
            "account {} is not the administrator of behavior graph {arn}",
            call.caller
        )));
    }
    Ok(graph)
}

/// 1 to 50 twelve-digit ids from `AccountIds` (the model's AccountIdList).
fn account_ids(body: &Value) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = body
        .get("AccountIds")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .map(|id| id.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    check_batch(&ids)?;
    Ok(ids)
}

fn check_batch(ids: &[String]) -> Result<(), ApiError> {
    check_accounts(ids, 50)
}

/// 1 to `most` twelve-digit account ids.
fn check_accounts(ids: &[String], most: usize) -> Result<(), ApiError> {
    check_count("AccountIds", ids.len(), 1, most)?;
    match ids.iter().find(|id| !is_account_id(id)) {
        Some(bad) => Err(ApiError::validation(format!("{bad:?} is not a 12-digit account id"))),
        None => Ok(()),
    }
}

/// A list's size within the model's `min` and `max`.
fn check_count(field: &str, count: usize, least: usize, most: usize) -> Result<(), ApiError> {
    if count < least || count > most {
        return Err(ApiError::validation(format!(
            "{field} must have between {least} and {most} items; got {count}"
        )));
    }
    Ok(())
}

/// The strings of the list member `field` (absent: empty; an item that is not a string:
/// ValidationException).
fn string_list(body: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::validation(format!("{field} must hold strings; found {item}")))
            })
            .collect(),
        Some(other) => Err(ApiError::validation(format!("{field} must be a list; found {other}"))),
    }
}

/// The account an account id names in a request: twelve digits.
fn check_account_id(field: &str, id: &str) -> Result<(), ApiError> {
    if is_account_id(id) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "{field} {id:?} is not a 12-digit account id"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_method_path_and_uri_members() {
        assert_eq!(
            operation_for("POST", "/graph/members").map(|(op, _)| op),
            Some("CreateMembers")
        );
        assert_eq!(operation_for("GET", "/graph/members"), None);
        assert_eq!(operation_for("POST", "/graph/members/extra"), None);
    }

    #[test]
    fn uri_labels_are_percent_decoded() {
        let arn = "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef";
        let (operation, members) =
            operation_for("DELETE", &format!("/tags/{}", arn.replace(':', "%3A"))).unwrap_or_default();
        assert_eq!(operation, "UntagResource");
        assert_eq!(members.get("ResourceArn"), Some(&Value::from(arn)));
        assert_eq!(success_status(operation), 204);
        assert_eq!(success_status("ListTagsForResource"), 200);
    }
}
