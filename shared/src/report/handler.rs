//! The function: each message of the batch read, planned and executed on its own. A
//! message not finished (RUNNING) is a batch item failure, so SQS delivers it again; what
//! becomes of one whose reads or writes failed is `follow_up`'s decision (delivered again,
//! sent again with what is delivered, or to the dead-letter queue with why), while the
//! others are done.

use crate::operation::Operation;
use aws_config::SdkConfig;

use super::follow_up::{self, FollowUp};
use super::message::ReportMessage;
use super::plan::{plan_report, Verdict};
use super::writes::{ReportPorts, ReportWrite};
use super::{ReportConfig, AWS_ACTIONS, VARIABLES};
use crate::aws::{
    AwsError, Indicator, InvestigationDetails, InvestigationResultPort, ReportQueuePort, ReportSinkPort, ReportSinks,
    SdkDetective, SdkSqs,
};
use crate::config::{ConfigError, Env};
use crate::domain::InvestigationStatus;
use crate::event::{EventError, SqsRecord, Trigger};
use crate::execute::{execute, Plan};
use crate::function::{Function, Handler, Invocation};
use crate::metrics::FunctionMetrics;
use crate::outcome::{Action, ActionResult, Failure, Outcome, Status};

pub const FUNCTION: &str = "report-investigations";

pub struct ReportInvestigations<D = SdkDetective, S = ReportSinks, Q = SdkSqs> {
    pub detective: D,
    pub sinks: S,
    /// The report queue (a message sent again) and its dead-letter queue.
    pub queue: Q,
    pub config: ReportConfig,
    /// The function's own region (its SDK's): Security Hub is called here, and another
    /// region's investigation is not this function's.
    pub region: Option<String>,
}

/// How one message ended.
struct Handled {
    actions: Vec<Action>,
    /// Deliver it again.
    retry: bool,
    summary: String,
}

impl<D, S, Q> Handler for ReportInvestigations<D, S, Q>
where
    D: InvestigationResultPort,
    S: ReportSinkPort,
    Q: ReportQueuePort,
{
    const NAME: &'static str = FUNCTION;
    const NOT_TAKEN: &'static str = "is not a batch of report messages (SQS)";

    fn takes(trigger: &Trigger) -> bool {
        matches!(trigger, Trigger::SqsBatch(_))
    }

    fn metrics(outcome: &Outcome) -> FunctionMetrics {
        super::metrics::counted(outcome)
    }

    /// A batch is answered per message (`batchItemFailures`), never by failing the
    /// invocation, which would deliver every message of it again.
    fn answered(outcome: &Outcome) -> bool {
        outcome.response.contains_key(BATCH_ITEM_FAILURES)
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
        for (index, record) in batch.records.iter().enumerate() {
            // Past the deadline nothing more is started: the rest go back to the queue as
            // batch item failures (delivered again, not lost), before Lambda cuts the batch
            // off and every message in it, reported or not, is delivered again.
            if invocation
                .deadline
                .is_some_and(|deadline| invocation.clock.now() >= deadline)
            {
                let unstarted = batch.records.iter().skip(index);
                failures.extend(unstarted.map(|record| record.message_id.clone()));
                summaries.push(format!(
                    "{} message(s) not started before the deadline: delivered again",
                    batch.records.len().saturating_sub(index)
                ));
                break;
            }
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
        outcome
            .response
            .insert(BATCH_ITEM_FAILURES.to_owned(), batch_item_failures(&failures));
        outcome
    }
}

/// The partial batch response's key, as Lambda reads it from the response.
const BATCH_ITEM_FAILURES: &str = "batchItemFailures";

/// `[{"itemIdentifier": "<message id>"}]`, as `aws_lambda_events`' SqsBatchResponse has it.
fn batch_item_failures(ids: &[String]) -> serde_json::Value {
    use aws_lambda_events::event::sqs::BatchItemFailure;
    let failures: Vec<BatchItemFailure> = ids
        .iter()
        .map(|id| BatchItemFailure {
            item_identifier: id.clone(),
        })
        .collect();
    serde_json::to_value(failures).unwrap_or_default()
}

/// The messages an outcome of report-investigations gives back to be delivered again.
pub fn redelivered(outcome: &Outcome) -> Vec<String> {
    outcome
        .response
        .get(BATCH_ITEM_FAILURES)
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|failure| failure.get("itemIdentifier").and_then(serde_json::Value::as_str))
        .map(str::to_owned)
        .collect()
}

