//! AWS access: small ports (traits) for the operations we use, and adapters over the SDK.

pub mod arn;
mod detective;
mod error;
mod graph_cache;
mod graph_lookup;
mod organizations;
mod ports;
mod sdk;

pub use detective::SdkDetective;
pub use error::AwsError;
pub use graph_cache::GraphCache;
pub use graph_lookup::single_graph;
pub use organizations::SdkOrganizations;
pub use ports::{
    GraphPort, InvestigationFilter, InvestigationPort, InvestigationSummary, InvitationPort, MemberChanges,
    MemberDetail, MemberPort, MembersLookup, NewMember, OrgAccount, OrganizationConfigPort, OrganizationPort,
    StartInvestigationRequest, UnprocessedAccount,
};
pub use sdk::{load_sdk_config, local_sdk_config, DEFAULT_MAX_ATTEMPTS};
