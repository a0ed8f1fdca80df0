//! Pure decisions: from what AWS returned and the configuration, the writes to make and
//! the accounts left alone, each with why.

use crate::operation::Operation;
use std::collections::{HashMap, HashSet};

use super::config::EnrollConfig;
use super::priority::Facts;
use super::reason::{Departure, LeftOut, Reason};
use super::room;
use super::writes::{MemberWrite, BATCH};
use crate::aws::arn::GraphArn;
use crate::aws::{MemberDetail, NewMember, OrgAccount};
use crate::domain::{AccountState, MemberStatus};
use crate::execute::Plan;
use crate::outcome::{Action, ActionResult, Failure};

/// The organization as the sweep sees it, read once for all regions.
pub struct OrgView {
    /// ACTIVE accounts not in SKIP_ACCOUNT_IDS.
    pub active: Vec<OrgAccount>,
    /// Every account of the organization, by id, with its state.
    pub states: HashMap<String, AccountState>,
    pub skipped: HashSet<String>,
    /// Index of `active` by account id.
    active_by_id: HashMap<String, usize>,
}

impl OrgView {
    pub fn new(accounts: Vec<OrgAccount>, config: &EnrollConfig) -> Self {
        let skipped: HashSet<String> = accounts
            .iter()
            .filter(|account| config.is_skipped(&account.id))
            .map(|account| account.id.clone())
            .collect();
        let states = accounts
            .iter()
            .map(|account| (account.id.clone(), account.state.clone()))
            .collect();
        let active: Vec<OrgAccount> = accounts
            .into_iter()
            .filter(|account| account.state == AccountState::Active && !skipped.contains(&account.id))
            .collect();
        let active_by_id = active
            .iter()
            .enumerate()
            .map(|(index, account)| (account.id.clone(), index))
            .collect();
        Self {
            active,
            states,
            skipped,
            active_by_id,
        }
    }

    /// The ACTIVE, not skipped, account with this id.
    pub fn active_account(&self, id: &str) -> Option<&OrgAccount> {
        self.active_by_id.get(id).and_then(|index| self.active.get(*index))
    }
}

/// What an ACTIVE organization account's membership asks for.
enum MemberStep {
    /// Nothing, for this reason.
    Leave(Reason),
    /// StartMonitoringMember.
    Enable,
    /// Not covered, and only a person can fix it.
    Fail(Failure),
}

fn member_step(member: &MemberDetail) -> MemberStep {
    match &member.status {
        MemberStatus::Enabled => MemberStep::Leave(Reason::AlreadyEnabled),
        MemberStatus::AcceptedButDisabled => MemberStep::Enable,
        MemberStatus::VerificationInProgress => MemberStep::Leave(Reason::BeingEnabled),
        MemberStatus::Invited => MemberStep::Leave(Reason::AwaitingAcceptance),
        MemberStatus::VerificationFailed => MemberStep::Fail(Failure::VerificationFailed),
        other => MemberStep::Leave(Reason::UnknownMemberStatus(other.clone())),
    }
}

fn skipped(operation: Operation, graph: &GraphArn, ids: Vec<String>, reason: Reason) -> Action {
    Action::on_accounts(operation, ActionResult::Skipped, &graph.region, &graph.arn, ids).with_reason(reason)
}

fn failed(graph: &GraphArn, id: String, failure: Failure) -> Action {
    Action::on_accounts(
        Operation::CreateMembers,
        ActionResult::Failed,
        &graph.region,
        &graph.arn,
        vec![id],
    )
    .failed(failure)
}

