//! AWS access: small ports (traits) for the operations we use, and adapters over the SDK.

pub mod arn;
mod detective;
mod error;
mod organizations;
mod ports;
mod sdk;

pub use detective::SdkDetective;
pub use error::AwsError;
pub use organizations::SdkOrganizations;
pub use ports::{
    GraphPort, InvestigationFilter, InvestigationPort, InvestigationSummary, MemberDetail, MemberPort, MembersLookup,
    OrgAccount, OrganizationPort, StartInvestigationRequest, UnprocessedAccount,
};
pub use sdk::{load_sdk_config, local_sdk_config};
