//! Organizations' membership events, `AccountJoinedOrganization` and
//! `AccountDepartedOrganization` (recorded in the management account since May 2026).
//!
//! AWS documents that they exist, that they carry `joinedMethod` / `departedMethod` and
//! the time, and that they are available only in the management account; it publishes no
//! example, so where the member account's id sits is not documented. We look where
//! CloudTrail records of Organizations put account ids, and accept an id only when every
//! place we look agrees on one; otherwise the caller reconciles the whole organization.

use serde_json::Value;

use super::{fields, CloudTrailRecord};
use crate::aws::arn::is_account_id;

/// Keys an account id goes by in Organizations' records.
const ACCOUNT_KEYS: &[&str] = &["accountId", "memberAccountId", "account"];
/// How deep inside `serviceEventDetails`, `requestParameters` and `responseElements` to look.
const MAX_DEPTH: usize = 3;

fn collect(value: &Value, depth: usize, found: &mut Vec<String>) {
    let Value::Object(members) = value else { return };
    for (key, member) in members {
        match member {
            Value::String(text) if ACCOUNT_KEYS.contains(&key.as_str()) && is_account_id(text) => {
                found.push(text.clone())
            }
            Value::Object(_) if depth < MAX_DEPTH => collect(member, depth + 1, found),
            _ => {}
        }
    }
}

/// The account of an Organizations account ARN (`arn:aws:organizations::mgmt:account/o-x/111122223333`).
fn account_of_arn(arn: &str) -> Option<&str> {
    arn.contains(":account/")
        .then(|| arn.rsplit('/').next())
        .flatten()
        .filter(|id| is_account_id(id))
}

/// The member account the event is about, when the places we look name exactly one.
pub fn member_account(record: &CloudTrailRecord) -> Option<String> {
    let mut found = Vec::new();
    for part in [
        &record.service_event_details,
        &record.request_parameters,
        &record.response_elements,
    ]
    .into_iter()
    .flatten()
    {
        collect(part, 0, &mut found);
    }
    if let Some(Value::Array(resources)) = &record.resources {
        for resource in resources {
            let arn = fields::lookup(resource, &["ARN"]).and_then(Value::as_str);
            if let Some(id) = arn.and_then(account_of_arn) {
                found.push(id.to_owned());
            }
        }
    }
    found.sort();
    found.dedup();
    match found.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// `joinedMethod` or `departedMethod` (`Created`, `Invited`, `Left`, `Removed`, `Cleaned`), wherever it is.
pub fn method(record: &CloudTrailRecord, key: &str) -> Option<String> {
    fn find(value: &Value, key: &str, depth: usize) -> Option<String> {
        let Value::Object(members) = value else { return None };
        if let Some(Value::String(text)) = members.get(key) {
            return Some(text.clone());
        }
        (depth < MAX_DEPTH)
            .then(|| members.values().find_map(|member| find(member, key, depth + 1)))
            .flatten()
    }
    [
        &record.service_event_details,
        &record.request_parameters,
        &record.response_elements,
    ]
    .into_iter()
    .flatten()
    .find_map(|part| find(part, key, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(detail: Value) -> CloudTrailRecord {
        let parsed = CloudTrailRecord::from_detail(&detail);
        assert!(parsed.is_ok(), "{parsed:?}");
        parsed.unwrap_or_default()
    }

    #[test]
    fn the_account_is_found_where_organizations_records_keep_account_ids() {
        for detail in [
            json!({"serviceEventDetails": {"accountId": "222233334444", "joinedMethod": "Invited"}}),
            json!({"serviceEventDetails": {"accountJoinedOrganization": {"accountId": "222233334444"}}}),
            json!({"requestParameters": {"accountId": "222233334444"}}),
            json!({"resources": [{"type": "AWS::Organizations::Account",
                   "ARN": "arn:aws:organizations::999999999999:account/o-exampleorgid/222233334444"}]}),
            json!({"serviceEventDetails": {"accountId": "222233334444"},
                   "resources": [{"ARN": "arn:aws:organizations::999999999999:account/o-exampleorgid/222233334444"}]}),
        ] {
            assert_eq!(
                member_account(&record(detail.clone())).as_deref(),
                Some("222233334444"),
                "{detail}"
            );
        }
    }

    #[test]
    fn no_account_or_disagreeing_places_give_none() {
        assert_eq!(
            member_account(&record(json!({"serviceEventDetails": {"joinedMethod": "Created"}}))),
            None
        );
        let two = json!({"serviceEventDetails": {"accountId": "222233334444"}, "requestParameters": {"accountId": "555566667777"}});
        assert_eq!(member_account(&record(two)), None);
        let malformed = json!({"serviceEventDetails": {"accountId": "2222"}});
        assert_eq!(member_account(&record(malformed)), None);
    }

    #[test]
    fn the_method_is_read_wherever_it_is() {
        let detail = json!({"serviceEventDetails": {"accountDepartedOrganization": {"departedMethod": "Removed"}}});
        assert_eq!(method(&record(detail), "departedMethod").as_deref(), Some("Removed"));
    }
}
