//! The AWS operations the functions depend on, as small traits.
//!
//! Regions are a parameter: one adapter serves every region the function covers.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Utc};

use super::AwsError;
use super::Indicator;
use crate::domain::{
    AccountState, DatasourcePackage, DisabledReason, IngestState, InvestigationSeverity, InvestigationState,
    InvestigationStatus, InvitationType, MemberState, MemberStatus,
};

/// A member account of a behavior graph (or, from ListInvitations, our own membership).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDetail {
    pub account_id: String,
    pub email: Option<String>,
    pub graph_arn: Option<String>,
    pub administrator_id: Option<String>,
    pub status: MemberStatus,
    /// ORGANIZATION (an organization account in the organization behavior graph) or
    /// INVITATION (an invited account); None when Detective did not say.
    pub invitation_type: Option<InvitationType>,
    /// With ACCEPTED_BUT_DISABLED: VOLUME_TOO_HIGH or VOLUME_UNKNOWN.
    pub disabled_reason: Option<DisabledReason>,
    /// What the member sends the graph (ListMembers and GetMembers say; ListInvitations does not).
    pub usage: MemberUsage,
}

/// A member's ingest: VolumeUsageByDatasourcePackage (the top-level volume fields are
/// deprecated) and DatasourcePackageIngestStates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberUsage {
    pub volumes: Vec<PackageVolume>,
    pub ingest_states: Vec<(DatasourcePackage, IngestState)>,
}

impl MemberUsage {
    /// Bytes a day over every package; None when Detective gave no volume.
    pub fn bytes_per_day(&self) -> Option<u64> {
        if self.volumes.is_empty() {
            return None;
        }
        Some(
            self.volumes
                .iter()
                .fold(0u64, |sum, volume| sum.saturating_add(volume.bytes_per_day)),
        )
    }
}

/// One package's daily volume, and when Detective measured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageVolume {
    pub package: DatasourcePackage,
    pub bytes_per_day: u64,
    pub updated: Option<DateTime<Utc>>,
}

impl MemberDetail {
    /// The status with its DisabledReason.
    pub fn state(&self) -> MemberState {
        MemberState {
            status: self.status.clone(),
            disabled_reason: self.disabled_reason.clone(),
        }
    }

    /// Known to be an organization account in the organization behavior graph.
    pub fn is_organization_member(&self) -> bool {
        self.invitation_type == Some(InvitationType::Organization)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnprocessedAccount {
    pub account_id: String,
    pub reason: String,
}

/// GetMembers: the members found and the accounts that were not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MembersLookup {
    pub members: Vec<MemberDetail>,
    pub unprocessed: Vec<UnprocessedAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigationFilter {
    pub entity_arn: String,
    pub state: Option<InvestigationState>,
    pub created_from: DateTime<Utc>,
    pub created_to: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigationSummary {
    pub investigation_id: String,
    pub entity_arn: Option<String>,
    pub state: Option<InvestigationState>,
    pub status: Option<String>,
    pub created_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartInvestigationRequest {
    pub graph_arn: String,
    pub entity_arn: String,
    pub scope_start: DateTime<Utc>,
    pub scope_end: DateTime<Utc>,
}

/// An organization account as Organizations reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// The newer `State`, else the older `Status`.
    pub state: AccountState,
    /// JoinedTimestamp: the default priority is oldest first.
    pub joined: Option<DateTime<Utc>>,
}

pub trait GraphPort: Sync {
    /// ListGraphs, every page: the ARNs of the graphs this account administers in `region`.
    fn list_graphs(&self, region: &str) -> impl Future<Output = Result<Vec<String>, AwsError>> + Send;
}

/// An account to add to a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub account_id: String,
    pub email: String,
}

/// CreateMembers: the members created (as Detective reports them) and the accounts it did
/// not process, with why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreatedMembers {
    pub members: Vec<MemberDetail>,
    pub unprocessed: Vec<UnprocessedAccount>,
}

/// DeleteMembers: the accounts removed and those that were not, with why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberChanges {
    pub processed: Vec<String>,
    pub unprocessed: Vec<UnprocessedAccount>,
}

