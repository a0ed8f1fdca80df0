//! enroll-accounts' writes, and how each is made: UnprocessedAccounts, the quota, and the
//! member status read back after each.
//!
//! The reason strings of UnprocessedAccounts are not documented, so no decision rests on
//! their wording: an unprocessed account is looked up with GetMembers, and what Detective
//! says of it there decides.

use crate::operation::Operation;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use super::reason::{LeftOut, Reason};
use crate::aws::arn::GraphArn;
use crate::aws::{AwsError, MemberDetail, MemberPort, NewMember, OrganizationConfigPort, UnprocessedAccount};
use crate::backoff::jittered;
use crate::domain::MemberStatus;
use crate::execute::{Policy, Write};
use crate::outcome::{Action, ActionResult, Failure};

/// What CreateMembers and StartMonitoringMember answer when the graph is full.
const QUOTA_EXCEEDED: &str = "ServiceQuotaExceededException";

/// CreateMembers, DeleteMembers and GetMembers take at most this many accounts.
pub const BATCH: usize = 50;

/// A write to a graph's membership or its organization configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberWrite {
    /// CreateMembers for at most 50 accounts, without invitation emails.
    Create { graph: GraphArn, accounts: Vec<NewMember> },
    /// DeleteMembers for at most 50 accounts.
    Delete {
        graph: GraphArn,
        account_ids: Vec<String>,
        reason: Reason,
    },
    /// StartMonitoringMember for ACCEPTED_BUT_DISABLED members, then their status read back.
    StartMonitoring {
        graph: GraphArn,
        members: Vec<MemberDetail>,
    },
    /// UpdateOrganizationConfiguration with AutoEnable on.
    EnableAutoEnable { graph: GraphArn },
}

/// What the writes are made with.
pub struct MemberPorts<'a, D> {
    pub detective: &'a D,
    /// Base of the jittered wait before retrying unprocessed accounts once.
    pub retry_base: Duration,
    /// Graphs that refused new members (ServiceQuotaExceededException) in this run: no
    /// CreateMembers is sent to them again.
    refused: Mutex<HashSet<String>>,
}

impl<'a, D> MemberPorts<'a, D> {
    pub fn new(detective: &'a D, retry_base: Duration) -> Self {
        Self {
            detective,
            retry_base,
            refused: Mutex::new(HashSet::new()),
        }
    }

    fn has_refused(&self, graph: &GraphArn) -> bool {
        self.refused.lock().is_ok_and(|refused| refused.contains(&graph.arn))
    }

    fn remember_refusal(&self, graph: &GraphArn) {
        if let Ok(mut refused) = self.refused.lock() {
            refused.insert(graph.arn.clone());
        }
    }
}

fn on(operation: Operation, result: ActionResult, graph: &GraphArn, ids: Vec<String>) -> Action {
    Action::on_accounts(operation, result, &graph.region, &graph.arn, ids)
}

