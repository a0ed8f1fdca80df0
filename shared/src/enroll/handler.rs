//! The function: what each trigger asks, the reads (Organizations first: the event is only
//! a hint), then per region the reads, the plan and its execution.

use crate::operation::Operation;
use std::future::Future;
use std::time::Duration;

use aws_config::SdkConfig;

use super::config::{EnrollConfig, VARIABLES};
use super::plan::{self, OrgView};
use super::tamper::{self, Screened};
use super::writes::{MemberPorts, MemberWrite};
use super::AWS_ACTIONS;
use crate::aws::arn::GraphArn;
use crate::aws::{
    AdministratorPort, AlertPort, AwsError, GraphCache, GraphError, GraphPort, GraphSetupPort, MemberDetail,
    MemberPort, OrgAccount, OrganizationConfigPort, OrganizationPort, SdkDetective, SdkEventBridge, SdkOrganizations,
};
use crate::config::{ConfigError, Env};
use crate::configure::SetupWrite;
use crate::domain::{AccountId, AccountState, CreationState, HandshakeState};
use crate::domain::{DatasourcePackage, IngestState};
use crate::event::{AccountEventKind, DepartureKind, EventError, TamperEvent, TamperOperation, Trigger};
use crate::execute::{execute, Plan, Policy};
use crate::function::{Function, Handler, Invocation};
use crate::metrics::FunctionMetrics;
use crate::outcome::{Action, ActionResult, Reason};
use crate::outcome::{Departure, Failure, Outcome, Status};
use crate::regions::{assemble, each_region, RegionReport};

pub const FUNCTION: &str = "enroll-accounts";
/// enroll-accounts: long-lived clients, configuration and graph cache.
pub struct EnrollAccounts<D = SdkDetective, O = SdkOrganizations, A = SdkEventBridge> {
    pub detective: D,
    pub organizations: O,
    /// Where tamper alerts go (EventBridge).
    pub alerts: A,
    pub config: EnrollConfig,
    /// Graphs found by ListGraphs, remembered while the execution environment is warm.
    pub graphs: GraphCache,
    /// Base of the jittered wait before the one retry of unprocessed accounts.
    pub retry_base: Duration,
}

impl<D, O, A> Handler for EnrollAccounts<D, O, A>
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + AdministratorPort,
    O: OrganizationPort,
    A: AlertPort,
{
    const NAME: &'static str = FUNCTION;
    const NOT_TAKEN: &'static str = "is not an account lifecycle event, a call that weakens Detective or a schedule";

    fn takes(trigger: &Trigger) -> bool {
        matches!(
            trigger,
            Trigger::AccountCreated { .. }
                | Trigger::HandshakeAccepted { .. }
                | Trigger::AccountDeparted { .. }
                | Trigger::Scheduled { .. }
                | Trigger::DetectiveTampered(_)
        )
    }

    fn metrics(outcome: &Outcome) -> FunctionMetrics {
        super::metrics::counted(outcome)
    }

    async fn handle(&self, invocation: &Invocation<'_>) -> Outcome {
        self.enroll_accounts(invocation).await
    }
}

impl Function for EnrollAccounts {
    const AWS_ACTIONS: &'static [&'static str] = AWS_ACTIONS;
    const VARIABLES: &'static [(&'static str, &'static str)] = VARIABLES;
    type Config = EnrollConfig;

    fn config(env: &dyn Env) -> Result<EnrollConfig, ConfigError> {
        EnrollConfig::from_env(env)
    }

    fn force_dry_run(config: &mut EnrollConfig) {
        config.dry_run = true;
    }

    fn build(config: EnrollConfig, sdk: &SdkConfig) -> Self {
        Self {
            detective: SdkDetective::new(sdk),
            organizations: SdkOrganizations::new(sdk),
            alerts: SdkEventBridge::new(sdk),
            config,
            graphs: GraphCache::default(),
            retry_base: Duration::from_secs(1),
        }
    }
}

fn valid_account(account_id: Option<&String>, field: &str) -> Result<AccountId, EventError> {
    match account_id {
        Some(id) => AccountId::parse(id).ok_or_else(|| EventError::InvalidField {
            field: format!("event.detail.{field}"),
            expected: "a 12-digit account id",
            found: format!("{id:?}"),
        }),
        None => Err(EventError::InvalidField {
            field: format!("event.detail.{field}"),
            expected: "a 12-digit account id",
            found: "nothing".to_owned(),
        }),
    }
}

