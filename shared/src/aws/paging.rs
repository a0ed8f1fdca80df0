//! Following NextToken by hand, for the operations the SDK has no paginator for
//! (ListInvestigations, ListIndicators).

use super::AwsError;
use crate::operation::Operation;

/// The token to ask the next page with, or `None` when the listing is done. A token the
/// service hands back unchanged is an error rather than a loop without end.
pub fn next_page(
    operation: Operation,
    asked_with: Option<&str>,
    returned: Option<&str>,
) -> Result<Option<String>, AwsError> {
    match returned {
        Some(token) if asked_with == Some(token) => Err(AwsError::new(
            operation,
            "RepeatedNextToken",
            format!("the service returned the NextToken it was given ({token:?}); stopped paging"),
        )),
        Some(token) if !token.is_empty() => Ok(Some(token.to_owned())),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_new_tokens_stops_at_none_or_empty_and_refuses_a_repeat() {
        assert_eq!(
            next_page(Operation::ListIndicators, None, Some("b")).ok(),
            Some(Some("b".to_owned()))
        );
        assert_eq!(
            next_page(Operation::ListIndicators, Some("a"), Some("b")).ok(),
            Some(Some("b".to_owned()))
        );
        assert_eq!(next_page(Operation::ListIndicators, Some("a"), None).ok(), Some(None));
        assert_eq!(
            next_page(Operation::ListIndicators, Some("a"), Some("")).ok(),
            Some(None)
        );
        let repeated = next_page(Operation::ListInvestigations, Some("a"), Some("a"))
            .err()
            .map(|error| error.to_string());
        assert!(
            repeated.as_deref().is_some_and(
                |text| text.contains(Operation::ListInvestigations.name()) && text.contains("RepeatedNextToken")
            ),
            "{repeated:?}"
        );
    }
}
