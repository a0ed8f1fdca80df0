//! AWS access: small ports (traits) for the operations we use, and adapters over the SDK.

pub mod arn;
mod console;
mod detective;
mod detective_setup;
mod error;
mod graph_cache;
mod graph_lookup;
mod iam;
mod indicator;
mod organizations;
mod paging;
mod ports;
mod reporting;
mod sdk;

pub use console::detective_console;
pub use detective::SdkDetective;
pub use error::AwsError;
pub use graph_cache::GraphCache;
pub use graph_lookup::{single_graph, GraphError};

/// Actions a function is granted but never calls: what AWS checks besides a call's own
/// action (the Service Authorization Reference's dependent actions). Detective's
/// organization operations (DescribeOrganizationConfiguration, UpdateOrganizationConfiguration,
/// the administrator's designation) read the organization with the caller's permissions.
pub const DEPENDENT_ACTIONS: &[&str] = &[
    "organizations:DescribeOrganization",
    "organizations:EnableAWSServiceAccess",
    "organizations:RegisterDelegatedAdministrator",
    "iam:CreateServiceLinkedRole",
];
pub use iam::SdkPrincipalLookup;
pub use indicator::Indicator;
pub use organizations::SdkOrganizations;
pub use ports::{
    AccountDatasources, ActiveInvestigation, AdministratorPort, AlertPort, AsffFinding, CreatedMembers, DatasourcePort,
    DatasourcesLookup, Designated, DesignationPort, GraphPort, GraphSetupPort, InvestigationDetails,
    InvestigationFilter, InvestigationPort, InvestigationReportPort, InvestigationResultPort, InvestigationSummary,
    InvitationPort, MemberChanges, MemberDetail, MemberPort, MemberUsage, MembersLookup, NewMember, OrgAccount,
    OrganizationAdmin, OrganizationConfigPort, OrganizationPort, PackageStates, PackageVolume, PrincipalKind,
    PrincipalLookupPort, ReportQueuePort, ReportSinkPort, StartInvestigationRequest, Tags, UnprocessedAccount,
};
pub use reporting::{ReportSinks, SdkEventBridge, SdkSecurityHub, SdkSqs, EVENT_SOURCE};
pub use sdk::{load_sdk_config, local_sdk_config, local_sdk_config_as, DEFAULT_MAX_ATTEMPTS, INITIAL_BACKOFF};
