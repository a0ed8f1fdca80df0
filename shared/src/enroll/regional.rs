//! enroll-accounts' work in one region, as the contract's steps: what it reads of the graph
//! there, and which pure plan decides from it.

use super::config::{EnrollConfig, MEMBER_QUOTA};
use super::facts::FactReads;
use super::handler::EnrollAccounts;
use super::plan::{self, OrgView};
use super::priority::Facts;
use super::reason::Departure;
use super::reason::LeftOut;
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
/// With `MEMBER_QUOTA` below Detective's own limit, an account to enroll is counted against
/// it first (ListMembers): that headroom is ours to keep, and Detective would not refuse.
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
    /// The graph, the account's membership, and why the graph takes no new member (when
    /// counted).
    type Observed = (GraphArn, Option<MemberDetail>, Option<LeftOut>);
    type Write = MemberWrite;

    async fn observe(&self, region: &str) -> Result<Self::Observed, Failure> {
        let (graph, member) = self.function.membership(region, self.account_id).await?;
        let quota = self.function.config.member_quota;
        let full = match (&self.change, &member) {
            (Change::Enroll(_), None) if quota < MEMBER_QUOTA as usize => {
                let members = self.function.detective.list_members(&graph.region, &graph.arn).await?;
                let room = room::capacity(&graph, &members, quota);
                (room.free == 0).then_some(room.full)
            }
            _ => None,
        };
        Ok((graph, member, full))
    }

    fn plan(&self, _: &str, (graph, member, full): &Self::Observed) -> Plan<MemberWrite> {
        match (&self.change, full) {
            (Change::Enroll(account), Some(why)) if member.is_none() => plan::left_out(graph, &account.id, why),
            (Change::Enroll(account), _) => plan::enrollment(account, graph, member.as_ref()),
            (Change::Remove(why), _) => plan::removal(self.account_id.as_str(), graph, member.as_ref(), (*why).clone()),
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
