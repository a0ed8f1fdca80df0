//! A GuardDuty finding forwarded by Security Hub ("Security Hub Findings - Imported",
//! `detail.findings[]` in ASFF): the same finding in another shape, read into the same model.

use serde_json::Value;

use super::guardduty::{Actor, Finding};
use super::{fields, EventError};

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
        // Types are `<namespace>/<GuardDuty type>`: `TTPs/AttackSequence:IAM/CompromisedCredentials`
        // (ASFF writes other types' `/` as `-`: `TTPs/Policy:IAMUser-RootCredentialUsage`).
        let finding_type = match fields::lookup(finding, &["Types"]) {
            Some(Value::Array(types)) => types
                .first()
                .and_then(Value::as_str)
                .map(|kind| kind.split_once('/').map_or(kind, |(_, rest)| rest).to_owned()),
            _ => None,
        };
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

/// The IAM identities of `Resources[]` (AwsIamAccessKey, AwsIamUser, AwsIamRole) and of an
/// attack sequence's `Detection.Sequence.Actors[].User`.
fn asff_actors(finding: &Value, prefix: &str) -> Result<Vec<Actor>, EventError> {
    let mut actors = Vec::new();
    let resources = match fields::lookup(finding, &["Resources"]) {
        None => Vec::new(),
        Some(Value::Array(resources)) => resources.clone(),
        Some(other) => return Err(EventError::invalid(prefix, &["Resources"], "a list", other)),
    };
    for (index, resource) in resources.iter().enumerate() {
        let base = format!("{prefix}.Resources[{index}]");
        let text = |path: &[&str]| fields::string(resource, &base, path);
        let (user_type, user_name, field) = match text(&["Type"])?.as_deref() {
            Some("AwsIamAccessKey") => (
                text(&["Details", "AwsIamAccessKey", "PrincipalType"])?,
                match text(&["Details", "AwsIamAccessKey", "PrincipalName"])? {
                    Some(name) => Some(name),
                    // The deprecated name older findings carry.
                    None => text(&["Details", "AwsIamAccessKey", "UserName"])?,
                },
                "Details.AwsIamAccessKey",
            ),
            Some("AwsIamUser") => (
                Some("IAMUser".to_owned()),
                text(&["Details", "AwsIamUser", "UserName"])?,
                "Details.AwsIamUser",
            ),
            Some("AwsIamRole") => (
                Some("Role".to_owned()),
                text(&["Details", "AwsIamRole", "RoleName"])?,
                "Details.AwsIamRole",
            ),
            _ => continue,
        };
        actors.push(Actor {
            field: format!("{base}.{field}"),
            user_type,
            user_name,
            account_id: None,
        });
    }
    let sequence_actors = match fields::lookup(finding, &["Detection", "Sequence", "Actors"]) {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    for (index, actor) in sequence_actors.iter().enumerate() {
        let base = format!("{prefix}.Detection.Sequence.Actors[{index}]");
        if fields::lookup(actor, &["User"]).is_none() {
            continue;
        }
        actors.push(Actor {
            user_type: fields::string(actor, &base, &["User", "Type"])?,
            user_name: fields::string(actor, &base, &["User", "Name"])?,
            account_id: fields::string(actor, &base, &["User", "Account", "Uid"])?,
            field: format!("{base}.User"),
        });
    }
    Ok(actors)
}
