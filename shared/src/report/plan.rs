//! What to do with one finished investigation, decided purely from what was read.

use super::asff::finding;
use super::message::{ReportMessage, Sink};
use super::reason::Reason;
use super::summary::{summarize, Report};
use super::writes::ReportWrite;
use super::{ReportConfig, DETAIL_COMPLETED, DETAIL_FAILED};
use crate::aws::arn::GraphArn;
use crate::aws::{Indicator, InvestigationDetails};
use crate::domain::{InvestigationState, InvestigationStatus};
use crate::execute::Plan;
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult};

/// What a message comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Not finished: deliver the message again later.
    NotYet(Reason),
    /// Finished: the report and the writes that deliver it.
    Report(Box<Report>, Plan<ReportWrite>),
}

fn skipped(operation: Operation, message: &ReportMessage, reason: Reason) -> Action {
    message.action(operation, ActionResult::Skipped).with_reason(reason)
}

/// A sink the message says is delivered already: left alone, said so.
fn delivered(plan: &mut Plan<ReportWrite>, message: &ReportMessage, sink: Sink, operation: Operation) -> bool {
    if message.delivered.contains(&sink) {
        plan.decided(skipped(operation, message, Reason::AlreadyDelivered));
        return true;
    }
    false
}

/// `account` and `region`: where the function runs (Security Hub's default product is its
/// own, in the region of the call).
pub fn plan_report(
    config: &ReportConfig,
    message: &ReportMessage,
    graph: &GraphArn,
    (account, region): (Option<&str>, &str),
    details: &InvestigationDetails,
    indicators: &[Indicator],
) -> Verdict {
    let detail_type = match &details.status {
        InvestigationStatus::Successful => DETAIL_COMPLETED,
        InvestigationStatus::Failed => DETAIL_FAILED,
        status => return Verdict::NotYet(Reason::StillRunning(status.to_string())),
    };
    let report = summarize(message, &graph.partition, details, indicators);
    let mut plan = Plan::default();
    if !delivered(&mut plan, message, Sink::EventBridge, Operation::PutEvents) {
        plan.write(ReportWrite::Publish {
            severity: report.severity.clone(),
            region: message.region.clone(),
            graph_arn: message.graph_arn.clone(),
            investigation_id: message.investigation_id.clone(),
            bus: config.bus.clone(),
            detail_type,
            detail: serde_json::to_string(&report).unwrap_or_default(),
            resources: vec![message.graph_arn.clone(), report.entity_arn.clone()],
        });
    }
    if details.status != InvestigationStatus::Successful {
        return Verdict::Report(Box::new(report), plan);
    }
    if config.security_hub && !delivered(&mut plan, message, Sink::SecurityHub, Operation::BatchImportFindings) {
        match account {
            Some(account) => plan.write(ReportWrite::Import {
                investigation_id: message.investigation_id.clone(),
                graph_arn: message.graph_arn.clone(),
                finding: Box::new(finding(&report, account, &graph.partition, region)),
            }),
            None => {
                let mut action = skipped(Operation::BatchImportFindings, message, Reason::NoAccountForSecurityHub);
                action.result = ActionResult::Failed;
                plan.decided(action);
            }
        }
    }
    if let (Some(threshold), Some(severity)) = (&config.archive_at_or_below, &details.severity) {
        let found = format!(
            "{} in {}",
            details.entity_arn.as_deref().unwrap_or("an unnamed entity"),
            details.graph_arn
        );
        let expected = format!("{} in {}", message.entity_arn, message.graph_arn);
        if severity.rank() <= threshold.rank() && found != expected {
            let reason = Reason::NotTheMessagesInvestigation { found, expected };
            plan.decided(skipped(Operation::UpdateInvestigationState, message, reason));
        } else if severity.rank() <= threshold.rank() {
            let reason = Reason::ArchivedAsNoise {
                severity: severity.to_string(),
                threshold: threshold.to_string(),
            };
            if details.state == Some(InvestigationState::Archived) {
                plan.decided(skipped(
                    Operation::UpdateInvestigationState,
                    message,
                    Reason::AlreadyArchived,
                ));
            } else if !delivered(&mut plan, message, Sink::Archive, Operation::UpdateInvestigationState) {
                plan.write(ReportWrite::Archive {
                    region: message.region.clone(),
                    graph_arn: message.graph_arn.clone(),
                    investigation_id: message.investigation_id.clone(),
                    reason,
                });
            }
        }
    }
    Verdict::Report(Box::new(report), plan)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::{InvestigationSeverity, InvestigationState};
    use crate::execute::Step;
    use crate::report::fixtures::{self, GRAPH};
    use crate::report::message::OriginatingFinding;

    /// The shared request, about a role (the Security Hub resource is then an AwsIamRole).
    fn message() -> ReportMessage {
        ReportMessage {
            entity_arn: "arn:aws:iam::222222222222:role/deployer".to_owned(),
            finding: OriginatingFinding {
                id: "f1".to_owned(),
                finding_type: "Discovery:IAMUser/AnomalousBehavior".to_owned(),
                severity: 8.0,
            },
            ..fixtures::message()
        }
    }

    fn details(
        status: InvestigationStatus,
        severity: InvestigationSeverity,
        state: InvestigationState,
    ) -> InvestigationDetails {
        InvestigationDetails {
            investigation_id: "000000000000000000001".to_owned(),
            graph_arn: GRAPH.to_owned(),
            entity_arn: Some("arn:aws:iam::222222222222:role/deployer".to_owned()),
            entity_type: Some("IAM_ROLE".to_owned()),
            status,
            severity: Some(severity),
            state: Some(state),
            created_time: DateTime::from_timestamp(1_795_000_000, 0),
            scope_start: None,
            scope_end: None,
        }
    }

    fn config(security_hub: bool, archive: Option<InvestigationSeverity>) -> ReportConfig {
        ReportConfig {
            bus: "security".to_owned(),
            security_hub,
            archive_at_or_below: archive,
            queues: Default::default(),
            dry_run: false,
        }
    }

    /// Each step as `operation result`.
    fn steps(verdict: &Verdict) -> Vec<String> {
        let Verdict::Report(_, plan) = verdict else {
            return vec![format!("{verdict:?}")];
        };
        plan.steps
            .iter()
            .map(|step| match step {
                Step::Write(ReportWrite::Publish { detail_type, bus, .. }) => {
                    format!("PutEvents {detail_type} on {bus}")
                }
                Step::Write(ReportWrite::Import { finding, .. }) => {
                    format!("BatchImportFindings {}", finding.severity_label)
                }
                Step::Write(ReportWrite::Archive { reason, .. }) => {
                    format!("UpdateInvestigationState ARCHIVED ({reason})")
                }
                Step::Write(ReportWrite::SendAgain { .. } | ReportWrite::DeadLetter { .. }) => {
                    Operation::SendMessage.to_string()
                }
                Step::Decided(action) => format!(
                    "{} {:?} ({})",
                    action.operation,
                    action.result,
                    action.reason_text().unwrap_or_default()
                ),
            })
            .collect()
    }

    fn verdict(config: &ReportConfig, details: &InvestigationDetails) -> Verdict {
        let graph = GraphArn::parse(GRAPH).unwrap();
        plan_report(
            config,
            &message(),
            &graph,
            (Some("111111111111"), "us-east-1"),
            details,
            &[],
        )
    }

    #[test]
    fn running_is_not_reported_yet() {
        use InvestigationSeverity::*;
        let running = details(InvestigationStatus::Running, Informational, InvestigationState::Active);
        assert_eq!(
            verdict(&config(true, Some(Low)), &running),
            Verdict::NotYet(Reason::StillRunning("RUNNING".to_owned()))
        );
    }

    #[test]
    fn what_each_verdict_and_setting_comes_to() {
        use InvestigationSeverity::*;
        use InvestigationState::*;
        use InvestigationStatus::*;
        let cases: Vec<(ReportConfig, InvestigationDetails, Vec<&str>)> = vec![
            (
                config(false, None),
                details(Successful, High, Active),
                vec!["PutEvents Detective Investigation Completed on security"],
            ),
            (
                config(true, None),
                details(Successful, High, Active),
                vec![
                    "PutEvents Detective Investigation Completed on security",
                    "BatchImportFindings HIGH",
                ],
            ),
            (
                config(false, Some(Low)),
                details(Successful, Low, Active),
                vec![
                    "PutEvents Detective Investigation Completed on security",
                    "UpdateInvestigationState ARCHIVED (severity LOW is at or below ARCHIVE_AT_OR_BELOW=LOW)",
                ],
            ),
            (
                config(false, Some(Low)),
                details(Successful, Medium, Active),
                vec!["PutEvents Detective Investigation Completed on security"],
            ),
            (
                config(false, Some(Low)),
                details(Successful, Informational, Archived),
                vec![
                    "PutEvents Detective Investigation Completed on security",
                    "UpdateInvestigationState Skipped (already ARCHIVED)",
                ],
            ),
            (
                config(true, Some(Critical)),
                details(Failed, Informational, Active),
                vec!["PutEvents Detective Investigation Failed on security"],
            ),
        ];
        for (config, details, expected) in cases {
            assert_eq!(steps(&verdict(&config, &details)), expected, "{config:?} {details:?}");
        }
    }

    #[test]
    fn a_sink_the_message_says_is_delivered_is_left_alone() {
        use InvestigationSeverity::*;
        let mut again = message();
        again.delivered = vec![Sink::EventBridge];
        let graph = GraphArn::parse(GRAPH).unwrap();
        let done = details(InvestigationStatus::Successful, Low, InvestigationState::Active);
        let verdict = plan_report(
            &config(true, Some(Low)),
            &again,
            &graph,
            (Some("111111111111"), "us-east-1"),
            &done,
            &[],
        );
        assert_eq!(
            steps(&verdict),
            vec![
                "PutEvents Skipped (delivered already (the message was sent again after a later write failed))",
                "BatchImportFindings LOW",
                "UpdateInvestigationState ARCHIVED (severity LOW is at or below ARCHIVE_AT_OR_BELOW=LOW)",
            ]
        );
    }

    #[test]
    fn the_finding_is_imported_in_the_region_of_the_call_and_cut_to_asffs_limits() {
        use InvestigationSeverity::*;
        let mut long = message();
        long.entity_arn = format!(
            "arn:aws:iam::222222222222:role/{}deployer",
            "platform-engineering-team/".repeat(20)
        );
        let graph = GraphArn::parse(GRAPH).unwrap();
        let mut done = details(InvestigationStatus::Successful, High, InvestigationState::Active);
        done.entity_arn = Some(long.entity_arn.clone());
        let Verdict::Report(_, plan) = plan_report(
            &config(true, None),
            &long,
            &graph,
            (Some("111111111111"), "eu-west-1"),
            &done,
            &[],
        ) else {
            panic!("a report")
        };
        let Some(Step::Write(ReportWrite::Import { finding, .. })) = plan.steps.get(1) else {
            panic!("an import")
        };
        assert_eq!(
            finding.product_arn,
            "arn:aws:securityhub:eu-west-1:111111111111:product/111111111111/default"
        );
        assert_eq!(finding.region, "eu-west-1");
        assert_eq!(finding.title.chars().count(), 256);
        assert!(finding.title.ends_with("..."), "{}", finding.title);
        assert_eq!(finding.resource_id, long.entity_arn, "the resource keeps the whole ARN");
    }

    #[test]
    fn the_security_hub_finding_is_stable_per_investigation() {
        use InvestigationSeverity::*;
        let done = details(InvestigationStatus::Successful, High, InvestigationState::Active);
        let Verdict::Report(_, plan) = verdict(&config(true, None), &done) else {
            panic!("a report")
        };
        let Some(Step::Write(ReportWrite::Import { finding, .. })) = plan.steps.get(1) else {
            panic!("an import")
        };
        assert_eq!(finding.id, format!("{GRAPH}/investigation/000000000000000000001"));
        assert_eq!(
            finding.product_arn,
            "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default"
        );
        assert_eq!(finding.created_at, finding.updated_at, "so a re-import changes nothing");
        assert_eq!(finding.resource_type, "AwsIamRole");
        assert_eq!(finding.resource_id, "arn:aws:iam::222222222222:role/deployer");
    }
}
