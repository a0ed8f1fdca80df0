//! CloudWatch metrics in Embedded Metric Format, one record per invocation (and one per
//! AWS error), derived from the outcome and written to the function's log.

use crate::operation::Operation;
use metrique_writer::format::Format;
use metrique_writer::{Entry, EntryWriter};
use metrique_writer_format_emf::Emf;

use crate::aws::AwsError;
use crate::outcome::{Action, ActionResult, Outcome};

pub const NAMESPACE: &str = "DetectiveAutopilot";

/// What a function counts of one invocation, beyond what every function counts
/// (`EventsReceived`, `PlannedActions`): its own metrics by name, each emitted on every
/// invocation, zero included, so that sums are right; and the severity of each report it
/// published (`ReportsBySeverity`). Each function's `metrics.rs` says what it counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionMetrics {
    pub counts: Vec<(&'static str, u64)>,
    pub reports_by_severity: Vec<String>,
    /// Counts per region (dimensions Function, Trigger, Region): a sweep's coverage.
    pub by_region: Vec<(String, Vec<(&'static str, u64)>)>,
}

/// Every dimension set the records declare, as a CloudWatch SEARCH schema names them
/// (sorted): what the dashboard may search.
pub const DIMENSION_SETS: &[&[&str]] = &[
    &["Function"],
    &["Function", "Trigger"],
    &["Function", "Status"],
    &["Function", "Status", "Trigger"],
    &["ErrorCode", "Function", "Operation"],
    &["Function", "Severity"],
    &["Function", "Region", "Trigger"],
];

/// What every invocation, AWS error and published report counts, whatever the function.
pub const CORE_METRICS: &[&str] = &["EventsReceived", "PlannedActions", "AwsErrors", "ReportsBySeverity"];

impl FunctionMetrics {
    pub fn new(counts: Vec<(&'static str, u64)>) -> Self {
        Self {
            counts,
            reports_by_severity: Vec::new(),
            by_region: Vec::new(),
        }
    }

    /// Every metric name these records carry.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.counts.iter().map(|(name, _)| *name).collect();
        names.extend(
            self.by_region
                .iter()
                .flat_map(|(_, counts)| counts.iter().map(|(name, _)| *name)),
        );
        names
    }

    /// The count named `name`; 0 for a metric this function does not count.
    pub fn count(&self, name: &str) -> u64 {
        self.counts
            .iter()
            .find(|(counted, _)| *counted == name)
            .map_or(0, |(_, value)| *value)
    }
}

/// The outcome's actions of `operation` with `result`: what a function's counts sum.
pub fn actions<'a>(
    outcome: &'a Outcome,
    operation: Operation,
    result: ActionResult,
) -> impl Iterator<Item = &'a Action> + 'a {
    outcome
        .actions
        .iter()
        .filter(move |action| action.operation == operation && action.result == result)
}

/// How many accounts the actions name (at least one each).
pub fn accounts<'a>(actions: impl Iterator<Item = &'a Action>) -> u64 {
    actions.map(|action| action.account_ids.len().max(1) as u64).sum()
}

struct InvocationRecord<'a> {
    function: &'static str,
    trigger: &'a str,
    status: &'a str,
    counts: &'a [(&'static str, u64)],
    planned_actions: u64,
    reason: &'a str,
}

impl Entry for InvocationRecord<'_> {
    fn write<'a>(&'a self, writer: &mut impl EntryWriter<'a>) {
        writer.value("Function", self.function);
        writer.value("Trigger", self.trigger);
        writer.value("Status", self.status);
        writer.value("EventsReceived", &1_u64);
        for (name, value) in self.counts {
            writer.value(*name, value);
        }
        writer.value("PlannedActions", &self.planned_actions);
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

/// One region's counts of one invocation.
struct RegionRecord<'a> {
    function: &'static str,
    trigger: &'a str,
    region: &'a str,
    counts: &'a [(&'static str, u64)],
}

impl Entry for RegionRecord<'_> {
    fn write<'a>(&'a self, writer: &mut impl EntryWriter<'a>) {
        writer.value("Function", self.function);
        writer.value("Trigger", self.trigger);
        writer.value("Region", self.region);
        for (name, value) in self.counts {
            writer.value(*name, value);
        }
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

