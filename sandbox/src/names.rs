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

/// The model's DatasourcePackage values.
pub const DATASOURCE_PACKAGES: [&str; 3] = ["DETECTIVE_CORE", "EKS_AUDIT", "ASFF_SECURITYHUB_FINDING"];

/// The model's DatasourcePackageIngestState values.
pub const INGEST_STATES: [&str; 3] = ["STARTED", "STOPPED", "DISABLED"];

/// The model's Status values (of an investigation).
pub const INVESTIGATION_STATUSES: [&str; 3] = ["RUNNING", "FAILED", "SUCCESSFUL"];

/// The model's State values (of an investigation).
pub const INVESTIGATION_STATES: [&str; 2] = ["ACTIVE", "ARCHIVED"];

/// The model's Severity values.
pub const SEVERITIES: [&str; 5] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/// The model's IndicatorType values, each with the IndicatorDetail member that carries its
/// detail.
pub const INDICATOR_TYPES: [(&str, &str); 8] = [
    ("TTP_OBSERVED", "TTPsObservedDetail"),
    ("IMPOSSIBLE_TRAVEL", "ImpossibleTravelDetail"),
    ("FLAGGED_IP_ADDRESS", "FlaggedIpAddressDetail"),
    ("NEW_GEOLOCATION", "NewGeolocationDetail"),
    ("NEW_ASO", "NewAsoDetail"),
    ("NEW_USER_AGENT", "NewUserAgentDetail"),
    ("RELATED_FINDING", "RelatedFindingDetail"),
    ("RELATED_FINDING_GROUP", "RelatedFindingGroupDetail"),
];

/// What is wrong with an indicator in a state file: it must be the API's Indicator, an
/// `IndicatorType` of the model with an `IndicatorDetail` holding that type's detail object
/// (the members of the detail are checked against the model by the traffic check).
pub fn indicator_problem(indicator: &serde_json::Value) -> Option<String> {
    let kind = indicator.get("IndicatorType").and_then(serde_json::Value::as_str);
    let Some((kind, detail_member)) = INDICATOR_TYPES.iter().find(|(name, _)| Some(*name) == kind) else {
        return Some(format!(
            "IndicatorType {kind:?} is not one of {:?}",
            INDICATOR_TYPES.map(|(name, _)| name)
        ));
    };
    let detail = indicator.get("IndicatorDetail").and_then(serde_json::Value::as_object);
    match detail {
        Some(detail) if detail.len() == 1 && detail.get(*detail_member).is_some_and(serde_json::Value::is_object) => {
            None
        }
        _ => Some(format!(
            "an indicator of type {kind} has an IndicatorDetail of one member, {detail_member}, an object"
        )),
    }
}

/// The model's TagMap holds at most 50 tags (and so, the sandbox takes it, may a graph).
pub const TAGS_MAX: usize = 50;

/// What is wrong with a tag key, by the model's TagKey: 1 to 128 characters of
/// `^(?!aws:)[a-zA-Z+-=._:/]+$`, where `+-=` is a range (`+,-./0-9:;<=`).
pub fn tag_key_problem(key: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphabetic() || ('+'..='=').contains(&c) || matches!(c, '.' | '_' | ':' | '/');
    if key.is_empty() || key.chars().count() > 128 {
        Some(format!("tag key {key:?} must be 1 to 128 characters"))
    } else if key.starts_with("aws:") {
        Some(format!(
            "tag key {key:?} cannot start with aws:, which is reserved for AWS use"
        ))
    } else if !key.chars().all(allowed) {
        Some(format!(
            "tag key {key:?} does not match the pattern ^(?!aws:)[a-zA-Z+-=._:/]+$"
        ))
    } else {
        None
    }
}

/// What is wrong with a tag value, by the model's TagValue: at most 256 characters.
pub fn tag_value_problem(key: &str, value: &str) -> Option<String> {
    (value.chars().count() > 256).then(|| format!("the value of tag {key:?} is longer than 256 characters"))
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
    fn tag_keys_follow_the_model() {
        for good in [
            "team",
            "Cost-Center",
            "a+b=c",
            "k:v/x_y.z",
            "env2",
            "a;b<c",
            "AWS:upper",
        ] {
            assert_eq!(tag_key_problem(good), None, "{good}");
        }
        for bad in ["", "aws:reserved", "has space", "a@b", "a>b", "ü", &"k".repeat(129)] {
            assert!(tag_key_problem(bad).is_some(), "{bad}");
        }
        assert!(tag_value_problem("k", &"v".repeat(256)).is_none());
        assert!(tag_value_problem("k", &"v".repeat(257)).is_some());
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
