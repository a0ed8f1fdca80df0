//! AWS access: small ports (traits) for the operations we use, and adapters over the SDK.

pub mod arn;
mod detective;
mod error;
mod graph_cache;
mod graph_lookup;
mod iam;
mod organizations;
mod ports;
mod sdk;

pub use detective::SdkDetective;
pub use error::AwsError;
pub use graph_cache::GraphCache;
pub use graph_lookup::{single_graph, GraphError};
pub use iam::SdkPrincipalLookup;
pub use organizations::SdkOrganizations;
pub use ports::{
    CreatedMembers, GraphPort, InvestigationFilter, InvestigationPort, InvestigationSummary, InvitationPort,
    MemberChanges, MemberDetail, MemberPort, MembersLookup, NewMember, OrgAccount, OrganizationConfigPort,
    OrganizationPort, PrincipalKind, PrincipalLookupPort, StartInvestigationRequest, UnprocessedAccount,
};
pub use sdk::{load_sdk_config, local_sdk_config, DEFAULT_MAX_ATTEMPTS};
