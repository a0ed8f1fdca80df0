//! Why an action was taken, planned or left. Each function brings its own reason type (its
//! folder's `reason.rs`); an action holds it as a [`Reason`], something to display and to
//! serialise (its wording), which the function's metrics and tests ask for back by type.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// A function's reason type: worded by `Display`, compared by `PartialEq`.
pub trait Explains: fmt::Display + fmt::Debug + PartialEq + Send + Sync + 'static {}

/// What a held reason can be asked: its wording, its type, equality with another.
trait Held: fmt::Display + fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn same_as(&self, other: &dyn Held) -> bool;
}

impl<T: Explains> Held for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn same_as(&self, other: &dyn Held) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

/// Any function's reason, as an action holds it.
#[derive(Clone)]
pub struct Reason(Arc<dyn Held>);

impl Reason {
    /// The reason as the function's own type, if it is one.
    pub fn of<T: Explains>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }
}

impl<T: Explains> From<T> for Reason {
    fn from(reason: T) -> Self {
        Self(Arc::new(reason))
    }
}

impl PartialEq for Reason {
    fn eq(&self, other: &Self) -> bool {
        self.0.same_as(other.0.as_ref())
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, formatter)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, formatter)
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Who tries again what an invocation's deadline cut short: a schedule's failure is
/// answered, so its next run; an event's failure is raised, so Lambda's retry of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    NextRun,
    LambdaRetry,
}

/// Every function's reason for a write not started: the invocation's deadline was near.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineNear(pub Retry);

impl Explains for DeadlineNear {}

impl fmt::Display for DeadlineNear {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let retried_by = match self.0 {
            Retry::NextRun => "the next run picks it up",
            Retry::LambdaRetry => "Lambda retries the event",
        };
        write!(
            formatter,
            "not started: the invocation's deadline was near; {retried_by}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Other(Retry);

    impl Explains for Other {}

    impl fmt::Display for Other {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(formatter, "other")
        }
    }

    /// Equal only as the same type with the same value; asked back only as its own type.
    #[test]
    fn a_reason_is_compared_and_recovered_by_its_type() {
        let near = Reason::from(DeadlineNear(Retry::NextRun));
        assert_eq!(near, Reason::from(DeadlineNear(Retry::NextRun)));
        assert_ne!(near, Reason::from(DeadlineNear(Retry::LambdaRetry)));
        assert_ne!(near, Reason::from(Other(Retry::NextRun)));
        assert_eq!(near.of::<DeadlineNear>(), Some(&DeadlineNear(Retry::NextRun)));
        assert_eq!(near.of::<Other>(), None);
        assert_eq!(
            serde_json::to_value(&near).ok(),
            Some(serde_json::json!(
                "not started: the invocation's deadline was near; the next run picks it up"
            ))
        );
    }
}
