//! Which IAM principal a finding is about, and how its real ARN (with its path) is known.
//!
//! GuardDuty gives a principal's name (`accessKeyDetails.userName`: the user, or for a
//! role the role's name), never its ARN. An ARN built as `role/{name}` is wrong for every
//! role with a path, which includes IAM Identity Center's `AWSReservedSSO_` roles and every
//! service-linked role; Detective would investigate an entity that does not exist.

use crate::aws::arn::is_partition;
use crate::aws::PrincipalKind;
use crate::domain::AccountId;
use crate::event::{Actor, EventError, Finding, Owner};

/// An IAM user or role Detective can investigate, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub partition: String,
    /// Its own account (never where it acted).
    pub account_id: AccountId,
    pub kind: PrincipalKind,
    pub name: String,
    /// Its path, when the finding says it (a session issuer's ARN, a resource's Path).
    pub path: Option<String>,
    /// The finding cannot say its path and an assumed one is not acceptable (an attack
    /// sequence's actor): only IAM may say it, else it is not investigated.
    pub path_must_be_known: bool,
}

impl Principal {
    /// The ARN with `path` (`/` or `/a/b/`).
    pub fn arn_with_path(&self, path: &str) -> String {
        format!(
            "arn:{}:iam::{}:{}{path}{}",
            self.partition,
            self.account_id,
            self.kind.resource(),
            self.name
        )
    }
}

/// Why a finding names no principal we investigate, or names one we cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotInvestigable {
    /// Not about an IAM user or role: ignored.
    Ignore(String),
    /// About one, but a field we need is unusable: failed.
    Invalid(EventError),
}

/// The partition: the finding's own, else from its region, else `aws`. A partition the
/// finding gives goes into ARNs (the entity's, the lookup role's), so one that is not of
/// an ARN partition's form is refused, naming where it was read.
pub fn partition_for(finding: &Finding, region: Option<&str>) -> Result<String, EventError> {
    match (finding.partition.as_deref(), region) {
        (Some(partition), _) if !partition.is_empty() => {
            if is_partition(partition) {
                Ok(partition.to_owned())
            } else {
                Err(EventError::InvalidField {
                    field: finding.partition_field.clone(),
                    expected: "an AWS partition (aws, then at most 10 of letters, digits, _ and -)",
                    found: format!("{partition:?}"),
                })
            }
        }
        (_, Some(region)) if region.starts_with("us-gov-") => Ok("aws-us-gov".to_owned()),
        (_, Some(region)) if region.starts_with("cn-") => Ok("aws-cn".to_owned()),
        _ => Ok("aws".to_owned()),
    }
}

/// The principal from `detail.resource.accessKeyDetails`. `resourceType` is not
/// consulted: S3 and EKS findings carry accessKeyDetails too.
pub fn principal(finding: &Finding, region: Option<&str>) -> Result<Principal, NotInvestigable> {
    let Some(access_key) = &finding.access_key else {
        return Err(NotInvestigable::Ignore(
            "the finding has no resource.accessKeyDetails, so it names no IAM principal".to_owned(),
        ));
    };
    let kind = match access_key.user_type.as_deref() {
        Some("IAMUser") => PrincipalKind::User,
        Some("AssumedRole" | "Role") => PrincipalKind::Role,
        Some(other) => {
            return Err(NotInvestigable::Ignore(format!(
                "accessKeyDetails.userType is {other:?}; Detective investigates only IAM users and roles"
            )))
        }
        None => {
            return Err(NotInvestigable::Ignore(
                "accessKeyDetails.userType is missing, so the principal is unknown".to_owned(),
            ))
        }
    };
    let Some(name) = access_key.user_name.as_deref().filter(|name| !name.is_empty()) else {
        return Err(NotInvestigable::Ignore(
            "accessKeyDetails.userName is missing, so the principal's ARN cannot be built".to_owned(),
        ));
    };
    if !is_iam_name(name) {
        return Err(NotInvestigable::Invalid(EventError::InvalidField {
            field: "event.detail.resource.accessKeyDetails.userName".to_owned(),
            expected: "an IAM user or role name (1 to 64 of letters, digits and _+=,.@-)",
            found: format!("{name:?}"),
        }));
    }
    let account_id = match finding.account_id.as_deref().and_then(AccountId::parse) {
        Some(id) => id,
        None => {
            let other = finding.account_id.as_deref();
            return Err(NotInvestigable::Invalid(EventError::InvalidField {
                field: "event.detail.accountId".to_owned(),
                expected: "a 12-digit account id",
                found: other.map_or_else(|| "nothing".to_owned(), |id| format!("{id:?}")),
            }));
        }
    };
    Ok(Principal {
        partition: partition_for(finding, region).map_err(NotInvestigable::Invalid)?,
        account_id,
        kind,
        name: name.to_owned(),
        path: None,
        path_must_be_known: false,
    })
}

