//! The report: what Detective concluded and the evidence, summarised for people.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use super::message::{OriginatingFinding, ReportMessage};
use crate::aws::detective_console;
use crate::aws::{Indicator, InvestigationDetails};

/// Items kept of each indicator type (the counts say how many there were).
pub const TOP: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scope {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Stable per investigation: a redelivered message yields the same id.
    pub id: String,
    pub investigation_id: String,
    pub entity_arn: String,
    pub entity_type: Option<String>,
    pub graph_arn: String,
    pub region: String,
    pub status: String,
    pub severity: Option<String>,
    pub state: Option<String>,
    pub created_time: Option<String>,
    pub scope: Scope,
    /// IndicatorType -> how many.
    pub indicator_counts: BTreeMap<String, usize>,
    /// IndicatorType -> its first items.
    pub top_indicators: BTreeMap<String, Vec<Value>>,
    pub finding: OriginatingFinding,
    /// The Detective console's investigations page in the region (the API documents no
    /// deep link to one investigation: search it there by its id).
    pub console_url: String,
    /// The severity as a number (INFORMATIONAL 0 to CRITICAL 4), for a rule's numeric
    /// filter (NotifyReportsAtOrAbove); absent without a severity (a failed investigation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_rank: Option<u8>,
    /// The report for people, as the notification topic delivers it (email, chat).
    pub message: String,
}

/// The severities in order: a rank is the position.
pub const SEVERITIES: [&str; 5] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

fn severity_rank(severity: Option<&str>) -> Option<u8> {
    let position = SEVERITIES.iter().position(|known| Some(*known) == severity)?;
    u8::try_from(position).ok()
}

