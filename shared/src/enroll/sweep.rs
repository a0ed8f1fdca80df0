//! The scheduled reconcile sweep of one region.

use std::collections::{HashMap, HashSet};

use crate::aws::arn::GraphArn;
use crate::aws::{GraphPort, MemberDetail, MemberPort, NewMember, OrgAccount, OrganizationConfigPort};
use crate::outcome::{Action, ActionResult};

use super::accounts::{member_step, MemberStep};
use super::handler::Enroller;
use super::writes::{create_members, delete_members, skipped, start_monitoring, BATCH};
use crate::regions::RegionReport;

/// The organization as the sweep sees it, read once for all regions.
pub struct OrgView {
    /// ACTIVE accounts not in SKIP_ACCOUNT_IDS.
    pub active: Vec<OrgAccount>,
    /// Every account of the organization, by id, with its state.
    pub states: HashMap<String, String>,
    pub skipped: HashSet<String>,
}

/// What the sweep does with the graph's members, decided from ListMembers alone.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MemberPlan {
    pub enabled: Vec<String>,
    pub to_enable: Vec<MemberDetail>,
    /// Accounts left alone, grouped by why.
    pub waiting: Vec<(String, Vec<String>)>,
    /// VERIFICATION_FAILED members: not covered.
    pub failed: Vec<(String, String)>,
    /// Organization members whose account left the organization or is no longer ACTIVE.
    pub departed: Vec<String>,
    pub skipped_by_config: Vec<String>,
}

fn wait(plan: &mut MemberPlan, reason: String, id: String) {
    match plan.waiting.iter_mut().find(|(existing, _)| *existing == reason) {
        Some((_, ids)) => ids.push(id),
        None => plan.waiting.push((reason, vec![id])),
    }
}

/// Pure: each member's fate, from its status, its InvitationType and the organization.
pub fn plan_members(members: &[MemberDetail], admin: &str, org: &OrgView) -> MemberPlan {
    let mut plan = MemberPlan::default();
    for member in members {
        let id = member.account_id.clone();
        if id == admin {
            continue;
        }
        if org.skipped.contains(&id) {
            plan.skipped_by_config.push(id);
            continue;
        }
        match org.states.get(&id).map(String::as_str) {
            Some("ACTIVE") => match member_step(member) {
                MemberStep::Nothing => plan.enabled.push(id),
                MemberStep::Enable => plan.to_enable.push(member.clone()),
                MemberStep::Wait(reason) => wait(&mut plan, reason, id),
                MemberStep::Failed(reason) => plan.failed.push((id, reason)),
            },
            Some("PENDING_ACTIVATION") => wait(&mut plan, "account not yet ACTIVE (PENDING_ACTIVATION)".to_owned(), id),
            // Invited accounts are the administrator's own business: whether inside the
            // organization or not, REMOVE_DEPARTED_ACCOUNTS never touches them.
            _ if !member.is_organization_member() => wait(
                &mut plan,
                "a member by invitation, not an ACTIVE organization account: left alone".to_owned(),
                id,
            ),
            _ => plan.departed.push(id),
        }
    }
    plan
}