impl<D, S, Q> ReportInvestigations<D, S, Q>
where
    D: InvestigationResultPort,
    S: ReportSinkPort,
    Q: ReportQueuePort,
{
    async fn report(&self, invocation: &Invocation<'_>, record: &SqsRecord, account: Option<&str>) -> Handled {
        let receives = record.receive_count.unwrap_or(1);
        let queues = &self.config.queues;
        let (message, graph) = match ReportMessage::parse(&record.body) {
            Ok(parsed) => parsed,
            Err(why) => {
                let mut action = Action::new(Operation::PutEvents, ActionResult::Failed);
                action.notes = vec![format!("message {}", record.message_id)];
                let error = EventError::InvalidField {
                    field: format!("Records[messageId={}].body", record.message_id),
                    expected: "a report message (version, graph_arn, investigation_id, entity_arn, region, finding)",
                    found: why.clone(),
                };
                let follow = follow_up::never(&record.body, None, format!("not a report request: {why}"), queues);
                return self
                    .follow(invocation, vec![action.failed(Failure::Event(error))], follow)
                    .await;
            }
        };
        // Another region's investigation can never be read here (this region's IAM).
        if let Some(own) = self.region.as_deref().filter(|own| *own != message.region) {
            let action = message.action(Operation::GetInvestigation, ActionResult::Skipped);
            let reason = format!(
                "an investigation of {}: report-investigations of {own} reports this region's only",
                message.region
            );
            let follow = follow_up::never(&record.body, Some(&message), reason, queues);
            return self.follow(invocation, vec![action], follow).await;
        }
        let (details, indicators) = match self.read_investigation(&message).await {
            Ok(read) => read,
            Err(error) => return self.failed_read(invocation, &message, receives, error).await,
        };
        let region = self.region.clone().unwrap_or_else(|| message.region.clone());
        match plan_report(
            &self.config,
            &message,
            &graph,
            (account, &region),
            &details,
            &indicators,
        ) {
            Verdict::NotYet(reason) => {
                let action = message.action(Operation::PutEvents, ActionResult::Skipped);
                let summary = reason.to_string();
                crate::telemetry::log_action(FUNCTION, &action);
                Handled {
                    actions: vec![action.with_reason(reason)],
                    retry: true,
                    summary,
                }
            }
            Verdict::Report(report, plan) => {
                let actions = execute(plan, &self.ports(), &invocation.policy(FUNCTION, self.config.dry_run)).await;
                let follow = follow_up::after_writes(&message, receives, &actions, queues);
                let mut handled = self.follow(invocation, actions, follow).await;
                handled.summary = format!("{}: {}", report.headline(), handled.summary);
                handled
            }
        }
    }

    fn ports(&self) -> ReportPorts<'_, D, S, Q> {
        ReportPorts {
            detective: &self.detective,
            sinks: &self.sinks,
            queue: &self.queue,
        }
    }

    /// GetInvestigation, and its indicators once it is SUCCESSFUL.
    async fn read_investigation(
        &self,
        message: &ReportMessage,
    ) -> Result<(InvestigationDetails, Vec<Indicator>), AwsError> {
        let (region, graph, id) = (&message.region, &message.graph_arn, &message.investigation_id);
        let details = self.detective.get_investigation(region, graph, id).await?;
        let indicators = if details.status == InvestigationStatus::Successful {
            self.detective.list_indicators(region, graph, id).await?
        } else {
            Vec::new()
        };
        Ok((details, indicators))
    }

    async fn failed_read(
        &self,
        invocation: &Invocation<'_>,
        message: &ReportMessage,
        receives: u32,
        error: AwsError,
    ) -> Handled {
        let operation = error.operation;
        let failure = Failure::Aws(error);
        let follow = follow_up::after_failed_read(message, receives, &failure, &self.config.queues);
        let action = message.action(operation, ActionResult::Failed).failed(failure);
        self.follow(invocation, vec![action], follow).await
    }

    /// Makes the follow-up's write (the message sent again, or to the dead-letter queue);
    /// when that fails, SQS delivers the message itself again.
    async fn follow(&self, invocation: &Invocation<'_>, mut actions: Vec<Action>, follow: FollowUp) -> Handled {
        let (write, summary) = match follow {
            FollowUp::Done => {
                return Handled {
                    actions,
                    retry: false,
                    summary: "reported".to_owned(),
                }
            }
            FollowUp::Again(why) => {
                return Handled {
                    actions,
                    retry: true,
                    summary: format!("delivered again by SQS: {why}"),
                }
            }
            FollowUp::SendAgain { queue_url, message } => {
                let summary = format!("sent again to the report queue with {:?} delivered", message.delivered);
                (ReportWrite::SendAgain { queue_url, message }, summary)
            }
            FollowUp::DeadLetter {
                queue_url,
                body,
                reason,
                about,
            } => {
                let summary = format!("to the dead-letter queue: {reason}");
                let write = ReportWrite::DeadLetter {
                    queue_url,
                    body,
                    reason,
                    about,
                };
                (write, summary)
            }
        };
        let mut plan = Plan::default();
        plan.write(write);
        let sent = execute(plan, &self.ports(), &invocation.policy(FUNCTION, self.config.dry_run)).await;
        let retry = sent.iter().any(|action| action.result == ActionResult::Failed);
        actions.extend(sent);
        Handled {
            actions,
            retry,
            summary: if retry {
                format!("{summary} failed: delivered again by SQS")
            } else {
                summary
            },
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
            queue: SdkSqs::new(sdk),
            config,
            region: sdk.region().map(ToString::to_string),
        }
    }
}
