//! enroll-accounts' work in one region, as the contract's steps: what it reads of the graph
//! there, and which pure plan decides from it.

use super::config::EnrollConfig;
use super::facts::FactReads;
use super::handler::EnrollAccounts;
use super::plan::{self, OrgView};
use super::priority::Facts;
use super::reason::Departure;
use super::room;
use super::writes::MemberWrite;
use crate::aws::arn::GraphArn;
use crate::aws::{
    AdministratorPort, AlertPort, AwsError, GraphPort, GraphSetupPort, MemberDetail, MemberPort, OrgAccount,
    OrganizationConfigPort, OrganizationPort,
};
use crate::domain::AccountId;
use crate::execute::Plan;
use crate::outcome::Failure;
use crate::steps::Steps;

/// What becomes of one account's membership.
pub enum Change<'a> {
    /// An ACTIVE organization account: a member, enabled.
    Enroll(&'a OrgAccount),
    /// An account that left the organization or is no longer ACTIVE: removed.
    Remove(&'a Departure),
}

/// One account in each region: its membership read (GetMembers), then the change planned.
pub struct Membership<'a, D, O, A> {
    pub function: &'a EnrollAccounts<D, O, A>,
    pub account_id: &'a AccountId,
    pub change: Change<'a>,
}

impl<D, O, A> Steps for Membership<'_, D, O, A>
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + AdministratorPort,
    O: OrganizationPort,
    A: AlertPort,
{
    type Place = str;
    type Observed = (GraphArn, Option<MemberDetail>);
    type Write = MemberWrite;

    async fn observe(&self, region: &str) -> Result<Self::Observed, Failure> {
        Ok(self.function.membership(region, self.account_id).await?)
    }

    fn plan(&self, _: &str, (graph, member): &Self::Observed) -> Plan<MemberWrite> {
        match &self.change {
            Change::Enroll(account) => plan::enrollment(account, graph, member.as_ref()),
            Change::Remove(why) => plan::removal(self.account_id.as_str(), graph, member.as_ref(), (*why).clone()),
        }
    }
}

/// The graph's members and its organization configuration.
pub struct GraphRead {
    pub graph: GraphArn,
    pub members: Vec<MemberDetail>,
    /// A configuration that cannot be read leaves AutoEnable out of the plan; the region
    /// fails after the members are done.
    pub auto_enable: Result<bool, AwsError>,
    /// What ENROLL_PRIORITY needed, read only when the graph cannot take every account.
    pub facts: Facts,
}

/// The sweep of each region: ListMembers and DescribeOrganizationConfiguration (and, for a
/// graph too full for every account, what ENROLL_PRIORITY needs), then the plan that makes
/// every ACTIVE account an enabled member as far as there is room.
pub struct Sweep<'a, D, O, A> {
    pub function: &'a EnrollAccounts<D, O, A>,
    pub org: &'a OrgView,
    pub config: &'a EnrollConfig,
    /// Shared by the regions: each fact is read once per run.
    pub facts: &'a FactReads<'a, O>,
}

impl<D, O, A> Steps for Sweep<'_, D, O, A>
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + AdministratorPort,
    O: OrganizationPort,
    A: AlertPort,
{
    type Place = str;
    type Observed = GraphRead;
    type Write = MemberWrite;

    async fn observe(&self, region: &str) -> Result<GraphRead, Failure> {
        let detective = &self.function.detective;
        let (graph, members) = self
            .function
            .on_graph(region, |graph| async move {
                detective.list_members(&graph.region, &graph.arn).await
            })
            .await?;
        let auto_enable = detective
            .describe_organization_configuration(&graph.region, &graph.arn)
            .await;
        let contended = room::contention(self.org, &graph, &members, self.config);
        let facts = if contended.is_empty() {
            Facts::default()
        } else {
            self.facts.for_accounts(&contended).await?
        };
        Ok(GraphRead {
            graph,
            members,
            auto_enable,
            facts,
        })
    }

    fn plan(&self, _: &str, read: &GraphRead) -> Plan<MemberWrite> {
        let read = plan::Read {
            graph: &read.graph,
            members: &read.members,
            auto_enable: read.auto_enable.as_ref().ok().copied(),
            facts: &read.facts,
        };
        plan::sweep(self.org, &read, self.config)
    }
}