pub trait MemberPort: Sync {
    /// ListMembers, every page.
    fn list_members(
        &self,
        region: &str,
        graph_arn: &str,
    ) -> impl Future<Output = Result<Vec<MemberDetail>, AwsError>> + Send;

    /// CreateMembers for at most 50 accounts, without invitation emails.
    fn create_members(
        &self,
        region: &str,
        graph_arn: &str,
        accounts: &[NewMember],
    ) -> impl Future<Output = Result<CreatedMembers, AwsError>> + Send;

    /// DeleteMembers for at most 50 accounts.
    fn delete_members(
        &self,
        region: &str,
        graph_arn: &str,
        account_ids: &[String],
    ) -> impl Future<Output = Result<MemberChanges, AwsError>> + Send;

    /// StartMonitoringMember: enable an ACCEPTED_BUT_DISABLED member.
    fn start_monitoring_member(
        &self,
        region: &str,
        graph_arn: &str,
        account_id: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// GetMembers for at most 50 accounts.
    fn get_members(
        &self,
        region: &str,
        graph_arn: &str,
        account_ids: &[String],
    ) -> impl Future<Output = Result<MembersLookup, AwsError>> + Send;
}

pub trait OrganizationConfigPort: Sync {
    /// DescribeOrganizationConfiguration: whether new organization accounts are enabled automatically.
    fn describe_organization_configuration(
        &self,
        region: &str,
        graph_arn: &str,
    ) -> impl Future<Output = Result<bool, AwsError>> + Send;

