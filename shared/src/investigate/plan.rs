//! Pure: from what was read of one principal (its membership, its ARN, the investigation
//! already under way), what to write; and from the actions, what the outcome says.

use chrono::{DateTime, TimeDelta, Utc};

use super::reason::Reason;
use super::scope::Scope;
use super::write::{investigation_action, InvestigateWrite, ReportRequest, StartInvestigation};
use crate::aws::arn::GraphArn;
use crate::aws::{InvestigationSummary, MembersLookup};
use crate::domain::{AccountId, MemberStatus};
use crate::execute::Plan;
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult, Failure, Status};

/// A de-duplicated investigation this recent gets its report request again: Lambda retries
/// a failed event after about one and three minutes, so a retry after a failed SendMessage
/// never loses the report, while later duplicate findings do not ask for it again (and
/// report-investigations reports an investigation once per batch).
pub const REPORT_RESEND_SECONDS: i64 = 600;

/// The principal's ARN, and what had to be assumed to write it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedArn {
    pub arn: String,
    pub notes: Vec<String>,
}

/// What was read of one principal once its membership let it through.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub region: String,
    pub resolved: ResolvedArn,
    /// The graph, and the ACTIVE investigation of the principal within the window, if any;
    /// or why the graph could not be asked.
    pub found: Result<(GraphArn, Option<InvestigationSummary>), Failure>,
}

/// What the finding asks for, whatever was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    /// Best first; at least one.
    pub scopes: Vec<Scope>,
    pub report: Option<ReportRequest>,
    pub window_hours: u32,
    pub now: DateTime<Utc>,
}

/// Why Detective cannot investigate a principal of `account`, from its GetMembers (only an
/// ENABLED member can be investigated, or the administrator itself).
pub fn not_enabled(graph: &GraphArn, account: &AccountId, lookup: &MembersLookup) -> Option<Failure> {
    match lookup.members.iter().find(|member| *account == member.account_id) {
        Some(member) if member.status == MemberStatus::Enabled => None,
        Some(member) => Some(Failure::NotEnabled {
            account: account.clone(),
            graph: graph.arn.clone(),
            state: member.state(),
        }),
        None => Some(Failure::NotInGraph {
            account: account.clone(),
            graph: graph.arn.clone(),
        }),
    }
}

/// Start it; or, already under way, leave it (and, started so recently that its report
/// request may be what failed, send that again); or, no graph to ask, fail naming the region.
pub fn plan_one(seen: &Seen, intent: &Intent) -> Plan<InvestigateWrite> {
    let mut plan = Plan::default();
    let (graph, existing) = match &seen.found {
        Ok(found) => found,
        Err(failure) => {
            let (region, arn) = (&seen.region, &seen.resolved.arn);
            let scope = intent.scopes.first();
            let action = investigation_action(ActionResult::Failed, region, None, arn, scope, &seen.resolved.notes);
            plan.decided(action.failed(failure.clone()));
            return plan;
        }
    };
    let start = StartInvestigation {
        graph: graph.clone(),
        entity_arn: seen.resolved.arn.clone(),
        scopes: intent.scopes.clone(),
        notes: seen.resolved.notes.clone(),
        report: intent.report.clone(),
    };
    let Some(existing) = existing else {
        plan.write(InvestigateWrite::Start(start));
        return plan;
    };
    let id = &existing.investigation_id;
    let mut left = start.intended_action().with_reason(Reason::AlreadyInvestigating {
        investigation_id: id.clone(),
        entity_arn: seen.resolved.arn.clone(),
        window_hours: intent.window_hours,
    });
    left.result = ActionResult::Skipped;
    left.investigation_id = Some(id.clone());
    plan.decided(left);
    let recent = existing.created_time.is_some_and(|created| {
        intent
            .now
            .signed_duration_since(created)
            .le(&TimeDelta::seconds(REPORT_RESEND_SECONDS))
    });
    if let Some(resend) = start.report_for(Some(id.clone())).filter(|_| recent) {
        plan.write(InvestigateWrite::Resend(resend));
    }
    plan
}

/// The outcome's status and reason from the actions: the investigation's (started, planned,
/// left as a duplicate, failed) and its report request's.
pub fn summarized(actions: &[Action]) -> (Status, String) {
    let Some(investigation) = actions.first() else {
        return (Status::Failed, "the plan made no action".to_owned());
    };
    let sent = actions
        .iter()
        .skip(1)
        .find(|action| action.operation == Operation::SendMessage);
    if let Some(duplicate @ Reason::AlreadyInvestigating { .. }) = investigation.reason_of() {
        return match sent {
            None => (Status::Ignored, with_notes(duplicate.to_string(), investigation)),
            Some(sent) if sent.result == ActionResult::Failed => {
                (Status::Failed, sent.error_text().unwrap_or_default())
            }
            Some(_) => (Status::Ignored, format!("{duplicate}; its report request sent again")),
        };
    }
    let (status, reason) = match investigation.result {
        ActionResult::Done => (
            Status::Acted,
            format!(
                "started investigation {} of {}",
                investigation.investigation_id.as_deref().unwrap_or_default(),
                investigation.entity_arn.as_deref().unwrap_or_default()
            ),
        ),
        ActionResult::Planned => (
            Status::Planned,
            format!(
                "dry run: would investigate {}",
                investigation.entity_arn.as_deref().unwrap_or_default()
            ),
        ),
        ActionResult::Skipped | ActionResult::Failed => (
            Status::Failed,
            investigation
                .error_text()
                .or_else(|| investigation.reason_text())
                .unwrap_or_default(),
        ),
    };
    // The report request's failure fails the invocation too (Lambda retries it).
    let (status, reason) = match sent.filter(|sent| sent.result == ActionResult::Failed) {
        Some(failed) => (
            Status::Failed,
            format!(
                "{reason}; its report request failed: {}",
                failed.error_text().unwrap_or_default()
            ),
        ),
        None => (status, reason),
    };
    (status, with_notes(reason, investigation))
}

