//! The entry point: route the event, re-read Organizations, work each region.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::accounts::{enroll_in_region, remove_in_region};
use super::config::EnrollConfig;
use super::sweep::{sweep_region, OrgView};
use super::writes::WritePolicy;
use crate::aws::arn::{is_account_id, GraphArn};
use crate::aws::{
    AwsError, GraphCache, GraphError, GraphPort, MemberPort, OrgAccount, OrganizationConfigPort, OrganizationPort,
};
use crate::clock::Clock;
use crate::event::{route, AccountEventKind, DepartureKind, Envelope, EventError, Trigger};
use crate::outcome::{Outcome, Status};
use crate::regions::{assemble, each_region, RegionReport, Verbs};
use crate::telemetry;

pub const FUNCTION: &str = "enroll-accounts";
const VERBS: Verbs = &[
    ("CreateMembers", "enrolled"),
    ("StartMonitoringMember", "re-enabled"),
    ("DeleteMembers", "removed"),
];

/// Everything a run needs; built per invocation from long-lived parts.
pub struct Enroller<'a, D, O> {
    pub detective: &'a D,
    pub organizations: &'a O,
    pub config: &'a EnrollConfig,
    pub graphs: &'a GraphCache,
    pub clock: &'a dyn Clock,
    /// When to stop starting new work (`work_deadline` of the Lambda deadline); none in the CLI.
    pub deadline: Option<DateTime<Utc>>,
    /// Base of the jittered wait before the one retry of unprocessed accounts.
    pub retry_base: Duration,
}

impl<D: GraphPort, O> Enroller<'_, D, O> {
    /// Runs `work`, the first call on the region's graph, through the graph cache (which
    /// looks again once if a remembered graph is gone).
    pub(super) async fn on_graph<T, F, Fut>(&self, region: &str, work: F) -> Result<(GraphArn, T), GraphError>
    where
        F: Fn(GraphArn) -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        self.graphs
            .with_graph(self.detective, self.config.graph_arn.as_ref(), region, work)
            .await
    }
}

impl<D, O> Enroller<'_, D, O> {
    pub(super) fn policy(&self) -> WritePolicy<'_> {
        WritePolicy {
            dry_run: self.config.dry_run,
            clock: self.clock,
            deadline: self.deadline,
            retry_base: self.retry_base,
        }
    }
}