/// One account that joined, in one region: at most one write.
pub fn enrollment(account: &OrgAccount, graph: &GraphArn, member: Option<&MemberDetail>) -> Plan<MemberWrite> {
    let mut plan = Plan::default();
    let ids = vec![account.id.clone()];
    if graph.account_id == account.id {
        plan.decided(skipped(
            Operation::CreateMembers,
            graph,
            ids,
            Reason::AdministratorOwnsGraph,
        ));
        return plan;
    }
    let Some(member) = member else {
        match account.email.clone().filter(|email| !email.is_empty()) {
            Some(email) => plan.write(MemberWrite::Create {
                graph: graph.clone(),
                accounts: vec![NewMember {
                    account_id: account.id.clone(),
                    email,
                }],
            }),
            None => plan.decided(failed(graph, account.id.clone(), Failure::NoEmail)),
        }
        return plan;
    };
    match member_step(member) {
        MemberStep::Leave(reason) => plan.decided(skipped(Operation::CreateMembers, graph, ids, reason)),
        MemberStep::Enable => plan.write(MemberWrite::StartMonitoring {
            graph: graph.clone(),
            members: vec![member.clone()],
        }),
        MemberStep::Fail(failure) => plan.decided(failed(graph, account.id.clone(), failure)),
    }
    plan
}

/// Accounts a graph that takes no new member leaves out, said why.
fn left_out_of(graph: &GraphArn, account_ids: Vec<String>, why: &LeftOut) -> Action {
    skipped(
        Operation::CreateMembers,
        graph,
        account_ids,
        Reason::LeftOut(why.clone()),
    )
}

/// One account that joined a graph that takes no new member: left out, said why.
pub fn left_out(graph: &GraphArn, account_id: &str, why: &LeftOut) -> Plan<MemberWrite> {
    let mut plan = Plan::default();
    plan.decided(left_out_of(graph, vec![account_id.to_owned()], why));
    plan
}

/// One account that left, in one region. A member Detective does not call ORGANIZATION
/// (an invited account, whatever else it is) is never removed.
pub fn removal(account_id: &str, graph: &GraphArn, member: Option<&MemberDetail>, why: Departure) -> Plan<MemberWrite> {
    let mut plan = Plan::default();
    let ids = vec![account_id.to_owned()];
    let left_alone = if graph.account_id == account_id {
        Some(Reason::AdministratorOwnsGraph)
    } else {
        match member {
            None => Some(Reason::NotAMember),
            Some(member) if !member.is_organization_member() => {
                Some(Reason::MemberByInvitation(member.invitation_type.clone()))
            }
            Some(_) => None,
        }
    };
    match left_alone {
        Some(reason) => plan.decided(skipped(Operation::DeleteMembers, graph, ids, reason)),
        None => plan.write(MemberWrite::Delete {
            graph: graph.clone(),
            account_ids: ids,
            reason: Reason::Departed(why),
        }),
    }
    plan
}

/// Accounts left alone, grouped by why, in the order the reasons first appear.
#[derive(Default)]
struct Grouped(Vec<(Reason, Vec<String>)>);

impl Grouped {
    fn add(&mut self, reason: Reason, id: String) {
        match self.0.iter_mut().find(|(existing, _)| *existing == reason) {
            Some((_, ids)) => ids.push(id),
            None => self.0.push((reason, vec![id])),
        }
    }
}

/// What the sweep of one region read: the graph's members, AutoEnable (`None` when it
/// could not be read), and what ENROLL_PRIORITY needed (empty when every account fits).
pub struct Read<'r> {
    pub graph: &'r GraphArn,
    pub members: &'r [MemberDetail],
    pub auto_enable: Option<bool>,
    pub facts: &'r Facts,
}

/// The sweep of one region: every ACTIVE account a member as far as the graph has room, by
/// ENROLL_PRIORITY, every member's fate from its status, its InvitationType and the
/// organization, and AutoEnable.
pub fn sweep(org: &OrgView, read: &Read<'_>, config: &EnrollConfig) -> Plan<MemberWrite> {
    let mut plan = Plan::default();
    let graph = read.graph;
    let admission = room::admit(org, graph, read.members, config, read.facts);
    plan_missing(&mut plan, graph, &admission);
    let evicted: HashSet<&str> = admission.evicted.iter().map(String::as_str).collect();
    Sorted::of(org, graph, read.members, &evicted).plan(&mut plan, graph, config.remove_departed_accounts);
    plan_auto_enable(&mut plan, graph, read.auto_enable, config.ensure_auto_enable);
    plan
}

