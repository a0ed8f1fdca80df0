//! Organizations (awsJson1.1, `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`).

use serde_json::{json, Value};

use crate::names::is_account_id;
use crate::paging::page;
use crate::protocol::{ApiError, Service};
use crate::state::{Account, Organization, SandboxState, Unit};

pub const TARGET_PREFIX: &str = "AWSOrganizationsV20161128.";
const ACCOUNT_PAGE: usize = 20;

fn organization(state: &SandboxState) -> Result<&Organization, ApiError> {
    state.organization.as_ref().ok_or_else(|| {
        ApiError::new(
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.",
        )
    })
}

/// "This operation can be called only from the organization's management account or by a
/// member account that is a delegated administrator."
fn may_read_accounts(state: &SandboxState, organization: &Organization, caller: &str) -> Result<(), ApiError> {
    let detective_admin = state
        .regions
        .values()
        .any(|region| region.organization_admin_account_id.as_deref() == Some(caller))
        || organization.detective_delegated_administrator.as_deref() == Some(caller);
    if caller == organization.management_account_id
        || detective_admin
        || organization.delegated_administrators.iter().any(|id| id == caller)
    {
        Ok(())
    } else {
        Err(ApiError::new(
            "AccessDeniedException",
            format!("account {caller} is neither the management account nor a delegated administrator"),
        ))
    }
}

fn account_json(state: &SandboxState, organization: &Organization, account: &Account) -> Value {
    // `Status` is the older field: ACTIVE | SUSPENDED | PENDING_CLOSURE. A CLOSED account
    // shows as SUSPENDED there; for PENDING_ACTIVATION it has no value, so it is left out
    // (what AWS sends there is not documented: our code reads `State`).
    let status = match account.status.as_str() {
        "CLOSED" => Some("SUSPENDED"),
        "PENDING_ACTIVATION" => None,
        other => Some(other),
    };
    json!({
        "Id": account.id,
        "Arn": format!("arn:{}:organizations::{}:account/{}/{}", state.partition, organization.management_account_id, organization.id, account.id),
        "Email": (!account.email.is_empty()).then_some(&account.email),
        "Name": (!account.name.is_empty()).then_some(&account.name),
        "Status": status,
        "State": account.status,
        "JoinedMethod": "CREATED", "JoinedTimestamp": account.joined,
    })
}

/// The request's ParentId, a unit or the root of the organization.
fn existing_parent<'a>(organization: &Organization, body: &'a Value) -> Result<&'a str, ApiError> {
    let id = body.get("ParentId").and_then(Value::as_str).unwrap_or_default();
    if id == organization.root_id || organization.units.iter().any(|unit| unit.id == id) {
        Ok(id)
    } else {
        Err(ApiError::new(
            "ParentNotFoundException",
            format!(
                "no root or organizational unit {id:?} in organization {}",
                organization.id
            ),
        ))
    }
}

