//! The writes, each turned into actions: dry run, deadline, UnprocessedAccounts, quota,
//! and the member status read back after each.
//!
//! The reason strings of UnprocessedAccounts are not documented, so no decision rests on
//! their wording: an unprocessed account is looked up with GetMembers, and what Detective
//! says of it there decides.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::aws::arn::GraphArn;
use crate::aws::{AwsError, MemberDetail, MemberPort, NewMember, UnprocessedAccount};
use crate::backoff::jittered;
use crate::clock::Clock;
use crate::outcome::{Action, ActionResult};

/// CreateMembers, DeleteMembers and GetMembers take at most this many accounts.
pub const BATCH: usize = 50;
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

/// The members Detective reports for `ids` (GetMembers, 50 at a time), by account.
async fn read_members<D: MemberPort>(
    detective: &D,
    graph: &GraphArn,
    ids: &[String],
) -> Result<HashMap<String, MemberDetail>, AwsError> {
    let mut found = HashMap::new();
    for batch in ids.chunks(BATCH) {
        let lookup = detective.get_members(&graph.region, &graph.arn, batch).await?;
        found.extend(
            lookup
                .members
                .into_iter()
                .map(|member| (member.account_id.clone(), member)),
        );
    }
    Ok(found)
}

/// A member that stays out of the graph after a write that should have brought it in.
fn is_disabled(member: &MemberDetail) -> bool {
    matches!(member.status.as_str(), "ACCEPTED_BUT_DISABLED" | "VERIFICATION_FAILED")
}

/// CreateMembers for one batch (at most 50), without invitation emails. Accounts it did
/// not process are looked up: one that is a member now counts as done; the others are
/// retried once after a jittered wait, then reported with Detective's reasons. A member
/// created but left ACCEPTED_BUT_DISABLED (or VERIFICATION_FAILED) is reported with why.
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
    let mut disabled: Vec<MemberDetail> = Vec::new();
    let mut pending: Vec<NewMember> = accounts.to_vec();
    let mut last_unprocessed = Vec::new();
    let mut actions = Vec::new();
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(jittered(policy.retry_base)).await;
        }
        let created = match detective.create_members(&graph.region, &graph.arn, &pending).await {
            Ok(created) => created,
            Err(error) => {
                let failed_ids = pending.iter().map(|account| account.account_id.clone()).collect();
                actions.push(failed("CreateMembers", graph, failed_ids, error_text(&error)));
                last_unprocessed.clear();
                pending.clear();
                break;
            }
        };
        for member in created.members {
            if is_disabled(&member) {
                disabled.push(member);
            } else {
                done.push(member.account_id);
            }
        }
        last_unprocessed = created.unprocessed;
        if last_unprocessed.is_empty() {
            pending.clear();
            break;
        }
        let unprocessed_ids: Vec<String> = last_unprocessed.iter().map(|a| a.account_id.clone()).collect();
        let now_members = match read_members(detective, graph, &unprocessed_ids).await {
            Ok(found) => found,
            Err(error) => {
                actions.push(failed("CreateMembers", graph, unprocessed_ids, error_text(&error)));
                last_unprocessed.clear();
                pending.clear();
                break;
            }
        };
        done.extend(unprocessed_ids.into_iter().filter(|id| now_members.contains_key(id)));
        last_unprocessed.retain(|account| !now_members.contains_key(&account.account_id));
        pending.retain(|account| {
            last_unprocessed
                .iter()
                .any(|other| other.account_id == account.account_id)
        });
        if pending.is_empty() {
            break;
        }
    }
    let mut result = done_action("CreateMembers", graph, done);
    for member in disabled {
        let reason = format!(
            "created, but Detective left it {}{}",
            member.status_text(),
            disabled_reason_hint(&member)
        );
        result.push(failed("CreateMembers", graph, vec![member.account_id.clone()], reason));
    }
    if !last_unprocessed.is_empty() && !pending.is_empty() {
        let ids = last_unprocessed
            .iter()
            .map(|account| account.account_id.clone())
            .collect();
        let reason = format!(
            "UnprocessedAccounts after one retry: {}",
            describe_unprocessed(&last_unprocessed)
        );
        result.push(failed("CreateMembers", graph, ids, reason));
    }
    result.extend(actions);
    result
}

