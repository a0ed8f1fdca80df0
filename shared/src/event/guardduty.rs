//! A GuardDuty finding as delivered in `detail` of a "GuardDuty Finding" event.

use serde_json::Value;

use super::{fields, EventError};

const PREFIX: &str = "event.detail";

/// Every field of the finding this module reads, from `detail` (a list's items are `[]`):
/// `autopilot describe` lists them, `make test` checks each against GuardDuty's model
/// (`Finding`), and a test proves the list is exactly what the readers below read.
pub const FIELDS: &[&str] = &[
    "accountId",
    "createdAt",
    "id",
    "partition",
    "region",
    "resource.accessKeyDetails",
    "resource.accessKeyDetails.accessKeyId",
    "resource.accessKeyDetails.principalId",
    "resource.accessKeyDetails.userName",
    "resource.accessKeyDetails.userType",
    "service.additionalInfo.sample",
    "service.archived",
    "service.detection.sequence.actors",
    "service.detection.sequence.actors[].session.issuer",
    "service.detection.sequence.actors[].user",
    "service.detection.sequence.actors[].user.account.uid",
    "service.detection.sequence.actors[].user.credentialUid",
    "service.detection.sequence.actors[].user.name",
    "service.detection.sequence.actors[].user.type",
    "service.detection.sequence.resources",
    "service.detection.sequence.resources[].accountId",
    "service.detection.sequence.resources[].data.accessKey.userName",
    "service.detection.sequence.resources[].data.accessKey.userType",
    "service.detection.sequence.resources[].resourceType",
    "service.detection.sequence.resources[].uid",
    "service.eventFirstSeen",
    "service.eventLastSeen",
    "severity",
    "type",
    "updatedAt",
];

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

/// What a finding says of an identity's own account, which may differ from the account
/// where it acted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Owner {
    /// The finding's account (`accountId`): a finding's resource is about the account it
    /// was generated in.
    #[default]
    FindingAccount,
    /// Named: a resource's account ("the account to which the resource belongs").
    Account(String),
    /// Not said: an attack sequence's actor, whose `user.account.uid` is only "the account
    /// within which the activity took place", and its owner is learnt from its session's
    /// issuer or its access key's resource, if at all.
    Unknown,
}

/// An identity a finding names besides `accessKeyDetails`, with where it was read (for
/// errors) and what the finding says of its account and path.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Actor {
    pub field: String,
    pub user_type: Option<String>,
    pub user_name: Option<String>,
    pub owner: Owner,
    /// Where it acted (an attack sequence actor's `user.account.uid`), never its owner.
    pub acted_in: Option<String>,
    /// The session's issuer (`session.issuer`): the ARN of the role behind the session,
    /// path included.
    pub issuer: Option<String>,
    /// The access key it used (`user.credentialUid`; an ACCESS_KEY resource's `uid`).
    pub credential: Option<String>,
    /// Its path, when the finding gives it (Security Hub's AwsIamRole / AwsIamUser `Path`).
    pub path: Option<String>,
    /// The finding cannot give its path: an investigation under a guessed ARN is worthless,
    /// so only IAM (the role lookup) may say it.
    pub path_must_be_known: bool,
}

