//! Why something failed: typed, keeping the AWS operation, code and message, so metrics
//! count AWS errors by operation and code without reading text. The outcome JSON carries
//! the wording (`Display`).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::aws::{AwsError, GraphError, PrincipalKind, UnprocessedAccount};
use crate::domain::{AccountId, MemberState};
use crate::event::EventError;

#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// An AWS call failed after the SDK's retries.
    Aws(AwsError),
    /// A member write refused with the quota: the graph's member limit.
    GraphFull(AwsError),
    /// No graph could be used in a region.
    Graph(GraphError),
    /// The event cannot be read.
    Event(EventError),
    /// CreateMembers left these accounts unprocessed twice.
    UnprocessedAfterRetry(Vec<UnprocessedAccount>),
    /// DeleteMembers left these accounts members.
    Unprocessed(Vec<UnprocessedAccount>),
    CreatedButDisabled(MemberState),
    StillDisabled(MemberState),
    NotReadBack(AwsError),
    GoneWhenReadBack,
    VerificationFailed,
    NoEmail,
    PendingActivation(AccountId),
    NotEnabled {
        account: AccountId,
        graph: String,
        state: MemberState,
    },
    NotInGraph {
        account: AccountId,
        graph: String,
    },
    Lookup {
        kind: PrincipalKind,
        account: AccountId,
        error: AwsError,
    },
    NoRegion,
    /// Another account is Detective's administrator: never overwritten.
    OtherAdministrator {
        designated: String,
        wanted: AccountId,
    },
    /// No graph, and another account is Detective's administrator: a graph created here
    /// would be a standalone one beside the organization's.
    StrayGraph {
        administrator: String,
        account: AccountId,
    },
    /// No graph, and who is Detective's administrator cannot be read from this account.
    AdministratorUnknown {
        account: AccountId,
        why: String,
    },
    /// DescribeOrganizationConfiguration refused: the account is not (yet) the organization's
    /// Detective administrator there.
    NotOrganizationAdministrator {
        account: AccountId,
        region: String,
        error: AwsError,
    },
    /// The graph part runs in another account than the administrator.
    NotTheAdministratorAccount {
        running_in: AccountId,
        administrator: AccountId,
    },
    /// A CloudFormation custom resource request we cannot act on.
    CustomResource(String),
    /// The invocation's deadline came before the work was done.
    DeadlineReached,
}

impl Failure {
    /// The AWS error behind the failure, if one is (for the `AwsErrors` metric).
    pub fn aws(&self) -> Option<&AwsError> {
        match self {
            Self::Aws(error)
            | Self::GraphFull(error)
            | Self::NotReadBack(error)
            | Self::Lookup { error, .. }
            | Self::NotOrganizationAdministrator { error, .. }
            | Self::Graph(GraphError::Aws(error)) => Some(error),
            _ => None,
        }
    }
}

fn accounts(unprocessed: &[UnprocessedAccount]) -> String {
    unprocessed
        .iter()
        .map(|account| format!("{}: {}", account.account_id, account.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::GraphFull(error) => write!(
                formatter,
                "{error} (the behavior graph is at Detective's limit of 1,200 member accounts: \
                 request a quota increase or remove members; not retried)"
            ),
            Self::Aws(error) => write!(formatter, "{error}"),
            Self::Graph(error) => write!(formatter, "{error}"),
            Self::Event(error) => write!(formatter, "{error}"),
            Self::UnprocessedAfterRetry(unprocessed) => {
                write!(formatter, "UnprocessedAccounts after one retry: {}", accounts(unprocessed))
            }
            Self::Unprocessed(unprocessed) => write!(formatter, "{}", accounts(unprocessed)),
            Self::CreatedButDisabled(state) => {
                write!(formatter, "created, but Detective left it {state}{}", state.hint())
            }
            Self::StillDisabled(state) => {
                write!(formatter, "Detective could not enable it: still {state}{}", state.hint())
            }
            Self::NotReadBack(error) => write!(
                formatter,
                "StartMonitoringMember answered, but its result could not be read back: {error}"
            ),
            Self::GoneWhenReadBack => write!(formatter, "no longer a member when read back"),
            Self::VerificationFailed => write!(
                formatter,
                "VERIFICATION_FAILED: Detective could not verify the account and its email address; remove the member and enroll it again"
            ),
            Self::NoEmail => write!(formatter, "Organizations returned no email address for the account"),
            Self::PendingActivation(account) => write!(
                formatter,
                "account {account} is PENDING_ACTIVATION, not yet ACTIVE: Lambda retries the event"
            ),
            Self::NotEnabled { account, graph, state } => write!(
                formatter,
                "account {account} is a member of graph {graph} with status {state}, not ENABLED, so Detective has no data on it"
            ),
            Self::NotInGraph { account, graph } => write!(
                formatter,
                "account {account} is neither the administrator nor a member of graph {graph}"
            ),
            Self::Lookup { kind, account, error } => write!(
                formatter,
                "could not read the {}'s ARN through ROLE_LOOKUP_ROLE_NAME in account {account}: {error}",
                kind.resource()
            ),
            Self::OtherAdministrator { designated, wanted } => write!(
                formatter,
                "account {designated} is already Detective's administrator, not {wanted}: never overwritten; \
                 DisableOrganizationAdminAccount it first if {wanted} should be"
            ),
            Self::StrayGraph { administrator, account } => write!(
                formatter,
                "account {administrator} is Detective's administrator for the organization: no behavior graph is created \
                 in {account}, which would stand beside the organization's"
            ),
            Self::AdministratorUnknown { account, why } => write!(
                formatter,
                "{account} has no behavior graph here, and who is Detective's administrator cannot be read ({why}): none \
                 is created; designate {account} first (the management stack, or autopilot setup --part organization), \
                 which creates its graph"
            ),
            Self::NotOrganizationAdministrator { account, region, error } => write!(
                formatter,
                "{error} (is {account} the organization's Detective administrator in {region}? \
                 The management stack's setup designates it: deploy that first)"
            ),
            Self::NotTheAdministratorAccount {
                running_in,
                administrator,
            } => write!(
                formatter,
                "the graph part must run in the administrator account {administrator}, not in {running_in}"
            ),
            Self::CustomResource(why) => write!(formatter, "{why}"),
            Self::DeadlineReached => write!(
                formatter,
                "the invocation's deadline came before the work was done; answered so the stack does not wait"
            ),
            Self::NoRegion => write!(
                formatter,
                "the finding names no region (detail.region or the envelope's region), and GRAPH_ARN is unset"
            ),
        }
    }
}

impl From<AwsError> for Failure {
    fn from(error: AwsError) -> Self {
        Self::Aws(error)
    }
}

impl From<GraphError> for Failure {
    fn from(error: GraphError) -> Self {
        match error {
            GraphError::Aws(error) => Self::Aws(error),
            other => Self::Graph(other),
        }
    }
}

impl From<EventError> for Failure {
    fn from(error: EventError) -> Self {
        Self::Event(error)
    }
}

impl Serialize for Failure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