/// An IAM role ARN, `arn:<partition>:iam::<account>:role/<path><name>`: its partition,
/// account, path and name; None when it is not one.
fn role_arn(arn: &str) -> Option<(String, AccountId, String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if prefix != "arn" || service != "iam" || !region.is_empty() || !is_partition(partition) {
        return None;
    }
    let rest = resource.strip_prefix("role/")?;
    let (path, name) = match rest.rfind('/') {
        Some(cut) => (format!("/{}", rest.get(..=cut)?), rest.get(cut + 1..)?),
        None => ("/".to_owned(), rest),
    };
    (is_iam_name(name) && is_iam_path(&path))
        .then(|| Some((partition.to_owned(), AccountId::parse(account)?, path, name.to_owned())))
        .flatten()
}

/// IAM's path pattern: `/`, or `/` then printable ASCII then `/`, at most 512.
fn is_iam_path(path: &str) -> bool {
    path.len() <= 512
        && path.starts_with('/')
        && path.ends_with('/')
        && path.bytes().all(|byte| (0x21..=0x7e).contains(&byte))
}

/// An actor of the finding as a principal: its own account and, when said, its path; or
/// why it is left out (not a user or role, or what the finding does not say).
fn actor_principal(
    finding: &Finding,
    actor: &Actor,
    actors: &[Actor],
    region: Option<&str>,
) -> Result<Result<Principal, String>, EventError> {
    let kind = match actor.user_type.as_deref() {
        Some("IAMUser") => PrincipalKind::User,
        Some("AssumedRole" | "Role") => PrincipalKind::Role,
        other => {
            return Ok(Err(format!(
                "{} is {}, not an IAM user or role",
                actor.field,
                other.map_or("of no type".to_owned(), |kind| format!("{kind:?}"))
            )))
        }
    };
    // A role session names its role: the issuer's ARN gives its account and path.
    if let (PrincipalKind::Role, Some(issuer)) = (kind, actor.issuer.as_deref()) {
        return issued_role(actor, issuer).map(Ok);
    }
    let Some(name) = actor.user_name.as_deref().filter(|name| !name.is_empty()) else {
        return Ok(Err(format!("{} has no name", actor.field)));
    };
    if !is_iam_name(name) {
        return Err(EventError::InvalidField {
            field: actor.field.clone(),
            expected: "an IAM user or role name (1 to 64 of letters, digits and _+=,.@-)",
            found: format!("{name:?}"),
        });
    }
    let Some((account, field)) = owner(finding, actor, actors) else {
        return Ok(Err(format!(
            "the finding does not say which account owns {} {name}{}: not investigated under a guessed account",
            kind.resource(),
            actor
                .acted_in
                .as_deref()
                .map(|acted| format!(" (it acted in {acted}, which need not be its own)"))
                .unwrap_or_default()
        )));
    };
    let Some(account_id) = AccountId::parse(&account) else {
        return Err(EventError::InvalidField {
            field,
            expected: "a 12-digit account id",
            found: format!("{account:?}"),
        });
    };
    Ok(Ok(Principal {
        partition: partition_for(finding, region)?,
        account_id,
        kind,
        name: name.to_owned(),
        path: actor_path(actor)?,
        path_must_be_known: actor.path_must_be_known,
    }))
}

/// The role a session's issuer names, with its account and path.
fn issued_role(actor: &Actor, issuer: &str) -> Result<Principal, EventError> {
    match role_arn(issuer) {
        Some((partition, account_id, path, name)) => Ok(Principal {
            partition,
            account_id,
            kind: PrincipalKind::Role,
            name,
            path: Some(path),
            path_must_be_known: actor.path_must_be_known,
        }),
        None => Err(EventError::InvalidField {
            field: format!("{} session issuer", actor.field),
            expected: "an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<path><name>)",
            found: format!("{issuer:?}"),
        }),
    }
}

