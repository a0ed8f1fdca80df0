//! NextToken pagination with the models' page-size limits. Tokens are opaque and bound to
//! the operation and what it lists: a token from elsewhere, or made up, is refused.

use serde_json::Value;

use crate::protocol::{ApiError, Service};

/// One page of `items` per `MaxResults` (1 to `limit`; `limit` when absent) and `NextToken`
/// from `body`. `scope` names what is listed (a graph ARN, the caller), so that a token
/// only continues the listing it came from.
pub fn page<T: Clone>(
    service: Service,
    operation: &str,
    scope: &str,
    items: &[T],
    body: &Value,
    limit: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let invalid = |message: String| match service {
        Service::Organizations => ApiError::invalid_input("INVALID_PAGINATION_TOKEN", message),
        _ => ApiError::new(service.invalid_input(), message),
    };
    let size = match body.get("MaxResults") {
        None | Some(Value::Null) => limit,
        Some(requested) => match requested.as_u64() {
            Some(requested) if requested >= 1 && requested <= limit as u64 => requested as usize,
            _ => {
                let message = format!("MaxResults must be between 1 and {limit}; got {requested}");
                return Err(match service {
                    Service::Organizations => ApiError::invalid_input("MAX_VALUE_EXCEEDED", message),
                    _ => ApiError::new(service.invalid_input(), message),
                });
            }
        },
    };
    let prefix = token_prefix(operation, scope);
    let start = match body.get("NextToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => token
            .strip_prefix(&prefix)
            .and_then(|offset| offset.parse::<usize>().ok())
            .filter(|offset| *offset > 0 && *offset < items.len())
            .ok_or_else(|| invalid(format!("invalid NextToken {token:?}")))?,
    };
    let end = start.saturating_add(size).min(items.len());
    let slice = items.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    let next = (end < items.len()).then(|| format!("{prefix}{end}"));
    Ok((slice, next))
}

/// `{operation}-{hash of scope}-`: short, opaque, and different per listing.
fn token_prefix(operation: &str, scope: &str) -> String {
    let hash = scope.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{operation}-{hash:016x}-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(body: Value) -> Result<(Vec<u32>, Option<String>), ApiError> {
        page(Service::Detective, "ListMembers", "graph-a", &[1, 2, 3, 4, 5], &body, 2)
    }

    #[test]
    fn pages_follow_their_tokens() {
        let (first, next) = run(json!({})).unwrap_or_default();
        assert_eq!(first, vec![1, 2]);
        let (second, next) = run(json!({"NextToken": next})).unwrap_or_default();
        assert_eq!(second, vec![3, 4]);
        let (last, next) = run(json!({"NextToken": next})).unwrap_or_default();
        assert_eq!((last, next), (vec![5], None));
    }

    #[test]
    fn bad_sizes_and_tokens_are_refused_in_the_services_words() {
        let code = |result: Result<(Vec<u32>, Option<String>), ApiError>| result.err().map(|e| e.code);
        assert_eq!(
            code(run(json!({"MaxResults": 0}))).as_deref(),
            Some("ValidationException")
        );
        assert_eq!(
            code(run(json!({"MaxResults": 3}))).as_deref(),
            Some("ValidationException")
        );
        assert_eq!(
            code(run(json!({"NextToken": "page-2"}))).as_deref(),
            Some("ValidationException")
        );
        let foreign = page(Service::Detective, "ListMembers", "graph-b", &[1, 2, 3], &json!({}), 2)
            .ok()
            .and_then(|(_, next)| next);
        assert_eq!(
            code(run(json!({"NextToken": foreign}))).as_deref(),
            Some("ValidationException")
        );
        let organizations = page(
            Service::Organizations,
            "ListAccounts",
            "",
            &[1],
            &json!({"MaxResults": 21}),
            20,
        );
        assert_eq!(
            organizations.err().map(|e| (e.code, e.fields.get("Reason").cloned())),
            Some(("InvalidInputException".to_owned(), Some(json!("MAX_VALUE_EXCEEDED"))))
        );
    }
}
