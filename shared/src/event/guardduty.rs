//! A GuardDuty finding as delivered in `detail` of a "GuardDuty Finding" event.

use serde_json::Value;

use super::{fields, EventError};

const PREFIX: &str = "event.detail";

/// The parts of a finding our decisions use; everything else is ignored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Finding {
    pub id: Option<String>,
    pub finding_type: Option<String>,
    /// The account the finding is about (not the envelope's, which is the receiver's).
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub partition: Option<String>,
    /// Where `partition` was read, for errors (GuardDuty: `event.detail.partition`).
    pub partition_field: String,
    pub severity: Option<f64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub access_key: Option<AccessKeyDetails>,
    pub sample: bool,
    pub archived: bool,
    pub event_first_seen: Option<String>,
    pub event_last_seen: Option<String>,
    /// Further identities the finding names: an attack sequence's actors and access keys
    /// (Extended Threat Detection), or a Security Hub finding's IAM resources.
    pub actors: Vec<Actor>,
    /// Delivered by Security Hub (ASFF), not by GuardDuty itself.
    pub via_security_hub: bool,
}

/// An identity a finding names besides `accessKeyDetails`, with where it was read (for
/// errors) and its account when the finding gives one (else the finding's account).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Actor {
    pub field: String,
    pub user_type: Option<String>,
    pub user_name: Option<String>,
    pub account_id: Option<String>,
}

/// `detail.resource.accessKeyDetails`: who used the credentials.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccessKeyDetails {
    pub user_type: Option<String>,
    pub user_name: Option<String>,
    pub principal_id: Option<String>,
    pub access_key_id: Option<String>,
}

impl Finding {
    pub fn from_detail(detail: &Value) -> Result<Self, EventError> {
        let text = |path: &[&str]| fields::string(detail, PREFIX, path);
        let flag = |path: &[&str]| fields::boolean(detail, PREFIX, path).map(|v| v.unwrap_or(false));
        let access_key = match fields::lookup(detail, &["resource", "accessKeyDetails"]) {
            None => None,
            Some(Value::Object(_)) => Some(AccessKeyDetails {
                user_type: text(&["resource", "accessKeyDetails", "userType"])?,
                user_name: text(&["resource", "accessKeyDetails", "userName"])?,
                principal_id: text(&["resource", "accessKeyDetails", "principalId"])?,
                access_key_id: text(&["resource", "accessKeyDetails", "accessKeyId"])?,
            }),
            Some(other) => {
                return Err(EventError::invalid(
                    PREFIX,
                    &["resource", "accessKeyDetails"],
                    "an object",
                    other,
                ))
            }
        };
        Ok(Self {
            id: text(&["id"])?,
            finding_type: text(&["type"])?,
            account_id: text(&["accountId"])?,
            region: text(&["region"])?,
            partition: text(&["partition"])?,
            partition_field: format!("{PREFIX}.partition"),
            severity: fields::number(detail, PREFIX, &["severity"])?,
            created_at: text(&["createdAt"])?,
            updated_at: text(&["updatedAt"])?,
            access_key,
            sample: flag(&["service", "additionalInfo", "sample"])?,
            archived: flag(&["service", "archived"])?,
            event_first_seen: text(&["service", "eventFirstSeen"])?,
            event_last_seen: text(&["service", "eventLastSeen"])?,
            actors: sequence_actors(detail)?,
            via_security_hub: false,
        })
    }
}

/// An attack sequence's identities (`service.detection.sequence`): each actor's `user`
/// (`name`, `type`, `account.uid`) and each ACCESS_KEY resource's `data.accessKey`
/// (`userName`, `userType`, with the resource's `accountId`).
fn sequence_actors(detail: &Value) -> Result<Vec<Actor>, EventError> {
    const SEQUENCE: [&str; 3] = ["service", "detection", "sequence"];
    let list = |key: &str| -> Result<Vec<Value>, EventError> {
        let path = [SEQUENCE[0], SEQUENCE[1], SEQUENCE[2], key];
        match fields::lookup(detail, &path) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(other) => Err(EventError::invalid(PREFIX, &path, "a list", other)),
        }
    };
    let text = |value: &Value, path: &[&str], field: &str| -> Result<Option<String>, EventError> {
        fields::string(value, field, path)
    };
    let mut actors = Vec::new();
    for (index, actor) in list("actors")?.iter().enumerate() {
        let base = format!("{PREFIX}.service.detection.sequence.actors[{index}]");
        if fields::lookup(actor, &["user"]).is_none() {
            continue;
        }
        actors.push(Actor {
            user_type: text(actor, &["user", "type"], &base)?,
            user_name: text(actor, &["user", "name"], &base)?,
            account_id: text(actor, &["user", "account", "uid"], &base)?,
            field: format!("{base}.user"),
        });
    }
    for (index, resource) in list("resources")?.iter().enumerate() {
        let field = format!("{PREFIX}.service.detection.sequence.resources[{index}]");
        if text(resource, &["resourceType"], &field)?.as_deref() != Some("ACCESS_KEY") {
            continue;
        }
        actors.push(Actor {
            user_type: text(resource, &["data", "accessKey", "userType"], &field)?,
            user_name: text(resource, &["data", "accessKey", "userName"], &field)?,
            account_id: text(resource, &["accountId"], &field)?,
            field: format!("{field}.data.accessKey"),
        });
    }
    Ok(actors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_fields_decisions_use() {
        let detail = json!({
            "id": "f1", "type": "UnauthorizedAccess:IAMUser/TorIPCaller", "accountId": "111122223333",
            "region": "us-east-1", "partition": "aws", "severity": "8.0",
            "resource": {"resourceType": "AccessKey", "accessKeyDetails": {"userType": "IAMUser", "userName": "alice"}},
            "service": {"archived": false, "additionalInfo": {"sample": "true"},
                        "eventFirstSeen": "2026-01-01T10:15:00Z", "eventLastSeen": "2026-01-01T11:15:00Z"}
        });
        let parsed = Finding::from_detail(&detail);
        assert!(parsed.is_ok(), "{parsed:?}");
        let finding = parsed.unwrap_or_default();
        assert_eq!(finding.severity, Some(8.0));
        assert!(finding.sample);
        assert!(!finding.archived);
        assert_eq!(finding.access_key.and_then(|k| k.user_name).as_deref(), Some("alice"));
    }

    #[test]
    fn a_severity_word_is_a_clear_error() {
        let error = Finding::from_detail(&json!({"severity": "HIGH"}))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("event.detail.severity: expected a number or a numeric string; found \"HIGH\"")
        );
    }

    #[test]
    fn missing_resource_means_no_principal() {
        let finding = Finding::from_detail(&json!({"resource": null}));
        assert_eq!(finding.map(|finding| finding.access_key), Ok(None));
    }
}
