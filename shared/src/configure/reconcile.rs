//! Per region: read what is, plan, execute; a graph created on the way is read again and
//! the rest planned from what it then is.

use crate::aws::{
    single_graph, AdministratorPort, AwsError, Designated, DesignationPort, GraphError, GraphPort, GraphSetupPort,
    OrganizationAdmin, OrganizationConfigPort,
};
use crate::execute::{execute, Plan, Policy, Step};
use crate::operation::Operation;
use crate::outcome::{ActionResult, Failure};
use crate::regions::{each_region, RegionReport};

use super::desired::DesiredState;
use super::plan::{plan_designation, plan_graph, plan_no_graph, plan_teardown, GraphObserved, Part};
use super::writes::SetupWrite;

/// Regions set up at once.
const CONCURRENT_REGIONS: usize = 4;

/// What was read in one region.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// ListOrganizationAdminAccounts (management account).
    Organization(Vec<OrganizationAdmin>),
    /// The administrator account's graph.
    Graph(GraphObserved),
    /// The administrator account has no graph; who is Detective's administrator.
    NoGraph(Designated),
}

/// Reads what the part's plan needs; `designations` says who Detective's administrator is
/// when the administrator account has no graph.
pub async fn observe<P, G>(ports: &P, designations: &G, part: Part, region: &str) -> Result<Observed, Failure>
where
    P: AdministratorPort + GraphPort + GraphSetupPort + OrganizationConfigPort,
    G: DesignationPort,
{
    match part {
        Part::Organization => Ok(Observed::Organization(
            ports.list_organization_admin_accounts(region).await?,
        )),
        Part::Graph => {
            let graph = match single_graph(ports, region).await {
                Ok(graph) => graph,
                Err(GraphError::NoGraph { .. }) => {
                    return Ok(Observed::NoGraph(designations.designated(region).await?))
                }
                Err(error) => return Err(error.into()),
            };
            let packages = ports.list_datasource_packages(region, &graph.arn).await?;
            let tags = ports.list_tags(region, &graph.arn).await?;
            let auto_enable: Result<bool, AwsError> =
                ports.describe_organization_configuration(region, &graph.arn).await;
            Ok(Observed::Graph(GraphObserved {
                graph_arn: graph.arn,
                packages,
                tags,
                auto_enable,
            }))
        }
    }
}

/// The plan for what was read: set up (Create, Update) or tear down (Delete).
pub fn plan(desired: &DesiredState, region: &str, observed: &Observed, teardown: bool) -> Plan<SetupWrite> {
    match (observed, teardown) {
        (Observed::Organization(admins), false) => plan_designation(desired, region, admins),
        (Observed::Graph(graph), false) => plan_graph(desired, region, graph),
        (Observed::NoGraph(designated), false) => plan_no_graph(desired, region, designated),
        (Observed::Organization(admins), true) => plan_teardown(desired, Part::Organization, region, admins, None),
        (Observed::Graph(graph), true) => {
            plan_teardown(desired, Part::Graph, region, &[], Some(graph.graph_arn.as_str()))
        }
        (Observed::NoGraph(_), true) => plan_teardown(desired, Part::Graph, region, &[], None),
    }
}

fn creates_graph(plan: &Plan<SetupWrite>) -> bool {
    plan.steps
        .iter()
        .any(|step| matches!(step, Step::Write(SetupWrite::CreateGraph { .. })))
}

/// One region: read, plan, execute (and once more after creating the graph).
pub async fn reconcile_region<P, G>(
    ports: &P,
    designations: &G,
    desired: &DesiredState,
    part: Part,
    region: &str,
    teardown: bool,
    policy: &Policy<'_>,
) -> RegionReport
where
    P: AdministratorPort + GraphPort + GraphSetupPort + OrganizationConfigPort,
    G: DesignationPort,
{
    let observed = match observe(ports, designations, part, region).await {
        Ok(observed) => observed,
        Err(failure) => return RegionReport::failed(region, failure),
    };
    let first = plan(desired, region, &observed, teardown);
    let again = creates_graph(&first) && !policy.dry_run;
    let mut report = RegionReport::new(region);
    report.actions = execute(first, ports, policy).await;
    let created = report
        .actions
        .iter()
        .any(|action| action.operation == Operation::CreateGraph && action.result == ActionResult::Done);
    if again && created {
        match observe(ports, designations, part, region).await {
            Ok(observed) => {
                let rest = plan(desired, region, &observed, teardown);
                report.actions.extend(execute(rest, ports, policy).await);
            }
            Err(failure) => report.error = Some(failure),
        }
    }
    report
}

/// Every region of the desired state.
pub async fn reconcile<P, G>(
    ports: &P,
    designations: &G,
    desired: &DesiredState,
    part: Part,
    teardown: bool,
    policy: &Policy<'_>,
) -> Vec<RegionReport>
where
    P: AdministratorPort + GraphPort + GraphSetupPort + OrganizationConfigPort,
    G: DesignationPort,
{
    each_region(&desired.regions, CONCURRENT_REGIONS, |region| async move {
        reconcile_region(ports, designations, desired, part, &region, teardown, policy).await
    })
    .await
}

/// Who is Detective's administrator per region, as the management account reads it
/// (ListOrganizationAdminAccounts): `autopilot setup` running both parts.
pub struct AsManagementReads<'a, M>(pub &'a M);

impl<M: AdministratorPort> DesignationPort for AsManagementReads<'_, M> {
    async fn designated(&self, region: &str) -> Result<Designated, AwsError> {
        let admins = self.0.list_organization_admin_accounts(region).await?;
        Ok(admins.first().map_or(Designated::Nobody, |admin| {
            Designated::Account(admin.account_id.clone())
        }))
    }
}
