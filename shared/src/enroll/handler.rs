//! The function: what each trigger asks, the reads (Organizations first: the event is only
//! a hint), then per region the reads, the plan and its execution.

use std::future::Future;
use std::time::Duration;

use aws_config::SdkConfig;

use super::config::{EnrollConfig, VARIABLES};
use super::facts::FactReads;
use super::plan::OrgView;
use super::reason::Departure;
use super::regional::{Change, Membership, Sweep};
use super::writes::{MemberPorts, MemberWrite};
use super::AWS_ACTIONS;
use crate::aws::arn::GraphArn;
use crate::aws::{
    AdministratorPort, AlertPort, AwsError, GraphCache, GraphError, GraphPort, GraphSetupPort, MemberDetail,
    MemberPort, OrganizationConfigPort, OrganizationPort, SdkDetective, SdkEventBridge, SdkOrganizations,
};
use crate::config::{ConfigError, Env};
use crate::domain::{AccountId, AccountState, CreationState, HandshakeState};
use crate::event::{AccountEventKind, DepartureKind, EventError, Trigger};
use crate::execute::Policy;
use crate::function::{Function, Handler, Invocation};
use crate::metrics::FunctionMetrics;
use crate::outcome::{Failure, Outcome, Status};
use crate::regions::{assemble, carry_out_region, each_region, RegionReport};
use crate::steps::{carry_out, Steps};

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