fn time(time: Option<DateTime<Utc>>) -> Option<String> {
    time.map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The report id of an investigation.
pub fn report_id(graph_arn: &str, investigation_id: &str) -> String {
    format!("{graph_arn}/investigation/{investigation_id}")
}

/// The console for a region, in the partition's domain.
pub fn console_url(partition: &str, region: &str) -> String {
    detective_console(partition, region, "investigations")
}

/// The report of a finished investigation (SUCCESSFUL with its indicators, or FAILED).
pub fn summarize(
    message: &ReportMessage,
    partition: &str,
    details: &InvestigationDetails,
    indicators: &[Indicator],
) -> Report {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut top: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for indicator in indicators {
        let kind = indicator.indicator_type().to_owned();
        *counts.entry(kind.clone()).or_default() += 1;
        let items = top.entry(kind).or_default();
        if items.len() < TOP {
            let mut item = serde_json::to_value(indicator).unwrap_or(Value::Null);
            // The type is the map's key already.
            if let Some(object) = item.as_object_mut() {
                object.remove("type");
            }
            items.push(item);
        }
    }
    let mut report = Report {
        id: report_id(&message.graph_arn, &message.investigation_id),
        investigation_id: message.investigation_id.clone(),
        entity_arn: details.entity_arn.clone().unwrap_or_else(|| message.entity_arn.clone()),
        entity_type: details.entity_type.clone(),
        graph_arn: message.graph_arn.clone(),
        region: message.region.clone(),
        status: details.status.to_string(),
        severity: details.severity.as_ref().map(ToString::to_string),
        state: details.state.as_ref().map(ToString::to_string),
        created_time: time(details.created_time),
        scope: Scope {
            start: time(details.scope_start),
            end: time(details.scope_end),
        },
        indicator_counts: counts,
        top_indicators: top,
        finding: message.finding.clone(),
        console_url: console_url(partition, &message.region),
        severity_rank: None,
        message: String::new(),
    };
    report.severity_rank = severity_rank(report.severity.as_deref());
    report.message = report.for_people();
    report
}

impl Report {
    /// What a person reads: the headline, what was looked at, what started it, where to look.
    pub fn for_people(&self) -> String {
        let scope = format!(
            "{} to {}",
            self.scope.start.as_deref().unwrap_or("?"),
            self.scope.end.as_deref().unwrap_or("?")
        );
        format!(
            "{}\nEntity: {}\nScope: {scope}\nStarted by GuardDuty finding {} ({}, severity {})\n\
             Graph: {} ({})\nConsole (search the investigation id): {}",
            self.headline(),
            self.entity_arn,
            self.finding.id,
            self.finding.finding_type,
            self.finding.severity,
            self.graph_arn,
            self.region,
            self.console_url
        )
    }

    /// One line for people: "HIGH: 12 TTP_OBSERVED, 2 IMPOSSIBLE_TRAVEL, ...".
    pub fn headline(&self) -> String {
        let counts: Vec<String> = self
            .indicator_counts
            .iter()
            .map(|(kind, count)| format!("{count} {kind}"))
            .collect();
        format!(
            "Detective investigation {} of {}: {} {}{}",
            self.investigation_id,
            self.entity_arn,
            self.status,
            self.severity.as_deref().unwrap_or("(no severity)"),
            if counts.is_empty() {
                String::new()
            } else {
                format!(" ({})", counts.join(", "))
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InvestigationSeverity, InvestigationState, InvestigationStatus};
    use crate::report::fixtures::{message, GRAPH};

    fn details() -> InvestigationDetails {
        InvestigationDetails {
            investigation_id: "000000000000000000001".to_owned(),
            graph_arn: GRAPH.to_owned(),
            entity_arn: Some("arn:aws:iam::222222222222:user/ci-deployer".to_owned()),
            entity_type: Some("IAM_USER".to_owned()),
            status: InvestigationStatus::Successful,
            severity: Some(InvestigationSeverity::High),
            state: Some(InvestigationState::Active),
            created_time: DateTime::from_timestamp(1_795_000_000, 0),
            scope_start: DateTime::from_timestamp(1_794_990_000, 0),
            scope_end: DateTime::from_timestamp(1_795_000_000, 0),
        }
    }

    fn s(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    /// One indicator of every type, and more TTPs than the report keeps.
    fn every_type() -> Vec<Indicator> {
        let mut indicators: Vec<Indicator> = (0..7)
            .map(|n| Indicator::TtpObserved {
                tactic: s("Discovery"),
                technique: s("T1087 - Account Discovery"),
                procedure: s("Enumerate IAM users"),
                api_name: Some(format!("ListUsers{n}")),
                ip_address: s("198.51.100.7"),
                api_success_count: Some(3),
                api_failure_count: Some(0),
            })
            .collect();
        indicators.extend([
            Indicator::ImpossibleTravel {
                starting_ip_address: s("198.51.100.7"),
                ending_ip_address: s("203.0.113.9"),
                starting_location: s("Frankfurt, DE"),
                ending_location: s("Sao Paulo, BR"),
                hourly_time_delta: Some(1),
            },
            Indicator::FlaggedIpAddress {
                ip_address: s("203.0.113.9"),
                reason: s("AWS_THREAT_INTELLIGENCE"),
            },
            Indicator::NewGeolocation {
                location: s("Sao Paulo, BR"),
                ip_address: s("203.0.113.9"),
                is_new_for_entire_account: true,
            },
            Indicator::NewAso {
                aso: s("AS64496 Example Hosting"),
                is_new_for_entire_account: false,
            },
            Indicator::NewUserAgent {
                user_agent: s("python-requests/2.31"),
                is_new_for_entire_account: true,
            },
            Indicator::RelatedFinding {
                arn: s("arn:aws:guardduty:us-east-1:222222222222:detector/d/finding/f"),
                finding_type: s("UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"),
                ip_address: s("203.0.113.9"),
            },
            Indicator::RelatedFindingGroup { id: s("group-1") },
            Indicator::Other {
                indicator_type: "NEW_THING".to_owned(),
            },
        ]);
        indicators
    }

    #[test]
    fn every_indicator_type_is_counted_and_its_first_items_kept() {
        let report = summarize(&message(), "aws", &details(), &every_type());
        let counts: Vec<(&str, usize)> = report
            .indicator_counts
            .iter()
            .map(|(kind, count)| (kind.as_str(), *count))
            .collect();
        assert_eq!(
            counts,
            [
                ("FLAGGED_IP_ADDRESS", 1),
                ("IMPOSSIBLE_TRAVEL", 1),
                ("NEW_ASO", 1),
                ("NEW_GEOLOCATION", 1),
                ("NEW_THING", 1),
                ("NEW_USER_AGENT", 1),
                ("RELATED_FINDING", 1),
                ("RELATED_FINDING_GROUP", 1),
                ("TTP_OBSERVED", 7),
            ]
        );
        assert_eq!(report.top_indicators["TTP_OBSERVED"].len(), TOP);
        assert_eq!(
            report.top_indicators["TTP_OBSERVED"][0],
            serde_json::json!({"tactic": "Discovery", "technique": "T1087 - Account Discovery",
                "procedure": "Enumerate IAM users", "api_name": "ListUsers0", "ip_address": "198.51.100.7",
                "api_success_count": 3, "api_failure_count": 0})
        );
        assert_eq!(
            report.top_indicators["IMPOSSIBLE_TRAVEL"][0],
            serde_json::json!({"starting_ip_address": "198.51.100.7", "ending_ip_address": "203.0.113.9",
                "starting_location": "Frankfurt, DE", "ending_location": "Sao Paulo, BR", "hourly_time_delta": 1})
        );
        assert_eq!(
            report.top_indicators["RELATED_FINDING"][0]["finding_type"],
            "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
        );
        assert_eq!(
            report.top_indicators["NEW_USER_AGENT"][0]["is_new_for_entire_account"],
            true
        );
        assert_eq!(report.top_indicators["RELATED_FINDING_GROUP"][0]["id"], "group-1");
        assert_eq!(report.top_indicators["NEW_THING"][0]["indicator_type"], "NEW_THING");
    }

    #[test]
    fn the_report_names_the_investigation_its_verdict_and_where_to_look() {
        let report = summarize(&message(), "aws", &details(), &every_type());
        assert_eq!(report.id, format!("{GRAPH}/investigation/000000000000000000001"));
        assert_eq!(report.severity.as_deref(), Some("HIGH"));
        assert_eq!(report.scope.start.as_deref(), Some("2026-11-18T08:20:00Z"));
        assert_eq!(
            report.console_url,
            "https://us-east-1.console.aws.amazon.com/detective/home?region=us-east-1#investigations"
        );
        assert!(report.headline().starts_with(
            "Detective investigation 000000000000000000001 of arn:aws:iam::222222222222:user/ci-deployer: SUCCESSFUL HIGH (1 FLAGGED_IP_ADDRESS"
        ));
        assert_eq!(
            console_url("aws-cn", "cn-north-1"),
            "https://cn-north-1.console.amazonaws.cn/detective/home?region=cn-north-1#investigations"
        );
    }
}