impl<D, O, A> EnrollAccounts<D, O, A>
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + AdministratorPort,
    O: OrganizationPort,
    A: AlertPort,
{
    /// What the trigger asks, decided from the event; the account is always re-read.
    pub async fn enroll_accounts(&self, invocation: &Invocation<'_>) -> Outcome {
        let id = invocation.event_id();
        let ignored = |reason: String| Outcome::new(FUNCTION, id.clone(), Status::Ignored, reason);
        let failed = |error: EventError| Outcome::failed(FUNCTION, id.clone(), error);
        let name = invocation.trigger.name();
        match invocation.trigger {
            // Where its account id sits is not documented: when we cannot read one, the
            // whole organization is reconciled instead, so no join is missed.
            Trigger::AccountCreated {
                kind: AccountEventKind::AccountJoinedOrganization,
                account_id,
                ..
            } => match account_id.as_deref().and_then(AccountId::parse) {
                Some(account_id) => self.enroll(invocation, name, &account_id).await,
                None => {
                    let why = format!("{name} names no account we could read: every account was reconciled instead");
                    self.sweep(invocation, Some(&why)).await
                }
            },
            Trigger::AccountCreated {
                kind,
                state,
                account_id,
                ..
            } => {
                if state.as_deref().map(CreationState::from_aws) != Some(CreationState::Succeeded) {
                    return ignored(format!(
                        "{name} with state {}: only SUCCEEDED enrolls",
                        state.as_deref().unwrap_or("(none)")
                    ));
                }
                let field = match kind {
                    AccountEventKind::CreateAccountResult => "serviceEventDetails.createAccountStatus.accountId",
                    AccountEventKind::CreateManagedAccount => {
                        "serviceEventDetails.createManagedAccountStatus.account.accountId"
                    }
                    AccountEventKind::UpdateManagedAccount => {
                        "serviceEventDetails.updateManagedAccountStatus.account.accountId"
                    }
                    AccountEventKind::AccountJoinedOrganization => "the joining account id",
                };
                match valid_account(account_id.as_ref(), field) {
                    Ok(account_id) => self.enroll(invocation, name, &account_id).await,
                    Err(error) => failed(error),
                }
            }
            Trigger::HandshakeAccepted {
                handshake_state,
                account_id,
                error_code,
            } => {
                if let Some(code) = error_code {
                    return ignored(format!("{name} failed with {code}: nobody joined"));
                }
                if handshake_state.as_deref().map(HandshakeState::from_aws) != Some(HandshakeState::Accepted) {
                    return ignored(format!(
                        "{name} with handshake state {}: only ACCEPTED enrolls",
                        handshake_state.as_deref().unwrap_or("(none)")
                    ));
                }
                match valid_account(
                    account_id.as_ref(),
                    "responseElements.handshake.parties[type=ACCOUNT].id",
                ) {
                    Ok(account_id) => self.enroll(invocation, name, &account_id).await,
                    Err(error) => failed(error),
                }
            }
            Trigger::AccountDeparted {
                kind,
                account_id,
                error_code,
            } => {
                if let Some(code) = error_code {
                    return ignored(format!("{name} did not complete ({code}): nothing departed"));
                }
                if !self.config.remove_departed_accounts {
                    return ignored(format!(
                        "{name}: REMOVE_DEPARTED_ACCOUNTS is off, so members are not removed"
                    ));
                }
                if *kind == DepartureKind::AccountDepartedOrganization && account_id.is_none() {
                    let why = format!("{name} names no account we could read: every account was reconciled instead");
                    return self.sweep(invocation, Some(&why)).await;
                }
                match valid_account(account_id.as_ref(), "the departing account id") {
                    Ok(account_id) => self.remove(invocation, name, &account_id).await,
                    Err(error) => failed(error),
                }
            }
            Trigger::Scheduled { .. } => self.sweep(invocation, None).await,
            Trigger::DetectiveTampered(event) => self.tampered(invocation, event).await,
            other => ignored(format!("{} is not for {FUNCTION}", other.name())),
        }
    }

    fn policy<'i>(&self, invocation: &Invocation<'i>) -> Policy<'i> {
        invocation.policy(FUNCTION, self.config.dry_run)
    }

    fn ports(&self) -> MemberPorts<'_, D> {
        MemberPorts {
            detective: &self.detective,
            retry_base: self.retry_base,
        }
    }

    /// Runs `work` for every configured region, at most MAX_CONCURRENT_REGIONS at once.
    async fn each_region<'s, F, Fut>(&'s self, work: F) -> Vec<RegionReport>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = RegionReport> + 's,
    {
        each_region(&self.config.regions, self.config.max_concurrent_regions, work).await
    }

    /// Runs `work`, the first call on the region's graph, through the graph cache (which
    /// looks again once if a remembered graph is gone).
    async fn on_graph<T, F, Fut>(&self, region: &str, work: F) -> Result<(GraphArn, T), GraphError>
    where
        F: Fn(GraphArn) -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        self.graphs
            .with_graph(&self.detective, self.config.graph_arn.as_ref(), region, work)
            .await
    }

    /// The region's graph and the account's membership in it.
    async fn membership(
        &self,
        region: &str,
        account_id: &AccountId,
    ) -> Result<(GraphArn, Option<MemberDetail>), GraphError> {
        let ids = [account_id.as_str().to_owned()];
        let (graph, lookup) = self
            .on_graph(region, |graph| {
                let ids = &ids;
                async move { self.detective.get_members(&graph.region, &graph.arn, ids).await }
            })
            .await?;
        let member = lookup
            .members
            .into_iter()
            .find(|member| *account_id == member.account_id);
        Ok((graph, member))
    }

    /// An account outside the organization removed from the graph of `region`: still a
    /// member (a stale event), nothing; gone, the action that says it cannot be restored.
    async fn invited_member_gone(&self, region: &str, account: &AccountId) -> Result<Option<Action>, Failure> {
        let (graph, member) = self.membership(region, account).await?;
        Ok(member.is_none().then(|| {
            Action::on_accounts(
                Operation::CreateMembers,
                ActionResult::Skipped,
                region,
                &graph.arn,
                vec![account.to_string()],
            )
            .with_reason(Reason::InvitedMemberGone)
        }))
    }

    async fn run_plan(&self, invocation: &Invocation<'_>, region: &str, plan: Plan<MemberWrite>) -> RegionReport {
        self.run_plan_with(&self.policy(invocation), region, plan).await
    }

    async fn run_plan_with(&self, policy: &Policy<'_>, region: &str, plan: Plan<MemberWrite>) -> RegionReport {
        let mut report = RegionReport::new(region);
        report.actions = execute(plan, &self.ports(), policy).await;
        report
    }

    /// Re-reads the account (the event is only a hint), then enrolls it in every region.
    async fn enroll(&self, invocation: &Invocation<'_>, name: &str, account_id: &AccountId) -> Outcome {
        self.enroll_with(&self.policy(invocation), invocation, name, account_id)
            .await
    }

    /// `enroll`, with the writes made under `policy` (a tamper alert only plans them).
    async fn enroll_with(
        &self,
        policy: &Policy<'_>,
        invocation: &Invocation<'_>,
        name: &str,
        account_id: &AccountId,
    ) -> Outcome {
        let id = invocation.event_id();
        let ignored = |reason: String| Outcome::new(FUNCTION, id.clone(), Status::Ignored, reason);
        if self.config.is_skipped(account_id.as_str()) {
            return ignored(format!("account {account_id} is in SKIP_ACCOUNT_IDS"));
        }
        let account = match self.organizations.describe_account(account_id.as_str()).await {
            Ok(Some(account)) => account,
            Ok(None) => {
                return ignored(format!(
                    "{name} names account {account_id}, which is not in the organization (DescribeAccount): no write"
                ))
            }
            Err(error) => return Outcome::failed(FUNCTION, id, error),
        };
        // An account still being activated will be ACTIVE in minutes: failing makes Lambda
        // retry the event then, rather than leave it to the next sweep.
        match &account.state {
            AccountState::Active => {}
            AccountState::PendingActivation => {
                return Outcome::failed(FUNCTION, id, Failure::PendingActivation(account_id.clone()))
            }
            other => return ignored(format!("account {account_id} is {other}, not ACTIVE: not enrolled")),
        }
        let account: &OrgAccount = &account;
        let reports = self
            .each_region(|region| async move {
                match self.membership(&region, account_id).await {
                    Ok((graph, member)) => {
                        self.run_plan_with(policy, &region, plan::enrollment(account, &graph, member.as_ref()))
                            .await
                    }
                    Err(error) => RegionReport::failed(&region, error),
                }
            })
            .await;
        assemble(FUNCTION, id, &format!("{name} for account {account_id}"), reports)
    }

    /// Confirms the account is gone or no longer ACTIVE, then removes it in every region.
    async fn remove(&self, invocation: &Invocation<'_>, name: &str, account_id: &AccountId) -> Outcome {
        let id = invocation.event_id();
        let ignored = |reason: String| Outcome::new(FUNCTION, id.clone(), Status::Ignored, reason);
        if self.config.is_skipped(account_id.as_str()) {
            return ignored(format!("account {account_id} is in SKIP_ACCOUNT_IDS"));
        }
        let why = match self.organizations.describe_account(account_id.as_str()).await {
            Ok(Some(account)) if account.state == AccountState::Active => {
                return ignored(format!(
                    "{name} names account {account_id}, but it is still an ACTIVE organization account: no write"
                ))
            }
            Ok(Some(account)) => Departure::NotActive(account.state),
            Ok(None) => Departure::Left,
            Err(error) => return Outcome::failed(FUNCTION, id, error),
        };
        let why = &why;
        let reports = self
            .each_region(|region| async move {
                match self.membership(&region, account_id).await {
                    Ok((graph, member)) => {
                        let plan = plan::removal(account_id.as_str(), &graph, member.as_ref(), why.clone());
                        self.run_plan(invocation, &region, plan).await
                    }
                    Err(error) => RegionReport::failed(&region, error),
                }
            })
            .await;
        assemble(
            FUNCTION,
            id,
            &format!("{name} for account {account_id} ({why})"),
            reports,
        )
    }

    /// The full reconcile: ListAccounts once, then every region. `why` says what asked for
    /// it when it was not the schedule.
    async fn sweep(&self, invocation: &Invocation<'_>, why: Option<&str>) -> Outcome {
        let id = invocation.event_id();
        let accounts = match self.organizations.list_accounts().await {
            Ok(accounts) => accounts,
            Err(error) => return Outcome::failed(FUNCTION, id, error),
        };
        let total = accounts.len();
        let org = OrgView::new(accounts, &self.config);
        let org = &org;
        let reports = self
            .each_region(|region| self.sweep_region(invocation, region, org))
            .await;
        let mut subject = format!(
            "sweep of {total} organization accounts ({} ACTIVE, not skipped)",
            org.active.len()
        );
        if let Some(why) = why {
            subject = format!("{why}; {subject}");
        }
        assemble(FUNCTION, id, &subject, reports)
    }

    /// ListMembers and the organization configuration, the plan, then its execution. A
    /// configuration that cannot be read leaves AutoEnable out of the plan and fails the
    /// region after the members are done.
    async fn sweep_region(&self, invocation: &Invocation<'_>, region: String, org: &OrgView) -> RegionReport {
        let (graph, members) = match self
            .on_graph(&region, |graph| async move {
                self.detective.list_members(&graph.region, &graph.arn).await
            })
            .await
        {
            Ok(found) => found,
            Err(error) => return RegionReport::failed(&region, error),
        };
        let auto_enable = self
            .detective
            .describe_organization_configuration(&graph.region, &graph.arn)
            .await;
        let plan = plan::sweep(org, &graph, &members, auto_enable.as_ref().ok().copied(), &self.config);
        let mut report = self.run_plan(invocation, &region, plan).await;
        report.error = auto_enable.err().map(Failure::Aws);
        report
    }
}

