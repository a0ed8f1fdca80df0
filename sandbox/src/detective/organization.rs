//! The organization's Detective administrator: EnableOrganizationAdminAccount,
//! DisableOrganizationAdminAccount, ListOrganizationAdminAccounts. Documented: each "can
//! only be called by the organization management account".

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::graphs::{ensure_graph, remove_graph};
use super::{check_account_id, region_mut, required_str, timestamp, Call};
use crate::names::admin_of;
use crate::paging::page;
use crate::protocol::{ApiError, Service};
use crate::state::SandboxState;

const ADMIN_PAGE: usize = 200;

/// Any other caller (or any caller when there is no organization) is AccessDeniedException,
/// as for every operation called by the wrong account.
fn management_only(state: &SandboxState, call: &Call, operation: &str) -> Result<(), ApiError> {
    let management = state
        .organization
        .as_ref()
        .map(|organization| organization.management_account_id.as_str());
    if management == Some(call.caller) {
        Ok(())
    } else {
        Err(ApiError::access_denied(format!(
            "{operation} can only be called by the organization management account; {} is not",
            call.caller
        )))
    }
}

/// Designates `AccountId`, an account of the organization (else ValidationException), and,
/// documented, "if the account does not have Detective enabled, then enables Detective for
/// that account and creates a new behavior graph". Not documented, the sandbox's choices:
/// designating the account already designated succeeds and changes nothing (its
/// DelegationTime stays); another account while one is designated is ValidationException.
pub fn enable_organization_admin_account(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    management_only(state, call, "EnableOrganizationAdminAccount")?;
    let account = required_str(call.body, "AccountId")?.to_owned();
    check_account_id("AccountId", &account)?;
    if state.organization_account(&account).is_none() {
        return Err(ApiError::validation(format!(
            "account {account} is not an account of the organization"
        )));
    }
    // Documented: "Once the delegated administrator account is set in Organizations, the
    // organization management account can only choose either the delegated administrator
    // account or their own account as the Detective administrator account."
    if let Some(organization) = state.organization.as_mut() {
        if account != organization.management_account_id {
            match organization.detective_delegated_administrator.as_deref() {
                Some(delegated) if delegated != account => {
                    return Err(ApiError::validation(format!(
                        "account {delegated} is Detective's delegated administrator in Organizations: only it or the management account can be designated"
                    )))
                }
                Some(_) => {}
                None => organization.detective_delegated_administrator = Some(account.clone()),
            }
        }
    }
    let region = region_mut(state, call.region);
    match region.organization_admin_account_id.as_deref() {
        Some(current) if current != account => {
            return Err(ApiError::validation(format!(
                "account {current} is already the Detective administrator account in {}; disable it first",
                call.region
            )));
        }
        Some(_) => {}
        None => {
            region.organization_admin_account_id = Some(account.clone());
            region.organization_admin_since = Some(call.now);
        }
    }
    ensure_graph(state, call.region, &account, BTreeMap::new(), call.now);
    Ok(json!({}))
}

/// Documented: "Removes the Detective administrator account in the current Region. Deletes
/// the organization behavior graph." With none designated, ValidationException (not
/// documented).
pub fn disable_organization_admin_account(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    management_only(state, call, "DisableOrganizationAdminAccount")?;
    let region = region_mut(state, call.region);
    let admin = region.organization_admin_account_id.take().ok_or_else(|| {
        ApiError::validation(format!(
            "the organization has no Detective administrator account in {}",
            call.region
        ))
    })?;
    region.organization_admin_since = None;
    let graphs: Vec<String> = region
        .graphs
        .iter()
        .filter(|graph| admin_of(&graph.arn) == admin)
        .map(|graph| graph.arn.clone())
        .collect();
    for arn in graphs {
        remove_graph(state, call.region, &arn);
    }
    Ok(json!({}))
}

/// The Detective administrator account of this region, if any, with its graph and when it
/// was designated (each absent when the state does not know it).
pub fn list_organization_admin_accounts(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    management_only(state, call, "ListOrganizationAdminAccounts")?;
    let administrators: Vec<Value> = state
        .region(call.region)
        .and_then(|region| {
            let admin = region.organization_admin_account_id.as_deref()?;
            let graph = region.graphs.iter().find(|graph| admin_of(&graph.arn) == admin);
            Some(json!({
                "AccountId": admin,
                "GraphArn": graph.map(|graph| graph.arn.as_str()),
                "DelegationTime": region.organization_admin_since.map(timestamp),
            }))
        })
        .into_iter()
        .collect();
    let (administrators, next) = page(
        Service::Detective,
        "ListOrganizationAdminAccounts",
        call.region,
        &administrators,
        call.body,
        ADMIN_PAGE,
    )?;
    Ok(json!({"Administrators": administrators, "NextToken": next}))
}
