//! A GuardDuty finding forwarded by Security Hub ("Security Hub Findings - Imported",
//! `detail.findings[]` in ASFF): the same finding in another shape, read into the same model.

use serde_json::Value;

use super::guardduty::{Actor, Finding, Owner};
use super::{fields, EventError};

/// Every field of an ASFF finding this module reads (a list's items are `[]`; a map's key
/// is written as is): checked against Security Hub's model (`AwsSecurityFinding`) by
/// `make test`, and proved to be exactly what the reader reads by the test below.
pub const FIELDS: &[&str] = &[
    "AwsAccountId",
    "CreatedAt",
    "Detection.Sequence.Actors",
    "Detection.Sequence.Actors[].Session.Issuer",
    "Detection.Sequence.Actors[].User",
    "Detection.Sequence.Actors[].User.Account.Uid",
    "Detection.Sequence.Actors[].User.CredentialUid",
    "Detection.Sequence.Actors[].User.Name",
    "Detection.Sequence.Actors[].User.Type",
    "FirstObservedAt",
    "Id",
    "LastObservedAt",
    "ProductArn",
    "ProductFields.aws/guardduty/service/additionalInfo/sample",
    "RecordState",
    "Region",
    "Resources",
    "Resources[].Details.AwsIamAccessKey.AccountId",
    "Resources[].Details.AwsIamAccessKey.PrincipalName",
    "Resources[].Details.AwsIamAccessKey.PrincipalType",
    "Resources[].Details.AwsIamAccessKey.SessionContext.SessionIssuer.Arn",
    "Resources[].Details.AwsIamAccessKey.UserName",
    "Resources[].Details.AwsIamRole.Path",
    "Resources[].Details.AwsIamRole.RoleName",
    "Resources[].Details.AwsIamUser.Path",
    "Resources[].Details.AwsIamUser.UserName",
    "Resources[].Type",
    "Sample",
    "Severity.Label",
    "Severity.Normalized",
    "Severity.Product",
    "Types",
    "UpdatedAt",
];

/// GuardDuty's product in Security Hub: `arn:<partition>:securityhub:<region>::product/aws/guardduty`.
pub fn is_guardduty(finding: &Value) -> bool {
    finding
        .get("ProductArn")
        .and_then(Value::as_str)
        .is_some_and(|arn| arn.ends_with(":product/aws/guardduty"))
}

/// ASFF's severity label as GuardDuty's numbers (its High starts at 7, Critical at 9).
fn label_severity(label: &str) -> Option<f64> {
    match label {
        "CRITICAL" => Some(9.0),
        "HIGH" => Some(7.0),
        "MEDIUM" => Some(4.0),
        "LOW" => Some(1.0),
        "INFORMATIONAL" => Some(0.0),
        _ => None,
    }
}

/// GuardDuty's finding type in an ASFF type, `namespace/category/classifier`: the
/// classifier is the GuardDuty type, from its first segment with a `:` on
/// (`TTPs/Discovery/Discovery:IAMUser-AnomalousBehavior` gives
/// `Discovery:IAMUser-AnomalousBehavior`; `TTPs/AttackSequence:IAM/CompromisedCredentials`,
/// whose type keeps its `/`, gives `AttackSequence:IAM/CompromisedCredentials`).
pub fn guardduty_type(asff_type: &str) -> Option<String> {
    let segments: Vec<&str> = asff_type.split('/').collect();
    let start = segments.iter().position(|segment| segment.contains(':'))?;
    segments.get(start..).map(|rest| rest.join("/"))
}

impl Finding {
    /// `finding` is one element of `detail.findings`, at `prefix` (for errors).
    pub fn from_asff(finding: &Value, prefix: &str) -> Result<Self, EventError> {
        let text = |path: &[&str]| fields::string(finding, prefix, path);
        // GuardDuty's own severity is `Severity.Product` (deprecated but sent), else the
        // 0-100 `Normalized`, else the label.
        let severity = match fields::number(finding, prefix, &["Severity", "Product"])? {
            Some(product) => Some(product),
            None => match fields::number(finding, prefix, &["Severity", "Normalized"])? {
                Some(normalized) => Some(normalized / 10.0),
                None => text(&["Severity", "Label"])?.as_deref().and_then(label_severity),
            },
        };
        let finding_type = fields::list(finding, prefix, &["Types"])?
            .iter()
            .filter_map(Value::as_str)
            .find_map(guardduty_type);
        let partition = text(&["ProductArn"])?.and_then(|arn| arn.split(':').nth(1).map(str::to_owned));
        let sample = text(&["ProductFields", "aws/guardduty/service/additionalInfo/sample"])?.as_deref()
            == Some("true")
            || fields::boolean(finding, prefix, &["Sample"])?.unwrap_or(false);
        Ok(Self {
            id: text(&["Id"])?,
            finding_type,
            account_id: text(&["AwsAccountId"])?,
            region: text(&["Region"])?,
            partition,
            partition_field: format!("{prefix}.ProductArn (its partition)"),
            severity,
            created_at: text(&["CreatedAt"])?,
            updated_at: text(&["UpdatedAt"])?,
            access_key: None,
            sample,
            archived: text(&["RecordState"])?.as_deref() == Some("ARCHIVED"),
            event_first_seen: text(&["FirstObservedAt"])?,
            event_last_seen: text(&["LastObservedAt"])?,
            actors: asff_actors(finding, prefix)?,
            via_security_hub: true,
        })
    }
}

