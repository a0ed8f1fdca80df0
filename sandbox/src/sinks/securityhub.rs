//! Security Hub (restJson1): BatchImportFindings (`POST /findings/import`), kept by
//! `(ProductArn, Id)`.
//!
//! As the API reference and the User Guide document: 1 to 100 findings a call (else
//! InvalidInputException); each finding is checked against the AWS Security Finding Format
//! and one that does not adhere fails alone, in `FailedFindings` with the ErrorCode
//! `InvalidInput` and a message in Security Hub's words ("Finding does not adhere to Amazon
//! Finding Format. data should have required property 'Description'."); a finding of a
//! `(ProductArn, Id)` already imported updates it (so a redelivery never duplicates), except
//! `Note`, `UserDefinedFields`, `VerificationState` and `Workflow`, which BatchImportFindings
//! "cannot be used to update" after the finding is created; the calling account must be the
//! finding's `AwsAccountId` (with the default product ARN); a finding over 240 KB fails.

use chrono::DateTime;
use serde_json::{json, Map, Value};

use super::{members, SecurityHubFinding, Sinks};
use crate::detective::Call;
use crate::names::{is_account_id, SEVERITIES};
use crate::protocol::ApiError;

const FINDINGS_MAX: usize = 100;
/// "The maximum allowed size for a finding is 240 Kb."
const FINDING_MAX_BYTES: usize = 240 * 1024;
/// AwsSecurityFinding's `required` members in the model.
const REQUIRED: [&str; 10] = [
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "CreatedAt",
    "UpdatedAt",
    "Title",
    "Description",
    "Resources",
];
/// What an update leaves as the finding was created with.
const KEPT_ON_UPDATE: [&str; 4] = ["Note", "UserDefinedFields", "VerificationState", "Workflow"];

/// `(method, path, operation)` of the Security Hub operations the sandbox serves.
const ROUTES: &[(&str, &str, &str)] = &[("POST", "/findings/import", "BatchImportFindings")];

pub fn operation_for(method: &str, path: &str) -> Option<&'static str> {
    ROUTES
        .iter()
        .find(|(route_method, route_path, _)| *route_method == method && *route_path == path)
        .map(|(_, _, operation)| *operation)
}

pub fn call(sinks: &mut Sinks, operation: &str, call: &Call) -> Result<Value, ApiError> {
    match operation {
        "BatchImportFindings" => batch_import_findings(sinks, call),
        other => Err(ApiError::new(
            "UnknownOperationException",
            format!("{other} is not served by the sandbox"),
        )),
    }
}

fn invalid_input(message: String) -> ApiError {
    ApiError::new("InvalidInputException", message).with_field("Code", "InvalidInputException")
}

/// Security Hub's words for a finding off the format.
fn not_asff(problem: &str) -> (&'static str, String) {
    (
        "InvalidInput",
        format!("Finding does not adhere to Amazon Finding Format. {problem}."),
    )
}

/// A non-empty string with a non-blank character (the model's NonEmptyString).
fn non_empty(value: &Value) -> bool {
    value.as_str().is_some_and(|text| !text.trim().is_empty())
}

fn is_timestamp(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| DateTime::parse_from_rfc3339(text).is_ok())
}

/// `^([^/]+)(/[^/]+){0,2}$`: namespace/category/classifier.
fn is_finding_type(value: &Value) -> bool {
    value.as_str().is_some_and(|text| {
        let parts: Vec<&str> = text.split('/').collect();
        (1..=3).contains(&parts.len()) && parts.iter().all(|part| !part.is_empty())
    })
}

