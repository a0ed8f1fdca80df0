//! Which IAM principal a finding is about.

use crate::aws::arn::is_account_id;
use crate::event::{EventError, Finding};

/// An IAM user or role Detective can investigate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub arn: String,
    pub account_id: String,
}

/// Why a finding names no principal we investigate, or names one we cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotInvestigable {
    /// Not about an IAM user or role: ignored.
    Ignore(String),
    /// About one, but a field we need is unusable: failed.
    Invalid(EventError),
}

/// The partition: the finding's own, else from its region, else `aws`.
pub fn partition_for(partition: Option<&str>, region: Option<&str>) -> String {
    match (partition, region) {
        (Some(partition), _) if !partition.is_empty() => partition.to_owned(),
        (_, Some(region)) if region.starts_with("us-gov-") => "aws-us-gov".to_owned(),
        (_, Some(region)) if region.starts_with("cn-") => "aws-cn".to_owned(),
        _ => "aws".to_owned(),
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
        Some("IAMUser") => "user",
        Some("AssumedRole" | "Role") => "role",
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
    let account_id = match finding.account_id.as_deref() {
        Some(id) if is_account_id(id) => id.to_owned(),
        other => {
            return Err(NotInvestigable::Invalid(EventError::InvalidField {
                field: "event.detail.accountId".to_owned(),
                expected: "a 12-digit account id",
                found: other.map_or_else(|| "nothing".to_owned(), |id| format!("{id:?}")),
            }))
        }
    };
    let partition = partition_for(finding.partition.as_deref(), region);
    Ok(Principal {
        arn: format!("arn:{partition}:iam::{account_id}:{kind}/{name}"),
        account_id,
    })
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

    fn arn(finding: &Finding, region: Option<&str>) -> String {
        match principal(finding, region) {
            Ok(principal) => principal.arn,
            Err(NotInvestigable::Ignore(reason)) => format!("ignored: {reason}"),
            Err(NotInvestigable::Invalid(error)) => format!("invalid: {error}"),
        }
    }

    #[test]
    fn users_and_roles() {
        let account = Some("111122223333");
        assert_eq!(
            arn(&finding(Some("IAMUser"), Some("alice"), account), None),
            "arn:aws:iam::111122223333:user/alice"
        );
        assert_eq!(
            arn(&finding(Some("AssumedRole"), Some("Admin"), account), None),
            "arn:aws:iam::111122223333:role/Admin"
        );
        assert_eq!(
            arn(&finding(Some("Role"), Some("eks-node"), account), None),
            "arn:aws:iam::111122223333:role/eks-node"
        );
    }

    #[test]
    fn partitions_from_finding_then_region() {
        let mut gov = finding(Some("IAMUser"), Some("bob"), Some("111122223333"));
        assert_eq!(
            arn(&gov, Some("us-gov-west-1")),
            "arn:aws-us-gov:iam::111122223333:user/bob"
        );
        assert_eq!(arn(&gov, Some("cn-north-1")), "arn:aws-cn:iam::111122223333:user/bob");
        gov.partition = Some("aws-iso".to_owned());
        assert_eq!(
            arn(&gov, Some("us-gov-west-1")),
            "arn:aws-iso:iam::111122223333:user/bob"
        );
    }

    #[test]
    fn other_principals_are_ignored_with_a_reason() {
        let account = Some("111122223333");
        for user_type in ["Root", "FederatedUser", "AWSService"] {
            let text = arn(&finding(Some(user_type), Some("x"), account), None);
            assert!(text.starts_with("ignored: accessKeyDetails.userType is"), "{text}");
            assert!(text.contains(user_type), "{text}");
        }
        assert!(arn(&finding(Some("IAMUser"), None, account), None).contains("userName is missing"));
        assert!(arn(&finding(None, Some("x"), account), None).contains("userType is missing"));
        let no_details = Finding::default();
        assert!(arn(&no_details, None).contains("no resource.accessKeyDetails"));
    }

    #[test]
    fn a_bad_account_id_is_invalid_not_guessed() {
        assert_eq!(
            arn(&finding(Some("IAMUser"), Some("a"), Some("845345345")), None),
            "invalid: event.detail.accountId: expected a 12-digit account id; found \"845345345\""
        );
        assert!(arn(&finding(Some("IAMUser"), Some("a"), None), None).contains("found nothing"));
    }
}