/// Calls that weaken Detective.
impl<D, O, A> EnrollAccounts<D, O, A>
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + AdministratorPort,
    O: OrganizationPort,
    A: AlertPort,
{
    /// Re-reads what the call could have changed, restores what is safe to restore (or only
    /// plans it, when alerting only), then alerts, saying who did what from where. A re-read
    /// that shows nothing weakened (a stale or forged event) makes no write and no alert.
    async fn tampered(&self, invocation: &Invocation<'_>, event: &TamperEvent) -> Outcome {
        let id = invocation.event_id();
        let name = invocation.trigger.name();
        let (restore, why) = match tamper::screen(event, &self.config) {
            Screened::Ignore(reason) => return Outcome::new(FUNCTION, id, Status::Ignored, reason),
            Screened::Respond { restore, why } => (restore, why),
        };
        // First what a restore would do (a dry run: reads only). Nothing to restore means a
        // stale or forged event. The alert goes out before anything is restored: should the
        // alert fail, the retry still finds the state weakened and alerts again; should the
        // restore fail, the retry alerts again (the same id) and restores.
        let mut dry = self.policy(invocation);
        dry.dry_run = true;
        let planned = match self.restore(invocation, name, event, &dry).await {
            Ok(Some(actions)) => actions,
            Ok(None) => {
                return Outcome::new(
                    FUNCTION,
                    id,
                    Status::Ignored,
                    format!("{name}: the re-read shows nothing weakened (a stale or forged event): no write, no alert"),
                )
            }
            Err(failure) => return Outcome::failed(FUNCTION, id, failure),
        };
        // Something to restore, or (an invited member gone) only to tell.
        let restorable = planned.iter().any(|action| action.result != ActionResult::Skipped);
        let (restore, why) = if restore && !restorable && !planned.is_empty() {
            let told: Vec<String> = planned.iter().filter_map(Action::reason_text).collect();
            (false, format!("nothing can be restored: {}", told.join("; ")))
        } else {
            (restore, why)
        };
        let response = if !restore {
            tamper::Response::AlertedOnly
        } else if self.config.dry_run {
            tamper::Response::Planned
        } else {
            tamper::Response::Restoring
        };
        let accounts = match event.operation {
            TamperOperation::DisassociateMembership => event.caller.account_id.iter().cloned().collect(),
            _ => event.account_ids.clone(),
        };
        let alert = tamper::Alert {
            operation: event.operation.name(),
            region: event.region.as_deref(),
            graph_arn: event.graph_arn.as_deref(),
            accounts,
            auto_enable: event.auto_enable,
            packages: &event.packages,
            who: &event.caller,
            source_ip: event.source_ip.as_deref(),
            user_agent: event.user_agent.as_deref(),
            event_time: event.event_time.as_deref(),
            id: event.event_id.as_deref(),
            response,
            reason: why.clone(),
            actions: planned.iter().map(describe).collect(),
            dry_run: self.config.dry_run,
            message: String::new(),
        }
        .with_message();
        let mut plan = Plan::default();
        plan.write(tamper::AlertWrite {
            bus: self.config.alert_bus.clone(),
            region: event.region.clone(),
            detail: serde_json::to_string(&alert).unwrap_or_default(),
            resources: event.graph_arn.iter().cloned().collect(),
        });
        let mut actions = execute(plan, &self.alerts, &self.policy(invocation)).await;
        let alert_failed = actions.iter().any(|action| action.result == ActionResult::Failed);
        if !restore || self.config.dry_run {
            actions.splice(0..0, planned);
        } else if !alert_failed {
            match self.restore(invocation, name, event, &self.policy(invocation)).await {
                Ok(Some(restored)) => actions.splice(0..0, restored),
                // Restored by someone else meanwhile.
                Ok(None) => actions.splice(0..0, Vec::new()),
                Err(failure) => {
                    let mut outcome = Outcome::failed(FUNCTION, id, failure);
                    outcome.actions = actions;
                    return outcome;
                }
            };
        }
        // The alert is always among the actions (done, planned or failed): never ignored.
        let status = Status::combined(actions.iter().map(|action| action.result.into()));
        let who = event
            .caller
            .arn
            .as_deref()
            .or(event.caller.invoked_by.as_deref())
            .unwrap_or("an unknown caller");
        let from = event.source_ip.as_deref().unwrap_or("an unknown address");
        let reason = format!("{name} by {who} from {from}: {why}");
        Outcome::new(FUNCTION, id, status, reason).with_actions(actions)
    }

    /// The writes that restore what the call weakened (planned under a dry-run policy), or
    /// None when the re-read shows nothing weakened.
    async fn restore(
        &self,
        invocation: &Invocation<'_>,
        name: &str,
        event: &TamperEvent,
        policy: &Policy<'_>,
    ) -> Result<Option<Vec<Action>>, Failure> {
        let region = event.region.clone().unwrap_or_default();
        match event.operation {
            TamperOperation::DeleteMembers | TamperOperation::DisassociateMembership => {
                let (ids, field) = match event.operation {
                    TamperOperation::DeleteMembers => (event.account_ids.clone(), "requestParameters.accountIds"),
                    _ => (
                        event.caller.account_id.iter().cloned().collect(),
                        "userIdentity.accountId",
                    ),
                };
                let mut actions = Vec::new();
                for id in &ids {
                    let account = valid_account(Some(id), field)?;
                    // A member by invitation (an account outside the organization) cannot be
                    // enrolled again: it comes back only by a new invitation. Absent now,
                    // that is said; still a member, the event was stale.
                    if !self.config.is_skipped(account.as_str())
                        && self.organizations.describe_account(account.as_str()).await?.is_none()
                    {
                        if event.operation == TamperOperation::DeleteMembers {
                            actions.extend(self.invited_member_gone(&region, &account).await?);
                        }
                        continue;
                    }
                    let outcome = self.enroll_with(policy, invocation, name, &account).await;
                    if let Some(failure) = outcome.failure {
                        return Err(failure);
                    }
                    // A region that could not be read is a failure too, never "nothing weakened".
                    if let Some(failure) = outcome.regions.iter().find_map(|region| region.failure.clone()) {
                        return Err(failure);
                    }
                    actions.extend(outcome.actions);
                }
                let weakened = actions.iter().any(|action| {
                    (matches!(
                        action.operation,
                        Operation::CreateMembers | Operation::StartMonitoringMember
                    ) && action.result != ActionResult::Skipped)
                        || action.reason == Some(Reason::InvitedMemberGone)
                });
                Ok(weakened.then_some(actions))
            }
            TamperOperation::UpdateOrganizationConfiguration => {
                let (graph, auto_enable) = self
                    .on_graph(&region, |graph| async move {
                        self.detective
                            .describe_organization_configuration(&graph.region, &graph.arn)
                            .await
                    })
                    .await?;
                if auto_enable {
                    return Ok(None);
                }
                let mut plan = Plan::default();
                plan.write(SetupWrite::AutoEnable {
                    region: graph.region.clone(),
                    graph: graph.arn.clone(),
                    auto_enable: true,
                });
                Ok(Some(execute(plan, &self.detective, policy).await))
            }
            TamperOperation::UpdateDatasourcePackages => {
                let (graph, packages) = self
                    .on_graph(&region, |graph| async move {
                        self.detective.list_datasource_packages(&graph.region, &graph.arn).await
                    })
                    .await?;
                let off: Vec<(DatasourcePackage, Option<IngestState>)> = self
                    .config
                    .wanted_packages()
                    .into_iter()
                    .filter_map(|package| match packages.get(&package) {
                        Some(IngestState::Started) => None,
                        state => Some((package, state.cloned())),
                    })
                    .collect();
                if off.is_empty() {
                    return Ok(None);
                }
                let mut plan = Plan::default();
                plan.write(SetupWrite::StartPackages {
                    region: graph.region.clone(),
                    graph: graph.arn.clone(),
                    packages: off.iter().map(|(package, _)| package.clone()).collect(),
                    reason: Reason::PackagesOff(off),
                });
                Ok(Some(execute(plan, &self.detective, policy).await))
            }
            // Whether the graph is gone yet or still listed (Detective queues a deletion),
            // it is being deleted: always alerted, and the decision left to a person.
            TamperOperation::DeleteGraph => Ok(Some(Vec::new())),
            // Answered only in the management account: not re-readable from here.
            TamperOperation::DisableOrganizationAdminAccount | TamperOperation::DeregisterDelegatedAdministrator => {
                Ok(Some(Vec::new()))
            }
        }
    }
}

/// An action as the alert lists it: `CreateMembers 222222222222 done`.
fn describe(action: &Action) -> String {
    let result = serde_json::to_value(action.result).unwrap_or_default();
    let target = if action.account_ids.is_empty() {
        action
            .packages
            .iter()
            .map(ToString::to_string)
            .chain(action.auto_enable.map(|on| format!("AutoEnable={on}")))
            .collect::<Vec<_>>()
            .join(",")
    } else {
        action.account_ids.join(",")
    };
    format!(
        "{} {} {target} {}",
        action.operation,
        action.region.as_deref().unwrap_or("-"),
        result.as_str().unwrap_or_default()
    )
}
