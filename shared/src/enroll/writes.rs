//! The writes, each turned into actions: dry run, deadline, UnprocessedAccounts, quota.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::aws::arn::GraphArn;
use crate::aws::{AwsError, MemberPort, NewMember, UnprocessedAccount};
use crate::backoff::jittered;
use crate::clock::Clock;
use crate::outcome::{Action, ActionResult};

/// CreateMembers, DeleteMembers and GetMembers take at most this many accounts.
pub const BATCH: usize = 50;
/// Stop starting new work this long before the Lambda deadline, at most...
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// ...and at most a fifth of the time the invocation has, so short timeouts still work.
pub fn work_deadline(lambda_deadline: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let remaining = (lambda_deadline - now).max(chrono::Duration::zero());
    let margin = chrono::Duration::from_std(DEADLINE_MARGIN)
        .unwrap_or_default()
        .min(remaining / 5);
    lambda_deadline - margin
}

/// Shared by every write: whether to write at all, and until when.
pub struct WritePolicy<'a> {
    pub dry_run: bool,
    pub clock: &'a dyn Clock,
    /// When to stop starting new work (see `work_deadline`).
    pub deadline: Option<DateTime<Utc>>,
    /// Base of the jittered wait before retrying unprocessed accounts once.
    pub retry_base: Duration,
}

impl WritePolicy<'_> {
    /// True when the deadline is too near to start anything new.
    pub fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|deadline| self.clock.now() >= deadline)
    }

    fn not_started(&self, operation: &'static str, graph: &GraphArn, account_ids: Vec<String>) -> Action {
        Action::on_accounts(operation, ActionResult::Failed, &graph.region, &graph.arn, account_ids)
            .with_reason("not started: the invocation's deadline was near; the next run picks it up")
    }
}

fn is_already_member(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    reason.contains("already") && reason.contains("member")
}

fn is_not_member(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    reason.contains("not a member") || reason.contains("not found")
}

