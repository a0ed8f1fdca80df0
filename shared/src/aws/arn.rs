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

impl GraphArn {
    pub fn parse(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (prefix, partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        let well_formed = prefix == "arn"
            && !partition.is_empty()
            && service == "detective"
            && !region.is_empty()
            && is_account_id(account)
            && resource.strip_prefix("graph:").is_some_and(|id| !id.is_empty());
        well_formed.then(|| Self {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account_id: account.to_owned(),
            arn: arn.to_owned(),
        })
    }
}

/// Exactly twelve ASCII digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_graph_arns() {
        let graph = GraphArn::parse("arn:aws-us-gov:detective:us-gov-west-1:111111111111:graph:abc");
        assert_eq!(graph.as_ref().map(|g| g.account_id.as_str()), Some("111111111111"));
        assert_eq!(graph.map(|g| g.region), Some("us-gov-west-1".to_owned()));
        assert_eq!(
            GraphArn::parse("arn:aws:detective:us-east-1:11111111111:graph:abc"),
            None
        );
        assert_eq!(
            GraphArn::parse("arn:aws:guardduty:us-east-1:111111111111:graph:abc"),
            None
        );
        assert_eq!(GraphArn::parse("arn:aws:detective:us-east-1:111111111111:graph:"), None);
    }
}