impl<'a, D> Write<MemberPorts<'a, D>> for MemberWrite
where
    D: MemberPort + OrganizationConfigPort,
{
    fn intended(&self) -> Vec<Action> {
        let planned = ActionResult::Planned;
        match self {
            Self::Create { graph, accounts } => {
                let ids = accounts.iter().map(|account| account.account_id.clone()).collect();
                vec![on(Operation::CreateMembers, planned, graph, ids)]
            }
            Self::Delete {
                graph,
                account_ids,
                reason,
            } => vec![on(Operation::DeleteMembers, planned, graph, account_ids.clone()).with_reason(reason.clone())],
            Self::StartMonitoring { graph, members } => members
                .iter()
                .map(|member| {
                    on(
                        Operation::StartMonitoringMember,
                        planned,
                        graph,
                        vec![member.account_id.clone()],
                    )
                    .with_reason(Reason::Disabled(member.state()))
                })
                .collect(),
            Self::EnableAutoEnable { graph } => {
                let mut action = on(Operation::UpdateOrganizationConfiguration, planned, graph, Vec::new());
                action.auto_enable = Some(true);
                vec![action.with_reason(Reason::AutoEnableOff)]
            }
        }
    }

    async fn perform(self, ports: &MemberPorts<'a, D>, policy: &Policy<'_>) -> Vec<Action> {
        match self {
            Self::Create { graph, accounts } => create(ports, &graph, accounts).await,
            Self::Delete {
                graph,
                account_ids,
                reason,
            } => delete(ports.detective, &graph, account_ids, reason).await,
            Self::StartMonitoring { graph, members } => {
                start_monitoring(ports.detective, policy, &graph, &members).await
            }
            Self::EnableAutoEnable { graph } => {
                let mut action = on(
                    Operation::UpdateOrganizationConfiguration,
                    ActionResult::Done,
                    &graph,
                    Vec::new(),
                );
                action.auto_enable = Some(true);
                match ports
                    .detective
                    .update_organization_configuration(&graph.region, &graph.arn, true)
                    .await
                {
                    Ok(()) => vec![action.with_reason(Reason::AutoEnableWasOff)],
                    Err(error) => vec![action.failed(error)],
                }
            }
        }
    }
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

/// A failed CreateMembers or StartMonitoringMember; the quota they may refuse with is the
/// graph's member limit (the models give ServiceQuotaExceededException to both).
fn member_write_failure(error: AwsError) -> Failure {
    if error.code == QUOTA_EXCEEDED {
        Failure::GraphFull(error)
    } else {
        Failure::Aws(error)
    }
}

/// A member that stays out of the graph after a write that should have brought it in.
fn is_disabled(member: &MemberDetail) -> bool {
    matches!(
        member.status,
        MemberStatus::AcceptedButDisabled | MemberStatus::VerificationFailed
    )
}

/// CreateMembers for one batch. Accounts it did not process are looked up: one that is a
/// member now counts as done; the others are retried once after a jittered wait, then
/// reported with Detective's reasons. A member created but left ACCEPTED_BUT_DISABLED (or
/// VERIFICATION_FAILED) is reported with why.
async fn create<D: MemberPort>(ports: &MemberPorts<'_, D>, graph: &GraphArn, accounts: Vec<NewMember>) -> Vec<Action> {
    let detective = ports.detective;
    let left_out = |accounts: &[NewMember]| {
        let ids = accounts.iter().map(|account| account.account_id.clone()).collect();
        on(Operation::CreateMembers, ActionResult::Skipped, graph, ids).with_reason(Reason::LeftOut(LeftOut::Refused))
    };
    if ports.has_refused(graph) {
        return vec![left_out(&accounts)];
    }
    let mut done = Vec::new();
    let mut disabled: Vec<MemberDetail> = Vec::new();
    let mut pending = accounts;
    let mut unprocessed: Vec<UnprocessedAccount> = Vec::new();
    let mut failed = Vec::new();
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(jittered(ports.retry_base)).await;
        }
        let created = match detective.create_members(&graph.region, &graph.arn, &pending).await {
            Ok(created) => created,
            // The graph is full (members or volume): the accounts stay out, and this run asks no more.
            Err(error) if error.code == QUOTA_EXCEEDED => {
                ports.remember_refusal(graph);
                failed.push(left_out(&pending));
                pending.clear();
                break;
            }
            Err(error) => {
                let ids = pending.iter().map(|account| account.account_id.clone()).collect();
                failed.push(
                    on(Operation::CreateMembers, ActionResult::Failed, graph, ids).failed(member_write_failure(error)),
                );
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
        unprocessed = created.unprocessed;
        if unprocessed.is_empty() {
            pending.clear();
            break;
        }
        let unprocessed_ids: Vec<String> = unprocessed.iter().map(|account| account.account_id.clone()).collect();
        let now_members = match read_members(detective, graph, &unprocessed_ids).await {
            Ok(found) => found,
            Err(error) => {
                failed.push(on(Operation::CreateMembers, ActionResult::Failed, graph, unprocessed_ids).failed(error));
                pending.clear();
                break;
            }
        };
        done.extend(unprocessed_ids.into_iter().filter(|id| now_members.contains_key(id)));
        unprocessed.retain(|account| !now_members.contains_key(&account.account_id));
        pending.retain(|account| unprocessed.iter().any(|other| other.account_id == account.account_id));
        if pending.is_empty() {
            break;
        }
    }
    let mut actions = Vec::new();
    if !done.is_empty() {
        actions.push(on(Operation::CreateMembers, ActionResult::Done, graph, done));
    }
    for member in disabled {
        let ids = vec![member.account_id.clone()];
        actions.push(
            on(Operation::CreateMembers, ActionResult::Failed, graph, ids)
                .failed(Failure::CreatedButDisabled(member.state())),
        );
    }
    if !pending.is_empty() {
        let ids = unprocessed.iter().map(|account| account.account_id.clone()).collect();
        actions.push(
            on(Operation::CreateMembers, ActionResult::Failed, graph, ids)
                .failed(Failure::UnprocessedAfterRetry(unprocessed)),
        );
    }
    actions.extend(failed);
    actions
}

/// DeleteMembers for one batch. An account it did not process is looked up: one that is no
/// longer a member counts as done.
async fn delete<D: MemberPort>(detective: &D, graph: &GraphArn, ids: Vec<String>, reason: Reason) -> Vec<Action> {
    let changes = match detective.delete_members(&graph.region, &graph.arn, &ids).await {
        Ok(changes) => changes,
        Err(error) => return vec![on(Operation::DeleteMembers, ActionResult::Failed, graph, ids).failed(error)],
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
            Err(error) => {
                return vec![on(Operation::DeleteMembers, ActionResult::Failed, graph, unprocessed_ids).failed(error)]
            }
        }
    }
    let mut actions = Vec::new();
    if !done.is_empty() {
        actions.push(on(Operation::DeleteMembers, ActionResult::Done, graph, done).with_reason(reason));
    }
    if !others.is_empty() {
        let ids = others.iter().map(|account| account.account_id.clone()).collect();
        actions
            .push(on(Operation::DeleteMembers, ActionResult::Failed, graph, ids).failed(Failure::Unprocessed(others)));
    }
    actions
}