/// What a DisabledReason asks of the operator.
fn disabled_reason_hint(member: &MemberDetail) -> &'static str {
    match member.disabled_reason.as_deref() {
        Some("VOLUME_TOO_HIGH") => ": adding it would take the graph's data volume over Detective's limit",
        Some("VOLUME_UNKNOWN") => {
            ": Detective cannot verify its data volume, usually because GuardDuty is not enabled in it"
        }
        _ if member.status == "VERIFICATION_FAILED" => ": Detective could not verify the account (its email address?)",
        _ => "",
    }
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

/// DeleteMembers for one batch. An account it did not process is looked up: one that is no
/// longer a member counts as done.
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
    let changes = match detective.delete_members(&graph.region, &graph.arn, &ids).await {
        Ok(changes) => changes,
        Err(error) => return vec![failed("DeleteMembers", graph, ids, error_text(&error))],
    };
    let mut done = changes.processed;
    let mut others = changes.unprocessed;
    if !others.is_empty() {
        let unprocessed_ids: Vec<String> = others.iter().map(|account| account.account_id.clone()).collect();
        match read_members(detective, graph, &unprocessed_ids).await {
            Ok(still) => {
                done.extend(unprocessed_ids.into_iter().filter(|id| !still.contains_key(id)));
                others.retain(|account| still.contains_key(&account.account_id));
            }
            Err(error) => return vec![failed("DeleteMembers", graph, unprocessed_ids, error_text(&error))],
        }
    }
    let mut actions: Vec<Action> = done_action("DeleteMembers", graph, done)
        .into_iter()
        .map(|action| action.with_reason(reason))
        .collect();
    if !others.is_empty() {
        let ids = others.iter().map(|account| account.account_id.clone()).collect();
        actions.push(failed("DeleteMembers", graph, ids, describe_unprocessed(&others)));
    }
    actions
}

/// StartMonitoringMember for ACCEPTED_BUT_DISABLED members, then their status read back:
/// Detective leaves a member it cannot enable as it was, and says so only there.
pub async fn start_monitoring<D: MemberPort>(
    detective: &D,
    policy: &WritePolicy<'_>,
    graph: &GraphArn,
    members: &[MemberDetail],
) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut started = Vec::new();
    for member in members {
        let ids = vec![member.account_id.clone()];
        let reason = format!("member status {}", member.status_text());
        if policy.out_of_time() {
            actions.push(policy.not_started("StartMonitoringMember", graph, ids));
        } else if policy.dry_run {
            actions.push(
                Action::on_accounts(
                    "StartMonitoringMember",
                    ActionResult::Planned,
                    &graph.region,
                    &graph.arn,
                    ids,
                )
                .with_reason(reason),
            );
        } else {
            match detective
                .start_monitoring_member(&graph.region, &graph.arn, &member.account_id)
                .await
            {
                Ok(()) => started.push(member.account_id.clone()),
                Err(error) => actions.push(failed("StartMonitoringMember", graph, ids, error_text(&error))),
            }
        }
    }
    if started.is_empty() {
        return actions;
    }
    let now = match read_members(detective, graph, &started).await {
        Ok(now) => now,
        Err(error) => {
            let reason = format!("StartMonitoringMember answered, but its result could not be read back: {error}");
            actions.push(failed("StartMonitoringMember", graph, started, reason));
            return actions;
        }
    };
    for id in started {
        let ids = vec![id.clone()];
        match now.get(&id) {
            Some(member) if member.status == "ENABLED" || member.status == "VERIFICATION_IN_PROGRESS" => actions.push(
                Action::on_accounts(
                    "StartMonitoringMember",
                    ActionResult::Done,
                    &graph.region,
                    &graph.arn,
                    ids,
                )
                .with_reason(format!("was ACCEPTED_BUT_DISABLED, now {}", member.status)),
            ),
            Some(member) => actions.push(failed(
                "StartMonitoringMember",
                graph,
                ids,
                format!(
                    "Detective could not enable it: still {}{}",
                    member.status_text(),
                    disabled_reason_hint(member)
                ),
            )),
            None => actions.push(failed(
                "StartMonitoringMember",
                graph,
                ids,
                "no longer a member when read back".to_owned(),
            )),
        }
    }
    actions
}