impl<D, O> Enroller<'_, D, O>
where
    D: GraphPort + MemberPort + OrganizationConfigPort,
    O: OrganizationPort,
{
    /// Runs `work` for every configured region, at most MAX_CONCURRENT_REGIONS at once.
    async fn each_region<'s, F, Fut>(&'s self, work: F) -> Vec<RegionReport>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = RegionReport> + 's,
    {
        each_region(&self.config.regions, self.config.max_concurrent_regions, work).await
    }

    /// Handles one event end to end.
    pub async fn handle(&self, payload: &Value) -> Outcome {
        let outcome = self.decide_and_act(payload).await;
        telemetry::log_outcome(&outcome);
        outcome
    }

    async fn decide_and_act(&self, payload: &Value) -> Outcome {
        let envelope = match Envelope::from_value(payload) {
            Ok(envelope) => envelope,
            Err(error) => return Outcome::new(FUNCTION, None, Status::Failed, error.to_string()),
        };
        let id = envelope.id.clone();
        let ignored = |reason: String| Outcome::new(FUNCTION, id.clone(), Status::Ignored, reason);
        let failed = |reason: String| Outcome::new(FUNCTION, id.clone(), Status::Failed, reason);
        let trigger = match route(&envelope) {
            Ok(trigger) => trigger,
            Err(error) => return failed(error.to_string()),
        };
        let name = trigger.name();
        match trigger {
            // Where its account id sits is not documented: when we cannot read one, the
            // whole organization is reconciled instead, so no join is missed.
            Trigger::AccountCreated {
                kind: AccountEventKind::AccountJoinedOrganization,
                account_id,
                ..
            } => match account_id {
                Some(account_id) => self.enroll(id, name, &account_id).await,
                None => {
                    let why = format!("{name} names no account we could read: every account was reconciled instead");
                    self.sweep(id, Some(&why)).await
                }
            },
            Trigger::AccountCreated {
                kind,
                state,
                account_id,
                ..
            } => {
                if state.as_deref() != Some("SUCCEEDED") {
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
                match valid_account(account_id, field) {
                    Ok(account_id) => self.enroll(id, name, &account_id).await,
                    Err(error) => failed(error.to_string()),
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
                if handshake_state.as_deref() != Some("ACCEPTED") {
                    return ignored(format!(
                        "{name} with handshake state {}: only ACCEPTED enrolls",
                        handshake_state.as_deref().unwrap_or("(none)")
                    ));
                }
                match valid_account(account_id, "responseElements.handshake.parties[type=ACCOUNT].id") {
                    Ok(account_id) => self.enroll(id, name, &account_id).await,
                    Err(error) => failed(error.to_string()),
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
                if kind == DepartureKind::AccountDepartedOrganization && account_id.is_none() {
                    let why = format!("{name} names no account we could read: every account was reconciled instead");
                    return self.sweep(id, Some(&why)).await;
                }
                match valid_account(account_id, "the departing account id") {
                    Ok(account_id) => self.remove(id, name, &account_id).await,
                    Err(error) => failed(error.to_string()),
                }
            }
            Trigger::Scheduled { .. } => self.sweep(id, None).await,
            Trigger::GuardDutyFinding(_) | Trigger::DetectiveMembersCreated { .. } | Trigger::Unhandled { .. } => {
                ignored(format!(
                    "source {:?} with detail-type {:?} ({name}) is not an account lifecycle event or a schedule",
                    envelope.source, envelope.detail_type
                ))
            }
        }
    }

    /// Re-reads the account (the event is only a hint), then enrolls it in every region.
    async fn enroll(&self, id: Option<String>, name: &str, account_id: &str) -> Outcome {
        let ignored = |reason: String| Outcome::new(FUNCTION, id.clone(), Status::Ignored, reason);
        if self.config.is_skipped(account_id) {
            return ignored(format!("account {account_id} is in SKIP_ACCOUNT_IDS"));
        }
        let account = match self.organizations.describe_account(account_id).await {
            Ok(Some(account)) => account,
            Ok(None) => {
                return ignored(format!(
                    "{name} names account {account_id}, which is not in the organization (DescribeAccount): no write"
                ))
            }
            Err(error) => return Outcome::new(FUNCTION, id, Status::Failed, error.to_string()),
        };
        // An account still being activated will be ACTIVE in minutes: failing makes Lambda
        // retry the event then, rather than leave it to the next sweep.
        if account.state == "PENDING_ACTIVATION" {
            return Outcome::new(
                FUNCTION,
                id,
                Status::Failed,
                format!("account {account_id} is PENDING_ACTIVATION, not yet ACTIVE: Lambda retries the event"),
            );
        }
        if account.state != "ACTIVE" {
            return ignored(format!(
                "account {account_id} is {}, not ACTIVE: not enrolled",
                account.state
            ));
        }
        let account = &account;
        let reports = self.each_region(|region| enroll_in_region(self, region, account)).await;
        assemble(
            FUNCTION,
            id,
            &format!("{name} for account {account_id}"),
            reports,
            VERBS,
        )
    }

    /// Confirms the account is gone or no longer ACTIVE, then removes it in every region.
    async fn remove(&self, id: Option<String>, name: &str, account_id: &str) -> Outcome {
        let ignored = |reason: String| Outcome::new(FUNCTION, id.clone(), Status::Ignored, reason);
        if self.config.is_skipped(account_id) {
            return ignored(format!("account {account_id} is in SKIP_ACCOUNT_IDS"));
        }
        let why = match self.organizations.describe_account(account_id).await {
            Ok(Some(OrgAccount { state, .. })) if state == "ACTIVE" => {
                return ignored(format!(
                    "{name} names account {account_id}, but it is still an ACTIVE organization account: no write"
                ))
            }
            Ok(Some(account)) => format!("account is {} in the organization", account.state),
            Ok(None) => "account left the organization".to_owned(),
            Err(error) => return Outcome::new(FUNCTION, id, Status::Failed, error.to_string()),
        };
        let why = why.as_str();
        let reports = self
            .each_region(|region| remove_in_region(self, region, account_id, why))
            .await;
        assemble(
            FUNCTION,
            id,
            &format!("{name} for account {account_id} ({why})"),
            reports,
            VERBS,
        )
    }

    /// The full reconcile: ListAccounts once, then every region. `why` says what asked for
    /// it when it was not the schedule.
    async fn sweep(&self, id: Option<String>, why: Option<&str>) -> Outcome {
        let accounts = match self.organizations.list_accounts().await {
            Ok(accounts) => accounts,
            Err(error) => return Outcome::new(FUNCTION, id, Status::Failed, error.to_string()),
        };
        let skipped: HashSet<String> = accounts
            .iter()
            .filter(|a| self.config.is_skipped(&a.id))
            .map(|a| a.id.clone())
            .collect();
        let total = accounts.len();
        let states = accounts.iter().map(|a| (a.id.clone(), a.state.clone())).collect();
        let active: Vec<OrgAccount> = accounts
            .into_iter()
            .filter(|a| a.state == "ACTIVE" && !skipped.contains(&a.id))
            .collect();
        let org = OrgView {
            active,
            states,
            skipped,
        };
        let org = &org;
        let reports = self.each_region(|region| sweep_region(self, region, org)).await;
        let mut subject = format!(
            "sweep of {total} organization accounts ({} ACTIVE, not skipped)",
            org.active.len()
        );
        if let Some(why) = why {
            subject = format!("{why}; {subject}");
        }
        assemble(FUNCTION, id, &subject, reports, VERBS)
    }
}

fn valid_account(account_id: Option<String>, field: &str) -> Result<String, EventError> {
    match account_id {
        Some(id) if is_account_id(&id) => Ok(id),
        other => Err(EventError::InvalidField {
            field: format!("event.detail.{field}"),
            expected: "a 12-digit account id",
            found: other.map_or_else(|| "nothing".to_owned(), |id| format!("{id:?}")),
        }),
    }
}

/// Handles one event (the Lambda and CLI entry point).
pub async fn handle<D, O>(payload: &Value, enroller: &Enroller<'_, D, O>) -> Outcome
where
    D: GraphPort + MemberPort + OrganizationConfigPort,
    O: OrganizationPort,
{
    enroller.handle(payload).await
}
