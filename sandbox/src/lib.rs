//! A local stand-in for the Amazon Detective and AWS Organizations APIs.
//!
//! No emulator implements Detective, so this one serves its REST-JSON API and the
//! Organizations JSON 1.1 API on a loopback port, exactly as the Rust SDK sends
//! them, enforcing the documented limits, with a request log and fault injection.

mod api_error;
mod detective;
mod organizations;
mod paging;
mod server;
mod state;

pub use server::{RequestRecord, Sandbox};
pub use state::{
    Account, Fault, Graph, Investigation, Invitation, Member, Organization, RegionState, SandboxState, StateError,
    UnprocessedRule,
};