pub async fn sweep_region<D, O>(enroller: &Enroller<'_, D, O>, region: String, org: &OrgView) -> RegionReport
where
    D: GraphPort + MemberPort + OrganizationConfigPort,
{
    let policy = enroller.policy();
    let (graph, members) = match enroller
        .on_graph(&region, |graph| async move {
            enroller.detective.list_members(&graph.region, &graph.arn).await
        })
        .await
    {
        Ok(found) => found,
        Err(error) => return RegionReport::failed(&region, error.to_string()),
    };
    let mut report = RegionReport::new(&region);
    let listed: HashSet<&str> = members.iter().map(|member| member.account_id.as_str()).collect();
    let missing: Vec<NewMember> = org
        .active
        .iter()
        .filter(|account| account.id != graph.account_id && !listed.contains(account.id.as_str()))
        .map(|account| NewMember {
            account_id: account.id.clone(),
            email: account.email.clone().unwrap_or_default(),
        })
        .collect();
    for batch in missing.chunks(BATCH) {
        report
            .actions
            .extend(create_members(enroller.detective, &policy, &graph, batch).await);
    }

    let plan = plan_members(&members, &graph.account_id, org);
    report
        .actions
        .extend(start_monitoring(enroller.detective, &policy, &graph, &plan.to_enable).await);
    let departed_reason = "an organization member no longer ACTIVE in the organization";
    if enroller.config.remove_departed_accounts {
        for batch in plan.departed.chunks(BATCH) {
            report
                .actions
                .extend(delete_members(enroller.detective, &policy, &graph, batch.to_vec(), departed_reason).await);
        }
    } else {
        let reason = format!("{departed_reason}; REMOVE_DEPARTED_ACCOUNTS is off");
        report
            .actions
            .extend(skipped("DeleteMembers", &graph, plan.departed, &reason));
    }
    for (id, reason) in plan.failed {
        let mut action = Action::on_accounts(
            "CreateMembers",
            ActionResult::Failed,
            &graph.region,
            &graph.arn,
            vec![id],
        );
        action.error = Some(reason);
        report.actions.push(action);
    }
    report.actions.extend(skipped(
        "CreateMembers",
        &graph,
        plan.enabled,
        "already an ENABLED member",
    ));
    for (reason, ids) in plan.waiting {
        report.actions.extend(skipped("CreateMembers", &graph, ids, &reason));
    }
    report.actions.extend(skipped(
        "CreateMembers",
        &graph,
        plan.skipped_by_config,
        "skipped by SKIP_ACCOUNT_IDS",
    ));

    match ensure_auto_enable(enroller, &graph).await {
        Ok(Some(action)) => report.actions.push(action),
        Ok(None) => {}
        Err(error) => report.error = Some(error),
    }
    report
}

/// DescribeOrganizationConfiguration, then UpdateOrganizationConfiguration when AutoEnable is off.
async fn ensure_auto_enable<D, O>(enroller: &Enroller<'_, D, O>, graph: &GraphArn) -> Result<Option<Action>, String>
where
    D: OrganizationConfigPort,
{
    let detective = enroller.detective;
    let auto_enable = detective
        .describe_organization_configuration(&graph.region, &graph.arn)
        .await
        .map_err(|error| error.to_string())?;
    if auto_enable {
        return Ok(None);
    }
    let action = |result| {
        let mut action = Action::on_accounts(
            "UpdateOrganizationConfiguration",
            result,
            &graph.region,
            &graph.arn,
            Vec::new(),
        );
        action.auto_enable = Some(true);
        action
    };
    if !enroller.config.ensure_auto_enable {
        return Ok(Some(
            action(ActionResult::Skipped).with_reason("AutoEnable is off and ENSURE_AUTO_ENABLE is false"),
        ));
    }
    let policy = enroller.policy();
    if policy.out_of_time() {
        return Ok(Some(
            action(ActionResult::Failed).with_reason("not started: the invocation's deadline was near"),
        ));
    }
    if policy.dry_run {
        return Ok(Some(action(ActionResult::Planned).with_reason("AutoEnable is off")));
    }
    Ok(Some(
        match detective
            .update_organization_configuration(&graph.region, &graph.arn, true)
            .await
        {
            Ok(()) => action(ActionResult::Done).with_reason("AutoEnable was off"),
            Err(error) => {
                let mut failed = action(ActionResult::Failed);
                failed.error = Some(error.to_string());
                failed
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, status: &str, kind: Option<&str>) -> MemberDetail {
        MemberDetail {
            account_id: id.into(),
            email: None,
            graph_arn: None,
            administrator_id: None,
            status: status.into(),
            invitation_type: kind.map(str::to_owned),
            disabled_reason: None,
        }
    }

    #[test]
    fn invited_members_are_never_planned_for_removal() {
        let org = OrgView {
            active: Vec::new(),
            states: [
                ("100000000001", "ACTIVE"),
                ("100000000002", "SUSPENDED"),
                ("100000000003", "PENDING_ACTIVATION"),
            ]
            .iter()
            .map(|(id, state)| ((*id).to_owned(), (*state).to_owned()))
            .collect(),
            skipped: HashSet::new(),
        };
        let members = [
            member("100000000001", "ACCEPTED_BUT_DISABLED", Some("ORGANIZATION")),
            member("100000000002", "ENABLED", Some("ORGANIZATION")),
            member("100000000003", "ENABLED", Some("ORGANIZATION")),
            member("100000000004", "ENABLED", Some("ORGANIZATION")),
            member("100000000005", "ENABLED", Some("INVITATION")),
            member("100000000006", "ENABLED", None),
            member("100000000007", "ENABLED", None),
        ];
        let plan = plan_members(&members, "100000000007", &org);
        assert_eq!(plan.departed, vec!["100000000002", "100000000004"]);
        assert_eq!(plan.to_enable.len(), 1);
        assert_eq!(
            plan.waiting,
            vec![
                (
                    "account not yet ACTIVE (PENDING_ACTIVATION)".to_owned(),
                    vec!["100000000003".to_owned()]
                ),
                (
                    "a member by invitation, not an ACTIVE organization account: left alone".to_owned(),
                    vec!["100000000005".to_owned(), "100000000006".to_owned()]
                ),
            ]
        );
    }
}