pub fn call(state: &SandboxState, caller: &str, operation: &str, body: &Value) -> Result<Value, ApiError> {
    let organization = organization(state)?;
    match operation {
        "DescribeOrganization" => Ok(json!({"Organization": {
            "Id": organization.id,
            "Arn": format!("arn:{}:organizations::{}:organization/{}", state.partition, organization.management_account_id, organization.id),
            "FeatureSet": "ALL",
            "MasterAccountId": organization.management_account_id,
            "MasterAccountArn": format!("arn:{}:organizations::{}:account/{}/{}", state.partition, organization.management_account_id, organization.id, organization.management_account_id),
        }})),
        "ListAccounts" => {
            may_read_accounts(state, organization, caller)?;
            let (accounts, next) = page(
                Service::Organizations,
                "ListAccounts",
                &organization.id,
                &organization.accounts,
                body,
                ACCOUNT_PAGE,
            )?;
            let accounts: Vec<Value> = accounts
                .iter()
                .map(|account| account_json(state, organization, account))
                .collect();
            Ok(json!({"Accounts": accounts, "NextToken": next}))
        }
        "DescribeAccount" => {
            may_read_accounts(state, organization, caller)?;
            let id = body.get("AccountId").and_then(Value::as_str).unwrap_or_default();
            if !is_account_id(id) {
                return Err(ApiError::invalid_input(
                    "INVALID_PATTERN",
                    format!("{id:?} is not a 12-digit account id"),
                ));
            }
            organization
                .accounts
                .iter()
                .find(|account| account.id == id)
                .map(|account| json!({"Account": account_json(state, organization, account)}))
                .ok_or_else(|| {
                    ApiError::new(
                        "AccountNotFoundException",
                        format!("account {id} is not in organization {}", organization.id),
                    )
                })
        }
        "ListAccountsForParent" => {
            may_read_accounts(state, organization, caller)?;
            let parent = existing_parent(organization, body)?;
            let accounts: Vec<&Account> = organization
                .accounts
                .iter()
                .filter(|account| account.parent.as_deref().unwrap_or(&organization.root_id) == parent)
                .collect();
            let (accounts, next) = page(
                Service::Organizations,
                "ListAccountsForParent",
                parent,
                &accounts,
                body,
                ACCOUNT_PAGE,
            )?;
            let accounts: Vec<Value> = accounts
                .into_iter()
                .map(|account| account_json(state, organization, account))
                .collect();
            Ok(json!({"Accounts": accounts, "NextToken": next}))
        }
        "ListOrganizationalUnitsForParent" => {
            may_read_accounts(state, organization, caller)?;
            let parent = existing_parent(organization, body)?;
            let units: Vec<&Unit> = organization
                .units
                .iter()
                .filter(|unit| unit.parent.as_deref().unwrap_or(&organization.root_id) == parent)
                .collect();
            let (units, next) = page(
                Service::Organizations,
                "ListOrganizationalUnitsForParent",
                parent,
                &units,
                body,
                ACCOUNT_PAGE,
            )?;
            let units: Vec<Value> = units
                .into_iter()
                .map(|unit| json!({
                    "Id": unit.id,
                    "Arn": format!("arn:{}:organizations::{}:ou/{}/{}", state.partition, organization.management_account_id, organization.id, unit.id),
                    "Name": unit.name,
                }))
                .collect();
            Ok(json!({"OrganizationalUnits": units, "NextToken": next}))
        }
        "ListTagsForResource" => {
            may_read_accounts(state, organization, caller)?;
            let id = body.get("ResourceId").and_then(Value::as_str).unwrap_or_default();
            let tags: Vec<Value> = match organization.accounts.iter().find(|account| account.id == id) {
                Some(account) => account
                    .tags
                    .iter()
                    .map(|(key, value)| json!({"Key": key, "Value": value}))
                    .collect(),
                None if id == organization.root_id || organization.units.iter().any(|unit| unit.id == id) => Vec::new(),
                None => {
                    return Err(ApiError::new(
                        "TargetNotFoundException",
                        format!(
                            "{id:?} is not an account, unit or root of organization {}",
                            organization.id
                        ),
                    ))
                }
            };
            // The model gives no page size: the whole list, with NextToken for the form.
            let (tags, next) = page(
                Service::Organizations,
                "ListTagsForResource",
                id,
                &tags,
                body,
                usize::MAX,
            )?;
            Ok(json!({"Tags": tags, "NextToken": next}))
        }
        "ListDelegatedAdministrators" => {
            may_read_accounts(state, organization, caller)?;
            let principal = body.get("ServicePrincipal").and_then(Value::as_str);
            let detective = organization.detective_delegated_administrator.iter();
            let ids: Vec<&String> = match principal {
                Some("detective.amazonaws.com") => detective.collect(),
                Some(_) => organization.delegated_administrators.iter().collect(),
                None => detective.chain(organization.delegated_administrators.iter()).collect(),
            };
            let administrators: Vec<Value> = ids
                .into_iter()
                .filter_map(|id| organization.accounts.iter().find(|account| account.id == *id))
                .map(|account| {
                    let mut entry = account_json(state, organization, account);
                    if let Value::Object(members) = &mut entry {
                        members.insert("DelegationEnabledDate".to_owned(), json!(1_704_067_200.0));
                    }
                    entry
                })
                .collect();
            let (administrators, next) = page(
                Service::Organizations,
                "ListDelegatedAdministrators",
                &organization.id,
                &administrators,
                body,
                ACCOUNT_PAGE,
            )?;
            Ok(json!({"DelegatedAdministrators": administrators, "NextToken": next}))
        }
        other => Err(ApiError::new(
            "UnknownOperationException",
            format!("{other} is not served by the sandbox"),
        )),
    }
}
