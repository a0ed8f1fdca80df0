//! The response to a call that weakened Detective: re-read what it could have changed,
//! plan the restore once and purely from that, alert (saying what the plan does), then
//! carry the plan out. A re-read that shows nothing weakened (a stale or forged event)
//! makes no write and no alert.

use futures_util::stream::{self, StreamExt};

use super::handler::{valid_account, EnrollAccounts, FUNCTION};
use super::plan;
use super::reason::Reason;
use super::tamper::{self, Screened};
use super::writes::{MemberPorts, MemberWrite};
use crate::aws::arn::GraphArn;
use crate::aws::{
    AdministratorPort, AlertPort, GraphPort, GraphSetupPort, MemberDetail, MemberPort, OrgAccount,
    OrganizationConfigPort, OrganizationPort, PackageStates,
};
use crate::configure::{packages_off, SetupWrite};
use crate::domain::{AccountId, AccountState, DatasourcePackage};
use crate::event::{TamperEvent, TamperOperation};
use crate::execute::{execute, Plan, Policy, Step};
use crate::function::Invocation;
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult, Failure, Outcome, Status};

/// What the re-read found of what the call could have changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Reread {
    /// DeleteMembers, DisassociateMembership: each account the call named.
    Members(Vec<AccountNow>),
    AutoEnable {
        graph: GraphArn,
        on: bool,
    },
    Packages {
        graph: GraphArn,
        listed: PackageStates,
    },
    /// A deleted graph or a removed administrator: nothing here to re-read or restore.
    Unrestorable,
}

/// Where an account the call named stands now.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountNow {
    /// In SKIP_ACCOUNT_IDS, in the organization but not ACTIVE, or outside it and not removed
    /// from a graph by this call: none of ours to restore.
    LeftAlone,
    /// Outside the organization, removed by DeleteMembers: its membership in that region now.
    Outside {
        id: AccountId,
        graph: GraphArn,
        member: Option<MemberDetail>,
    },
    /// An ACTIVE organization account: its membership in every configured region.
    Active {
        account: OrgAccount,
        regions: Vec<(GraphArn, Option<MemberDetail>)>,
    },
}

/// The restore, as planned: membership writes per graph, and the graph's own setup.
#[derive(Debug, Default)]
pub struct Restoration {
    pub members: Vec<Plan<MemberWrite>>,
    pub setup: Plan<SetupWrite>,
}

/// Pure: the restore the re-read calls for, or None when nothing is weakened.
pub fn restoration(reread: &Reread, wanted_packages: Vec<DatasourcePackage>) -> Option<Restoration> {
    let mut restoration = Restoration::default();
    match reread {
        Reread::Members(accounts) => {
            restoration.members = accounts.iter().flat_map(account_plans).collect();
            let weakened = restoration.members.iter().flat_map(|plan| &plan.steps).any(weakens);
            return weakened.then_some(restoration);
        }
        Reread::AutoEnable { on: true, .. } => return None,
        Reread::AutoEnable { graph, on: false } => restoration.setup.write(SetupWrite::AutoEnable {
            region: graph.region.clone(),
            graph: graph.arn.clone(),
            auto_enable: true,
        }),
        Reread::Packages { graph, listed } => {
            let off = packages_off(wanted_packages, listed);
            if off.is_empty() {
                return None;
            }
            restoration.setup.write(SetupWrite::StartPackages {
                region: graph.region.clone(),
                graph: graph.arn.clone(),
                packages: off.iter().map(|(package, _)| package.clone()).collect(),
                reason: crate::configure::Reason::PackagesOff(off),
            });
        }
        // Always alerted, and the decision left to a person.
        Reread::Unrestorable => {}
    }
    Some(restoration)
}