impl Actor {
    /// An attack sequence's actor, by `user` and its session: its account is only where it
    /// acted, so its owner is not known from it, and no path is ever assumed for it.
    pub(super) fn in_sequence(
        field: String,
        user_type: Option<String>,
        user_name: Option<String>,
        acted_in: Option<String>,
        issuer: Option<String>,
        credential: Option<String>,
    ) -> Self {
        Self {
            field,
            user_type,
            user_name,
            owner: Owner::Unknown,
            acted_in,
            issuer,
            credential,
            path: None,
            path_must_be_known: true,
        }
    }
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
        let access_key = match fields::value(detail, PREFIX, &["resource", "accessKeyDetails"]) {
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

const SEQUENCE: [&str; 3] = ["service", "detection", "sequence"];

/// An attack sequence's identities (`service.detection.sequence`): each actor's `user` with
/// its `session.issuer`, and each ACCESS_KEY resource's `data.accessKey` with the
/// resource's `accountId` (its owner). An actor's account is only where it acted.
fn sequence_actors(detail: &Value) -> Result<Vec<Actor>, EventError> {
    let list = |key: &str| fields::list(detail, PREFIX, &[SEQUENCE[0], SEQUENCE[1], SEQUENCE[2], key]);
    let text = |value: &Value, path: &[&str], field: &str| -> Result<Option<String>, EventError> {
        fields::string(value, field, path)
    };
    let mut actors = Vec::new();
    for (index, actor) in list("actors")?.iter().enumerate() {
        let base = format!("{PREFIX}.service.detection.sequence.actors[{index}]");
        if fields::value(actor, &base, &["user"]).is_none() {
            continue;
        }
        actors.push(Actor::in_sequence(
            format!("{base}.user"),
            text(actor, &["user", "type"], &base)?,
            text(actor, &["user", "name"], &base)?,
            text(actor, &["user", "account", "uid"], &base)?,
            text(actor, &["session", "issuer"], &base)?,
            text(actor, &["user", "credentialUid"], &base)?,
        ));
    }
    for (index, resource) in list("resources")?.iter().enumerate() {
        let field = format!("{PREFIX}.service.detection.sequence.resources[{index}]");
        if text(resource, &["resourceType"], &field)?.as_deref() != Some("ACCESS_KEY") {
            continue;
        }
        actors.push(Actor {
            user_type: text(resource, &["data", "accessKey", "userType"], &field)?,
            user_name: text(resource, &["data", "accessKey", "userName"], &field)?,
            owner: text(resource, &["accountId"], &field)?.map_or(Owner::Unknown, Owner::Account),
            acted_in: None,
            issuer: None,
            credential: text(resource, &["uid"], &field)?,
            path: None,
            path_must_be_known: true,
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
    fn an_attack_sequence_actor_keeps_its_issuer_and_where_it_acted_apart_from_its_owner() {
        let detail = json!({"service": {"detection": {"sequence": {
            "actors": [{"id": "USER:a", "user": {"name": "deployer", "type": "AssumedRole", "uid": "AROA:s",
                        "credentialUid": "ASIAKEY", "account": {"uid": "222222222222"}},
                        "session": {"issuer": "arn:aws:iam::333333333333:role/ci/deployer"}}],
            "resources": [{"uid": "AKIAKEY", "resourceType": "ACCESS_KEY", "accountId": "444444444444",
                           "data": {"accessKey": {"userName": "alice", "userType": "IAMUser"}}}]}}}});
        let actors = Finding::from_detail(&detail)
            .map(|finding| finding.actors)
            .unwrap_or_default();
        assert_eq!(actors.len(), 2);
        assert_eq!(actors[0].owner, Owner::Unknown);
        assert_eq!(actors[0].acted_in.as_deref(), Some("222222222222"));
        assert_eq!(
            actors[0].issuer.as_deref(),
            Some("arn:aws:iam::333333333333:role/ci/deployer")
        );
        assert_eq!(actors[1].owner, Owner::Account("444444444444".to_owned()));
        assert_eq!(actors[1].credential.as_deref(), Some("AKIAKEY"));
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

    /// The declared fields are exactly what reading every GuardDuty sample reads.
    #[test]
    fn the_declared_fields_are_the_fields_read() {
        let read = fields::record::fields_read(|| {
            for event in crate::event::samples::of("aws.guardduty", "GuardDuty Finding") {
                let _ = Finding::from_detail(&event["detail"]);
            }
        });
        let read: Vec<String> = read
            .iter()
            .filter_map(|path| path.strip_prefix("event.detail.").map(str::to_owned))
            .collect();
        let mut declared: Vec<String> = FIELDS.iter().map(|field| (*field).to_owned()).collect();
        declared.sort();
        assert_eq!(read, declared);
    }
}