/// The ASFF checks of one finding, in the order Security Hub reports them.
fn format_problem(finding: &Map<String, Value>) -> Option<(&'static str, String)> {
    for member in REQUIRED {
        if finding.get(member).is_none_or(Value::is_null) {
            return Some(not_asff(&format!("data should have required property '{member}'")));
        }
    }
    for member in [
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "Title",
        "Description",
    ] {
        if !finding.get(member).is_some_and(non_empty) {
            return Some(not_asff(&format!("data.{member} should be a non-empty string")));
        }
    }
    let provider = finding.get("FindingProviderFields");
    // The format requires Severity and Types, or FindingProviderFields carrying them.
    for member in ["Severity", "Types"] {
        if finding.get(member).is_none() && provider.and_then(|fields| fields.get(member)).is_none() {
            return Some(not_asff(&format!(
                "data should have required property '{member}' or 'FindingProviderFields', data should match some schema in anyOf"
            )));
        }
    }
    if finding.get("SchemaVersion").and_then(Value::as_str) != Some("2018-10-08") {
        return Some(not_asff(
            "data.SchemaVersion should be equal to one of the allowed values \"2018-10-08\"",
        ));
    }
    for (member, most) in [("Id", 512), ("GeneratorId", 512), ("Title", 256), ("Description", 1024)] {
        let length = finding
            .get(member)
            .and_then(Value::as_str)
            .map_or(0, |text| text.chars().count());
        if length > most {
            return Some(not_asff(&format!(
                "data.{member} should NOT be longer than {most} characters"
            )));
        }
    }
    if !finding
        .get("AwsAccountId")
        .and_then(Value::as_str)
        .is_some_and(is_account_id)
    {
        return Some(not_asff("data.AwsAccountId should match pattern \"^\\d{12}$\""));
    }
    for member in ["CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"] {
        if finding.get(member).is_some_and(|value| !is_timestamp(value)) {
            return Some(not_asff(&format!("data.{member} should match format \"date-time\"")));
        }
    }
    let resources = finding.get("Resources").and_then(Value::as_array);
    match resources.map(Vec::len) {
        None => return Some(not_asff("data.Resources should be array")),
        Some(0) => return Some(not_asff("data.Resources should NOT have fewer than 1 items")),
        Some(count) if count > 32 => return Some(not_asff("data.Resources should NOT have more than 32 items")),
        Some(_) => {}
    }
    for (index, resource) in resources.into_iter().flatten().enumerate() {
        for member in ["Type", "Id"] {
            if !resource.get(member).is_some_and(non_empty) {
                return Some(not_asff(&format!(
                    "data.Resources[{index}].{member} should NOT be shorter than 1 characters"
                )));
            }
        }
    }
    let types = finding
        .get("Types")
        .or_else(|| provider.and_then(|fields| fields.get("Types")));
    if let Some(types) = types {
        let Some(types) = types.as_array() else {
            return Some(not_asff("data.Types should be array"));
        };
        if let Some(index) = types.iter().position(|kind| !is_finding_type(kind)) {
            return Some(not_asff(&format!(
                "data.Types[{index}] should match pattern \"^([^/]+)(/[^/]+){{0,2}}$\""
            )));
        }
    }
    let severity = finding
        .get("Severity")
        .or_else(|| provider.and_then(|fields| fields.get("Severity")));
    if let Some(severity) = severity {
        let label = severity.get("Label");
        let normalized = severity.get("Normalized");
        if label.is_none() && normalized.is_none() && severity.get("Original").is_none() {
            return Some(not_asff("data.Severity should have required property 'Label'"));
        }
        if label.is_some_and(|label| !label.as_str().is_some_and(|label| SEVERITIES.contains(&label))) {
            return Some(not_asff(&format!(
                "data.Severity.Label should be equal to one of the allowed values {SEVERITIES:?}"
            )));
        }
        if normalized.is_some_and(|value| !value.as_i64().is_some_and(|value| (0..=100).contains(&value))) {
            return Some(not_asff("data.Severity.Normalized should be <= 100"));
        }
    }
    None
}

/// Who may import it: the calling account must be the finding's `AwsAccountId`, and the
/// ProductArn its default product in the call's region (the sandbox's account is no
/// allow-listed partner).
fn access_problem(finding: &Map<String, Value>, call: &Call) -> Option<(&'static str, String)> {
    let account = finding.get("AwsAccountId").and_then(Value::as_str).unwrap_or_default();
    if account != call.caller {
        return Some((
            "AccessDeniedException",
            format!(
                "Account {} is not authorized to import findings for account {account}: with the default product, the calling account must be the finding's AwsAccountId",
                call.caller
            ),
        ));
    }
    let product = finding.get("ProductArn").and_then(Value::as_str).unwrap_or_default();
    let default_product = product
        .strip_prefix("arn:aws")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(partition, rest)| {
            partition.bytes().all(|byte| byte.is_ascii_lowercase() || byte == b'-')
                && rest
                    == format!(
                        "securityhub:{}:{}:product/{}/default",
                        call.region, call.caller, call.caller
                    )
        });
    if !default_product {
        return Some((
            "AccessDeniedException",
            format!(
                "Account {} may not import findings of product {product}: only its default product in {}, arn:aws:securityhub:{}:{}:product/{}/default",
                call.caller, call.region, call.region, call.caller, call.caller
            ),
        ));
    }
    None
}

