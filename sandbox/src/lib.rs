//! A local stand-in for the Amazon Detective, AWS Organizations, IAM and STS APIs, with
//! recording SQS, EventBridge and Security Hub sinks.
//!
//! No emulator implements Detective, so this one serves its REST-JSON API, the
//! Organizations JSON 1.1 API and the IAM and STS query APIs (as far as a role lookup needs
//! them), and records SQS SendMessage, EventBridge PutEvents and Security Hub
//! BatchImportFindings, on a loopback port, exactly as the Rust SDK sends them, enforcing
//! what the service models and the API references document, with a request log, a traffic
//! log for the model check, and fault injection.

mod cloudtrail;
mod detective;
mod iam;
mod names;
mod organizations;
mod paging;
mod protocol;
mod server;
mod sinks;
mod state;
mod traffic;

pub use iam::access_key_for;
pub use server::{decode_request, CloudFormationResponse, DecodedRequest, RequestRecord, Sandbox};
pub use sinks::{BusEvent, SecurityHubFinding, SqsMessage};
pub use state::{
    Account, Fault, Graph, GraphSettings, IamRole, IngestHistory, Investigation, InvestigationProgress,
    InvestigationResults, Invitation, Member, MemberOutcome, Organization, PackageState, Pending, QueuedDeletion,
    RegionState, SandboxState, ScopeRules, SlowAnswer, StateError, Trail, Unit, UnprocessedRule,
};
pub use traffic::DIR_VARIABLE as TRAFFIC_DIR_VARIABLE;