    /// UpdateOrganizationConfiguration.
    fn update_organization_configuration(
        &self,
        region: &str,
        graph_arn: &str,
        auto_enable: bool,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

pub trait InvestigationPort: Sync {
    /// ListInvestigations with the filter applied by the service, page after page until the
    /// first investigation of `filter.entity_arn` in `filter.state` (the rest are not read).
    fn find_investigation(
        &self,
        region: &str,
        graph_arn: &str,
        filter: &InvestigationFilter,
    ) -> impl Future<Output = Result<Option<InvestigationSummary>, AwsError>> + Send;

    /// StartInvestigation: the new investigation's id.
    fn start_investigation(
        &self,
        region: &str,
        request: &StartInvestigationRequest,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}

pub trait OrganizationPort: Sync {
    /// DescribeAccount; `None` when the account is not in the organization.
    fn describe_account(&self, account_id: &str) -> impl Future<Output = Result<Option<OrgAccount>, AwsError>> + Send;

    /// ListAccounts, every page.
    fn list_accounts(&self) -> impl Future<Output = Result<Vec<OrgAccount>, AwsError>> + Send;

    /// The ids of the accounts under `parent_id` (an organizational unit or the root) at any
    /// depth: ListOrganizationalUnitsForParent and ListAccountsForParent, every page.
    fn accounts_under(&self, parent_id: &str) -> impl Future<Output = Result<Vec<String>, AwsError>> + Send;

    /// ListTagsForResource of an account, every page.
    fn account_tags(&self, account_id: &str) -> impl Future<Output = Result<Vec<(String, String)>, AwsError>> + Send;
}

/// The member side: invitations this account received and memberships it holds.
pub trait InvitationPort: Sync {
    /// ListInvitations, every page: open invitations and accepted memberships.
    fn list_invitations(&self, region: &str) -> impl Future<Output = Result<Vec<MemberDetail>, AwsError>> + Send;

    fn accept_invitation(&self, region: &str, graph_arn: &str) -> impl Future<Output = Result<(), AwsError>> + Send;

    fn reject_invitation(&self, region: &str, graph_arn: &str) -> impl Future<Output = Result<(), AwsError>> + Send;

    fn disassociate_membership(
        &self,
        region: &str,
        graph_arn: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// An IAM user or role, by the name a finding gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    Role,
}

impl PrincipalKind {
    /// The resource type in the ARN (`user`, `role`).
    pub fn resource(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }
}

/// Reading a principal's real ARN (with its path) in the account it belongs to.
pub trait PrincipalLookupPort: Sync {
    /// iam:GetRole or iam:GetUser in `account_id`: the ARN, or None when no such principal exists.
    fn principal_arn(
        &self,
        partition: &str,
        account_id: &str,
        kind: PrincipalKind,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;
}

/// The organization's Detective administrator in a region (ListOrganizationAdminAccounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationAdmin {
    pub account_id: String,
    pub graph_arn: Option<String>,
}

/// Who is Detective's administrator, as far as the administrator account can learn it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Designated {
    /// This account, as Organizations (or the management account's read) says.
    Account(String),
    /// None designated yet.
    Nobody,
    /// The account is in no organization: Detective is used without one.
    NoOrganization,
    /// It cannot be read from here, why.
    Unknown(String),
}

/// Before a graph is created where the administrator account has none: who is Detective's
/// administrator (a graph created in any other account than it would be a stray, standalone
/// one).
pub trait DesignationPort: Sync {
    fn designated(&self, region: &str) -> impl Future<Output = Result<Designated, AwsError>> + Send;
}

/// What only the organization's management account may do: designate Detective's
/// administrator, per region.
pub trait AdministratorPort: Sync {
    /// ListOrganizationAdminAccounts, every page.
    fn list_organization_admin_accounts(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<Vec<OrganizationAdmin>, AwsError>> + Send;

    /// EnableOrganizationAdminAccount.
    fn enable_organization_admin_account(
        &self,
        region: &str,
        account_id: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// DisableOrganizationAdminAccount: also deletes the organization behavior graph.
    fn disable_organization_admin_account(&self, region: &str) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// Graph tags, by key (sorted, so plans and tables are stable).
pub type Tags = BTreeMap<String, String>;

/// A data source package's ingest state in a graph.
pub type PackageStates = BTreeMap<DatasourcePackage, IngestState>;

/// The administrator's own graph: create, delete, its packages and its tags.
pub trait GraphSetupPort: Sync {
    /// CreateGraph with tags: the graph's ARN.
    fn create_graph(&self, region: &str, tags: &Tags) -> impl Future<Output = Result<String, AwsError>> + Send;

    /// DeleteGraph.
    fn delete_graph(&self, region: &str, graph_arn: &str) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// ListDatasourcePackages, every page.
    fn list_datasource_packages(
        &self,
        region: &str,
        graph_arn: &str,
    ) -> impl Future<Output = Result<PackageStates, AwsError>> + Send;

    /// UpdateDatasourcePackages: starts these packages.
    fn update_datasource_packages(
        &self,
        region: &str,
        graph_arn: &str,
        packages: &[DatasourcePackage],
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// ListTagsForResource.
    fn list_tags(&self, region: &str, graph_arn: &str) -> impl Future<Output = Result<Tags, AwsError>> + Send;

    /// TagResource.
    fn tag_graph(
        &self,
        region: &str,
        graph_arn: &str,
        tags: &Tags,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// UntagResource.
    fn untag_graph(
        &self,
        region: &str,
        graph_arn: &str,
        keys: &[String],
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// One account's data source history in one graph: per package, the latest state it
/// entered (the history's most recent timestamp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDatasources {
    pub account_id: String,
    pub graph_arn: String,
    pub packages: PackageStates,
}

/// BatchGetGraphMemberDatasources / BatchGetMembershipDatasources: what was found, and what
/// was not with why (an account, or a graph).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatasourcesLookup {
    pub found: Vec<AccountDatasources>,
    pub unprocessed: Vec<UnprocessedAccount>,
}

/// Who ingests what: the administrator's view of its members, a member's of its graphs.
pub trait DatasourcePort: Sync {
    /// BatchGetGraphMemberDatasources for at most 200 accounts.
    fn member_datasources(
        &self,
        region: &str,
        graph_arn: &str,
        account_ids: &[String],
    ) -> impl Future<Output = Result<DatasourcesLookup, AwsError>> + Send;

    /// BatchGetMembershipDatasources for at most 50 graphs (`unprocessed` names graphs).
    fn membership_datasources(
        &self,
        region: &str,
        graph_arns: &[String],
    ) -> impl Future<Output = Result<DatasourcesLookup, AwsError>> + Send;
}

/// An ACTIVE investigation, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveInvestigation {
    pub investigation_id: String,
    /// INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL.
    pub severity: String,
}

pub trait InvestigationReportPort: Sync {
    /// ListInvestigations filtered on State ACTIVE, every page.
    fn active_investigations(
        &self,
        region: &str,
        graph_arn: &str,
    ) -> impl Future<Output = Result<Vec<ActiveInvestigation>, AwsError>> + Send;
}

/// GetInvestigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigationDetails {
    pub investigation_id: String,
    pub graph_arn: String,
    pub entity_arn: Option<String>,
    /// IAM_USER or IAM_ROLE.
    pub entity_type: Option<String>,
    pub status: InvestigationStatus,
    pub severity: Option<InvestigationSeverity>,
    pub state: Option<InvestigationState>,
    pub created_time: Option<DateTime<Utc>>,
    pub scope_start: Option<DateTime<Utc>>,
    pub scope_end: Option<DateTime<Utc>>,
}

/// An investigation's results and state: what a report is made of.
pub trait InvestigationResultPort: Sync {
    /// GetInvestigation.
    fn get_investigation(
        &self,
        region: &str,
        graph_arn: &str,
        investigation_id: &str,
    ) -> impl Future<Output = Result<InvestigationDetails, AwsError>> + Send;

    /// ListIndicators, every page, every type.
    fn list_indicators(
        &self,
        region: &str,
        graph_arn: &str,
        investigation_id: &str,
    ) -> impl Future<Output = Result<Vec<Indicator>, AwsError>> + Send;

    /// UpdateInvestigationState to ARCHIVED.
    fn archive_investigation(
        &self,
        region: &str,
        graph_arn: &str,
        investigation_id: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// The report queue (SQS).
pub trait ReportQueuePort: Sync {
    /// SendMessage with a delay: the message id.
    fn send_report_message(
        &self,
        queue_url: &str,
        body: &str,
        delay_seconds: u32,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;

    /// SendMessage to a dead-letter queue, with why as the message attribute `reason`.
    fn send_dead_letter(
        &self,
        queue_url: &str,
        body: &str,
        reason: &str,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}

/// A Security Hub finding in ASFF, as far as a report needs one.
#[derive(Debug, Clone, PartialEq)]
pub struct AsffFinding {
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub region: String,
    pub types: Vec<String>,
    /// RFC 3339; on creation equal to `updated_at` (Security Hub requires it).
    pub created_at: String,
    pub updated_at: String,
    /// INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL.
    pub severity_label: String,
    pub title: String,
    pub description: String,
    pub source_url: String,
    /// AwsIamUser or AwsIamRole, its ARN, and its partition.
    pub resource_type: String,
    pub resource_id: String,
    pub partition: String,
    pub product_fields: BTreeMap<String, String>,
}

/// Where reports go: an EventBridge bus, and Security Hub.
pub trait ReportSinkPort: Sync {
    /// PutEvents of one event: its id.
    fn put_report_event(
        &self,
        bus: &str,
        detail_type: &str,
        detail: &str,
        resources: &[String],
    ) -> impl Future<Output = Result<String, AwsError>> + Send;

    /// BatchImportFindings of one finding.
    fn import_finding(&self, finding: &AsffFinding) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// Alerts: one event on an EventBridge bus.
pub trait AlertPort: Sync {
    /// PutEvents of one event from `detective-autopilot`: its id.
    fn put_alert(
        &self,
        bus: &str,
        detail_type: &str,
        detail: &str,
        resources: &[String],
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}
