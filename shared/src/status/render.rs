//! The status report as people read it.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::usage::{RegionUsage, UsageReport};
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

/// Bytes as people read them: "1.5 GiB".
fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match (unit, UNITS.get(unit)) {
        (0, _) => format!("{bytes} B"),
        (_, Some(name)) => format!("{value:.1} {name}"),
        (_, None) => format!("{bytes} B"),
    }
}

fn region_usage_block(out: &mut String, region: &RegionUsage) {
    let _ = writeln!(out, "{}", region.region);
    if let Some(error) = &region.error {
        let _ = writeln!(out, "  error: {error}\n");
        return;
    }
    let Some(graph) = &region.graph_arn else {
        let _ = writeln!(out, "  no behavior graph\n");
        return;
    };
    let _ = writeln!(out, "  graph            {graph}");
    let _ = writeln!(
        out,
        "  ingest           {}/day of the 10 TB/day limit ({:.2}%); est. ${:.2}/month",
        size(region.bytes_per_day),
        region.percent_of_limit,
        region.monthly_cost_usd
    );
    let _ = writeln!(
        out,
        "  members          {} of {}",
        region.member_count, region.member_quota
    );
    let _ = writeln!(
        out,
        "  disabled (volume) {}",
        listed(region.disabled_for_volume.clone(), ", ")
    );
    let left_out: Vec<String> = region.left_out.iter().map(|account| account.id.clone()).collect();
    let because = region
        .left_out_because
        .as_deref()
        .map(|why| format!(" ({why})"))
        .unwrap_or_default();
    let _ = writeln!(out, "  left out         {}{because}", listed(left_out, ", "));
    for member in &region.members {
        let packages: Vec<String> = member
            .packages
            .iter()
            .map(|package| {
                let date = package
                    .updated
                    .map(|time| time.format(" %Y-%m-%d").to_string())
                    .unwrap_or_default();
                let state = package
                    .ingest_state
                    .as_deref()
                    .map(|state| format!(" {state}"))
                    .unwrap_or_default();
                format!("{} {}{state}{date}", package.package, size(package.bytes_per_day))
            })
            .collect();
        let _ = writeln!(
            out,
            "  {} {:<24} {:>10}/day ${:>10.2}/month  {}  [{}]",
            member.account_id,
            member.name.as_deref().unwrap_or("-"),
            size(member.bytes_per_day),
            member.monthly_cost_usd,
            member.status,
            packages.join("; ")
        );
    }
    let _ = writeln!(out);
}

/// `status --usage`: each region, then the top accounts and the total.
pub fn render_usage(report: &UsageReport) -> String {
    let mut out = String::new();
    for region in &report.regions {
        region_usage_block(&mut out, region);
    }
    let _ = writeln!(out, "top accounts by volume");
    for top in &report.top_accounts {
        let _ = writeln!(
            out,
            "  {} {:<24} {:>10}/day ${:>10.2}/month",
            top.account_id,
            top.name.as_deref().unwrap_or("-"),
            size(top.bytes_per_day),
            top.monthly_cost_usd
        );
    }
    let _ = writeln!(
        out,
        "total: {}/day, est. ${:.2}/month",
        size(report.bytes_per_day),
        report.monthly_cost_usd
    );
    let _ = writeln!(out, "prices: {}", report.prices.source);
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}