fn batch_import_findings(sinks: &mut Sinks, call: &Call) -> Result<Value, ApiError> {
    let body = members(call.body);
    let findings = body
        .get("Findings")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid_input("Findings is required".to_owned()))?;
    if findings.is_empty() || findings.len() > FINDINGS_MAX {
        return Err(invalid_input(format!(
            "Findings must hold between 1 and {FINDINGS_MAX} findings; got {}",
            findings.len()
        )));
    }
    let mut failed = Vec::new();
    let mut succeeded = 0;
    for (index, finding) in findings.iter().enumerate() {
        let Some(object) = finding.as_object() else {
            failed.push(json!({"Id": format!("Findings[{index}]"), "ErrorCode": "InvalidInput",
                               "ErrorMessage": "Finding does not adhere to Amazon Finding Format. data should be object."}));
            continue;
        };
        let size = serde_json::to_vec(finding).map_or(0, |bytes| bytes.len());
        let problem = format_problem(object)
            .or_else(|| {
                (size > FINDING_MAX_BYTES).then(|| {
                    (
                        "InvalidInput",
                        format!("The finding is {size} bytes: the maximum allowed size for a finding is 240 KB."),
                    )
                })
            })
            .or_else(|| access_problem(object, call));
        if let Some((code, message)) = problem {
            // ImportFindingsError.Id is required: a finding without one is named by its place.
            let id = object
                .get("Id")
                .filter(|id| non_empty(id))
                .and_then(Value::as_str)
                .map_or_else(|| format!("Findings[{index}]"), str::to_owned);
            failed.push(json!({"Id": id, "ErrorCode": code, "ErrorMessage": message}));
            continue;
        }
        import(sinks, object.clone(), call);
        succeeded += 1;
    }
    Ok(json!({"FailedCount": failed.len(), "SuccessCount": succeeded, "FailedFindings": failed}))
}

/// Whether `new`'s UpdatedAt is later than `stored`'s (unreadable times count as later, so
/// nothing is lost silently).
fn later(new: &Map<String, Value>, stored: &Value) -> bool {
    let time = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
    };
    match (time(new.get("UpdatedAt")), time(stored.get("UpdatedAt"))) {
        (Some(new), Some(stored)) => new > stored,
        _ => true,
    }
}

/// Creates the finding, or updates the one of the same `(ProductArn, Id)`.
fn import(sinks: &mut Sinks, mut finding: Map<String, Value>, call: &Call) {
    let text = |member: &str| {
        finding
            .get(member)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (product_arn, id) = (text("ProductArn"), text("Id"));
    let existing = sinks
        .findings
        .iter_mut()
        .find(|stored| stored.product_arn == product_arn && stored.id == id);
    match existing {
        // Documented ("Determining whether to create or update a finding"): an update whose
        // UpdatedAt "matches or occurs before UpdatedAt on the existing finding" is ignored.
        Some(stored) if !later(&finding, &stored.finding) => {}
        Some(stored) => {
            for member in KEPT_ON_UPDATE {
                match stored.finding.get(member) {
                    Some(kept) => finding.insert(member.to_owned(), kept.clone()),
                    None => finding.remove(member),
                };
            }
            stored.finding = Value::Object(finding);
            stored.imports += 1;
            stored.last_imported = call.now;
        }
        None => {
            // Security Hub's own values for a new finding (not documented for the
            // sandbox's purposes beyond their defaults): workflow NEW, record ACTIVE.
            finding.entry("Workflow").or_insert_with(|| json!({"Status": "NEW"}));
            finding.entry("RecordState").or_insert_with(|| json!("ACTIVE"));
            sinks.findings.push(SecurityHubFinding {
                product_arn,
                id,
                finding: Value::Object(finding),
                imports: 1,
                first_imported: call.now,
                last_imported: call.now,
                region: call.region.to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Map<String, Value> {
        json!({
            "SchemaVersion": "2018-10-08", "Id": "inv-1",
            "ProductArn": "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default",
            "GeneratorId": "detective-autopilot", "AwsAccountId": "111111111111",
            "Types": ["TTPs/Discovery"], "CreatedAt": "2026-11-22T12:00:00Z", "UpdatedAt": "2026-11-22T12:00:00Z",
            "Severity": {"Label": "HIGH"}, "Title": "t", "Description": "d",
            "Resources": [{"Type": "AwsIamRole", "Id": "arn:aws:iam::222222222222:role/r"}]
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    #[test]
    fn the_format_is_checked_in_security_hubs_words() {
        assert_eq!(format_problem(&finding()), None);
        for member in REQUIRED {
            let mut bad = finding();
            bad.remove(member);
            let (code, message) = format_problem(&bad).unwrap_or_default();
            assert_eq!(code, "InvalidInput");
            assert!(message.contains(&format!("required property '{member}'")), "{message}");
        }
        let mut bad = finding();
        bad.remove("Severity");
        assert!(format_problem(&bad).is_some());
        bad.insert("FindingProviderFields".into(), json!({"Severity": {"Label": "LOW"}}));
        assert_eq!(format_problem(&bad), None);
        for (member, value) in [
            ("Types", json!(["a/b/c/d"])),
            ("Resources", json!([])),
            ("CreatedAt", json!("yesterday")),
            ("Severity", json!({"Label": "SEVERE"})),
            ("SchemaVersion", json!("2020-01-01")),
            ("Title", json!("t".repeat(257))),
        ] {
            let mut bad = finding();
            bad.insert(member.into(), value);
            assert!(format_problem(&bad).is_some(), "{member}");
        }
    }
}