/// What had to be assumed or given up is part of the decision's reason too.
fn with_notes(reason: String, action: &Action) -> String {
    if action.notes.is_empty() {
        reason
    } else {
        format!("{reason} ({})", action.notes.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::Step;
    use crate::report::OriginatingFinding;

    const ROLE: &str = "arn:aws:iam::222222222222:role/app";

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::days(20_000) + TimeDelta::minutes(minutes)
    }

    fn graph() -> GraphArn {
        GraphArn::parse("arn:aws:detective:us-east-1:111111111111:graph:027c7c4610ea4aacaf0b883093cab899").unwrap()
    }

    fn intent(report: bool) -> Intent {
        Intent {
            scopes: vec![Scope {
                start: at(-180),
                end: at(0),
                note: None,
            }],
            report: report.then(|| ReportRequest {
                queue_url: "https://sqs.us-east-1.amazonaws.com/111111111111/reports".into(),
                delay_seconds: 900,
                finding: OriginatingFinding {
                    id: "f1".into(),
                    finding_type: "Recon:IAMUser/MaliciousIPCaller".into(),
                    severity: 8.0,
                },
            }),
            window_hours: 24,
            now: at(0),
        }
    }

    fn seen(found: Result<Option<i64>, Failure>) -> Seen {
        Seen {
            region: "us-east-1".into(),
            resolved: ResolvedArn {
                arn: ROLE.into(),
                notes: Vec::new(),
            },
            found: found.map(|created_minutes_ago| {
                let existing = created_minutes_ago.map(|ago| InvestigationSummary {
                    investigation_id: "000000000000000000001".into(),
                    entity_arn: Some(ROLE.into()),
                    state: None,
                    status: None,
                    created_time: Some(at(-ago)),
                });
                (graph(), existing)
            }),
        }
    }

    /// The plan in words: each write by its kind, each decision by its result.
    fn planned(seen: &Seen, intent: &Intent) -> Vec<String> {
        plan_one(seen, intent)
            .steps
            .iter()
            .map(|step| match step {
                Step::Write(InvestigateWrite::Start(start)) => format!("start {}", start.entity_arn),
                Step::Write(InvestigateWrite::Resend(send)) => {
                    format!("resend {}", send.investigation_id.as_deref().unwrap_or_default())
                }
                Step::Decided(action) => format!("{:?} {}", action.result, action.operation),
            })
            .collect()
    }

    #[test]
    fn none_under_way_starts_one_and_one_under_way_is_left() {
        assert_eq!(planned(&seen(Ok(None)), &intent(true)), vec![format!("start {ROLE}")]);
        // An hour old: its report was requested then; not again.
        assert_eq!(
            planned(&seen(Ok(Some(60))), &intent(true)),
            vec!["Skipped StartInvestigation"]
        );
    }

    #[test]
    fn a_duplicate_started_minutes_ago_has_its_report_requested_again_when_reports_are_on() {
        assert_eq!(
            planned(&seen(Ok(Some(3))), &intent(true)),
            vec!["Skipped StartInvestigation", "resend 000000000000000000001"]
        );
        assert_eq!(
            planned(&seen(Ok(Some(3))), &intent(false)),
            vec!["Skipped StartInvestigation"]
        );
    }

    #[test]
    fn a_graph_that_cannot_be_asked_fails_without_a_write() {
        let failure = Failure::DeadlineReached;
        assert_eq!(
            planned(&seen(Err(failure)), &intent(true)),
            vec!["Failed StartInvestigation"]
        );
    }

    #[test]
    fn the_outcome_says_what_became_of_the_investigation_and_its_report() {
        let mut started = investigation_action(ActionResult::Done, "us-east-1", None, ROLE, None, &[]);
        started.investigation_id = Some("000000000000000000002".into());
        assert_eq!(
            summarized(std::slice::from_ref(&started)),
            (
                Status::Acted,
                format!("started investigation 000000000000000000002 of {ROLE}")
            )
        );
        let mut send = Action::new(Operation::SendMessage, ActionResult::Failed).failed(Failure::DeadlineReached);
        let (status, reason) = summarized(&[started.clone(), send.clone()]);
        assert_eq!(status, Status::Failed);
        assert!(reason.contains("; its report request failed: "), "{reason}");
        let plan = plan_one(&seen(Ok(Some(3))), &intent(true));
        let Some(Step::Decided(left)) = plan.steps.first() else {
            panic!("a decision first")
        };
        let left = left.as_ref().clone();
        let (status, reason) = summarized(std::slice::from_ref(&left));
        assert_eq!(status, Status::Ignored);
        assert!(
            reason.starts_with("investigation 000000000000000000001 of "),
            "{reason}"
        );
        send.result = ActionResult::Done;
        send.error = None;
        let (status, reason) = summarized(&[left, send]);
        assert_eq!(status, Status::Ignored);
        assert!(reason.ends_with("; its report request sent again"), "{reason}");
        assert_eq!(summarized(&[]).0, Status::Failed);
    }
}
