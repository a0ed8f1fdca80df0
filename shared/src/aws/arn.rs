//! ARNs we read: behavior graphs.

/// `arn:{partition}:detective:{region}:{account}:graph:{id}`, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphArn {
    pub partition: String,
    pub region: String,
    /// The graph's administrator account.
    pub account_id: String,
    pub arn: String,
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

impl GraphArn {
    /// Parses an ARN of the form Detective's model gives (`GraphArn`'s pattern
    /// `^arn:aws[-\w]{0,10}?:detective:[-\w]{2,20}?:\d{12}?:graph:[abcdef\d]{32}?$`):
    /// anything else Detective would refuse, so it is refused here first.
    pub fn parse(arn: &str) -> Option<Self> {
        let parts: Vec<&str> = arn.split(':').collect();
        let [prefix, partition, service, region, account, kind, id] = parts.as_slice() else {
            return None;
        };
        let well_formed = *prefix == "arn"
            && is_partition(partition)
            && *service == "detective"
            && (2..=20).contains(&region.len())
            && region.bytes().all(is_word)
            && is_account_id(account)
            && *kind == "graph"
            && id.len() == 32
            && id
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        well_formed.then(|| Self {
            partition: (*partition).to_owned(),
            region: (*region).to_owned(),
            account_id: (*account).to_owned(),
            arn: arn.to_owned(),
        })
    }
}

/// A partition of the form ARNs in Detective's model allow (`aws[-\w]{0,10}`): `aws`,
/// `aws-cn`, `aws-us-gov`, `aws-iso-b`, and any later one of that shape.
pub fn is_partition(text: &str) -> bool {
    text.strip_prefix("aws")
        .is_some_and(|rest| rest.len() <= 10 && rest.bytes().all(is_word))
}

/// Exactly twelve ASCII digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_graph_arns_of_the_models_form() {
        let graph = GraphArn::parse(&format!(
            "arn:aws-us-gov:detective:us-gov-west-1:111111111111:graph:{ID}"
        ));
        assert_eq!(graph.as_ref().map(|g| g.account_id.as_str()), Some("111111111111"));
        assert_eq!(graph.map(|g| g.region), Some("us-gov-west-1".to_owned()));
        for bad in [
            format!("arn:aws:detective:us-east-1:11111111111:graph:{ID}"),
            format!("arn:aws:guardduty:us-east-1:111111111111:graph:{ID}"),
            format!("arn:other:detective:us-east-1:111111111111:graph:{ID}"),
            "arn:aws:detective:us-east-1:111111111111:graph:".to_owned(),
            "arn:aws:detective:us-east-1:111111111111:graph:abc".to_owned(),
            format!("arn:aws:detective:us-east-1:111111111111:graph:{}", ID.to_uppercase()),
            format!("arn:aws:detective:us-east-1:111111111111:graph:{ID}:extra"),
        ] {
            assert_eq!(GraphArn::parse(&bad), None, "{bad}");
        }
    }
}
