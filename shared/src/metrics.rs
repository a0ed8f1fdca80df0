//! CloudWatch metrics in Embedded Metric Format, one record per invocation (and one per
//! AWS error), derived from the outcome and written to the function's log.

use metrique_writer::format::Format;
use metrique_writer::{Entry, EntryWriter};
use metrique_writer_format_emf::Emf;

use crate::aws::AwsError;
use crate::outcome::{Action, ActionResult, Outcome, Reason, Status};

pub const NAMESPACE: &str = "DetectiveAutopilot";

/// A metric an ignored event also counts toward (the function's contract says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoredMetric {
    /// A finding that started no investigation.
    InvestigationsIgnored,
}

/// Counts of what an invocation did; zero counts are still emitted so that sums are right.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub investigations_started: u64,
    pub investigations_deduplicated: u64,
    pub investigations_ignored: u64,
    pub members_enrolled: u64,
    pub members_already_enabled: u64,
    pub members_reenabled: u64,
    pub members_removed: u64,
    pub members_failed: u64,
    pub invitations_accepted: u64,
    pub invitations_rejected: u64,
    pub invitations_untrusted: u64,
    pub memberships_left: u64,
    pub report_requests_sent: u64,
    pub reports_published: u64,
    pub reports_still_running: u64,
    pub reports_failed: u64,
    pub findings_imported: u64,
    pub investigations_archived: u64,
    /// A call that weakened Detective, alerted on (by Trigger: the operation).
    pub tamper_events: u64,
    pub planned_actions: u64,
}

fn accounts(action: &Action) -> u64 {
    action.account_ids.len().max(1) as u64
}

impl Counts {
    pub fn of(outcome: &Outcome, ignored: Option<IgnoredMetric>) -> Self {
        let mut counts = Self::default();
        if ignored == Some(IgnoredMetric::InvestigationsIgnored) && outcome.status == Status::Ignored {
            counts.investigations_ignored = 1;
        }
        for action in &outcome.actions {
            let reason = action.reason.as_ref();
            match (action.operation, action.result) {
                (_, ActionResult::Planned) => counts.planned_actions += 1,
                ("StartInvestigation", ActionResult::Done) => counts.investigations_started += 1,
                ("StartInvestigation", ActionResult::Skipped)
                    if matches!(reason, Some(Reason::AlreadyInvestigating { .. })) =>
                {
                    counts.investigations_deduplicated += 1
                }
                ("CreateMembers", ActionResult::Done) => counts.members_enrolled += accounts(action),
                ("CreateMembers", ActionResult::Skipped) if reason == Some(&Reason::AlreadyEnabled) => {
                    counts.members_already_enabled += accounts(action)
                }
                ("StartMonitoringMember", ActionResult::Done) => counts.members_reenabled += 1,
                ("DeleteMembers", ActionResult::Done) => counts.members_removed += accounts(action),
                ("CreateMembers" | "StartMonitoringMember", ActionResult::Failed) => {
                    counts.members_failed += accounts(action)
                }
                ("AcceptInvitation", ActionResult::Done) => counts.invitations_accepted += 1,
                ("RejectInvitation", ActionResult::Done) => counts.invitations_rejected += 1,
                ("AcceptInvitation", ActionResult::Skipped) if matches!(reason, Some(Reason::UntrustedIgnored(_))) => {
                    counts.invitations_untrusted += 1
                }
                ("RejectInvitation", _) => counts.invitations_untrusted += 1,
                ("DisassociateMembership", ActionResult::Done) => counts.memberships_left += 1,
                // Not report-investigations' own sends (a message sent again, a dead letter).
                ("SendMessage", ActionResult::Done)
                    if !matches!(reason, Some(Reason::SentAgain(_) | Reason::DeadLettered(_))) =>
                {
                    counts.report_requests_sent += 1
                }
                ("PutEvents", ActionResult::Done) => counts.reports_published += 1,
                ("PutEvents", ActionResult::Skipped) if matches!(reason, Some(Reason::StillRunning(_))) => {
                    counts.reports_still_running += 1
                }
                ("BatchImportFindings", ActionResult::Done) => counts.findings_imported += 1,
                ("UpdateInvestigationState", ActionResult::Done) => counts.investigations_archived += 1,
                _ => {}
            }
        }
        // The tamper alert, whatever came of it.
        if outcome.function == crate::enroll::FUNCTION
            && outcome.actions.iter().any(|action| action.operation == "PutEvents")
        {
            counts.tamper_events = 1;
        }
        // A report that could not be made (unreadable message, a read or write that failed).
        if outcome.function == crate::report::FUNCTION {
            counts.reports_failed = outcome
                .actions
                .iter()
                .filter(|action| action.result == ActionResult::Failed)
                .count() as u64;
        }
        counts
    }
}

struct InvocationRecord<'a> {
    function: &'static str,
    trigger: &'a str,
    status: &'a str,
    counts: Counts,
    reason: &'a str,
}