/// One of `Resources[]` as an identity, when it is an IAM access key, user or role.
fn resource_actor(resource: &Value, base: &str) -> Result<Option<Actor>, EventError> {
    let text = |path: &[&str]| fields::string(resource, base, path);
    let actor = |user_type, user_name, path, field: &str| Actor {
        field: format!("{base}.{field}"),
        user_type,
        user_name,
        path,
        ..Actor::default()
    };
    Ok(match text(&["Type"])?.as_deref() {
        Some("AwsIamAccessKey") => {
            let key = ["Details", "AwsIamAccessKey"];
            let name = match text(&[key[0], key[1], "PrincipalName"])? {
                Some(name) => Some(name),
                // The deprecated name older findings carry.
                None => text(&[key[0], key[1], "UserName"])?,
            };
            let mut found = actor(
                text(&[key[0], key[1], "PrincipalType"])?,
                name,
                None,
                "Details.AwsIamAccessKey",
            );
            found.owner = text(&[key[0], key[1], "AccountId"])?.map_or(Owner::FindingAccount, Owner::Account);
            found.issuer = text(&[key[0], key[1], "SessionContext", "SessionIssuer", "Arn"])?;
            Some(found)
        }
        Some("AwsIamUser") => Some(actor(
            Some("IAMUser".to_owned()),
            text(&["Details", "AwsIamUser", "UserName"])?,
            text(&["Details", "AwsIamUser", "Path"])?,
            "Details.AwsIamUser",
        )),
        Some("AwsIamRole") => Some(actor(
            Some("Role".to_owned()),
            text(&["Details", "AwsIamRole", "RoleName"])?,
            text(&["Details", "AwsIamRole", "Path"])?,
            "Details.AwsIamRole",
        )),
        _ => None,
    })
}

/// The IAM identities of `Resources[]` (AwsIamAccessKey, AwsIamUser, AwsIamRole) and of an
/// attack sequence's `Detection.Sequence.Actors[]` (whose account is where it acted).
fn asff_actors(finding: &Value, prefix: &str) -> Result<Vec<Actor>, EventError> {
    let mut actors = Vec::new();
    for (index, resource) in fields::list(finding, prefix, &["Resources"])?.iter().enumerate() {
        actors.extend(resource_actor(resource, &format!("{prefix}.Resources[{index}]"))?);
    }
    let sequence_actors = fields::list(finding, prefix, &["Detection", "Sequence", "Actors"])?;
    for (index, actor) in sequence_actors.iter().enumerate() {
        let base = format!("{prefix}.Detection.Sequence.Actors[{index}]");
        if fields::value(actor, &base, &["User"]).is_none() {
            continue;
        }
        let text = |path: &[&str]| fields::string(actor, &base, path);
        actors.push(Actor::in_sequence(
            format!("{base}.User"),
            text(&["User", "Type"])?,
            text(&["User", "Name"])?,
            text(&["User", "Account", "Uid"])?,
            text(&["Session", "Issuer"])?,
            text(&["User", "CredentialUid"])?,
        ));
    }
    Ok(actors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guardduty_type_is_the_classifier() {
        let cases = [
            (
                "TTPs/Discovery/Discovery:IAMUser-AnomalousBehavior",
                Some("Discovery:IAMUser-AnomalousBehavior"),
            ),
            (
                "TTPs/Initial Access/UnauthorizedAccess:IAMUser-TorIPCaller",
                Some("UnauthorizedAccess:IAMUser-TorIPCaller"),
            ),
            (
                "TTPs/AttackSequence:IAM/CompromisedCredentials",
                Some("AttackSequence:IAM/CompromisedCredentials"),
            ),
            (
                "Software and Configuration Checks/Industry and Regulatory Standards",
                None,
            ),
        ];
        for (asff, guardduty) in cases {
            assert_eq!(guardduty_type(asff).as_deref(), guardduty, "{asff}");
        }
    }

    /// The declared fields are exactly what reading every Security Hub sample reads.
    #[test]
    fn the_declared_fields_are_the_fields_read() {
        // Each sample finding, and each again without what makes a fallback unread (the
        // severity's Product, then Normalized; an access key's PrincipalName).
        let read = fields::record::fields_read(|| {
            for event in crate::event::samples::of("aws.securityhub", "Security Hub Findings - Imported") {
                let Some(Value::Array(findings)) = event["detail"].get("findings") else {
                    continue;
                };
                for finding in findings {
                    let mut without_product = finding.clone();
                    if let Some(Value::Object(severity)) = without_product.get_mut("Severity") {
                        severity.remove("Product");
                    }
                    let mut label_only = without_product.clone();
                    if let Some(Value::Object(severity)) = label_only.get_mut("Severity") {
                        severity.remove("Normalized");
                    }
                    let mut deprecated_name = finding.clone();
                    if let Some(Value::Array(resources)) = deprecated_name.get_mut("Resources") {
                        for resource in resources {
                            if let Some(Value::Object(key)) = resource.pointer_mut("/Details/AwsIamAccessKey") {
                                if let Some(name) = key.remove("PrincipalName") {
                                    key.insert("UserName".to_owned(), name);
                                }
                            }
                        }
                    }
                    for variant in [finding, &without_product, &label_only, &deprecated_name] {
                        let _ = Finding::from_asff(variant, "event.detail.findings[0]");
                    }
                }
            }
        });
        let read: Vec<String> = read
            .iter()
            .filter_map(|path| path.strip_prefix("event.detail.findings[].").map(str::to_owned))
            .collect();
        let mut declared: Vec<String> = FIELDS.iter().map(|field| (*field).to_owned()).collect();
        declared.sort();
        assert_eq!(read, declared);
    }
}