/// The EMF lines for one invocation, with what its function counts of it.
pub fn records(outcome: &Outcome, trigger: &str, metrics: &FunctionMetrics) -> Vec<String> {
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
        counts: &metrics.counts,
        planned_actions: outcome
            .actions
            .iter()
            .filter(|action| action.result == ActionResult::Planned)
            .count() as u64,
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
            operation: error.operation.name(),
            code: &error.code,
        };
        if errors.format(&record, &mut line).is_ok() {
            lines.push(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
    }
    let mut regions = Emf::builder(NAMESPACE.to_owned(), dimensions(&[&["Function", "Trigger", "Region"]])).build();
    for (region, counts) in &metrics.by_region {
        let mut line = Vec::new();
        let record = RegionRecord {
            function: outcome.function,
            trigger,
            region,
            counts,
        };
        if regions.format(&record, &mut line).is_ok() {
            lines.push(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
    }
    let mut reports = Emf::builder(NAMESPACE.to_owned(), dimensions(&[&["Function", "Severity"]])).build();
    for severity in &metrics.reports_by_severity {
        let mut line = Vec::new();
        let record = ReportRecord {
            function: outcome.function,
            severity,
        };
        if reports.format(&record, &mut line).is_ok() {
            lines.push(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
    }
    lines
}

/// Writes the records to stdout, where Lambda sends them to CloudWatch Logs.
pub fn emit(outcome: &Outcome, trigger: &str, metrics: &FunctionMetrics) {
    for line in records(outcome, trigger, metrics) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;
    use serde_json::Value;

    fn parse(line: &str) -> Value {
        serde_json::from_str(line).unwrap_or_default()
    }

    #[test]
    fn a_functions_counts_are_written_with_function_trigger_and_status_dimensions() {
        let planned = Action::new(Operation::CreateMembers, ActionResult::Planned);
        let outcome = Outcome::new("enroll-accounts", None, Status::Planned, "dry run").with_actions(vec![planned]);
        let metrics = FunctionMetrics::new(vec![("MembersEnrolled", 2), ("MembersRemoved", 0)]);
        let lines = records(&outcome, "ScheduledEvent", &metrics);
        assert_eq!(lines.len(), 1);
        let record = parse(&lines[0]);
        assert_eq!(record["MembersEnrolled"], 2);
        assert_eq!(record["MembersRemoved"], 0, "zero counts are written too");
        assert_eq!(record["PlannedActions"], 1);
        assert_eq!(record["EventsReceived"], 1);
        assert_eq!(record["Trigger"], "ScheduledEvent");
        assert_eq!(record["Status"], "planned");
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
        let failed = Action::new(Operation::StartInvestigation, ActionResult::Skipped).failed(AwsError::new(
            Operation::StartInvestigation,
            "TooManyRequestsException",
            "slow down",
        ));
        let outcome = Outcome::new("investigate-findings", None, Status::Failed, "x").with_actions(vec![failed]);
        let lines = records(&outcome, "GuardDutyFinding", &FunctionMetrics::default());
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
            AwsError::new(Operation::ListGraphs, "AccessDeniedException", "no"),
        );
        assert_eq!(early.reason, "ListGraphs failed: AccessDeniedException: no");
        assert_eq!(
            parse(&records(&early, "GuardDutyFinding", &FunctionMetrics::default())[1])["ErrorCode"],
            "AccessDeniedException"
        );
    }

    #[test]
    fn each_published_report_is_a_record_by_severity() {
        let outcome = Outcome::new("report-investigations", None, Status::Acted, "x");
        let metrics = FunctionMetrics {
            counts: Vec::new(),
            reports_by_severity: vec!["HIGH".into(), "LOW".into()],
            by_region: Vec::new(),
        };
        let lines = records(&outcome, "SQS.Batch", &metrics);
        let by_severity: Vec<Value> = lines
            .iter()
            .filter(|line| line.contains("ReportsBySeverity"))
            .map(|line| parse(line))
            .collect();
        assert_eq!(by_severity.len(), 2, "{lines:?}");
        assert_eq!(by_severity[0]["Severity"], "HIGH");
        assert_eq!(by_severity[1]["Severity"], "LOW");
    }

    #[test]
    fn region_counts_are_a_record_per_region_with_its_dimensions() {
        let outcome = Outcome::new("enroll-accounts", None, Status::Acted, "x");
        let metrics = FunctionMetrics {
            counts: Vec::new(),
            reports_by_severity: Vec::new(),
            by_region: vec![
                ("us-east-1".into(), vec![("MembersEnabled", 3)]),
                ("eu-west-1".into(), vec![("MembersEnabled", 5)]),
            ],
        };
        let regional: Vec<Value> = records(&outcome, "ScheduledEvent", &metrics)
            .iter()
            .filter(|line| line.contains("\"Region\""))
            .map(|line| parse(line))
            .collect();
        assert_eq!(regional.len(), 2);
        assert_eq!(regional[1]["Region"], "eu-west-1");
        assert_eq!(regional[1]["MembersEnabled"], 5);
        assert_eq!(regional[1]["Trigger"], "ScheduledEvent");
        assert_eq!(
            regional[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["Function", "Trigger", "Region"]])
        );
    }
}
