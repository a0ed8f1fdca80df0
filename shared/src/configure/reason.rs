//! Why configure-detective took, planned or left an action. An action holds it as an `outcome::Reason`
//! (displayed, and serialised as its wording); metrics and tests ask for it back by type.

use std::fmt;

use crate::domain::{DatasourcePackage, IngestState};
use crate::outcome::Explains;

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
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
}

impl Explains for Reason {}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
        }
    }
}