impl Entry for InvocationRecord<'_> {
    fn write<'a>(&'a self, writer: &mut impl EntryWriter<'a>) {
        writer.value("Function", self.function);
        writer.value("Trigger", self.trigger);
        writer.value("Status", self.status);
        writer.value("EventsReceived", &1_u64);
        let c = &self.counts;
        for (name, value) in [
            ("InvestigationsStarted", &c.investigations_started),
            ("InvestigationsDeduplicated", &c.investigations_deduplicated),
            ("InvestigationsIgnored", &c.investigations_ignored),
            ("MembersEnrolled", &c.members_enrolled),
            ("MembersAlreadyEnabled", &c.members_already_enabled),
            ("MembersReenabled", &c.members_reenabled),
            ("MembersRemoved", &c.members_removed),
            ("MembersFailed", &c.members_failed),
            ("InvitationsAccepted", &c.invitations_accepted),
            ("InvitationsRejected", &c.invitations_rejected),
            ("InvitationsUntrusted", &c.invitations_untrusted),
            ("MembershipsLeft", &c.memberships_left),
            ("ReportRequestsSent", &c.report_requests_sent),
            ("ReportsPublished", &c.reports_published),
            ("ReportsStillRunning", &c.reports_still_running),
            ("ReportsFailed", &c.reports_failed),
            ("FindingsImported", &c.findings_imported),
            ("InvestigationsArchived", &c.investigations_archived),
            ("TamperEvents", &c.tamper_events),
            ("PlannedActions", &c.planned_actions),
        ] {
            writer.value(name, value);
        }
        // A property, not a dimension: search it in Logs Insights ("ignored by reason").
        writer.value("Reason", self.reason);
    }
}

struct ErrorRecord<'a> {
    function: &'static str,
    operation: &'a str,
    code: &'a str,
}

impl Entry for ErrorRecord<'_> {
    fn write<'a>(&'a self, writer: &mut impl EntryWriter<'a>) {
        writer.value("Function", self.function);
        writer.value("Operation", self.operation);
        writer.value("ErrorCode", self.code);
        writer.value("AwsErrors", &1_u64);
    }
}

/// One published report, by Detective's severity.
struct ReportRecord<'a> {
    function: &'static str,
    severity: &'a str,
}

impl Entry for ReportRecord<'_> {
    fn write<'a>(&'a self, writer: &mut impl EntryWriter<'a>) {
        writer.value("Function", self.function);
        writer.value("Severity", self.severity);
        writer.value("ReportsBySeverity", &1_u64);
    }
}

fn dimensions(sets: &[&[&str]]) -> Vec<Vec<String>> {
    sets.iter()
        .map(|set| set.iter().map(|name| (*name).to_owned()).collect())
        .collect()
}

/// Every AWS error behind the outcome: its actions', its regions', its own.
fn aws_errors(outcome: &Outcome) -> impl Iterator<Item = &AwsError> {
    let actions = outcome.actions.iter().filter_map(|action| action.error.as_ref());
    let regions = outcome.regions.iter().filter_map(|region| region.failure.as_ref());
    actions
        .chain(regions)
        .chain(outcome.failure.as_ref())
        .filter_map(|failure| failure.aws())
}