fn account_plans(account: &AccountNow) -> Vec<Plan<MemberWrite>> {
    match account {
        AccountNow::LeftAlone => Vec::new(),
        // Still a member: the event was stale.
        AccountNow::Outside { member: Some(_), .. } => Vec::new(),
        AccountNow::Outside {
            id,
            graph,
            member: None,
        } => {
            let mut plan = Plan::default();
            plan.decided(
                Action::on_accounts(
                    Operation::CreateMembers,
                    ActionResult::Skipped,
                    &graph.region,
                    &graph.arn,
                    vec![id.to_string()],
                )
                .with_reason(Reason::InvitedMemberGone),
            );
            vec![plan]
        }
        AccountNow::Active { account, regions } => regions
            .iter()
            .map(|(graph, member)| plan::enrollment(account, graph, member.as_ref()))
            .collect(),
    }
}

/// A step that shows the account weakened: a write to restore it, one that cannot be made
/// (no email), or an invited member gone for good.
fn weakens(step: &Step<MemberWrite>) -> bool {
    match step {
        Step::Write(_) => true,
        Step::Decided(action) => {
            action.result != ActionResult::Skipped || action.reason_of() == Some(&Reason::InvitedMemberGone)
        }
    }
}

impl<D, O, A> EnrollAccounts<D, O, A>
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + AdministratorPort,
    O: OrganizationPort,
    A: AlertPort,
{
    /// The alert goes out before anything is restored: should the alert fail, the retry
    /// still finds the state weakened and alerts again; should the restore fail, the retry
    /// alerts again (the same id) and restores.
    pub(super) async fn tampered(&self, invocation: &Invocation<'_>, event: &TamperEvent) -> Outcome {
        let id = invocation.event_id();
        let name = invocation.trigger.name();
        let (restore, why) = match tamper::screen(event, &self.config) {
            Screened::Ignore(reason) => return Outcome::new(FUNCTION, id, Status::Ignored, reason),
            Screened::Respond { restore, why } => (restore, why),
        };
        let reread = match self.reread(event).await {
            Ok(reread) => reread,
            Err(failure) => return Outcome::failed(FUNCTION, id, failure),
        };
        let Some(restoration) = restoration(&reread, self.config.wanted_packages()) else {
            let reason =
                format!("{name}: the re-read shows nothing weakened (a stale or forged event): no write, no alert");
            return Outcome::new(FUNCTION, id, Status::Ignored, reason);
        };
        let planned = self.preview(&restoration);
        let (restore, why) = said_what_can_be_restored(restore, why, &planned);
        let response = match (restore, self.config.dry_run) {
            (false, _) => tamper::Response::AlertedOnly,
            (true, true) => tamper::Response::Planned,
            (true, false) => tamper::Response::Restoring,
        };
        let policy = self.policy(invocation);
        let alert = tamper::alert_plan(event, &self.config, response, &why, &planned);
        let mut actions = execute(alert, &self.alerts, &policy).await;
        let alert_failed = actions.iter().any(|action| action.result == ActionResult::Failed);
        if !restore || self.config.dry_run {
            actions.splice(0..0, planned);
        } else if !alert_failed {
            actions.splice(0..0, self.restore(restoration, &policy).await);
        }
        // The alert is always among the actions (done, planned or failed): never ignored.
        let status = Status::combined(actions.iter().map(|action| action.result.into()));
        let who = event.caller.arn.as_deref().or(event.caller.invoked_by.as_deref());
        let from = event.source_ip.as_deref().unwrap_or("an unknown address");
        let reason = format!("{name} by {} from {from}: {why}", who.unwrap_or("an unknown caller"));
        Outcome::new(FUNCTION, id, status, reason).with_actions(actions)
    }

    /// The restore's actions as planned, before any call.
    fn preview(&self, restoration: &Restoration) -> Vec<Action> {
        let mut actions: Vec<Action> = restoration
            .members
            .iter()
            .flat_map(Plan::preview::<MemberPorts<'_, D>>)
            .collect();
        actions.extend(restoration.setup.preview::<D>());
        actions
    }

    async fn restore(&self, restoration: Restoration, policy: &Policy<'_>) -> Vec<Action> {
        // In the plan's order, one graph after the other: few writes, and none reordered.
        let ports = self.ports();
        let mut actions = Vec::new();
        for plan in restoration.members {
            actions.extend(execute(plan, &ports, policy).await);
        }
        actions.extend(execute(restoration.setup, &self.detective, policy).await);
        actions
    }

    /// What the call could have changed, as AWS says now.
    async fn reread(&self, event: &TamperEvent) -> Result<Reread, Failure> {
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
                let mut accounts = Vec::new();
                for id in &ids {
                    let account = valid_account(Some(id), field)?;
                    let removed = event.operation == TamperOperation::DeleteMembers;
                    accounts.push(self.account_now(&region, account, removed).await?);
                }
                Ok(Reread::Members(accounts))
            }
            TamperOperation::UpdateOrganizationConfiguration => {
                let (graph, on) = self
                    .on_graph(&region, |graph| async move {
                        self.detective
                            .describe_organization_configuration(&graph.region, &graph.arn)
                            .await
                    })
                    .await?;
                Ok(Reread::AutoEnable { graph, on })
            }
            TamperOperation::UpdateDatasourcePackages => {
                let (graph, listed) = self
                    .on_graph(&region, |graph| async move {
                        self.detective.list_datasource_packages(&graph.region, &graph.arn).await
                    })
                    .await?;
                Ok(Reread::Packages { graph, listed })
            }
            TamperOperation::DeleteGraph
            | TamperOperation::DisableOrganizationAdminAccount
            | TamperOperation::DeregisterDelegatedAdministrator => Ok(Reread::Unrestorable),
        }
    }

    /// The account as Organizations has it, and its memberships where they matter. An
    /// account still being activated fails the invocation: Lambda retries it in minutes.
    async fn account_now(&self, region: &str, id: AccountId, removed: bool) -> Result<AccountNow, Failure> {
        if self.config.is_skipped(id.as_str()) {
            return Ok(AccountNow::LeftAlone);
        }
        let Some(account) = self.organizations.describe_account(id.as_str()).await? else {
            // A member by invitation (outside the organization) comes back only by a new
            // invitation: said, when the call removed it and it is gone.
            if !removed {
                return Ok(AccountNow::LeftAlone);
            }
            let (graph, member) = self.membership(region, &id).await?;
            return Ok(AccountNow::Outside { id, graph, member });
        };
        match account.state {
            AccountState::Active => {}
            AccountState::PendingActivation => return Err(Failure::PendingActivation(id)),
            _ => return Ok(AccountNow::LeftAlone),
        }
        let id = &id;
        let reads: Vec<_> = stream::iter(self.config.regions.clone())
            .map(|region| async move { self.membership(&region, id).await })
            .buffered(self.config.max_concurrent_regions.max(1))
            .collect()
            .await;
        let regions = reads.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(AccountNow::Active { account, regions })
    }
}

