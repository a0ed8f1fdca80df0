//! The report as a Security Hub finding (ASFF) in the account's default product.

use std::collections::BTreeMap;

use super::summary::Report;
use crate::aws::AsffFinding;

/// The finding for a report: one per investigation (its id is the report's), so a
/// redelivered message imports the same finding again. Its CreatedAt and UpdatedAt are the
/// investigation's creation time: Security Hub ignores a re-import whose UpdatedAt is not
/// newer, so a redelivery changes nothing and never duplicates.
pub fn finding(report: &Report, account: &str, partition: &str) -> AsffFinding {
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
    let mut description = report.headline();
    if description.chars().count() > 1024 {
        description = description.chars().take(1021).collect::<String>() + "...";
    }
    AsffFinding {
        id: report.id.clone(),
        product_arn: format!(
            "arn:{partition}:securityhub:{}:{account}:product/{account}/default",
            report.region
        ),
        generator_id: "detective-autopilot/report-investigations".to_owned(),
        aws_account_id: account.to_owned(),
        region: report.region.clone(),
        types: vec!["Unusual Behaviors/User/Detective Investigation".to_owned()],
        created_at: created.clone(),
        updated_at: created,
        severity_label: report.severity.clone().unwrap_or_else(|| "INFORMATIONAL".to_owned()),
        title: format!("Detective investigation of {}", report.entity_arn),
        description,
        source_url: report.console_url.clone(),
        resource_type: resource_type.to_owned(),
        resource_id: report.entity_arn.clone(),
        partition: partition.to_owned(),
        product_fields,
    }
}