/// The EMF lines for one invocation.
pub fn records(outcome: &Outcome, trigger: &str, ignored: Option<IgnoredMetric>) -> Vec<String> {
    let status = serde_json::to_value(outcome.status).unwrap_or_default();
    let mut lines = Vec::new();
    let mut invocation = Emf::builder(
        NAMESPACE.to_owned(),
        // Function+Trigger+Status: the alarm on failed scheduled runs, which are not retried.
        dimensions(&[
            &["Function"],
            &["Function", "Trigger"],
            &["Function", "Status"],
            &["Function", "Trigger", "Status"],
        ]),
    )
    .build();
    let record = InvocationRecord {
        function: outcome.function,
        trigger,
        status: status.as_str().unwrap_or_default(),
        counts: Counts::of(outcome, ignored),
        reason: &outcome.reason,
    };
    let mut line = Vec::new();
    if invocation.format(&record, &mut line).is_ok() {
        lines.push(String::from_utf8_lossy(&line).trim_end().to_owned());
    }
    let mut errors = Emf::builder(
        NAMESPACE.to_owned(),
        dimensions(&[&["Function", "Operation", "ErrorCode"]]),
    )
    .build();
    for error in aws_errors(outcome) {
        let mut line = Vec::new();
        let record = ErrorRecord {
            function: outcome.function,
            operation: error.operation,
            code: &error.code,
        };
        if errors.format(&record, &mut line).is_ok() {
            lines.push(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
    }
    let mut reports = Emf::builder(NAMESPACE.to_owned(), dimensions(&[&["Function", "Severity"]])).build();
    let published = outcome
        .actions
        .iter()
        .filter(|action| action.operation == "PutEvents" && action.result == ActionResult::Done);
    for action in published {
        let mut line = Vec::new();
        let record = ReportRecord {
            function: outcome.function,
            severity: action.severity.as_deref().unwrap_or("UNKNOWN"),
        };
        if reports.format(&record, &mut line).is_ok() {
            lines.push(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
    }
    lines
}

/// Writes the records to stdout, where Lambda sends them to CloudWatch Logs.
pub fn emit(outcome: &Outcome, trigger: &str, ignored: Option<IgnoredMetric>) {
    for line in records(outcome, trigger, ignored) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parse(line: &str) -> Value {
        serde_json::from_str(line).unwrap_or_default()
    }

    #[test]
    fn an_enrollment_is_counted_with_function_trigger_and_status_dimensions() {
        let mut created = Action::new("CreateMembers", ActionResult::Done);
        created.account_ids = vec!["1".into(), "2".into()];
        let skipped = Action::new("CreateMembers", ActionResult::Skipped).with_reason(Reason::AlreadyEnabled);
        let outcome = Outcome::new("enroll-accounts", None, Status::Acted, "done").with_actions(vec![created, skipped]);
        let lines = records(&outcome, "ScheduledEvent", None);
        assert_eq!(lines.len(), 1);
        let record = parse(&lines[0]);
        assert_eq!(record["MembersEnrolled"], 2);
        assert_eq!(record["MembersAlreadyEnabled"], 1);
        assert_eq!(record["EventsReceived"], 1);
        assert_eq!(record["Trigger"], "ScheduledEvent");
        assert_eq!(record["Status"], "acted");
        let metrics = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metrics["Namespace"], NAMESPACE);
        assert_eq!(
            metrics["Dimensions"],
            serde_json::json!([
                ["Function"],
                ["Function", "Trigger"],
                ["Function", "Status"],
                ["Function", "Trigger", "Status"]
            ])
        );
    }

    #[test]
    fn aws_errors_are_counted_by_operation_and_code() {
        let failed = Action::new("StartInvestigation", ActionResult::Skipped).failed(AwsError::new(
            "StartInvestigation",
            "TooManyRequestsException",
            "slow down",
        ));
        let outcome = Outcome::new("investigate-findings", None, Status::Failed, "x").with_actions(vec![failed]);
        let lines = records(&outcome, "GuardDutyFinding", None);
        assert_eq!(lines.len(), 2);
        let error = parse(&lines[1]);
        assert_eq!(
            (error["Operation"].as_str(), error["ErrorCode"].as_str()),
            (Some("StartInvestigation"), Some("TooManyRequestsException"))
        );
        assert_eq!(error["AwsErrors"], 1);

        let early = Outcome::failed(
            "investigate-findings",
            None,
            AwsError::new("ListGraphs", "AccessDeniedException", "no"),
        );
        assert_eq!(early.reason, "ListGraphs failed: AccessDeniedException: no");
        assert_eq!(
            parse(&records(&early, "GuardDutyFinding", None)[1])["ErrorCode"],
            "AccessDeniedException"
        );
    }

    #[test]
    fn investigations_deduplicated_and_untrusted_invitations() {
        let mut dedup =
            Action::new("StartInvestigation", ActionResult::Skipped).with_reason(Reason::AlreadyInvestigating {
                investigation_id: "1".into(),
                entity_arn: "arn:aws:iam::111111111111:user/a".into(),
                window_hours: 24,
            });
        dedup.investigation_id = Some("1".into());
        let outcome = Outcome::new("investigate-findings", None, Status::Ignored, "dup").with_actions(vec![dedup]);
        let counts = Counts::of(&outcome, Some(IgnoredMetric::InvestigationsIgnored));
        assert_eq!(
            (counts.investigations_deduplicated, counts.investigations_ignored),
            (1, 1)
        );
        let untrusted = Action::new("AcceptInvitation", ActionResult::Skipped).with_reason(Reason::UntrustedIgnored(
            crate::outcome::TrustFailure::AdministratorNotTrusted("666666666666".into()),
        ));
        let outcome = Outcome::new("accept-invitations", None, Status::Ignored, "x").with_actions(vec![untrusted]);
        assert_eq!(Counts::of(&outcome, None).invitations_untrusted, 1);
    }

    #[test]
    fn reports_are_counted_and_published_ones_by_severity() {
        let mut published = Action::new("PutEvents", ActionResult::Done);
        published.severity = Some("HIGH".into());
        let running =
            Action::new("PutEvents", ActionResult::Skipped).with_reason(Reason::StillRunning("RUNNING".into()));
        let unreadable = Action::new("PutEvents", ActionResult::Failed);
        let outcome = Outcome::new("report-investigations", None, Status::Failed, "x").with_actions(vec![
            published,
            running,
            unreadable,
            Action::new("BatchImportFindings", ActionResult::Done),
            Action::new("UpdateInvestigationState", ActionResult::Done),
        ]);
        let counts = Counts::of(&outcome, None);
        assert_eq!(
            (
                counts.reports_published,
                counts.reports_still_running,
                counts.reports_failed,
                counts.findings_imported,
                counts.investigations_archived
            ),
            (1, 1, 1, 1, 1)
        );
        let lines = records(&outcome, "SQS.Batch", None);
        let by_severity: Vec<&String> = lines.iter().filter(|line| line.contains("ReportsBySeverity")).collect();
        assert_eq!(by_severity.len(), 1, "{lines:?}");
        assert!(by_severity[0].contains(r#""Severity":"HIGH""#), "{}", by_severity[0]);
    }
}
