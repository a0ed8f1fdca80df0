//! The report as a Security Hub finding (ASFF) in the account's default product.

use std::collections::BTreeMap;

use super::summary::Report;
use crate::aws::AsffFinding;

/// ASFF's documented limits (Security Hub's model documents them in the members'
/// documentation, not in their shapes): `make test` checks a finding against them.
const ID_MAX: usize = 512;
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const PRODUCT_FIELDS_MAX: usize = 50;
const PRODUCT_FIELD_KEY_MAX: usize = 128;
const PRODUCT_FIELD_VALUE_MAX: usize = 2048;
/// What a cut text ends with.
const CUT: &str = "...";

/// `text` in at most `max` characters, ending with `...` when it had to be cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(CUT.len())).collect();
    kept + CUT
}

/// The finding for a report: one per investigation (its id is the report's), so a
/// redelivered message imports the same finding again. Its CreatedAt and UpdatedAt are the
/// investigation's creation time: Security Hub ignores a re-import whose UpdatedAt is not
/// newer, so a redelivery changes nothing and never duplicates. It is imported in `region`,
/// the region of the call (Security Hub's product there), and every text is cut to its
/// documented limit (a role's path makes an ARN up to 2,048 characters).
pub fn finding(report: &Report, account: &str, partition: &str, region: &str) -> AsffFinding {
    let created = report.created_time.clone().unwrap_or_default();
    let entity_account = report.entity_arn.split(':').nth(4).unwrap_or_default().to_owned();
    let resource_type = match report.entity_type.as_deref() {
        Some("IAM_USER") => "AwsIamUser",
        Some("IAM_ROLE") => "AwsIamRole",
        _ if report.entity_arn.contains(":user/") => "AwsIamUser",
        _ => "AwsIamRole",
    };
    let mut product_fields = BTreeMap::from([
        (
            "detective-autopilot/InvestigationId".to_owned(),
            report.investigation_id.clone(),
        ),
        ("detective-autopilot/GraphArn".to_owned(), report.graph_arn.clone()),
        ("detective-autopilot/EntityAccountId".to_owned(), entity_account),
        ("detective-autopilot/FindingId".to_owned(), report.finding.id.clone()),
        (
            "detective-autopilot/FindingType".to_owned(),
            report.finding.finding_type.clone(),
        ),
    ]);
    for (kind, count) in &report.indicator_counts {
        product_fields.insert(format!("detective-autopilot/Indicators/{kind}"), count.to_string());
    }
    let product_fields = product_fields
        .into_iter()
        .take(PRODUCT_FIELDS_MAX)
        .map(|(key, value)| (cut(&key, PRODUCT_FIELD_KEY_MAX), cut(&value, PRODUCT_FIELD_VALUE_MAX)))
        .collect();
    AsffFinding {
        id: cut(&report.id, ID_MAX),
        product_arn: format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
        generator_id: "detective-autopilot/report-investigations".to_owned(),
        aws_account_id: account.to_owned(),
        region: region.to_owned(),
        types: vec!["Unusual Behaviors/User/Detective Investigation".to_owned()],
        created_at: created.clone(),
        updated_at: created,
        severity_label: report.severity.clone().unwrap_or_else(|| "INFORMATIONAL".to_owned()),
        title: cut(&format!("Detective investigation of {}", report.entity_arn), TITLE_MAX),
        description: cut(&report.headline(), DESCRIPTION_MAX),
        source_url: report.console_url.clone(),
        resource_type: resource_type.to_owned(),
        resource_id: report.entity_arn.clone(),
        partition: partition.to_owned(),
        product_fields,
    }
}