/// The account that owns the actor, with the field that says it; None when the finding
/// does not say.
fn owner(finding: &Finding, actor: &Actor, actors: &[Actor]) -> Option<(String, String)> {
    match &actor.owner {
        Owner::Account(account) => Some((account.clone(), format!("{} account", actor.field))),
        Owner::FindingAccount => finding
            .account_id
            .clone()
            .map(|account| (account, "event.detail.accountId".to_owned())),
        // An actor's account is where it acted; its owner is its access key's resource's.
        Owner::Unknown => actors
            .iter()
            .filter(|other| other.credential.is_some() && other.credential == actor.credential)
            .find_map(|other| match &other.owner {
                Owner::Account(account) => Some((account.clone(), format!("{} account", other.field))),
                _ => None,
            }),
    }
}

/// The actor's IAM path, when the finding says it.
fn actor_path(actor: &Actor) -> Result<Option<String>, EventError> {
    match actor.path.as_deref() {
        Some(path) if is_iam_path(path) => Ok(Some(path.to_owned())),
        Some(path) => Err(EventError::InvalidField {
            field: format!("{} Path", actor.field),
            expected: "an IAM path (/ or /segments/)",
            found: format!("{path:?}"),
        }),
        None => Ok(None),
    }
}

/// Every IAM user and role the finding names: `accessKeyDetails`, and an attack sequence's
/// actors and access keys (or a Security Hub finding's IAM resources), each once. A role
/// session's role is its issuer's (account and path); an actor's account is only where it
/// acted, so its owner comes from its access key's resource or is not known. Identities that
/// are not users or roles (Root, FederatedUser, AWSService), and those whose owner the
/// finding does not say, are left out with a reason; a name or account we cannot read is
/// an error naming its field.
pub fn principals(finding: &Finding, region: Option<&str>) -> Result<(Vec<Principal>, Vec<String>), NotInvestigable> {
    if finding.actors.is_empty() {
        return principal(finding, region).map(|principal| (vec![principal], Vec::new()));
    }
    let mut found: Vec<Principal> = Vec::new();
    let mut left_out = Vec::new();
    if finding.access_key.is_some() {
        match principal(finding, region) {
            Ok(principal) => found.push(principal),
            Err(NotInvestigable::Ignore(reason)) => left_out.push(reason),
            Err(invalid) => return Err(invalid),
        }
    }
    for actor in &finding.actors {
        match actor_principal(finding, actor, &finding.actors, region).map_err(NotInvestigable::Invalid)? {
            Ok(principal) => {
                if !found.contains(&principal) {
                    found.push(principal);
                }
            }
            Err(why) => left_out.push(why),
        }
    }
    if found.is_empty() {
        return Err(NotInvestigable::Ignore(format!(
            "the finding names no IAM user or role: {}",
            left_out.join("; ")
        )));
    }
    Ok((found, left_out))
}

/// IAM's name pattern for users and roles (`[\w+=,.@-]+`, at most 64).
fn is_iam_name(name: &str) -> bool {
    name.len() <= 64
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"_+=,.@-".contains(&byte))
}

/// How the principal's path is known before any call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownPath {
    /// Derived from the name (an AWS-managed role), for certain.
    Certain(String),
    /// Derived, resting on an assumption that is said.
    Assumed { path: String, assumption: String },
    /// Not known from the name: only IAM can tell.
    Unknown,
}

/// IAM Identity Center's permission-set roles: `/aws-reserved/sso.amazonaws.com/`, with the
/// Identity Center instance's region added when it is not us-east-1 (IAM Identity Center
/// user guide, "Referencing permission sets in resource policies").
const IDENTITY_CENTER_PREFIX: &str = "AWSReservedSSO_";
const IDENTITY_CENTER_PATH: &str = "/aws-reserved/sso.amazonaws.com/";