pub(super) fn valid_account(account_id: Option<&String>, field: &str) -> Result<AccountId, EventError> {
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

/// What an event asks of enroll-accounts, read from it alone (the account is re-read after).
enum Asked {
    Enroll(AccountId),
    Remove(AccountId),
    /// Every account, for this reason.
    Sweep(String),
    Nothing(String),
    Unreadable(EventError),
}

/// An account created (or a Control Tower account made): enrolled once SUCCEEDED.
fn created(name: &str, kind: AccountEventKind, state: Option<&str>, account_id: Option<&String>) -> Asked {
    if state.map(CreationState::from_aws) != Some(CreationState::Succeeded) {
        return Asked::Nothing(format!(
            "{name} with state {}: only SUCCEEDED enrolls",
            state.unwrap_or("(none)")
        ));
    }
    let field = match kind {
        AccountEventKind::CreateAccountResult => "serviceEventDetails.createAccountStatus.accountId",
        AccountEventKind::CreateManagedAccount => "serviceEventDetails.createManagedAccountStatus.account.accountId",
        AccountEventKind::UpdateManagedAccount => "serviceEventDetails.updateManagedAccountStatus.account.accountId",
        AccountEventKind::AccountJoinedOrganization => "the joining account id",
    };
    match valid_account(account_id, field) {
        Ok(account_id) => Asked::Enroll(account_id),
        Err(error) => Asked::Unreadable(error),
    }
}

/// A handshake accepted: the account that joined, enrolled.
fn joined(name: &str, state: Option<&str>, account_id: Option<&String>, error_code: Option<&str>) -> Asked {
    if let Some(code) = error_code {
        return Asked::Nothing(format!("{name} failed with {code}: nobody joined"));
    }
    if state.map(HandshakeState::from_aws) != Some(HandshakeState::Accepted) {
        return Asked::Nothing(format!(
            "{name} with handshake state {}: only ACCEPTED enrolls",
            state.unwrap_or("(none)")
        ));
    }
    match valid_account(account_id, "responseElements.handshake.parties[type=ACCOUNT].id") {
        Ok(account_id) => Asked::Enroll(account_id),
        Err(error) => Asked::Unreadable(error),
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
        let name = invocation.trigger.name();
        let asked = match invocation.trigger {
            // Where its account id sits is not documented: when we cannot read one, the
            // whole organization is reconciled instead, so no join is missed.
            Trigger::AccountCreated {
                kind: AccountEventKind::AccountJoinedOrganization,
                account_id,
                ..
            } => match account_id.as_deref().and_then(AccountId::parse) {
                Some(account_id) => Asked::Enroll(account_id),
                None => Asked::Sweep(format!(
                    "{name} names no account we could read: every account was reconciled instead"
                )),
            },
            Trigger::AccountCreated {
                kind,
                state,
                account_id,
                ..
            } => created(name, *kind, state.as_deref(), account_id.as_ref()),
            Trigger::HandshakeAccepted {
                handshake_state,
                account_id,
                error_code,
            } => joined(
                name,
                handshake_state.as_deref(),
                account_id.as_ref(),
                error_code.as_deref(),
            ),
            Trigger::AccountDeparted {
                kind,
                account_id,
                error_code,
            } => self.departed(name, *kind, account_id.as_ref(), error_code.as_deref()),
            Trigger::Scheduled { .. } => return self.sweep(invocation, None).await,
            Trigger::DetectiveTampered(event) => return self.tampered(invocation, event).await,
            other => Asked::Nothing(format!("{} is not for {FUNCTION}", other.name())),
        };
        let id = invocation.event_id();
        match asked {
            Asked::Enroll(account_id) => self.enroll(invocation, name, &account_id).await,
            Asked::Remove(account_id) => self.remove(invocation, name, &account_id).await,
            Asked::Sweep(why) => self.sweep(invocation, Some(&why)).await,
            Asked::Nothing(why) => Outcome::new(FUNCTION, id, Status::Ignored, why),
            Asked::Unreadable(error) => Outcome::failed(FUNCTION, id, error),
        }
    }

    /// A departure event: the account to remove, unless the call failed or removal is off.
    fn departed(
        &self,
        name: &str,
        kind: DepartureKind,
        account_id: Option<&String>,
        error_code: Option<&str>,
    ) -> Asked {
        if let Some(code) = error_code {
            return Asked::Nothing(format!("{name} did not complete ({code}): nothing departed"));
        }
        if !self.config.remove_departed_accounts {
            return Asked::Nothing(format!(
                "{name}: REMOVE_DEPARTED_ACCOUNTS is off, so members are not removed"
            ));
        }
        if kind == DepartureKind::AccountDepartedOrganization && account_id.is_none() {
            return Asked::Sweep(format!(
                "{name} names no account we could read: every account was reconciled instead"
            ));
        }
        match valid_account(account_id, "the departing account id") {
            Ok(account_id) => Asked::Remove(account_id),
            Err(error) => Asked::Unreadable(error),
        }
    }

    pub(super) fn policy<'i>(&self, invocation: &Invocation<'i>) -> Policy<'i> {
        invocation.policy(FUNCTION, self.config.dry_run)
    }

    pub(super) fn ports(&self) -> MemberPorts<'_, D> {
        MemberPorts::new(&self.detective, self.retry_base)
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
    pub(super) async fn on_graph<T, F, Fut>(&self, region: &str, work: F) -> Result<(GraphArn, T), GraphError>
    where
        F: Fn(GraphArn) -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        self.graphs
            .with_graph(&self.detective, self.config.graph_arn.as_ref(), region, work)
            .await
    }

    /// The region's graph and the account's membership in it.
    pub(super) async fn membership(
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

    /// One region's steps, carried out under this invocation's policy.
    async fn in_region<S>(&self, invocation: &Invocation<'_>, steps: &S, region: String) -> RegionReport
    where
        S: Steps<Place = str, Write = MemberWrite>,
    {
        carry_out_region(steps, &region, &self.ports(), &self.policy(invocation)).await
    }

    /// Re-reads the account (the event is only a hint), then enrolls it in every region.
    async fn enroll(&self, invocation: &Invocation<'_>, name: &str, account_id: &AccountId) -> Outcome {
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
        let steps = &Membership {
            function: self,
            account_id,
            change: Change::Enroll(&account),
        };
        let reports = self
            .each_region(|region| self.in_region(invocation, steps, region))
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
        let steps = &Membership {
            function: self,
            account_id,
            change: Change::Remove(&why),
        };
        let reports = self
            .each_region(|region| self.in_region(invocation, steps, region))
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
        let facts = FactReads::new(&self.organizations, &self.config.priority);
        let steps = &Sweep {
            function: self,
            org: &org,
            config: &self.config,
            facts: &facts,
        };
        let reports = self
            .each_region(|region| async move {
                match carry_out(steps, &region, &self.ports(), &self.policy(invocation)).await {
                    Ok(carried) => RegionReport {
                        error: carried.observed.auto_enable.err().map(Failure::Aws),
                        actions: carried.actions,
                        region,
                    },
                    Err(failure) => RegionReport::failed(&region, failure),
                }
            })
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
}