/// DeleteMembers for the members that make room, then CreateMembers, in batches, for the
/// missing accounts admitted; those left out are said, with why.
fn plan_missing(plan: &mut Plan<MemberWrite>, graph: &GraphArn, admission: &room::Admission<'_>) {
    for batch in admission.evicted.chunks(BATCH) {
        plan.write(MemberWrite::Delete {
            graph: graph.clone(),
            account_ids: batch.to_vec(),
            reason: Reason::MadeRoom,
        });
    }
    let admitted: Vec<NewMember> = admission
        .admitted
        .iter()
        .map(|account| NewMember {
            account_id: account.id.clone(),
            email: account.email.clone().unwrap_or_default(),
        })
        .collect();
    for batch in admitted.chunks(BATCH) {
        plan.write(MemberWrite::Create {
            graph: graph.clone(),
            accounts: batch.to_vec(),
        });
    }
    if let (Some(why), false) = (&admission.why, admission.left_out.is_empty()) {
        plan.decided(left_out_of(graph, admission.left_out.clone(), why));
    }
}

/// The graph's members, by what becomes of them.
#[derive(Default)]
struct Sorted {
    enabled: Vec<String>,
    to_enable: Vec<MemberDetail>,
    departed: Vec<String>,
    failures: Vec<(String, Failure)>,
    skipped_by_config: Vec<String>,
    waiting: Grouped,
}

impl Sorted {
    /// Every member but the administrator's own and those `evicted` to make room.
    fn of(org: &OrgView, graph: &GraphArn, members: &[MemberDetail], evicted: &HashSet<&str>) -> Self {
        let mut sorted = Self::default();
        for member in members {
            let id = member.account_id.clone();
            if graph.account_id == id || evicted.contains(id.as_str()) {
                continue;
            }
            if org.skipped.contains(&id) {
                sorted.skipped_by_config.push(id);
                continue;
            }
            match org.states.get(&id) {
                Some(AccountState::Active) => match member_step(member) {
                    MemberStep::Leave(Reason::AlreadyEnabled) => sorted.enabled.push(id),
                    MemberStep::Leave(reason) => sorted.waiting.add(reason, id),
                    MemberStep::Enable => sorted.to_enable.push(member.clone()),
                    MemberStep::Fail(failure) => sorted.failures.push((id, failure)),
                },
                Some(AccountState::PendingActivation) => sorted.waiting.add(Reason::NotYetActive, id),
                // Invited accounts are the administrator's own business: whether inside the
                // organization or not, REMOVE_DEPARTED_ACCOUNTS never touches them.
                _ if !member.is_organization_member() => sorted.waiting.add(Reason::InvitedMemberLeftAlone, id),
                _ => sorted.departed.push(id),
            }
        }
        sorted
    }

    /// The writes (StartMonitoringMember, DeleteMembers), then every decision.
    fn plan(self, plan: &mut Plan<MemberWrite>, graph: &GraphArn, removing: bool) {
        if !self.to_enable.is_empty() {
            plan.write(MemberWrite::StartMonitoring {
                graph: graph.clone(),
                members: self.to_enable,
            });
        }
        let departed = Reason::DepartedMember { removing };
        if removing {
            for batch in self.departed.chunks(BATCH) {
                plan.write(MemberWrite::Delete {
                    graph: graph.clone(),
                    account_ids: batch.to_vec(),
                    reason: departed.clone(),
                });
            }
        } else if !self.departed.is_empty() {
            plan.decided(skipped(Operation::DeleteMembers, graph, self.departed, departed));
        }
        for (id, failure) in self.failures {
            plan.decided(failed(graph, id, failure));
        }
        let mut left = vec![(Reason::AlreadyEnabled, self.enabled)];
        left.extend(self.waiting.0);
        left.push((Reason::SkippedByConfig, self.skipped_by_config));
        for (reason, ids) in left.into_iter().filter(|(_, ids)| !ids.is_empty()) {
            plan.decided(skipped(Operation::CreateMembers, graph, ids, reason));
        }
    }
}