/// Service-linked roles live under `/aws-service-role/<service principal>/`. IAM warns
/// not to guess the principal from the name ("it is case sensitive and the format can vary
/// across AWS services"), so only these documented pairs are derived.
const SERVICE_LINKED_ROLES: &[(&str, &str)] = &[
    ("AWSServiceRoleForAmazonGuardDuty", "guardduty.amazonaws.com"),
    ("AWSServiceRoleForDetective", "detective.amazonaws.com"),
    ("AWSServiceRoleForSecurityHub", "securityhub.amazonaws.com"),
    ("AWSServiceRoleForConfig", "config.amazonaws.com"),
    ("AWSServiceRoleForCloudTrail", "cloudtrail.amazonaws.com"),
    ("AWSServiceRoleForOrganizations", "organizations.amazonaws.com"),
    ("AWSServiceRoleForSSO", "sso.amazonaws.com"),
    ("AWSServiceRoleForAWSControlTower", "controltower.amazonaws.com"),
    ("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com"),
    ("AWSServiceRoleForECS", "ecs.amazonaws.com"),
    ("AWSServiceRoleForAmazonEKS", "eks.amazonaws.com"),
];

/// What the name alone says of the path. `identity_center_region` is `IDENTITY_CENTER_REGION`.
pub fn known_path(principal: &Principal, identity_center_region: Option<&str>) -> KnownPath {
    if principal.kind == PrincipalKind::User {
        return KnownPath::Unknown;
    }
    let name = principal.name.as_str();
    if name.starts_with(IDENTITY_CENTER_PREFIX) {
        return match identity_center_region {
            Some("us-east-1") => KnownPath::Certain(IDENTITY_CENTER_PATH.to_owned()),
            Some(region) => KnownPath::Certain(format!("{IDENTITY_CENTER_PATH}{region}/")),
            None => KnownPath::Assumed {
                path: IDENTITY_CENTER_PATH.to_owned(),
                assumption: "IDENTITY_CENTER_REGION is unset, so IAM Identity Center is assumed to be in us-east-1 (no region in the role's path)".to_owned(),
            },
        };
    }
    // Some services let a suffix follow the name (`AWSServiceRoleForAutoScaling_custom`).
    let service = SERVICE_LINKED_ROLES.iter().find(|(role, _)| {
        name.strip_prefix(role)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
    });
    match service {
        Some((_, principal)) => KnownPath::Certain(format!("/aws-service-role/{principal}/")),
        None => KnownPath::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::AccessKeyDetails;

    fn finding(user_type: Option<&str>, user_name: Option<&str>, account: Option<&str>) -> Finding {
        Finding {
            account_id: account.map(str::to_owned),
            access_key: Some(AccessKeyDetails {
                user_type: user_type.map(str::to_owned),
                user_name: user_name.map(str::to_owned),
                ..AccessKeyDetails::default()
            }),
            ..Finding::default()
        }
    }

    fn described(finding: &Finding, region: Option<&str>) -> String {
        match principal(finding, region) {
            Ok(principal) => principal.arn_with_path("/"),
            Err(NotInvestigable::Ignore(reason)) => format!("ignored: {reason}"),
            Err(NotInvestigable::Invalid(error)) => format!("invalid: {error}"),
        }
    }

    fn role(name: &str) -> Principal {
        Principal {
            partition: "aws".into(),
            account_id: AccountId::parse("111122223333").unwrap_or_else(|| unreachable!()),
            kind: PrincipalKind::Role,
            name: name.into(),
            path: None,
            path_must_be_known: false,
        }
    }

    /// An attack sequence's actor: where it acted, and its session's issuer if any.
    fn sequence_actor(user_type: &str, name: &str, acted_in: &str, issuer: Option<&str>) -> Actor {
        Actor {
            field: "event.detail.service.detection.sequence.actors[0].user".to_owned(),
            user_type: Some(user_type.to_owned()),
            user_name: Some(name.to_owned()),
            owner: Owner::Unknown,
            acted_in: Some(acted_in.to_owned()),
            issuer: issuer.map(str::to_owned),
            credential: Some("ASIAKEY".to_owned()),
            path: None,
            path_must_be_known: true,
        }
    }

    fn of_sequence(actors: Vec<Actor>) -> Finding {
        Finding {
            account_id: Some("222222222222".to_owned()),
            actors,
            ..Finding::default()
        }
    }

    /// Each principal as `arn (path: ...)`, then each left-out reason.
    fn sequence_principals(finding: &Finding) -> Vec<String> {
        match principals(finding, None) {
            Ok((found, left_out)) => found
                .iter()
                .map(|p| {
                    let path = p.path.clone().unwrap_or_else(|| "?".to_owned());
                    format!(
                        "{} path {path} must_be_known {}",
                        p.arn_with_path(&path),
                        p.path_must_be_known
                    )
                })
                .chain(left_out.iter().map(|why| format!("left out: {why}")))
                .collect(),
            Err(NotInvestigable::Ignore(why)) => vec![format!("ignored: {why}")],
            Err(NotInvestigable::Invalid(error)) => vec![format!("invalid: {error}")],
        }
    }

    #[test]
    fn an_attack_sequence_role_is_its_issuers_role_in_the_issuers_account_with_its_path() {
        let finding = of_sequence(vec![sequence_actor(
            "AssumedRole",
            "deployer",
            "222222222222",
            Some("arn:aws:iam::333333333333:role/ci/deployer"),
        )]);
        assert_eq!(
            sequence_principals(&finding),
            vec!["arn:aws:iam::333333333333:role/ci/deployer path /ci/ must_be_known true"]
        );
    }

    #[test]
    fn an_attack_sequence_actor_without_a_known_owner_is_left_out_never_guessed() {
        let finding = of_sequence(vec![
            sequence_actor("AssumedRole", "deployer", "222222222222", None),
            sequence_actor("IAMUser", "alice", "222222222222", None),
        ]);
        assert_eq!(
            sequence_principals(&finding),
            vec!["ignored: the finding names no IAM user or role: the finding does not say which account owns role deployer (it acted in 222222222222, which need not be its own): not investigated under a guessed account; the finding does not say which account owns user alice (it acted in 222222222222, which need not be its own): not investigated under a guessed account"]
        );
    }

    #[test]
    fn an_attack_sequence_user_is_owned_by_its_access_keys_account() {
        let mut key = sequence_actor("IAMUser", "alice", "222222222222", None);
        key.field = "event.detail.service.detection.sequence.resources[0].data.accessKey".to_owned();
        key.owner = Owner::Account("444444444444".to_owned());
        key.acted_in = None;
        let finding = of_sequence(vec![sequence_actor("IAMUser", "alice", "222222222222", None), key]);
        assert_eq!(
            sequence_principals(&finding),
            vec!["arn:aws:iam::444444444444:user?alice path ? must_be_known true"]
        );
    }

    #[test]
    fn a_session_issuer_that_is_not_a_role_arn_is_a_field_error() {
        for issuer in [
            "arn:aws:iam::333333333333:user/alice",
            "arn:aws:sts::333333333333:assumed-role/deployer/s",
            "arn:aws:iam::33333333333:role/deployer",
            "arn:aws:iam::333333333333:role/ci/dep#loyer",
        ] {
            let finding = of_sequence(vec![sequence_actor(
                "AssumedRole",
                "deployer",
                "222222222222",
                Some(issuer),
            )]);
            let described = sequence_principals(&finding);
            assert_eq!(described.len(), 1, "{issuer}");
            assert!(
                described[0].starts_with("invalid: event.detail.service.detection.sequence.actors[0].user session issuer: expected an IAM role ARN"),
                "{issuer}: {described:?}"
            );
        }
    }

    #[test]
    fn users_and_roles() {
        let account = Some("111122223333");
        assert_eq!(
            described(&finding(Some("IAMUser"), Some("alice"), account), None),
            "arn:aws:iam::111122223333:user/alice"
        );
        assert_eq!(
            described(&finding(Some("AssumedRole"), Some("Admin"), account), None),
            "arn:aws:iam::111122223333:role/Admin"
        );
        assert_eq!(
            described(&finding(Some("Role"), Some("eks-node"), account), None),
            "arn:aws:iam::111122223333:role/eks-node"
        );
    }

    #[test]
    fn partitions_from_finding_then_region() {
        let mut gov = finding(Some("IAMUser"), Some("bob"), Some("111122223333"));
        assert_eq!(
            described(&gov, Some("us-gov-west-1")),
            "arn:aws-us-gov:iam::111122223333:user/bob"
        );
        assert_eq!(
            described(&gov, Some("cn-north-1")),
            "arn:aws-cn:iam::111122223333:user/bob"
        );
        gov.partition = Some("aws-iso".to_owned());
        assert_eq!(
            described(&gov, Some("us-gov-west-1")),
            "arn:aws-iso:iam::111122223333:user/bob"
        );
    }

    #[test]
    fn a_partition_not_of_an_arn_partitions_form_is_invalid_and_named() {
        let mut crafted = finding(Some("AssumedRole"), Some("Admin"), Some("111122223333"));
        crafted.partition_field = "event.detail.partition".to_owned();
        for bad in [
            "aws:iam::999999999999:role/x#",
            "gcp",
            "aws-much-too-long-x",
            "aws/../x",
            "AWS",
        ] {
            crafted.partition = Some(bad.to_owned());
            assert_eq!(
                described(&crafted, None),
                format!(
                    "invalid: event.detail.partition: expected an AWS partition (aws, then at most 10 of letters, digits, _ and -); found {bad:?}"
                )
            );
        }
        crafted.actors = vec![crate::event::Actor {
            field: "event.detail.service.actors[0]".to_owned(),
            user_type: Some("IAMUser".to_owned()),
            user_name: Some("carol".to_owned()),
            ..Actor::default()
        }];
        assert!(matches!(principals(&crafted, None), Err(NotInvestigable::Invalid(_))));
        crafted.partition = Some("aws-iso-b".to_owned());
        assert_eq!(described(&crafted, None), "arn:aws-iso-b:iam::111122223333:role/Admin");
    }

    #[test]
    fn other_principals_are_ignored_with_a_reason() {
        let account = Some("111122223333");
        for user_type in ["Root", "FederatedUser", "AWSService"] {
            let text = described(&finding(Some(user_type), Some("x"), account), None);
            assert!(text.starts_with("ignored: accessKeyDetails.userType is"), "{text}");
            assert!(text.contains(user_type), "{text}");
        }
        assert!(described(&finding(Some("IAMUser"), None, account), None).contains("userName is missing"));
        assert!(described(&finding(None, Some("x"), account), None).contains("userType is missing"));
        let no_details = Finding::default();
        assert!(described(&no_details, None).contains("no resource.accessKeyDetails"));
    }

    #[test]
    fn a_bad_account_id_or_name_is_invalid_not_guessed() {
        assert_eq!(
            described(&finding(Some("IAMUser"), Some("a"), Some("845345345")), None),
            "invalid: event.detail.accountId: expected a 12-digit account id; found \"845345345\""
        );
        assert!(described(&finding(Some("IAMUser"), Some("a"), None), None).contains("found nothing"));
        let slash = described(
            &finding(Some("AssumedRole"), Some("path/Admin"), Some("111122223333")),
            None,
        );
        assert!(
            slash.starts_with("invalid: event.detail.resource.accessKeyDetails.userName"),
            "{slash}"
        );
    }

    #[test]
    fn identity_center_roles_are_under_aws_reserved_with_the_instance_region() {
        let sso = role("AWSReservedSSO_AdministratorAccess_0123456789abcdef");
        assert_eq!(
            known_path(&sso, Some("us-east-1")),
            KnownPath::Certain("/aws-reserved/sso.amazonaws.com/".into())
        );
        assert_eq!(
            known_path(&sso, Some("eu-west-1")),
            KnownPath::Certain("/aws-reserved/sso.amazonaws.com/eu-west-1/".into())
        );
        assert!(
            matches!(known_path(&sso, None), KnownPath::Assumed { ref path, ref assumption }
            if path == "/aws-reserved/sso.amazonaws.com/" && assumption.contains("IDENTITY_CENTER_REGION"))
        );
        assert_eq!(
            sso.arn_with_path("/aws-reserved/sso.amazonaws.com/eu-west-1/"),
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef"
        );
    }

    #[test]
    fn only_documented_service_linked_roles_are_derived() {
        assert_eq!(
            known_path(&role("AWSServiceRoleForAmazonGuardDuty"), None),
            KnownPath::Certain("/aws-service-role/guardduty.amazonaws.com/".into())
        );
        assert_eq!(
            known_path(&role("AWSServiceRoleForAutoScaling_fleet"), None),
            KnownPath::Certain("/aws-service-role/autoscaling.amazonaws.com/".into())
        );
        assert_eq!(
            known_path(&role("AWSServiceRoleForSomethingNew"), None),
            KnownPath::Unknown
        );
        assert_eq!(known_path(&role("AWSServiceRoleForECSX"), None), KnownPath::Unknown);
        assert_eq!(known_path(&role("deployer"), None), KnownPath::Unknown);
        let user = Principal {
            kind: PrincipalKind::User,
            ..role("AWSReservedSSO_x")
        };
        assert_eq!(known_path(&user, Some("us-east-1")), KnownPath::Unknown);
    }
}
