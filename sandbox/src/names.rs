//! Identifiers as the service models define them. Written out here rather than taken from
//! `shared`: the sandbox stands in for AWS and must not share our code's mistakes.

pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

/// The model's GraphArn pattern:
/// `^arn:aws[-\w]{0,10}?:detective:[-\w]{2,20}?:\d{12}?:graph:[abcdef\d]{32}?$`.
pub fn is_graph_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    let [prefix, partition, service, region, account, kind, id] = parts.as_slice() else {
        return false;
    };
    let partition_ok = partition
        .strip_prefix("aws")
        .is_some_and(|rest| rest.len() <= 10 && rest.bytes().all(is_word));
    *prefix == "arn"
        && partition_ok
        && *service == "detective"
        && (2..=20).contains(&region.len())
        && region.bytes().all(is_word)
        && is_account_id(account)
        && *kind == "graph"
        && id.len() == 32
        && id
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// The administrator account named in a graph ARN (empty when malformed).
pub fn admin_of(graph_arn: &str) -> &str {
    graph_arn.split(':').nth(4).unwrap_or_default()
}

/// `arn:{partition}:iam::{12 digits}:user/...` or `:role/...`: the account and the kind.
pub fn iam_principal(entity_arn: &str) -> Option<(&str, &'static str)> {
    let mut parts = entity_arn.splitn(6, ':');
    let (arn, _partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let kind = if resource.starts_with("user/") {
        "IAM_USER"
    } else if resource.starts_with("role/") {
        "IAM_ROLE"
    } else {
        return None;
    };
    let named = resource.rsplit('/').next().is_some_and(|name| !name.is_empty());
    (arn == "arn" && service == "iam" && region.is_empty() && is_account_id(account) && named)
        .then_some((account, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_arns_follow_the_model() {
        let good = "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef";
        assert!(is_graph_arn(good));
        assert!(is_graph_arn(&good.replace("arn:aws:", "arn:aws-us-gov:")));
        assert!(!is_graph_arn("arn:aws:detective:us-east-1:111111111111:graph:abc"));
        assert!(!is_graph_arn(&good.replace("0123456789abcdef0", "0123456789ABCDEF0")));
        assert!(!is_graph_arn(&good.replace(":111111111111:", ":11111111111:")));
        assert!(!is_graph_arn(&good.replace("detective", "guardduty")));
        assert!(!is_graph_arn(&good.replace("arn:aws:", "arn:azure:")));
    }

    #[test]
    fn principal_arns_are_checked() {
        assert_eq!(
            iam_principal("arn:aws:iam::111122223333:user/alice"),
            Some(("111122223333", "IAM_USER"))
        );
        assert_eq!(
            iam_principal("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_A_1"),
            Some(("111122223333", "IAM_ROLE"))
        );
        assert_eq!(iam_principal("arn:aws:iam::111122223333:role/"), None);
        assert_eq!(iam_principal("arn:aws:iam::111122223333:group/x"), None);
        assert_eq!(iam_principal("arn:aws:iam::1111:user/x"), None);
        assert_eq!(iam_principal("arn:aws:s3:::bucket"), None);
    }
}
