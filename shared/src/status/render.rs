//! The status report as people read it.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Membership, RegionStatus, StatusReport, TrailStatus};

fn counts(map: &BTreeMap<String, impl ToString>) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.iter()
        .map(|(key, value)| format!("{key} {}", value.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One block per region, then the coverage lines.
pub fn render_table(report: &StatusReport) -> String {
    let mut out = String::new();
    for region in &report.regions {
        let _ = writeln!(out, "{}", region.region);
        for (label, value) in region_rows(region) {
            let _ = writeln!(out, "  {label:<16} {value}");
        }
        if let Some(error) = &region.error {
            let _ = writeln!(out, "  {:<16} {error}", "error");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "coverage");
    for region in &report.regions {
        let _ = writeln!(out, "  {}", region.coverage_line());
    }
    let _ = writeln!(out, "  overall: {}", report.summary);
    let blind: Vec<&str> = report
        .regions
        .iter()
        .filter(|region| region.trail.as_ref().is_some_and(TrailStatus::blind))
        .map(|region| region.region.as_str())
        .collect();
    if !blind.is_empty() {
        let _ = writeln!(
            out,
            "  no trail logs management events in {}: calls that weaken Detective there are never alerted",
            blind.join(", ")
        );
    }
    out
}

/// `none` for an empty list, else its items joined.
fn listed(items: Vec<String>, separator: &str) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(separator)
    }
}

/// A region's block: label and value per line.
fn region_rows(region: &RegionStatus) -> Vec<(&'static str, String)> {
    let administrator = match (&region.administrator, &region.administrator_unknown) {
        (Some(admin), _) => admin.clone(),
        (None, Some(why)) => format!("unknown ({why})"),
        (None, None) => "unknown".to_owned(),
    };
    let not_enabled = region
        .not_enabled
        .iter()
        .map(|account| format!("{} ({})", account.id, account.name))
        .collect();
    let not_ingesting = region
        .not_ingesting
        .iter()
        .map(|member| format!("{} ({})", member.account_id, counts(&member.packages)))
        .collect();
    vec![
        ("administrator", administrator),
        ("graph", region.graph_arn.clone().unwrap_or_else(|| "none".to_owned())),
        (
            "auto-enable",
            region.auto_enable.map_or("unknown".to_owned(), |on| on.to_string()),
        ),
        ("data sources", counts(&region.packages)),
        ("members", counts(&region.members_by_status)),
        ("not enabled", listed(not_enabled, ", ")),
        ("not ingesting", listed(not_ingesting, "; ")),
        ("outside the org", listed(region.outside_organization.clone(), ", ")),
        ("investigations", counts(&region.active_investigations)),
        (
            "trail",
            region
                .trail
                .as_ref()
                .map_or("not read".to_owned(), |trail| trail.describe()),
        ),
    ]
}

/// A member account's memberships.
pub fn render_member_table(memberships: &[Membership]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<12} {:<78} {:<14} {:<24} DATA SOURCES",
        "REGION", "GRAPH", "ADMINISTRATOR", "STATUS"
    );
    for membership in memberships {
        let _ = writeln!(
            out,
            "{:<12} {:<78} {:<14} {:<24} {}",
            membership.region,
            membership.graph_arn,
            membership.administrator_id.as_deref().unwrap_or("-"),
            membership.status,
            counts(&membership.packages)
        );
    }
    if memberships.is_empty() {
        let _ = writeln!(out, "(no invitations or memberships)");
    }
    out
}