/// A record of accounts left alone, with why.
pub fn skipped(operation: &'static str, graph: &GraphArn, ids: Vec<String>, reason: &str) -> Option<Action> {
    (!ids.is_empty()).then(|| {
        Action::on_accounts(operation, ActionResult::Skipped, &graph.region, &graph.arn, ids).with_reason(reason)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex;

    use super::*;
    use crate::aws::{CreatedMembers, MemberChanges, MembersLookup};
    use crate::clock::FixedClock;

    /// Detective as far as CreateMembers and GetMembers go, with UnprocessedAccounts whose
    /// reasons are worded as no test of ours expects.
    #[derive(Default)]
    struct Members {
        present: Mutex<HashSet<String>>,
        /// Refused with this reason on every CreateMembers; `added` ones are members anyway
        /// (someone else enrolled them meanwhile).
        refused: Vec<(&'static str, &'static str, bool)>,
        creates: Mutex<usize>,
    }

    fn detail(id: &str, status: &str) -> MemberDetail {
        MemberDetail {
            account_id: id.to_owned(),
            email: None,
            graph_arn: None,
            administrator_id: None,
            status: status.to_owned(),
            invitation_type: Some("ORGANIZATION".to_owned()),
            disabled_reason: None,
        }
    }

    impl MemberPort for Members {
        async fn list_members(&self, _: &str, _: &str) -> Result<Vec<MemberDetail>, AwsError> {
            Ok(Vec::new())
        }

        async fn create_members(&self, _: &str, _: &str, accounts: &[NewMember]) -> Result<CreatedMembers, AwsError> {
            *self.creates.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            let mut present = self.present.lock().unwrap_or_else(|e| e.into_inner());
            let mut created = CreatedMembers::default();
            for account in accounts {
                match self.refused.iter().find(|(id, _, _)| *id == account.account_id) {
                    Some((id, reason, added)) => {
                        if *added {
                            present.insert((*id).to_owned());
                        }
                        created.unprocessed.push(UnprocessedAccount {
                            account_id: (*id).to_owned(),
                            reason: (*reason).to_owned(),
                        });
                    }
                    None => {
                        present.insert(account.account_id.clone());
                        created
                            .members
                            .push(detail(&account.account_id, "VERIFICATION_IN_PROGRESS"));
                    }
                }
            }
            Ok(created)
        }

        async fn delete_members(&self, _: &str, _: &str, _: &[String]) -> Result<MemberChanges, AwsError> {
            Ok(MemberChanges::default())
        }

        async fn start_monitoring_member(&self, _: &str, _: &str, _: &str) -> Result<(), AwsError> {
            Ok(())
        }

        async fn get_members(&self, _: &str, _: &str, ids: &[String]) -> Result<MembersLookup, AwsError> {
            let present = self.present.lock().unwrap_or_else(|e| e.into_inner());
            Ok(MembersLookup {
                members: ids
                    .iter()
                    .filter(|id| present.contains(*id))
                    .map(|id| detail(id, "ENABLED"))
                    .collect(),
                unprocessed: Vec::new(),
            })
        }
    }

    #[tokio::test]
    async fn unprocessed_accounts_are_judged_by_get_members_not_by_their_wording() {
        let detective = Members {
            refused: vec![
                ("100000000001", "Conflit : le compte existe déjà", true),
                ("100000000002", "Temporarily unavailable", false),
            ],
            ..Members::default()
        };
        let clock = FixedClock(DateTime::UNIX_EPOCH);
        let policy = WritePolicy {
            dry_run: false,
            clock: &clock,
            deadline: None,
            retry_base: Duration::from_millis(1),
        };
        let graph = GraphArn::parse("arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef");
        let Some(graph) = graph else {
            unreachable!("a valid ARN")
        };
        let accounts: Vec<NewMember> = ["100000000000", "100000000001", "100000000002"]
            .iter()
            .map(|id| NewMember {
                account_id: (*id).to_owned(),
                email: "x@example.com".to_owned(),
            })
            .collect();
        let actions = create_members(&detective, &policy, &graph, &accounts).await;
        let by_result = |result| -> Vec<Vec<String>> {
            actions
                .iter()
                .filter(|a| a.result == result)
                .map(|a| a.account_ids.clone())
                .collect()
        };
        assert_eq!(
            by_result(ActionResult::Done),
            vec![vec!["100000000000", "100000000001"]]
        );
        assert_eq!(by_result(ActionResult::Failed), vec![vec!["100000000002"]]);
        let failed = actions
            .iter()
            .find(|a| a.result == ActionResult::Failed)
            .and_then(|a| a.error.clone());
        assert_eq!(
            failed.as_deref(),
            Some("UnprocessedAccounts after one retry: 100000000002: Temporarily unavailable")
        );
        assert_eq!(
            *detective.creates.lock().unwrap_or_else(|e| e.into_inner()),
            2,
            "one retry, never a loop"
        );
    }
}
