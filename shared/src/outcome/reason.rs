//! Why an action was taken, planned or left: typed, so that metrics and tests match on the
//! variant while people read the wording (`Display`), which is what the outcome JSON carries.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::aws::AwsError;
use crate::domain::{AccountState, DatasourcePackage, IngestState, InvitationType, MemberState, MemberStatus};

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

/// Why an account left the organization, as Organizations says now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Departure {
    Left,
    NotActive(AccountState),
}

impl fmt::Display for Departure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Left => write!(formatter, "account left the organization"),
            Self::NotActive(state) => write!(formatter, "account is {state} in the organization"),
        }
    }
}

/// Who tries again what an invocation's deadline cut short: a schedule's failure is
/// answered, so its next run; an event's failure is raised, so Lambda's retry of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    NextRun,
    LambdaRetry,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    // enroll-accounts
    AdministratorOwnsGraph,
    AlreadyEnabled,
    BeingEnabled,
    AwaitingAcceptance,
    UnknownMemberStatus(MemberStatus),
    NotYetActive,
    InvitedMemberLeftAlone,
    SkippedByConfig,
    /// An ORGANIZATION member whose account is no longer ACTIVE; `removing` unless
    /// REMOVE_DEPARTED_ACCOUNTS is off.
    DepartedMember {
        removing: bool,
    },
    Departed(Departure),
    NotAMember,
    MemberByInvitation(Option<InvitationType>),
    Disabled(MemberState),
    Reenabled(MemberStatus),
    AutoEnableOff,
    /// An account outside the organization, removed: only a new invitation brings it back.
    InvitedMemberGone,
    AutoEnableWasOff,
    AutoEnableNotEnsured,
    DeadlineNear(Retry),
    // accept-invitations
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
    // configure-detective
    NoAdministrator,
    AdministratorDesignated,
    NoGraph,
    PackagesIngesting,
    /// The wanted packages not STARTED, with their state (None: not listed at all).
    PackagesOff(Vec<(DatasourcePackage, Option<IngestState>)>),
    TagsAsDesired,
    TagsDiffer,
    ManagedTagsDropped,
    AutoEnableAsDesired(bool),
    AutoEnableDiffers(bool),
    /// Delete left Detective as it is: DisableOnDelete was not asked, or (`asked`) the
    /// function's own DISABLE_ON_DELETE does not allow it.
    KeptOnDelete {
        asked: bool,
    },
    DisabledOnDelete,
    /// On Delete: the administrator designated (if any) or the graph is not ours.
    NotOurs(Option<String>),
    // report-investigations
    /// The investigation's status is not final yet (RUNNING).
    StillRunning(String),
    NoAccountForSecurityHub,
    ArchivedAsNoise {
        severity: String,
        threshold: String,
    },
    AlreadyArchived,
    /// The investigation read is not the one the message describes (its entity or graph
    /// differ): a forged or mistaken message never archives someone else's investigation.
    NotTheMessagesInvestigation {
        found: String,
        expected: String,
    },
    /// The message says this sink has the report already (sent again after a later write
    /// failed).
    AlreadyDelivered,
    /// Sent again to the report queue carrying how many sinks are delivered.
    SentAgain(usize),
    /// Sent to the dead-letter queue, why.
    DeadLettered(String),
    // investigate-findings
    AlreadyInvestigating {
        investigation_id: String,
        entity_arn: String,
        window_hours: u32,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AdministratorOwnsGraph => write!(formatter, "the administrator account owns the graph"),
            Self::AlreadyEnabled => write!(formatter, "already an ENABLED member"),
            Self::BeingEnabled => write!(formatter, "being enabled (VERIFICATION_IN_PROGRESS)"),
            Self::AwaitingAcceptance => write!(formatter, "invited and awaiting acceptance"),
            Self::UnknownMemberStatus(status) => write!(formatter, "member status {status}"),
            Self::NotYetActive => write!(formatter, "account not yet ACTIVE (PENDING_ACTIVATION)"),
            Self::InvitedMemberLeftAlone => write!(
                formatter,
                "a member by invitation, not an ACTIVE organization account: left alone"
            ),
            Self::SkippedByConfig => write!(formatter, "skipped by SKIP_ACCOUNT_IDS"),
            Self::DepartedMember { removing } => {
                write!(formatter, "an organization member no longer ACTIVE in the organization")?;
                if !removing {
                    write!(formatter, "; REMOVE_DEPARTED_ACCOUNTS is off")?;
                }
                Ok(())
            }
            Self::Departed(departure) => write!(formatter, "{departure}"),
            Self::NotAMember => write!(formatter, "not a member of the graph"),
            Self::MemberByInvitation(kind) => write!(
                formatter,
                "a member by invitation (InvitationType {}), never removed by REMOVE_DEPARTED_ACCOUNTS",
                kind.as_ref().map_or("not given", InvitationType::as_str)
            ),
            Self::Disabled(state) => write!(formatter, "member status {state}"),
            Self::Reenabled(status) => write!(formatter, "was ACCEPTED_BUT_DISABLED, now {status}"),
            Self::AutoEnableOff => write!(formatter, "AutoEnable is off"),
            Self::InvitedMemberGone => write!(
                formatter,
                "not an account of the organization (a member by invitation, or one that left it): only a new invitation brings it back (CreateMembers, then its acceptance)"
            ),
            Self::AutoEnableWasOff => write!(formatter, "AutoEnable was off"),
            Self::AutoEnableNotEnsured => write!(formatter, "AutoEnable is off and ENSURE_AUTO_ENABLE is false"),
            Self::DeadlineNear(retry) => write!(
                formatter,
                "not started: the invocation's deadline was near; {}",
                match retry {
                    Retry::NextRun => "the next run picks it up",
                    Retry::LambdaRetry => "Lambda retries the event",
                }
            ),
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
            Self::NoAdministrator => write!(formatter, "no Detective administrator is designated"),
            Self::AdministratorDesignated => write!(formatter, "already the designated Detective administrator"),
            Self::NoGraph => write!(formatter, "the administrator account has no behavior graph"),
            Self::PackagesIngesting => write!(formatter, "every wanted data source package is STARTED"),
            Self::PackagesOff(off) => {
                let off: Vec<String> = off
                    .iter()
                    .map(|(package, state)| match state {
                        Some(state) => format!("{package} is {state}"),
                        None => format!("{package} is not listed"),
                    })
                    .collect();
                write!(formatter, "{}", off.join(", "))
            }
            Self::TagsAsDesired => write!(formatter, "the graph's tags are as GRAPH_TAGS says"),
            Self::TagsDiffer => write!(formatter, "tags missing or different from GRAPH_TAGS"),
            Self::ManagedTagsDropped => write!(
                formatter,
                "keys we set before, no longer in GRAPH_TAGS (tags set by others are kept)"
            ),
            Self::AutoEnableAsDesired(value) => write!(formatter, "AutoEnable is already {value}"),
            Self::AutoEnableDiffers(value) => write!(formatter, "AutoEnable should be {value}"),
            Self::KeptOnDelete { asked: false } => {
                write!(formatter, "DisableOnDelete is false: Detective is left as it is")
            }
            Self::KeptOnDelete { asked: true } => write!(
                formatter,
                "the request asks DisableOnDelete, but the function's DISABLE_ON_DELETE (the stack's \
                 parameter) is false: Detective is left as it is"
            ),
            Self::DisabledOnDelete => write!(
                formatter,
                "DisableOnDelete is true: the behavior graph and its data are deleted"
            ),
            Self::NotOurs(Some(other)) => write!(
                formatter,
                "the designated administrator is {other}, not ours: left alone"
            ),
            Self::NotOurs(None) => write!(formatter, "nothing of ours to remove"),
            Self::StillRunning(status) => write!(
                formatter,
                "the investigation is {status}: SQS delivers the message again after the visibility timeout"
            ),
            Self::NoAccountForSecurityHub => write!(
                formatter,
                "the batch names no queue ARN, so the account whose Security Hub product to use is unknown"
            ),
            Self::ArchivedAsNoise { severity, threshold } => {
                write!(formatter, "severity {severity} is at or below ARCHIVE_AT_OR_BELOW={threshold}")
            }
            Self::AlreadyArchived => write!(formatter, "already ARCHIVED"),
            Self::NotTheMessagesInvestigation { found, expected } => write!(
                formatter,
                "the investigation is of {found}, not of the message's {expected}: not archived"
            ),
            Self::SentAgain(delivered) => write!(
                formatter,
                "a write failed after {delivered} sink(s) had the report: sent again with what is delivered, so none gets it twice"
            ),
            Self::DeadLettered(why) => write!(formatter, "to the report dead-letter queue: {why}"),
            Self::AlreadyDelivered => write!(
                formatter,
                "delivered already (the message was sent again after a later write failed)"
            ),
            Self::AlreadyInvestigating {
                investigation_id,
                entity_arn,
                window_hours,
            } => write!(
                formatter,
                "investigation {investigation_id} of {entity_arn} is already ACTIVE (created within DEDUP_WINDOW_HOURS={window_hours})"
            ),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
