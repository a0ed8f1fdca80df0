//! The scheduled reconcile sweep of one region.

use std::collections::{HashMap, HashSet};

use crate::aws::{GraphPort, MemberPort, NewMember, OrgAccount, OrganizationConfigPort};
use crate::outcome::{Action, ActionResult};

use super::handler::Enroller;
use super::writes::{create_members, delete_members, skipped, start_monitoring, BATCH};
use crate::regions::RegionReport;

/// The organization as the sweep sees it, read once for all regions.
pub struct OrgView {
    /// ACTIVE accounts not in SKIP_ACCOUNT_IDS.
    pub active: Vec<OrgAccount>,
    pub skipped: HashSet<String>,
}

pub async fn sweep_region<D, O>(enroller: &Enroller<'_, D, O>, region: String, org: &OrgView) -> RegionReport
where
    D: GraphPort + MemberPort + OrganizationConfigPort,
{
    let policy = enroller.policy();
    let graph = match enroller.graph(&region).await {
        Ok(graph) => graph,
        Err(error) => return RegionReport::failed(&region, error),
    };
    let members = match enroller.detective.list_members(&region, &graph.arn).await {
        Ok(members) => members,
        Err(error) => return RegionReport::failed(&region, error.to_string()),
    };
    let mut report = RegionReport::new(&region);
    let admin = graph.account_id.as_str();
    let status_by_id: HashMap<&str, &str> = members
        .iter()
        .map(|member| (member.account_id.as_str(), member.status.as_str()))
        .collect();
    let active_ids: HashSet<&str> = org.active.iter().map(|account| account.id.as_str()).collect();

    let missing: Vec<NewMember> = org
        .active
        .iter()
        .filter(|account| account.id != admin && !status_by_id.contains_key(account.id.as_str()))
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

    let (mut enabled, mut awaiting, mut departed, mut to_enable, mut skipped_by_config) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for member in &members {
        let id = member.account_id.clone();
        if id == admin {
            continue;
        } else if org.skipped.contains(&id) {
            skipped_by_config.push(id);
        } else if !active_ids.contains(id.as_str()) {
            departed.push(id);
        } else if member.status == "ENABLED" {
            enabled.push(id);
        } else if member.status == "ACCEPTED_BUT_DISABLED" {
            to_enable.push(id);
        } else {
            awaiting.push(id);
        }
    }
    for id in &to_enable {
        report
            .actions
            .push(start_monitoring(enroller.detective, &policy, &graph, id).await);
    }
    let departed_reason = "not an ACTIVE account of the organization";
    if enroller.config.remove_departed_accounts {
        for batch in departed.chunks(BATCH) {
            report
                .actions
                .extend(delete_members(enroller.detective, &policy, &graph, batch.to_vec(), departed_reason).await);
        }
    } else {
        let reason = format!("{departed_reason}; REMOVE_DEPARTED_ACCOUNTS is off");
        report
            .actions
            .extend(skipped("DeleteMembers", &graph, departed, &reason));
    }
    report
        .actions
        .extend(skipped("CreateMembers", &graph, enabled, "already an ENABLED member"));
    report.actions.extend(skipped(
        "CreateMembers",
        &graph,
        awaiting,
        "invited and awaiting acceptance",
    ));
    report.actions.extend(skipped(
        "CreateMembers",
        &graph,
        skipped_by_config,
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
async fn ensure_auto_enable<D, O>(
    enroller: &Enroller<'_, D, O>,
    graph: &crate::aws::arn::GraphArn,
) -> Result<Option<Action>, String>
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
