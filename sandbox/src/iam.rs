//! IAM and STS (awsQuery), as far as a role lookup needs them: sts:AssumeRole into an
//! account, then iam:GetRole there. Trust policies are not modelled here: any caller may
//! assume a role that exists (the organization simulation checks each AssumeRole against the
//! role's trust policy, `tests/org`). Each AssumeRole issues a key of its own, and the
//! request log names the session behind it.

use serde_json::{json, Map, Value};

use crate::protocol::ApiError;
use crate::state::SandboxState;

/// Access keys that act as `account` in the sandbox (the access key id names the account;
/// any other key acts as the state's caller account).
pub fn access_key_for(account: &str) -> String {
    format!("ASIA{account}SANDBOX")
}

/// The account an access key id acts as, when it names one.
pub fn account_of_key(access_key_id: &str) -> Option<&str> {
    let account = access_key_id
        .strip_prefix("ASIA")
        .or_else(|| access_key_id.strip_prefix("AKIA"))?
        .get(..12)?;
    crate::names::is_account_id(account).then_some(account)
}

fn param<'a>(params: &'a Map<String, Value>, name: &str, service_code: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .and_then(Value::as_str)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::new(service_code, format!("{name} is required")))
}

pub fn iam_call(
    state: &SandboxState,
    caller: &str,
    operation: &str,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    match operation {
        "GetRole" => principal(state, caller, params, "Role"),
        "GetUser" => principal(state, caller, params, "User"),
        other => Err(ApiError::new(
            "InvalidAction",
            format!("{other} is not served by the sandbox"),
        )),
    }
}

/// GetRole or GetUser (`kind` Role or User) in the caller's account.
fn principal(state: &SandboxState, caller: &str, params: &Map<String, Value>, kind: &str) -> Result<Value, ApiError> {
    let name = param(params, &format!("{kind}Name"), "ValidationError")?;
    let known = if kind == "Role" {
        &state.iam_roles
    } else {
        &state.iam_users
    };
    let found = known
        .iter()
        .find(|principal| principal.account_id == caller && principal.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            ApiError::new(
                "NoSuchEntity",
                format!("The {} with name {name} cannot be found.", kind.to_lowercase()),
            )
        })?;
    let id_prefix = if kind == "Role" { "AROA" } else { "AIDA" };
    Ok(json!({kind: {
        "Path": found.path, format!("{kind}Name"): found.name,
        format!("{kind}Id"): format!("{id_prefix}{}{}", found.account_id, found.name.len()),
        "Arn": found.arn_of_kind(&state.partition, &kind.to_lowercase()), "CreateDate": "2024-01-01T00:00:00Z",
    }}))
}

pub fn sts_call(state: &mut SandboxState, operation: &str, params: &Map<String, Value>) -> Result<Value, ApiError> {
    match operation {
        "AssumeRole" => {
            let arn = param(params, "RoleArn", "ValidationError")?;
            let session = param(params, "RoleSessionName", "ValidationError")?;
            let role = state
                .iam_roles
                .iter()
                .find(|role| role.arn(&state.partition) == arn)
                .ok_or_else(|| {
                    ApiError::new(
                        "AccessDenied",
                        format!("not authorized to perform sts:AssumeRole on {arn}"),
                    )
                })?;
            let session_arn = format!(
                "arn:{}:sts::{}:assumed-role/{}/{session}",
                state.partition, role.account_id, role.name
            );
            // 20 characters, as AWS's: ASIA, the account, and the session's number.
            let key = format!("ASIA{}{:04}", role.account_id, state.assumed_sessions.len() % 10_000);
            let account = role.account_id.clone();
            state.assumed_sessions.insert(key.clone(), session_arn.clone());
            Ok(json!({
                "Credentials": {
                    "AccessKeyId": key, "SecretAccessKey": "sandbox",
                    "SessionToken": "sandbox-session", "Expiration": "2100-01-01T00:00:00Z",
                },
                "AssumedRoleUser": {
                    "AssumedRoleId": format!("AROA{account}:{session}"),
                    "Arn": session_arn,
                },
            }))
        }
        other => Err(ApiError::new(
            "InvalidAction",
            format!("{other} is not served by the sandbox"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_keys_name_their_account() {
        assert_eq!(account_of_key(&access_key_for("222222222222")), Some("222222222222"));
        assert_eq!(account_of_key("sandbox"), None);
        assert_eq!(account_of_key("AKIAEXAMPLEEXAMPLE"), None);
    }
}
