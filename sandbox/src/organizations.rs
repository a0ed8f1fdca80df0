//! Organizations operations (awsJson1.1, `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`).

use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::paging::page;
use crate::state::{Account, Organization, SandboxState};

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

fn account_json(state: &SandboxState, organization: &Organization, account: &Account) -> Value {
    json!({
        "Id": account.id,
        "Arn": format!("arn:{}:organizations::{}:account/{}/{}", state.partition, organization.management_account_id, organization.id, account.id),
        "Email": account.email, "Name": account.name,
        // `Status` is the older field (ACTIVE | SUSPENDED | PENDING_CLOSURE), `State` the newer one.
        "Status": if account.status == "CLOSED" { "SUSPENDED" } else { account.status.as_str() },
        "State": account.status,
        "JoinedMethod": "CREATED", "JoinedTimestamp": 1_704_067_200.0,
    })
}

pub fn call(state: &SandboxState, operation: &str, body: &Value) -> Result<Value, ApiError> {
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
            let (accounts, next) = page(&organization.accounts, body, ACCOUNT_PAGE)?;
            let accounts: Vec<Value> = accounts
                .iter()
                .map(|account| account_json(state, organization, account))
                .collect();
            Ok(json!({"Accounts": accounts, "NextToken": next}))
        }
        "DescribeAccount" => {
            let id = body.get("AccountId").and_then(Value::as_str).unwrap_or_default();
            if id.len() != 12 || !id.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(ApiError::new(
                    "InvalidInputException",
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
        other => Err(ApiError::new(
            "UnknownOperationException",
            format!("{other} is not served by the sandbox"),
        )),
    }
}
