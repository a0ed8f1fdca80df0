//! Why enroll-accounts took, planned or left an action. An action holds it as an `outcome::Reason`
//! (displayed, and serialised as its wording); metrics and tests ask for it back by type.

use std::fmt;

use crate::domain::{AccountState, InvitationType, MemberState, MemberStatus};
use crate::outcome::Explains;

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

/// Why an ACTIVE account is not made a member of a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftOut {
    /// The graph has MEMBER_QUOTA members (ListMembers' count) and this account ranks below
    /// those taken.
    MemberQuota { quota: usize },
    /// The graph's members ingest at least 10 TB a day (ListMembers' volumes): Detective
    /// takes no new member.
    VolumeLimit { bytes_per_day: u64 },
    /// CreateMembers was refused with ServiceQuotaExceededException in this run: not asked again.
    Refused,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MemberQuota { quota } => write!(
                formatter,
                "left out: the graph is at its quota of {quota} members and this account ranks below them (ENROLL_PRIORITY)"
            ),
            Self::VolumeLimit { bytes_per_day } => write!(
                formatter,
                "left out: the graph's members ingest {bytes_per_day} bytes a day, at or over Detective's 10 TB a day"
            ),
            Self::Refused => write!(
                formatter,
                "left out: Detective refused new members with ServiceQuotaExceededException in this run"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
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
    LeftOut(LeftOut),
    /// Removed from a full graph for an account that ranks higher (MAKE_ROOM).
    MadeRoom,
}

impl Explains for Reason {}

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
            Self::LeftOut(why) => write!(formatter, "{why}"),
            Self::MadeRoom => write!(
                formatter,
                "removed to make room in a full graph for an account that ranks higher (MAKE_ROOM)"
            ),
        }
    }
}
