//! Per region: read what is, plan, execute; a graph created on the way is read again and
//! the rest planned from what it then is.

use crate::aws::{
    single_graph, AdministratorPort, AwsError, Designated, DesignationPort, GraphError, GraphPort, GraphSetupPort,
    OrganizationAdmin, OrganizationConfigPort,
};
use crate::execute::{Plan, Policy, Step};
use crate::operation::Operation;
use crate::outcome::{ActionResult, Failure};
use crate::regions::{each_region, RegionReport};
use crate::steps::{carry_out, Steps};

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

/// The setup of one region, as the contract's steps: its reads and its pure plan.
pub struct RegionSetup<'a, P, G> {
    pub ports: &'a P,
    pub designations: &'a G,
    pub desired: &'a DesiredState,
    pub part: Part,
    pub teardown: bool,
}

impl<P, G> Steps for RegionSetup<'_, P, G>
where
    P: AdministratorPort + GraphPort + GraphSetupPort + OrganizationConfigPort,
    G: DesignationPort,
{
    type Place = str;
    type Observed = Observed;
    type Write = SetupWrite;

    async fn observe(&self, region: &str) -> Result<Observed, Failure> {
        observe(self.ports, self.designations, self.part, region).await
    }

    fn plan(&self, region: &str, observed: &Observed) -> Plan<SetupWrite> {
        plan(self.desired, region, observed, self.teardown)
    }
}

/// One region: read, plan, execute (and once more after creating the graph: the rest is
/// planned from what the new graph then is).
pub async fn reconcile_region<P, G>(setup: &RegionSetup<'_, P, G>, region: &str, policy: &Policy<'_>) -> RegionReport
where
    P: AdministratorPort + GraphPort + GraphSetupPort + OrganizationConfigPort,
    G: DesignationPort,
{
    let mut report = RegionReport::new(region);
    let first = match carry_out(setup, region, setup.ports, policy).await {
        Ok(first) => first,
        Err(failure) => return RegionReport::failed(region, failure),
    };
    let planned_creation = creates_graph(&setup.plan(region, &first.observed));
    report.actions = first.actions;
    let created = report
        .actions
        .iter()
        .any(|action| action.operation == Operation::CreateGraph && action.result == ActionResult::Done);
    if planned_creation && created && !policy.dry_run {
        match carry_out(setup, region, setup.ports, policy).await {
            Ok(rest) => report.actions.extend(rest.actions),
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
    let setup = &RegionSetup {
        ports,
        designations,
        desired,
        part,
        teardown,
    };
    each_region(&desired.regions, CONCURRENT_REGIONS, |region| async move {
        reconcile_region(setup, &region, policy).await
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