/// AutoEnable on, when it was read off and ENSURE_AUTO_ENABLE asks it; else said.
fn plan_auto_enable(plan: &mut Plan<MemberWrite>, graph: &GraphArn, auto_enable: Option<bool>, ensure: bool) {
    match auto_enable {
        Some(false) if ensure => plan.write(MemberWrite::EnableAutoEnable { graph: graph.clone() }),
        Some(false) => {
            let mut action = skipped(
                Operation::UpdateOrganizationConfiguration,
                graph,
                Vec::new(),
                Reason::AutoEnableNotEnsured,
            );
            action.auto_enable = Some(true);
            plan.decided(action);
        }
        Some(true) | None => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::domain::{DisabledReason, InvitationType};
    use crate::execute::Step;

    const ADMIN: &str = "111111111111";

    fn graph() -> GraphArn {
        GraphArn::parse(&format!(
            "arn:aws:detective:us-east-1:{ADMIN}:graph:0123456789abcdef0123456789abcdef"
        ))
        .unwrap_or_else(|| unreachable!("a valid ARN"))
    }

    fn config(vars: &[(&str, &str)]) -> EnrollConfig {
        let mut env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        env.insert("REGIONS".into(), "us-east-1".into());
        EnrollConfig::from_env(&env).unwrap_or_else(|error| unreachable!("{error}"))
    }

    fn member(id: &str, status: MemberStatus, kind: Option<InvitationType>) -> MemberDetail {
        MemberDetail {
            usage: Default::default(),
            account_id: id.into(),
            email: None,
            graph_arn: None,
            administrator_id: None,
            status,
            invitation_type: kind,
            disabled_reason: None,
        }
    }

    fn account(id: &str, state: AccountState) -> OrgAccount {
        OrgAccount {
            joined: None,
            id: id.into(),
            name: None,
            email: Some(format!("{id}@example.com")),
            state,
        }
    }

    /// The sweep of one region, with no priority facts read.
    fn swept(
        org: &OrgView,
        members: &[MemberDetail],
        auto_enable: Option<bool>,
        config: &EnrollConfig,
    ) -> Plan<MemberWrite> {
        let read = Read {
            graph: &graph(),
            members,
            auto_enable,
            facts: &Facts::default(),
        };
        sweep(org, &read, config)
    }

    /// A plan in words: "Write CreateMembers 2" or "Skipped CreateMembers: reason".
    fn described(plan: &Plan<MemberWrite>) -> Vec<String> {
        plan.steps
            .iter()
            .map(|step| match step {
                Step::Write(MemberWrite::Create { accounts, .. }) => format!("create {}", accounts.len()),
                Step::Write(MemberWrite::Delete { account_ids, .. }) => format!("delete {}", account_ids.join(",")),
                Step::Write(MemberWrite::StartMonitoring { members, .. }) => format!("enable {}", members.len()),
                Step::Write(MemberWrite::EnableAutoEnable { .. }) => "auto-enable".to_owned(),
                Step::Decided(action) => format!(
                    "{:?} {} {}: {}",
                    action.result,
                    action.operation,
                    action.account_ids.join(","),
                    action.reason_text().or_else(|| action.error_text()).unwrap_or_default()
                ),
            })
            .collect()
    }

    #[test]
    fn an_account_event_makes_at_most_one_write_whatever_the_member_status() {
        let new = account("222222222222", AccountState::Active);
        let cases: Vec<(Option<MemberStatus>, &str)> = vec![
            (None, "create 1"),
            (Some(MemberStatus::Enabled), "Skipped CreateMembers 222222222222: already an ENABLED member"),
            (Some(MemberStatus::AcceptedButDisabled), "enable 1"),
            (
                Some(MemberStatus::VerificationInProgress),
                "Skipped CreateMembers 222222222222: being enabled (VERIFICATION_IN_PROGRESS)",
            ),
            (Some(MemberStatus::Invited), "Skipped CreateMembers 222222222222: invited and awaiting acceptance"),
            (
                Some(MemberStatus::VerificationFailed),
                "Failed CreateMembers 222222222222: VERIFICATION_FAILED: Detective could not verify the account and its email address; remove the member and enroll it again",
            ),
            (
                Some(MemberStatus::Other("PAUSED".into())),
                "Skipped CreateMembers 222222222222: member status PAUSED",
            ),
        ];
        for (status, expected) in cases {
            let found = status.map(|status| member(&new.id, status, Some(InvitationType::Organization)));
            assert_eq!(described(&enrollment(&new, &graph(), found.as_ref())), vec![expected]);
        }
        let admin = account(ADMIN, AccountState::Active);
        assert_eq!(
            described(&enrollment(&admin, &graph(), None)),
            vec!["Skipped CreateMembers 111111111111: the administrator account owns the graph"]
        );
        let no_email = OrgAccount { email: None, ..new };
        assert_eq!(
            described(&enrollment(&no_email, &graph(), None)),
            vec!["Failed CreateMembers 222222222222: Organizations returned no email address for the account"]
        );
    }

    #[test]
    fn a_departure_removes_only_organization_members() {
        let why = || Departure::NotActive(AccountState::Suspended);
        let id = "222222222222";
        let cases: Vec<(Option<MemberDetail>, &str)> = vec![
            (Some(member(id, MemberStatus::Enabled, Some(InvitationType::Organization))), "delete 222222222222"),
            (
                Some(member(id, MemberStatus::Enabled, Some(InvitationType::Invitation))),
                "Skipped DeleteMembers 222222222222: a member by invitation (InvitationType INVITATION), never removed by REMOVE_DEPARTED_ACCOUNTS",
            ),
            (
                Some(member(id, MemberStatus::Enabled, None)),
                "Skipped DeleteMembers 222222222222: a member by invitation (InvitationType not given), never removed by REMOVE_DEPARTED_ACCOUNTS",
            ),
            (None, "Skipped DeleteMembers 222222222222: not a member of the graph"),
        ];
        for (found, expected) in cases {
            assert_eq!(described(&removal(id, &graph(), found.as_ref(), why())), vec![expected]);
        }
        assert_eq!(
            described(&removal(ADMIN, &graph(), None, why())),
            vec!["Skipped DeleteMembers 111111111111: the administrator account owns the graph"]
        );
    }

    /// Every member status × organization account state × InvitationType × REMOVE_DEPARTED_ACCOUNTS.
    #[test]
    fn the_sweep_decides_every_member_from_status_state_and_invitation_type() {
        let statuses = [
            MemberStatus::Enabled,
            MemberStatus::AcceptedButDisabled,
            MemberStatus::VerificationInProgress,
            MemberStatus::Invited,
            MemberStatus::VerificationFailed,
        ];
        let states = [
            Some(AccountState::Active),
            Some(AccountState::PendingActivation),
            Some(AccountState::Suspended),
            Some(AccountState::Closed),
            None,
        ];
        let kinds = [
            Some(InvitationType::Organization),
            Some(InvitationType::Invitation),
            None,
        ];
        for remove in ["false", "true"] {
            let config = config(&[("REMOVE_DEPARTED_ACCOUNTS", remove)]);
            for status in &statuses {
                for state in &states {
                    for kind in &kinds {
                        let id = "222222222222";
                        let mut org = OrgView::new(Vec::new(), &config);
                        if let Some(state) = state {
                            org.states.insert(id.into(), state.clone());
                        }
                        let found = [member(id, status.clone(), kind.clone())];
                        let plan = described(&swept(&org, &found, Some(true), &config));
                        let expected = match (state, status) {
                            (Some(AccountState::Active), MemberStatus::Enabled) => {
                                "Skipped CreateMembers 222222222222: already an ENABLED member".to_owned()
                            }
                            (Some(AccountState::Active), MemberStatus::AcceptedButDisabled) => "enable 1".to_owned(),
                            (Some(AccountState::Active), MemberStatus::VerificationInProgress) => {
                                "Skipped CreateMembers 222222222222: being enabled (VERIFICATION_IN_PROGRESS)".to_owned()
                            }
                            (Some(AccountState::Active), MemberStatus::Invited) => {
                                "Skipped CreateMembers 222222222222: invited and awaiting acceptance".to_owned()
                            }
                            (Some(AccountState::Active), _) => "Failed CreateMembers 222222222222: VERIFICATION_FAILED: Detective could not verify the account and its email address; remove the member and enroll it again".to_owned(),
                            (Some(AccountState::PendingActivation), _) => {
                                "Skipped CreateMembers 222222222222: account not yet ACTIVE (PENDING_ACTIVATION)".to_owned()
                            }
                            _ if *kind != Some(InvitationType::Organization) => "Skipped CreateMembers 222222222222: a member by invitation, not an ACTIVE organization account: left alone".to_owned(),
                            _ if remove == "true" => "delete 222222222222".to_owned(),
                            _ => "Skipped DeleteMembers 222222222222: an organization member no longer ACTIVE in the organization; REMOVE_DEPARTED_ACCOUNTS is off".to_owned(),
                        };
                        assert_eq!(plan, vec![expected], "{status:?} {state:?} {kind:?} remove={remove}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_sweep_enrolls_the_missing_in_batches_of_fifty_and_turns_auto_enable_on() {
        let accounts: Vec<OrgAccount> = (0..120)
            .map(|n| account(&format!("{:012}", 300_000_000_000_u64 + n), AccountState::Active))
            .chain([
                account(ADMIN, AccountState::Active),
                account("999999999999", AccountState::Suspended),
            ])
            .collect();
        let config = config(&[("SKIP_ACCOUNT_IDS", "300000000000")]);
        let org = OrgView::new(accounts, &config);
        let mut disabled = member(
            "300000000001",
            MemberStatus::AcceptedButDisabled,
            Some(InvitationType::Organization),
        );
        disabled.disabled_reason = Some(DisabledReason::VolumeTooHigh);
        let plan = swept(&org, &[disabled], Some(false), &config);
        assert_eq!(
            described(&plan),
            vec!["create 50", "create 50", "create 18", "enable 1", "auto-enable"],
            "118 missing: 120 less the skipped one and the member"
        );
        let off = self::config(&[("ENSURE_AUTO_ENABLE", "false")]);
        let plan = swept(&OrgView::new(Vec::new(), &off), &[], Some(false), &off);
        assert_eq!(
            described(&plan),
            vec!["Skipped UpdateOrganizationConfiguration : AutoEnable is off and ENSURE_AUTO_ENABLE is false"]
        );
        assert!(swept(&OrgView::new(Vec::new(), &off), &[], None, &off).steps.is_empty());
    }

    fn joined(id: &str, year: i32) -> OrgAccount {
        OrgAccount {
            joined: chrono::NaiveDate::from_ymd_opt(year, 1, 1)
                .and_then(|day| day.and_hms_opt(0, 0, 0))
                .map(|time| time.and_utc()),
            ..account(id, AccountState::Active)
        }
    }

    fn enabled(id: &str, kind: InvitationType) -> MemberDetail {
        member(id, MemberStatus::Enabled, Some(kind))
    }

    /// The accounts each write and decision of a plan names.
    fn named(plan: &Plan<MemberWrite>) -> Vec<String> {
        plan.steps
            .iter()
            .map(|step| match step {
                Step::Write(MemberWrite::Create { accounts, .. }) => format!(
                    "create {}",
                    accounts
                        .iter()
                        .map(|a| a.account_id.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Step::Write(MemberWrite::Delete {
                    account_ids, reason, ..
                }) => {
                    format!("delete {} ({reason})", account_ids.join(","))
                }
                Step::Write(other) => format!("{other:?}"),
                Step::Decided(action) => format!(
                    "{} {}: {}",
                    action.operation,
                    action.account_ids.join(","),
                    action.reason.as_ref().map(ToString::to_string).unwrap_or_default()
                ),
            })
            .collect()
    }

    #[test]
    fn a_full_graph_takes_the_oldest_accounts_first_and_says_who_is_left_out() {
        let config = config(&[("MEMBER_QUOTA", "3")]);
        let org = OrgView::new(
            vec![
                joined("500000000000", 2024),
                joined("400000000000", 2019),
                joined("300000000000", 2021),
                joined("200000000000", 2018),
            ],
            &config,
        );
        let members = [enabled("200000000000", InvitationType::Organization)];
        assert_eq!(
            named(&swept(&org, &members, Some(true), &config)),
            vec![
                "create 400000000000,300000000000".to_owned(),
                "CreateMembers 500000000000: left out: the graph is at its quota of 3 members and this account ranks below them (ENROLL_PRIORITY)".to_owned(),
                "CreateMembers 200000000000: already an ENABLED member".to_owned(),
            ]
        );
        assert_eq!(
            room::contention(&org, &graph(), &members, &config),
            vec!["500000000000", "400000000000", "300000000000"],
            "the order is read for the missing accounts only"
        );
        let roomy = self::config(&[("MEMBER_QUOTA", "4")]);
        assert!(
            room::contention(&org, &graph(), &members, &roomy).is_empty(),
            "all fit: nothing to read"
        );
        assert_eq!(
            named(&swept(&org, &members, Some(true), &roomy))[0],
            "create 500000000000,400000000000,300000000000",
            "all fit: ListAccounts' order, no ranking"
        );
    }

    #[test]
    fn enroll_priority_rules_come_before_age() {
        let config = config(&[
            ("MEMBER_QUOTA", "2"),
            (
                "ENROLL_PRIORITY",
                "account:500000000000,ou:ou-ab12-prod0001,tag:tier=gold",
            ),
        ]);
        let org = OrgView::new(
            vec![
                joined("200000000000", 2010),
                joined("300000000000", 2020),
                joined("400000000000", 2022),
                joined("500000000000", 2024),
            ],
            &config,
        );
        let facts = Facts {
            under: HashMap::from([(
                "ou-ab12-prod0001".to_owned(),
                HashSet::from(["400000000000".to_owned()]),
            )]),
            tags: HashMap::from([("300000000000".to_owned(), vec![("tier".to_owned(), "gold".to_owned())])]),
        };
        let read = Read {
            graph: &graph(),
            members: &[],
            auto_enable: Some(true),
            facts: &facts,
        };
        assert_eq!(
            named(&sweep(&org, &read, &config))[..2],
            [
                "create 500000000000,400000000000".to_owned(),
                "CreateMembers 300000000000,200000000000: left out: the graph is at its quota of 2 members and this account ranks below them (ENROLL_PRIORITY)".to_owned(),
            ]
        );
    }

    #[test]
    fn make_room_removes_only_lower_ranked_members_this_function_enrolls() {
        let rules = "account:500000000000,account:600000000000";
        let config = config(&[
            ("MEMBER_QUOTA", "3"),
            ("ENROLL_PRIORITY", rules),
            ("MAKE_ROOM", "true"),
            ("SKIP_ACCOUNT_IDS", "900000000000"),
        ]);
        let org = OrgView::new(
            vec![
                joined("200000000000", 2010),
                joined("300000000000", 2020),
                joined("500000000000", 2024),
                joined("600000000000", 2025),
                joined("700000000000", 2025),
            ],
            &config,
        );
        // 300… is ours and ranks lowest of the members; 200… ranks above it; the invited
        // member and the skipped one are never removed.
        let members = [
            enabled("200000000000", InvitationType::Organization),
            enabled("300000000000", InvitationType::Organization),
            enabled("800000000000", InvitationType::Invitation),
        ];
        let read = Read {
            graph: &graph(),
            members: &members,
            auto_enable: Some(true),
            facts: &Facts::default(),
        };
        let plan = named(&sweep(&org, &read, &config));
        assert_eq!(
            plan[..4],
            [
                "delete 300000000000,200000000000 (removed to make room in a full graph for an account that ranks higher (MAKE_ROOM))".to_owned(),
                "create 500000000000,600000000000".to_owned(),
                "CreateMembers 700000000000: left out: the graph is at its quota of 3 members and this account ranks below them (ENROLL_PRIORITY)".to_owned(),
                "CreateMembers 800000000000: a member by invitation, not an ACTIVE organization account: left alone".to_owned(),
            ]
        );
        assert!(plan.iter().all(|line| !line.contains("already an ENABLED")), "{plan:?}");
        // With one rule, 600… (no rule, joined 2025) ranks below both members: only 500… gets
        // a place, the lowest-ranked member's.
        let one_rule = self::config(&[
            ("MEMBER_QUOTA", "3"),
            ("ENROLL_PRIORITY", "account:500000000000"),
            ("MAKE_ROOM", "true"),
        ]);
        let plan = named(&sweep(&org, &read, &one_rule));
        assert!(plan[0].starts_with("delete 300000000000 ("), "{plan:?}");
        assert_eq!(plan[1], "create 500000000000");
        assert!(
            plan[2].starts_with("CreateMembers 600000000000,700000000000: left out"),
            "{plan:?}"
        );
        // 700… ranks below both members (no rule, and younger): it takes no one's place.
        let without = self::config(&[("MEMBER_QUOTA", "3"), ("ENROLL_PRIORITY", rules)]);
        let plan = named(&sweep(&org, &read, &without));
        assert!(
            plan.iter().all(|line| !line.starts_with("delete")),
            "MAKE_ROOM off: {plan:?}"
        );
        assert!(
            plan[0].starts_with("CreateMembers 500000000000,600000000000,700000000000: left out"),
            "{plan:?}"
        );
    }

    #[test]
    fn a_graph_over_ten_terabytes_a_day_takes_no_member_and_makes_no_room() {
        let config = config(&[("MAKE_ROOM", "true")]);
        let org = OrgView::new(
            vec![joined("300000000000", 2020), joined("400000000000", 2024)],
            &config,
        );
        let mut heavy = enabled("300000000000", InvitationType::Organization);
        heavy.usage.volumes = vec![crate::aws::PackageVolume {
            package: crate::domain::DatasourcePackage::DetectiveCore,
            bytes_per_day: room::VOLUME_LIMIT_BYTES_PER_DAY,
            updated: None,
        }];
        let plan = named(&swept(&org, &[heavy.clone()], Some(true), &config));
        assert_eq!(
            plan[0],
            format!(
                "CreateMembers 400000000000: left out: the graph's members ingest {} bytes a day, at or over Detective's 10 TB a day",
                room::VOLUME_LIMIT_BYTES_PER_DAY
            )
        );
        heavy.status = MemberStatus::AcceptedButDisabled;
        assert_eq!(
            named(&swept(&org, &[heavy], Some(true), &config))[0],
            "create 400000000000",
            "a member disabled for volume sends nothing"
        );
    }
}