fn describe_unprocessed(accounts: &[UnprocessedAccount]) -> String {
    accounts
        .iter()
        .map(|account| format!("{}: {}", account.account_id, account.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

fn error_text(error: &AwsError) -> String {
    if error.code == "ServiceQuotaExceededException" {
        format!(
            "{error} (the behavior graph is at Detective's limit of 1,200 member accounts: \
             request a quota increase or remove members; not retried)"
        )
    } else {
        error.to_string()
    }
}

fn failed(operation: &'static str, graph: &GraphArn, account_ids: Vec<String>, error: String) -> Action {
    let mut action = Action::on_accounts(operation, ActionResult::Failed, &graph.region, &graph.arn, account_ids);
    action.error = Some(error);
    action
}

/// CreateMembers for one batch (at most 50), without invitation emails. An account that
/// is already a member counts as done; other unprocessed accounts are retried once.
pub async fn create_members<D: MemberPort>(
    detective: &D,
    policy: &WritePolicy<'_>,
    graph: &GraphArn,
    accounts: &[NewMember],
) -> Vec<Action> {
    let ids: Vec<String> = accounts.iter().map(|account| account.account_id.clone()).collect();
    if policy.out_of_time() {
        return vec![policy.not_started("CreateMembers", graph, ids)];
    }
    if policy.dry_run {
        return vec![Action::on_accounts(
            "CreateMembers",
            ActionResult::Planned,
            &graph.region,
            &graph.arn,
            ids,
        )];
    }
    let mut done = Vec::new();
    let mut pending: Vec<NewMember> = accounts.to_vec();
    let mut last_unprocessed = Vec::new();
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(jittered(policy.retry_base)).await;
        }
        let changes = match detective.create_members(&graph.region, &graph.arn, &pending).await {
            Ok(changes) => changes,
            Err(error) => {
                let failed_ids = pending.iter().map(|account| account.account_id.clone()).collect();
                let mut actions = done_action("CreateMembers", graph, done);
                actions.push(failed("CreateMembers", graph, failed_ids, error_text(&error)));
                return actions;
            }
        };
        done.extend(changes.processed);
        let (already, others): (Vec<_>, Vec<_>) = changes
            .unprocessed
            .into_iter()
            .partition(|account| is_already_member(&account.reason));
        done.extend(already.into_iter().map(|account| account.account_id));
        pending.retain(|account| others.iter().any(|other| other.account_id == account.account_id));
        last_unprocessed = others;
        if pending.is_empty() {
            break;
        }
    }
    let mut actions = done_action("CreateMembers", graph, done);
    if !last_unprocessed.is_empty() {
        let ids = last_unprocessed
            .iter()
            .map(|account| account.account_id.clone())
            .collect();
        let reason = format!(
            "UnprocessedAccounts after one retry: {}",
            describe_unprocessed(&last_unprocessed)
        );
        actions.push(failed("CreateMembers", graph, ids, reason));
    }
    actions
}

fn done_action(operation: &'static str, graph: &GraphArn, ids: Vec<String>) -> Vec<Action> {
    if ids.is_empty() {
        Vec::new()
    } else {
        vec![Action::on_accounts(
            operation,
            ActionResult::Done,
            &graph.region,
            &graph.arn,
            ids,
        )]
    }
}

/// DeleteMembers for one batch; an account that is no longer a member counts as done.
pub async fn delete_members<D: MemberPort>(
    detective: &D,
    policy: &WritePolicy<'_>,
    graph: &GraphArn,
    ids: Vec<String>,
    reason: &str,
) -> Vec<Action> {
    if policy.out_of_time() {
        return vec![policy.not_started("DeleteMembers", graph, ids)];
    }
    if policy.dry_run {
        return vec![
            Action::on_accounts("DeleteMembers", ActionResult::Planned, &graph.region, &graph.arn, ids)
                .with_reason(reason),
        ];
    }
    match detective.delete_members(&graph.region, &graph.arn, &ids).await {
        Err(error) => vec![failed("DeleteMembers", graph, ids, error_text(&error))],
        Ok(changes) => {
            let (gone, others): (Vec<_>, Vec<_>) = changes
                .unprocessed
                .into_iter()
                .partition(|account| is_not_member(&account.reason));
            let mut done = changes.processed;
            done.extend(gone.into_iter().map(|account| account.account_id));
            let mut actions: Vec<Action> = done_action("DeleteMembers", graph, done)
                .into_iter()
                .map(|a| a.with_reason(reason))
                .collect();
            if !others.is_empty() {
                let ids = others.iter().map(|account| account.account_id.clone()).collect();
                actions.push(failed("DeleteMembers", graph, ids, describe_unprocessed(&others)));
            }
            actions
        }
    }
}

/// StartMonitoringMember for an ACCEPTED_BUT_DISABLED member.
pub async fn start_monitoring<D: MemberPort>(
    detective: &D,
    policy: &WritePolicy<'_>,
    graph: &GraphArn,
    account_id: &str,
) -> Action {
    let ids = vec![account_id.to_owned()];
    if policy.out_of_time() {
        return policy.not_started("StartMonitoringMember", graph, ids);
    }
    let reason = "member status ACCEPTED_BUT_DISABLED";
    if policy.dry_run {
        return Action::on_accounts(
            "StartMonitoringMember",
            ActionResult::Planned,
            &graph.region,
            &graph.arn,
            ids,
        )
        .with_reason(reason);
    }
    match detective
        .start_monitoring_member(&graph.region, &graph.arn, account_id)
        .await
    {
        Ok(()) => Action::on_accounts(
            "StartMonitoringMember",
            ActionResult::Done,
            &graph.region,
            &graph.arn,
            ids,
        )
        .with_reason(reason),
        Err(error) => failed("StartMonitoringMember", graph, ids, error_text(&error)),
    }
}

/// A record of accounts left alone, with why.
pub fn skipped(operation: &'static str, graph: &GraphArn, ids: Vec<String>, reason: &str) -> Option<Action> {
    (!ids.is_empty()).then(|| {
        Action::on_accounts(operation, ActionResult::Skipped, &graph.region, &graph.arn, ids).with_reason(reason)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_ten_seconds_or_a_fifth_of_the_time_left() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let at = |seconds| now + chrono::Duration::seconds(seconds);
        assert_eq!(work_deadline(at(300), now), at(290));
        assert_eq!(work_deadline(at(3), now), now + chrono::Duration::milliseconds(2_400));
        assert_eq!(work_deadline(at(-1), now), at(-1));
    }

    #[test]
    fn classifies_unprocessed_reasons() {
        assert!(is_already_member(
            "The account is already a member of the behavior graph."
        ));
        assert!(!is_already_member("The email address does not match the account."));
        assert!(is_not_member("The account is not a member of the behavior graph."));
    }
}
