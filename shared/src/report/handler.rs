//! The function: each message of the batch read, planned and executed on its own; a
//! message not finished (RUNNING), unreadable or whose writes failed is a batch item
//! failure, so SQS delivers it again (and, after maxReceiveCount, to the dead-letter queue),
//! while the others are done.

use aws_config::SdkConfig;

use super::message::ReportMessage;
use super::plan::{plan_report, Verdict};
use super::writes::ReportPorts;
use super::{ReportConfig, AWS_ACTIONS, VARIABLES};
use crate::aws::{InvestigationResultPort, ReportSinkPort, ReportSinks, SdkDetective};
use crate::config::{ConfigError, Env};
use crate::domain::InvestigationStatus;
use crate::event::{EventError, SqsRecord, Trigger};
use crate::execute::execute;
use crate::function::{Function, Handler, Invocation};
use crate::outcome::{Action, ActionResult, Failure, Outcome, Status};

pub const FUNCTION: &str = "report-investigations";

pub struct ReportInvestigations<D = SdkDetective, S = ReportSinks> {
    pub detective: D,
    pub sinks: S,
    pub config: ReportConfig,
}

/// How one message ended.
struct Handled {
    actions: Vec<Action>,
    /// Deliver it again.
    retry: bool,
    summary: String,
}

impl<D, S> Handler for ReportInvestigations<D, S>
where
    D: InvestigationResultPort,
    S: ReportSinkPort,
{
    const NAME: &'static str = FUNCTION;
    const NOT_TAKEN: &'static str = "is not a batch of report messages (SQS)";

    fn takes(trigger: &Trigger) -> bool {
        matches!(trigger, Trigger::SqsBatch(_))
    }

    async fn handle(&self, invocation: &Invocation<'_>) -> Outcome {
        let id = invocation.event_id();
        let Trigger::SqsBatch(batch) = invocation.trigger else {
            return Outcome::new(FUNCTION, id, Status::Ignored, Self::NOT_TAKEN);
        };
        let account = invocation.envelope.account.clone();
        let mut actions = Vec::new();
        let mut failures = Vec::new();
        let mut summaries = Vec::new();
        let mut reported: Vec<String> = Vec::new();
        for record in &batch.records {
            // The same investigation twice in a batch (a request sent again on a retry):
            // one report.
            let key = ReportMessage::parse(&record.body)
                .ok()
                .map(|(message, _)| crate::report::report_id(&message.graph_arn, &message.investigation_id));
            if let Some(key) = key.as_ref().filter(|key| reported.contains(key)) {
                summaries.push(format!(
                    "message {}: {key} already reported in this batch",
                    record.message_id
                ));
                continue;
            }
            let handled = self.report(invocation, record, account.as_deref()).await;
            if !handled.retry {
                reported.extend(key);
            }
            if handled.retry {
                failures.push(record.message_id.clone());
            }
            summaries.push(format!("message {}: {}", record.message_id, handled.summary));
            actions.extend(handled.actions);
        }
        let status = Status::combined(actions.iter().map(|action| action.result.into()));
        let reason = format!(
            "{} message(s), {} to deliver again; {}",
            batch.records.len(),
            failures.len(),
            summaries.join("; ")
        );
        let mut outcome = Outcome::new(FUNCTION, id, status, reason).with_actions(actions);
        outcome.batch_item_failures = Some(failures);
        outcome
    }
}

impl<D, S> ReportInvestigations<D, S>
where
    D: InvestigationResultPort,
    S: ReportSinkPort,
{
    async fn report(&self, invocation: &Invocation<'_>, record: &SqsRecord, account: Option<&str>) -> Handled {
        let unreadable = |why: String| {
            let mut action = Action::new("PutEvents", ActionResult::Failed);
            action.notes = vec![format!("message {}", record.message_id)];
            let error = EventError::InvalidField {
                field: format!("Records[messageId={}].body", record.message_id),
                expected: "a report message (version, graph_arn, investigation_id, entity_arn, region, finding)",
                found: why.clone(),
            };
            Handled {
                actions: vec![action.failed(Failure::Event(error))],
                retry: true,
                summary: format!("unreadable, to the dead-letter queue after its retries: {why}"),
            }
        };
        let (message, graph) = match ReportMessage::parse(&record.body) {
            Ok(parsed) => parsed,
            Err(why) => return unreadable(why),
        };
        let failed_read = |operation: &'static str, error: crate::aws::AwsError| {
            let action = message.action(operation, ActionResult::Failed);
            let summary = error.to_string();
            Handled {
                actions: vec![action.failed(error)],
                retry: true,
                summary,
            }
        };
        let details = match self
            .detective
            .get_investigation(&message.region, &message.graph_arn, &message.investigation_id)
            .await
        {
            Ok(details) => details,
            Err(error) => return failed_read("GetInvestigation", error),
        };
        let indicators = if details.status == InvestigationStatus::Successful {
            match self
                .detective
                .list_indicators(&message.region, &message.graph_arn, &message.investigation_id)
                .await
            {
                Ok(indicators) => indicators,
                Err(error) => return failed_read("ListIndicators", error),
            }
        } else {
            Vec::new()
        };
        match plan_report(&self.config, &message, &graph, account, &details, &indicators) {
            Verdict::NotYet(reason) => {
                let action = message.action("PutEvents", ActionResult::Skipped);
                let summary = reason.to_string();
                crate::telemetry::log_action(FUNCTION, &action);
                Handled {
                    actions: vec![action.with_reason(reason)],
                    retry: true,
                    summary,
                }
            }
            Verdict::Report(report, plan) => {
                let ports = ReportPorts {
                    detective: &self.detective,
                    sinks: &self.sinks,
                };
                let policy = invocation.policy(FUNCTION, self.config.dry_run);
                let actions = execute(plan, &ports, &policy).await;
                let failed = actions.iter().any(|action| action.result == ActionResult::Failed);
                Handled {
                    retry: failed,
                    summary: if failed {
                        format!("{} (a write failed: delivered again)", report.headline())
                    } else {
                        report.headline()
                    },
                    actions,
                }
            }
        }
    }
}

impl Function for ReportInvestigations {
    const AWS_ACTIONS: &'static [&'static str] = AWS_ACTIONS;
    const VARIABLES: &'static [(&'static str, &'static str)] = VARIABLES;
    type Config = ReportConfig;

    fn config(env: &dyn Env) -> Result<ReportConfig, ConfigError> {
        ReportConfig::from_env(env)
    }

    fn force_dry_run(config: &mut ReportConfig) {
        config.dry_run = true;
    }

    fn build(config: ReportConfig, sdk: &SdkConfig) -> Self {
        Self {
            detective: SdkDetective::new(sdk),
            sinks: ReportSinks::new(sdk),
            config,
        }
    }
}
