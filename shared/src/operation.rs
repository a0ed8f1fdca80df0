//! The AWS operations we call, typed: each with its service and, for a write a summary
//! counts, its past-tense verb. Outcomes, metrics, errors and summaries use these, never
//! strings.

use std::fmt;

use serde::{Serialize, Serializer};

/// The service an operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Detective,
    Organizations,
    Iam,
    Sts,
    EventBridge,
    Sqs,
    SecurityHub,
    CloudTrail,
}

macro_rules! operations {
    ($($operation:ident $(= $aws:literal)? => $service:ident $(, $verb:literal)?;)+) => {
        /// An AWS operation we call.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operation {
            $($operation,)+
        }

        impl Operation {
            /// In declaration order: a region's summary names its writes in this order.
            pub const ALL: &'static [Operation] = &[$(Operation::$operation,)+];

            /// The API's name, as AWS and CloudTrail spell it.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Operation::$operation => operations!(@name $operation $($aws)?),)+
                }
            }

            pub const fn service(self) -> Service {
                match self {
                    $(Operation::$operation => Service::$service,)+
                }
            }

            /// How a region's summary counts it ("3 enrolled"); reads have none.
            pub const fn verb(self) -> Option<&'static str> {
                match self {
                    $(Operation::$operation => operations!(@verb $($verb)?),)+
                }
            }
        }
    };
    (@name $operation:ident $aws:literal) => { $aws };
    (@name $operation:ident) => { stringify!($operation) };
    (@verb $verb:literal) => { Some($verb) };
    (@verb) => { None };
}

// The writes with a verb are listed in the order each function's summary names them.
operations! {
    EnableOrganizationAdminAccount => Detective, "designated";
    DisableOrganizationAdminAccount => Detective, "administrator removed";
    CreateGraph => Detective, "graph created";
    DeleteGraph => Detective, "graph deleted";
    UpdateDatasourcePackages => Detective, "packages started";
    TagResource => Detective, "tagged";
    UntagResource => Detective, "untagged";
    UpdateOrganizationConfiguration => Detective, "AutoEnable set";
    CreateMembers => Detective, "enrolled";
    StartMonitoringMember => Detective, "re-enabled";
    DeleteMembers => Detective, "removed";
    AcceptInvitation => Detective, "accepted";
    RejectInvitation => Detective, "rejected";
    DisassociateMembership => Detective, "left";
    StartInvestigation => Detective;
    UpdateInvestigationState => Detective;
    BatchGetGraphMemberDatasources => Detective;
    BatchGetMembershipDatasources => Detective;
    DescribeOrganizationConfiguration => Detective;
    GetInvestigation => Detective;
    GetMembers => Detective;
    ListDatasourcePackages => Detective;
    ListGraphs => Detective;
    ListIndicators => Detective;
    ListInvestigations => Detective;
    ListInvitations => Detective;
    ListMembers => Detective;
    ListOrganizationAdminAccounts => Detective;
    ListTagsForResource => Detective;
    DescribeAccount => Organizations;
    ListAccounts => Organizations;
    ListDelegatedAdministrators => Organizations;
    ListOrganizationalUnitsForParent => Organizations;
    ListAccountsForParent => Organizations;
    // Detective's has the same name: the variant says whose.
    ListAccountTags = "ListTagsForResource" => Organizations;
    GetRole => Iam;
    GetUser => Iam;
    AssumeRole => Sts;
    PutEvents => EventBridge;
    SendMessage => Sqs;
    BatchImportFindings => SecurityHub;
    DescribeTrails => CloudTrail;
    GetEventSelectors => CloudTrail;
    GetTrailStatus => CloudTrail;
}

impl fmt::Display for Operation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Tests and logs compare with AWS's spelling.
impl PartialEq<&str> for Operation {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_is_spelled_as_aws_spells_it_and_belongs_to_its_service() {
        assert_eq!(
            Operation::ListOrganizationAdminAccounts.name(),
            "ListOrganizationAdminAccounts"
        );
        assert_eq!(Operation::PutEvents.service(), Service::EventBridge);
        assert_eq!(Operation::CreateMembers.verb(), Some("enrolled"));
        assert_eq!(Operation::ListGraphs.verb(), None);
        assert_eq!(
            serde_json::to_value(Operation::StartInvestigation).ok(),
            Some(serde_json::json!("StartInvestigation"))
        );
        assert_eq!(Operation::ListAccountTags.name(), "ListTagsForResource");
        let names: std::collections::HashSet<(&str, Service)> = Operation::ALL
            .iter()
            .map(|operation| (operation.name(), operation.service()))
            .collect();
        assert_eq!(names.len(), Operation::ALL.len(), "one name each in its service");
    }
}