/// StartMonitoringMember for each member, then their status read back: Detective leaves a
/// member it cannot enable as it was, and says so only there.
/// One call per member, so the deadline is asked before each.
async fn start_monitoring<D: MemberPort>(
    detective: &D,
    policy: &Policy<'_>,
    graph: &GraphArn,
    members: &[MemberDetail],
) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut started = Vec::new();
    for member in members {
        let action = on(
            Operation::StartMonitoringMember,
            ActionResult::Failed,
            graph,
            vec![member.account_id.clone()],
        );
        if policy.out_of_time() {
            actions.push(policy.not_started(action.with_reason(Reason::Disabled(member.state()))));
            continue;
        }
        match detective
            .start_monitoring_member(&graph.region, &graph.arn, &member.account_id)
            .await
        {
            Ok(()) => started.push(member.account_id.clone()),
            Err(error) => actions.push(action.failed(member_write_failure(error))),
        }
    }
    if started.is_empty() {
        return actions;
    }
    let now = match read_members(detective, graph, &started).await {
        Ok(now) => now,
        Err(error) => {
            let action = on(Operation::StartMonitoringMember, ActionResult::Failed, graph, started);
            actions.push(action.failed(Failure::NotReadBack(error)));
            return actions;
        }
    };
    for id in started {
        let action = on(
            Operation::StartMonitoringMember,
            ActionResult::Done,
            graph,
            vec![id.clone()],
        );
        actions.push(match now.get(&id) {
            Some(member)
                if matches!(
                    member.status,
                    MemberStatus::Enabled | MemberStatus::VerificationInProgress
                ) =>
            {
                action.with_reason(Reason::Reenabled(member.status.clone()))
            }
            Some(member) => action.failed(Failure::StillDisabled(member.state())),
            None => action.failed(Failure::GoneWhenReadBack),
        });
    }
    actions
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex;

    use chrono::{DateTime, TimeDelta, Utc};

    use super::*;
    use crate::aws::{CreatedMembers, MemberChanges, MembersLookup};
    use crate::clock::{Clock, FixedClock};
    use crate::domain::InvitationType;
    use crate::outcome::Retry;

    /// Detective as far as CreateMembers and GetMembers go, with UnprocessedAccounts whose
    /// reasons are worded as no test of ours expects.
    #[derive(Default)]
    struct Members {
        present: Mutex<HashSet<String>>,
        /// Refused with this reason on every CreateMembers; `added` ones are members anyway
        /// (someone else enrolled them meanwhile).
        refused: Vec<(&'static str, &'static str, bool)>,
        creates: Mutex<usize>,
        /// CreateMembers and StartMonitoringMember refuse with the quota.
        full: bool,
        started: Mutex<Vec<String>>,
    }

    fn quota(operation: Operation) -> AwsError {
        AwsError::new(operation, "ServiceQuotaExceededException", "quota exceeded")
    }

    fn graph() -> GraphArn {
        let graph = GraphArn::parse("arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef");
        let Some(graph) = graph else {
            unreachable!("a valid ARN")
        };
        graph
    }

    /// One second later at every look: the deadline falls between two calls.
    struct Ticking(Mutex<i64>);

    impl Clock for Ticking {
        fn now(&self) -> DateTime<Utc> {
            let mut seconds = self.0.lock().unwrap_or_else(|e| e.into_inner());
            *seconds += 1;
            DateTime::UNIX_EPOCH + TimeDelta::seconds(*seconds - 1)
        }
    }

    fn policy(clock: &dyn Clock, deadline: Option<DateTime<Utc>>) -> Policy<'_> {
        Policy {
            function: "enroll-accounts",
            dry_run: false,
            clock,
            deadline,
            retry: Retry::NextRun,
        }
    }

    fn detail(id: &str, status: MemberStatus) -> MemberDetail {
        MemberDetail {
            usage: Default::default(),
            account_id: id.to_owned(),
            email: None,
            graph_arn: None,
            administrator_id: None,
            status,
            invitation_type: Some(InvitationType::Organization),
            disabled_reason: None,
        }
    }

    impl MemberPort for Members {
        async fn list_members(&self, _: &str, _: &str) -> Result<Vec<MemberDetail>, AwsError> {
            Ok(Vec::new())
        }

        async fn create_members(&self, _: &str, _: &str, accounts: &[NewMember]) -> Result<CreatedMembers, AwsError> {
            *self.creates.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            if self.full {
                return Err(quota(Operation::CreateMembers));
            }
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
                            .push(detail(&account.account_id, MemberStatus::VerificationInProgress));
                    }
                }
            }
            Ok(created)
        }

        async fn delete_members(&self, _: &str, _: &str, _: &[String]) -> Result<MemberChanges, AwsError> {
            Ok(MemberChanges::default())
        }

        async fn start_monitoring_member(&self, _: &str, _: &str, id: &str) -> Result<(), AwsError> {
            if self.full {
                return Err(quota(Operation::StartMonitoringMember));
            }
            self.started
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(id.to_owned());
            self.present
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.to_owned());
            Ok(())
        }

        async fn get_members(&self, _: &str, _: &str, ids: &[String]) -> Result<MembersLookup, AwsError> {
            let present = self.present.lock().unwrap_or_else(|e| e.into_inner());
            Ok(MembersLookup {
                members: ids
                    .iter()
                    .filter(|id| present.contains(*id))
                    .map(|id| detail(id, MemberStatus::Enabled))
                    .collect(),
                unprocessed: Vec::new(),
            })
        }
    }

    impl OrganizationConfigPort for Members {
        async fn describe_organization_configuration(&self, _: &str, _: &str) -> Result<bool, AwsError> {
            Ok(true)
        }

        async fn update_organization_configuration(&self, _: &str, _: &str, _: bool) -> Result<(), AwsError> {
            Ok(())
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
        let ports = MemberPorts::new(&detective, Duration::from_millis(1));
        let graph = graph();
        let accounts: Vec<NewMember> = ["100000000000", "100000000001", "100000000002"]
            .iter()
            .map(|id| NewMember {
                account_id: (*id).to_owned(),
                email: "x@example.com".to_owned(),
            })
            .collect();
        let clock = FixedClock(DateTime::UNIX_EPOCH);
        let actions = MemberWrite::Create { graph, accounts }
            .perform(&ports, &policy(&clock, None))
            .await;
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
            .and_then(Action::error_text);
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

    fn disabled(ids: &[&str]) -> Vec<MemberDetail> {
        ids.iter()
            .map(|id| detail(id, MemberStatus::AcceptedButDisabled))
            .collect()
    }

    #[tokio::test]
    async fn the_deadline_is_asked_before_each_start_monitoring_member() {
        let detective = Members::default();
        let ports = MemberPorts::new(&detective, Duration::from_millis(1));
        let clock = Ticking(Mutex::new(0));
        let deadline = DateTime::UNIX_EPOCH + TimeDelta::seconds(1);
        let write = MemberWrite::StartMonitoring {
            graph: graph(),
            members: disabled(&["100000000001", "100000000002", "100000000003"]),
        };
        let actions = write.perform(&ports, &policy(&clock, Some(deadline))).await;
        assert_eq!(
            *detective.started.lock().unwrap_or_else(|e| e.into_inner()),
            vec!["100000000001"]
        );
        let results: Vec<(Vec<String>, ActionResult, Option<String>)> = actions
            .iter()
            .map(|a| (a.account_ids.clone(), a.result, a.reason_text()))
            .collect();
        let not_started = Some("not started: the invocation's deadline was near; the next run picks it up".to_owned());
        assert_eq!(
            results,
            vec![
                (
                    vec!["100000000002".to_owned()],
                    ActionResult::Failed,
                    not_started.clone()
                ),
                (vec!["100000000003".to_owned()], ActionResult::Failed, not_started),
                (
                    vec!["100000000001".to_owned()],
                    ActionResult::Done,
                    Some("was ACCEPTED_BUT_DISABLED, now ENABLED".to_owned())
                ),
            ]
        );
    }

    #[tokio::test]
    async fn a_full_graph_leaves_the_accounts_out_and_is_not_asked_again_this_run() {
        let detective = Members {
            full: true,
            ..Members::default()
        };
        let ports = MemberPorts::new(&detective, Duration::from_millis(1));
        let clock = FixedClock(DateTime::UNIX_EPOCH);
        let create = |id: &str| MemberWrite::Create {
            graph: graph(),
            accounts: vec![NewMember {
                account_id: id.to_owned(),
                email: "x@example.com".to_owned(),
            }],
        };
        for id in ["100000000001", "100000000003"] {
            let actions = create(id).perform(&ports, &policy(&clock, None)).await;
            assert_eq!(
                actions
                    .iter()
                    .map(|action| (
                        action.result,
                        action.account_ids.clone(),
                        action.reason_of::<Reason>().cloned()
                    ))
                    .collect::<Vec<_>>(),
                vec![(
                    ActionResult::Skipped,
                    vec![id.to_owned()],
                    Some(Reason::LeftOut(LeftOut::Refused))
                )]
            );
        }
        assert_eq!(*detective.creates.lock().unwrap(), 1, "the refusal is not asked again");
        // StartMonitoringMember refused by the quota is a failure, explained.
        let start = MemberWrite::StartMonitoring {
            graph: graph(),
            members: disabled(&["100000000002"]),
        };
        let actions = start.perform(&ports, &policy(&clock, None)).await;
        let errors: Vec<String> = actions.iter().filter_map(Action::error_text).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("ServiceQuotaExceededException")
                && errors[0].contains("Detective's limit of 1,200 member accounts"),
            "{errors:?}"
        );
    }
}
