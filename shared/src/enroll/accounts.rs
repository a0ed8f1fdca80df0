//! One account: enroll it after it joined, remove it after it left.

use crate::aws::arn::GraphArn;
use crate::aws::{GraphError, GraphPort, MemberDetail, MemberPort, NewMember, OrgAccount};
use crate::outcome::{Action, ActionResult};

use super::handler::Enroller;
use super::writes::{create_members, delete_members, skipped, start_monitoring};
use crate::regions::RegionReport;

/// What an ACTIVE organization account's membership asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberStep {
    /// ENABLED: nothing.
    Nothing,
    /// ACCEPTED_BUT_DISABLED: StartMonitoringMember (and read back).
    Enable,
    /// Left alone, for this reason (being verified, invited, an unknown status).
    Wait(String),
    /// VERIFICATION_FAILED: not covered, and only a person can fix it.
    Failed(String),
}

/// Pure: the step for a member, from its status.
pub fn member_step(member: &MemberDetail) -> MemberStep {
    match member.status.as_str() {
        "ENABLED" => MemberStep::Nothing,
        "ACCEPTED_BUT_DISABLED" => MemberStep::Enable,
        "VERIFICATION_IN_PROGRESS" => MemberStep::Wait("being enabled (VERIFICATION_IN_PROGRESS)".to_owned()),
        "INVITED" => MemberStep::Wait("invited and awaiting acceptance".to_owned()),
        "VERIFICATION_FAILED" => MemberStep::Failed(
            "VERIFICATION_FAILED: Detective could not verify the account and its email address; remove the member and enroll it again"
                .to_owned(),
        ),
        other => MemberStep::Wait(format!("member status {other}")),
    }
}

/// In one region: GetMembers for the account, then at most one write.
pub async fn enroll_in_region<D, O>(enroller: &Enroller<'_, D, O>, region: String, account: &OrgAccount) -> RegionReport
where
    D: GraphPort + MemberPort,
{
    let ids = vec![account.id.clone()];
    let (graph, member) = match membership(enroller, &region, &account.id).await {
        Ok(found) => found,
        Err(error) => return RegionReport::failed(&region, error.to_string()),
    };
    let mut report = RegionReport::new(&region);
    if graph.account_id == account.id {
        report.actions.extend(skipped(
            "CreateMembers",
            &graph,
            ids,
            "the administrator account owns the graph",
        ));
        return report;
    }
    let policy = enroller.policy();
    let Some(member) = member else {
        report.actions.extend(create(enroller, &graph, account).await);
        return report;
    };
    match member_step(&member) {
        MemberStep::Nothing => {
            report
                .actions
                .extend(skipped("CreateMembers", &graph, ids, "already an ENABLED member"))
        }
        MemberStep::Enable => report
            .actions
            .extend(start_monitoring(enroller.detective, &policy, &graph, std::slice::from_ref(&member)).await),
        MemberStep::Wait(reason) => report.actions.extend(skipped("CreateMembers", &graph, ids, &reason)),
        MemberStep::Failed(reason) => {
            let mut action = Action::on_accounts("CreateMembers", ActionResult::Failed, &region, &graph.arn, ids);
            action.error = Some(reason);
            report.actions.push(action);
        }
    }
    report
}

/// The region's graph and the account's membership in it (GetMembers, the first call on the
/// graph, through the graph cache).
async fn membership<D, O>(
    enroller: &Enroller<'_, D, O>,
    region: &str,
    account_id: &str,
) -> Result<(GraphArn, Option<MemberDetail>), GraphError>
where
    D: GraphPort + MemberPort,
{
    let ids = [account_id.to_owned()];
    let (graph, lookup) = enroller
        .on_graph(region, |graph| {
            let ids = &ids;
            async move { enroller.detective.get_members(&graph.region, &graph.arn, ids).await }
        })
        .await?;
    let member = lookup
        .members
        .into_iter()
        .find(|member| member.account_id == account_id);
    Ok((graph, member))
}

async fn create<D: MemberPort, O>(
    enroller: &Enroller<'_, D, O>,
    graph: &GraphArn,
    account: &OrgAccount,
) -> Vec<Action> {
    let ids = vec![account.id.clone()];
    let Some(email) = account.email.clone().filter(|email| !email.is_empty()) else {
        let mut action = Action::on_accounts("CreateMembers", ActionResult::Failed, &graph.region, &graph.arn, ids);
        action.error = Some("Organizations returned no email address for the account".to_owned());
        return vec![action];
    };
    let member = NewMember {
        account_id: account.id.clone(),
        email,
    };
    create_members(enroller.detective, &enroller.policy(), graph, &[member]).await
}

/// In one region: GetMembers, then DeleteMembers for a departed organization account. A
/// member Detective does not call ORGANIZATION (an invited account, whatever else it is)
/// is never removed.
pub async fn remove_in_region<D, O>(
    enroller: &Enroller<'_, D, O>,
    region: String,
    account_id: &str,
    why: &str,
) -> RegionReport
where
    D: GraphPort + MemberPort,
{
    let ids = vec![account_id.to_owned()];
    let (graph, member) = match membership(enroller, &region, account_id).await {
        Ok(found) => found,
        Err(error) => return RegionReport::failed(&region, error.to_string()),
    };
    let mut report = RegionReport::new(&region);
    let left_alone = if graph.account_id == account_id {
        Some("the administrator account owns the graph".to_owned())
    } else {
        match member {
            None => Some("not a member of the graph".to_owned()),
            Some(member) if !member.is_organization_member() => Some(format!(
                "a member by invitation (InvitationType {}), never removed by REMOVE_DEPARTED_ACCOUNTS",
                member.invitation_type.as_deref().unwrap_or("not given")
            )),
            Some(_) => None,
        }
    };
    match left_alone {
        Some(reason) => report.actions.extend(skipped("DeleteMembers", &graph, ids, &reason)),
        None => report
            .actions
            .extend(delete_members(enroller.detective, &enroller.policy(), &graph, ids, why).await),
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(status: &str) -> MemberDetail {
        MemberDetail {
            account_id: "222222222222".into(),
            email: None,
            graph_arn: None,
            administrator_id: None,
            status: status.into(),
            invitation_type: Some("ORGANIZATION".into()),
            disabled_reason: None,
        }
    }

    #[test]
    fn each_member_status_has_its_step() {
        assert_eq!(member_step(&member("ENABLED")), MemberStep::Nothing);
        assert_eq!(member_step(&member("ACCEPTED_BUT_DISABLED")), MemberStep::Enable);
        assert_eq!(
            member_step(&member("VERIFICATION_IN_PROGRESS")),
            MemberStep::Wait("being enabled (VERIFICATION_IN_PROGRESS)".into())
        );
        assert_eq!(
            member_step(&member("INVITED")),
            MemberStep::Wait("invited and awaiting acceptance".into())
        );
        assert!(
            matches!(member_step(&member("VERIFICATION_FAILED")), MemberStep::Failed(reason) if reason.starts_with("VERIFICATION_FAILED"))
        );
        assert_eq!(
            member_step(&member("NEW_STATUS")),
            MemberStep::Wait("member status NEW_STATUS".into())
        );
    }
}
