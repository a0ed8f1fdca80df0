//! AWS's vocabulary as types, mapped from the SDK once, in the adapters. Every enum keeps a
//! value AWS adds later in `Other`: a new status is reported as it is, never misread.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::aws::arn::is_account_id;

/// Exactly twelve ASCII digits, checked once where an id comes in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(text: &str) -> Option<Self> {
        is_account_id(text).then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl PartialEq<str> for AccountId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for AccountId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for AccountId {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// An enum of AWS's strings, with `Other` for the ones it adds later.
macro_rules! aws_values {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            Other(String),
        }

        impl $name {
            pub fn from_aws(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(other) => other,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

aws_values!(
    /// A behavior graph membership's status (Detective's MemberStatus).
    MemberStatus {
        Invited = "INVITED",
        VerificationInProgress = "VERIFICATION_IN_PROGRESS",
        VerificationFailed = "VERIFICATION_FAILED",
        Enabled = "ENABLED",
        AcceptedButDisabled = "ACCEPTED_BUT_DISABLED",
    }
);

aws_values!(
    /// How an account came to a graph: as an organization account of the organization
    /// behavior graph, or by invitation.
    InvitationType {
        Organization = "ORGANIZATION",
        Invitation = "INVITATION",
    }
);

aws_values!(
    /// Why an ACCEPTED_BUT_DISABLED member is not enabled.
    DisabledReason {
        VolumeTooHigh = "VOLUME_TOO_HIGH",
        VolumeUnknown = "VOLUME_UNKNOWN",
    }
);

aws_values!(
    /// An organization account's state (Organizations' `State`).
    AccountState {
        PendingActivation = "PENDING_ACTIVATION",
        Active = "ACTIVE",
        Suspended = "SUSPENDED",
        PendingClosure = "PENDING_CLOSURE",
        Closed = "CLOSED",
    }
);

aws_values!(
    /// A Detective investigation's state.
    InvestigationState {
        Active = "ACTIVE",
        Archived = "ARCHIVED",
    }
);

aws_values!(
    /// How an account creation (Organizations, Control Tower) ended.
    CreationState {
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        InProgress = "IN_PROGRESS",
    }
);

aws_values!(
    /// An Organizations handshake's state.
    HandshakeState {
        Accepted = "ACCEPTED",
        Declined = "DECLINED",
        Open = "OPEN",
        Requested = "REQUESTED",
        Canceled = "CANCELED",
        Expired = "EXPIRED",
    }
);

aws_values!(
    /// A Detective data source package.
    DatasourcePackage {
        DetectiveCore = "DETECTIVE_CORE",
        EksAudit = "EKS_AUDIT",
        AsffSecurityhubFinding = "ASFF_SECURITYHUB_FINDING",
    }
);

impl DatasourcePackage {
    /// The packages Detective documents, in its order.
    pub const KNOWN: [Self; 3] = [Self::DetectiveCore, Self::EksAudit, Self::AsffSecurityhubFinding];
}

aws_values!(
    /// Whether a data source package is being ingested.
    IngestState {
        Started = "STARTED",
        Stopped = "STOPPED",
        Disabled = "DISABLED",
    }
);

aws_values!(
    /// A Detective investigation's status.
    InvestigationStatus {
        Running = "RUNNING",
        Failed = "FAILED",
        Successful = "SUCCESSFUL",
    }
);

aws_values!(
    /// A Detective investigation's severity.
    InvestigationSeverity {
        Informational = "INFORMATIONAL",
        Low = "LOW",
        Medium = "MEDIUM",
        High = "HIGH",
        Critical = "CRITICAL",
    }
);

impl InvestigationSeverity {
    /// Its rank, lowest first; a severity AWS adds later ranks above every known one, so
    /// it is never archived as noise.
    pub fn rank(&self) -> u8 {
        match self {
            Self::Informational => 0,
            Self::Low => 1,
            Self::Medium => 2,
            Self::High => 3,
            Self::Critical => 4,
            Self::Other(_) => u8::MAX,
        }
    }
}

/// A member's status with its DisabledReason, as reports show it
/// (`ACCEPTED_BUT_DISABLED (VOLUME_TOO_HIGH)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberState {
    pub status: MemberStatus,
    pub disabled_reason: Option<DisabledReason>,
}

impl MemberState {
    /// What a DisabledReason (or VERIFICATION_FAILED) asks of the operator, if anything.
    pub fn hint(&self) -> &'static str {
        match (&self.disabled_reason, &self.status) {
            (Some(DisabledReason::VolumeTooHigh), _) => {
                ": adding it would take the graph's data volume over Detective's limit"
            }
            (Some(DisabledReason::VolumeUnknown), _) => {
                ": Detective cannot verify its data volume, usually because GuardDuty is not enabled in it"
            }
            (_, MemberStatus::VerificationFailed) => ": Detective could not verify the account (its email address?)",
            _ => "",
        }
    }
}

impl fmt::Display for MemberState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.disabled_reason {
            Some(reason) => write!(formatter, "{} ({reason})", self.status),
            None => write!(formatter, "{}", self.status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert_eq!(
            AccountId::parse("111122223333").map(|id| id.to_string()),
            Some("111122223333".to_owned())
        );
        for bad in ["11112222333", "1111222233334", "11112222333x", ""] {
            assert_eq!(AccountId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn known_values_map_both_ways_and_new_ones_are_kept() {
        assert_eq!(
            MemberStatus::from_aws("ACCEPTED_BUT_DISABLED"),
            MemberStatus::AcceptedButDisabled
        );
        assert_eq!(MemberStatus::AcceptedButDisabled.as_str(), "ACCEPTED_BUT_DISABLED");
        let later = MemberStatus::from_aws("PAUSED");
        assert_eq!(later, MemberStatus::Other("PAUSED".to_owned()));
        assert_eq!(later.to_string(), "PAUSED");
        assert_eq!(
            AccountState::from_aws("PENDING_ACTIVATION"),
            AccountState::PendingActivation
        );
    }
}
