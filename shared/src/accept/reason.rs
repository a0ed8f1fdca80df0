//! Why accept-invitations took, planned or left an action. An action holds it as an `outcome::Reason`
//! (displayed, and serialised as its wording); metrics and tests ask for it back by type.

use std::fmt;

use crate::aws::AwsError;
use crate::domain::{MemberState, MemberStatus};
use crate::outcome::Explains;

/// Why an invitation's administrator or graph is not trusted (the first check that failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustFailure {
    NoAdministrator,
    AdministratorNotTrusted(String),
    NoGraph,
    MalformedGraph(String),
    GraphOfAnotherAccount {
        graph: String,
        owner: String,
        administrator: String,
    },
    GraphInAnotherRegion {
        graph: String,
        graph_region: String,
        region: String,
    },
    GraphNotListed(String),
}

impl fmt::Display for TrustFailure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAdministrator => write!(formatter, "the invitation names no administrator account"),
            Self::AdministratorNotTrusted(admin) => {
                write!(formatter, "administrator {admin} is not in TRUSTED_ADMIN_ACCOUNT_IDS")
            }
            Self::NoGraph => write!(formatter, "the invitation names no graph"),
            Self::MalformedGraph(arn) => write!(formatter, "graph ARN {arn:?} is malformed"),
            Self::GraphOfAnotherAccount {
                graph,
                owner,
                administrator,
            } => write!(
                formatter,
                "graph {graph} belongs to account {owner}, not to the administrator {administrator} the invitation names"
            ),
            Self::GraphInAnotherRegion {
                graph,
                graph_region,
                region,
            } => write!(
                formatter,
                "graph {graph} is in {graph_region}, not in {region} where the invitation was listed"
            ),
            Self::GraphNotListed(arn) => write!(formatter, "graph {arn} is not in TRUSTED_GRAPH_ARNS"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    TrustedAdministrator,
    UntrustedIgnored(TrustFailure),
    UntrustedRejected(TrustFailure),
    UntrustedMembership(TrustFailure),
    UntrustedMembershipDisabled {
        why: TrustFailure,
        state: MemberState,
    },
    OrganizationMembership(MemberState),
    AlreadyAnswered {
        status: MemberStatus,
        untrusted: Option<TrustFailure>,
    },
    NoLongerInvited {
        now: Option<MemberStatus>,
        error: AwsError,
    },
}

impl Explains for Reason {}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TrustedAdministrator => write!(formatter, "trusted administrator"),
            Self::UntrustedIgnored(why) => {
                write!(formatter, "untrusted, left alone (UNTRUSTED_INVITATIONS=ignore): {why}")
            }
            Self::UntrustedRejected(why) => write!(formatter, "untrusted: {why}"),
            Self::UntrustedMembership(why) => write!(formatter, "member of an untrusted graph: {why}"),
            Self::UntrustedMembershipDisabled { why, state } => write!(
                formatter,
                "member of an untrusted graph ({why}), but its membership is {state}: DisassociateMembership is allowed only for ENABLED memberships"
            ),
            Self::OrganizationMembership(state) => write!(
                formatter,
                "an organization membership (status {state}): managed by the organization's Detective administrator, never answered or left here"
            ),
            Self::AlreadyAnswered { status, untrusted } => {
                write!(formatter, "already answered: status {status}")?;
                if let Some(why) = untrusted {
                    write!(formatter, "; untrusted ({why}) but LEAVE_UNTRUSTED_GRAPHS is off")?;
                }
                Ok(())
            }
            Self::NoLongerInvited { now, error } => {
                let now = now.as_ref().map_or_else(|| "gone".to_owned(), |status| format!("now {status}"));
                write!(formatter, "no longer INVITED when accepted ({now}): {error}")
            }
        }
    }
}