/// Asked to restore, but nothing can be: say why instead (the reasons of what was decided).
fn said_what_can_be_restored(restore: bool, why: String, planned: &[Action]) -> (bool, String) {
    let restorable = planned.iter().any(|action| action.result != ActionResult::Skipped);
    if restore && !restorable && !planned.is_empty() {
        let told: Vec<String> = planned.iter().filter_map(Action::reason_text).collect();
        return (false, format!("nothing can be restored: {}", told.join("; ")));
    }
    (restore, why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{IngestState, MemberStatus};

    fn graph(region: &str) -> GraphArn {
        GraphArn::parse(&format!(
            "arn:aws:detective:{region}:111111111111:graph:027c7c4610ea4aacaf0b883093cab899"
        ))
        .unwrap()
    }

    fn member(status: MemberStatus) -> MemberDetail {
        MemberDetail {
            usage: Default::default(),
            account_id: "222222222222".into(),
            email: None,
            graph_arn: None,
            administrator_id: None,
            status,
            invitation_type: None,
            disabled_reason: None,
        }
    }

    fn active(regions: Vec<(GraphArn, Option<MemberDetail>)>) -> AccountNow {
        AccountNow::Active {
            account: OrgAccount {
                joined: None,
                id: "222222222222".into(),
                name: None,
                email: Some("a@example.com".into()),
                state: AccountState::Active,
            },
            regions,
        }
    }

    /// Each step as `Write` or `<result> <reason>`: what the plan does, in order.
    fn steps(restoration: &Restoration) -> Vec<String> {
        let members = restoration
            .members
            .iter()
            .flat_map(|plan| &plan.steps)
            .map(|step| match step {
                Step::Write(write) => format!("{write:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                Step::Decided(action) => format!("{:?} {}", action.result, action.reason_text().unwrap_or_default()),
            });
        let setup = restoration.setup.steps.iter().map(|step| match step {
            Step::Write(SetupWrite::AutoEnable { auto_enable, .. }) => format!("AutoEnable {auto_enable}"),
            Step::Write(SetupWrite::StartPackages { packages, .. }) => format!("StartPackages {packages:?}"),
            other => format!("{other:?}"),
        });
        members.chain(setup).collect()
    }

    fn planned(reread: Reread) -> Option<Vec<String>> {
        let wanted = vec![DatasourcePackage::DetectiveCore, DatasourcePackage::EksAudit];
        restoration(&reread, wanted).map(|restoration| steps(&restoration))
    }

    #[test]
    fn a_member_removed_is_enrolled_again_where_it_is_missing_and_a_stale_event_plans_nothing() {
        let (east, west) = (graph("us-east-1"), graph("us-west-2"));
        let removed_in_west = active(vec![
            (east.clone(), Some(member(MemberStatus::Enabled))),
            (west.clone(), None),
        ]);
        assert_eq!(
            planned(Reread::Members(vec![removed_in_west])),
            Some(vec!["Skipped already an ENABLED member".into(), "Create".into()])
        );
        let everywhere = active(vec![(east, Some(member(MemberStatus::Enabled)))]);
        assert_eq!(planned(Reread::Members(vec![everywhere, AccountNow::LeftAlone])), None);
    }

    #[test]
    fn an_invited_member_gone_is_told_never_recreated_and_one_still_there_is_stale() {
        let gone = AccountNow::Outside {
            id: AccountId::parse("333333333333").unwrap(),
            graph: graph("us-east-1"),
            member: None,
        };
        let told = planned(Reread::Members(vec![gone])).unwrap();
        assert_eq!(told.len(), 1);
        assert!(
            told[0].starts_with("Skipped not an account of the organization"),
            "{told:?}"
        );
        let still = AccountNow::Outside {
            id: AccountId::parse("333333333333").unwrap(),
            graph: graph("us-east-1"),
            member: Some(member(MemberStatus::Enabled)),
        };
        assert_eq!(planned(Reread::Members(vec![still])), None);
    }

    #[test]
    fn auto_enable_and_packages_are_restored_only_when_the_re_read_shows_them_off() {
        let on = |on| Reread::AutoEnable {
            graph: graph("us-east-1"),
            on,
        };
        assert_eq!(planned(on(true)), None);
        assert_eq!(planned(on(false)), Some(vec!["AutoEnable true".into()]));
        let listed = |eks| Reread::Packages {
            graph: graph("us-east-1"),
            listed: [
                (DatasourcePackage::DetectiveCore, IngestState::Started),
                (DatasourcePackage::EksAudit, eks),
            ]
            .into_iter()
            .collect(),
        };
        assert_eq!(planned(listed(IngestState::Started)), None);
        assert_eq!(
            planned(listed(IngestState::Stopped)),
            Some(vec![format!("StartPackages {:?}", vec![DatasourcePackage::EksAudit])])
        );
        // Nothing to restore, but always alerted.
        assert_eq!(planned(Reread::Unrestorable), Some(Vec::new()));
    }
}
