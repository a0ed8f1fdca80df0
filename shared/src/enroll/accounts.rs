//! One account: enroll it after it joined, remove it after it left.

use crate::aws::{GraphPort, MemberPort, NewMember, OrgAccount};
use crate::outcome::{Action, ActionResult};

use super::handler::Enroller;
use super::writes::{create_members, delete_members, skipped, start_monitoring};
use crate::regions::RegionReport;

/// In one region: GetMembers for the account, then at most one write.
pub async fn enroll_in_region<D, O>(enroller: &Enroller<'_, D, O>, region: String, account: &OrgAccount) -> RegionReport
where
    D: GraphPort + MemberPort,
{
    let mut report = RegionReport::new(&region);
    let graph = match enroller.graph(&region).await {
        Ok(graph) => graph,
        Err(error) => return RegionReport::failed(&region, error),
    };
    let ids = vec![account.id.clone()];
    if graph.account_id == account.id {
        report.actions.extend(skipped(
            "CreateMembers",
            &graph,
            ids,
            "the administrator account owns the graph",
        ));
        return report;
    }
    let lookup = match enroller.detective.get_members(&region, &graph.arn, &ids).await {
        Ok(lookup) => lookup,
        Err(error) => return RegionReport::failed(&region, error.to_string()),
    };
    let policy = enroller.policy();
    match lookup.members.iter().find(|member| member.account_id == account.id) {
        Some(member) if member.status == "ENABLED" => {
            report
                .actions
                .extend(skipped("CreateMembers", &graph, ids, "already an ENABLED member"));
        }
        Some(member) if member.status == "ACCEPTED_BUT_DISABLED" => {
            report
                .actions
                .push(start_monitoring(enroller.detective, &policy, &graph, &account.id).await);
        }
        Some(member) => {
            let reason = format!("member status {}: invited and awaiting acceptance", member.status);
            report.actions.extend(skipped("CreateMembers", &graph, ids, &reason));
        }
        None => {
            let Some(email) = account.email.clone().filter(|email| !email.is_empty()) else {
                let mut action = Action::on_accounts("CreateMembers", ActionResult::Failed, &region, &graph.arn, ids);
                action.error = Some("Organizations returned no email address for the account".to_owned());
                report.actions.push(action);
                return report;
            };
            let member = NewMember {
                account_id: account.id.clone(),
                email,
            };
            report
                .actions
                .extend(create_members(enroller.detective, &policy, &graph, &[member]).await);
        }
    }
    report
}

/// In one region: DeleteMembers for a departed account.
pub async fn remove_in_region<D, O>(
    enroller: &Enroller<'_, D, O>,
    region: String,
    account_id: &str,
    why: &str,
) -> RegionReport
where
    D: GraphPort + MemberPort,
{
    let mut report = RegionReport::new(&region);
    let graph = match enroller.graph(&region).await {
        Ok(graph) => graph,
        Err(error) => return RegionReport::failed(&region, error),
    };
    if graph.account_id == account_id {
        report.actions.extend(skipped(
            "DeleteMembers",
            &graph,
            vec![account_id.to_owned()],
            "the administrator account owns the graph",
        ));
        return report;
    }
    let policy = enroller.policy();
    report
        .actions
        .extend(delete_members(enroller.detective, &policy, &graph, vec![account_id.to_owned()], why).await);
    report
}
