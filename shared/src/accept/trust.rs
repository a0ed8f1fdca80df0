//! The trust decision, pure: every check must pass, and the failing one is named.

use super::config::AcceptConfig;
use super::reason::TrustFailure;
use crate::aws::arn::GraphArn;

/// Whether a graph's administrator (and the graph itself) is trusted, for `region`.
/// Err names the check that failed.
pub fn check_trust(
    administrator_id: Option<&str>,
    graph_arn: Option<&str>,
    region: &str,
    config: &AcceptConfig,
) -> Result<(), TrustFailure> {
    let Some(admin) = administrator_id.filter(|id| !id.is_empty()) else {
        return Err(TrustFailure::NoAdministrator);
    };
    if !config.trusted_admin_account_ids.iter().any(|trusted| trusted == admin) {
        return Err(TrustFailure::AdministratorNotTrusted(admin.to_owned()));
    }
    let Some(arn) = graph_arn else {
        return Err(TrustFailure::NoGraph);
    };
    let Some(graph) = GraphArn::parse(arn) else {
        return Err(TrustFailure::MalformedGraph(arn.to_owned()));
    };
    if graph.account_id != admin {
        return Err(TrustFailure::GraphOfAnotherAccount {
            graph: arn.to_owned(),
            owner: graph.account_id,
            administrator: admin.to_owned(),
        });
    }
    if graph.region != region {
        return Err(TrustFailure::GraphInAnotherRegion {
            graph: arn.to_owned(),
            graph_region: graph.region,
            region: region.to_owned(),
        });
    }
    if !config.trusted_graph_arns.is_empty() && !config.trusted_graph_arns.iter().any(|trusted| trusted == arn) {
        return Err(TrustFailure::GraphNotListed(arn.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::config::UntrustedPolicy;
    use super::*;

    const ADMIN: &str = "777777777777";
    const GRAPH: &str = "arn:aws:detective:us-east-1:777777777777:graph:0123456789abcdef0123456789abcdef";

    fn config(graphs: &[&str]) -> AcceptConfig {
        AcceptConfig {
            trusted_admin_account_ids: crate::domain::AccountId::parse(ADMIN).into_iter().collect(),
            trusted_graph_arns: graphs.iter().map(|g| (*g).to_owned()).collect(),
            untrusted: UntrustedPolicy::Ignore,
            leave_untrusted_graphs: false,
            regions: vec!["us-east-1".into()],
            dry_run: false,
        }
    }

    #[test]
    fn trusted_only_when_every_check_passes() {
        assert_eq!(check_trust(Some(ADMIN), Some(GRAPH), "us-east-1", &config(&[])), Ok(()));
        assert_eq!(
            check_trust(Some(ADMIN), Some(GRAPH), "us-east-1", &config(&[GRAPH])),
            Ok(())
        );
    }

    #[test]
    fn each_failing_check_is_named() {
        let reason = |admin, graph: Option<&str>, region, trusted: &[&str]| {
            check_trust(admin, graph, region, &config(trusted))
                .err()
                .map(|failure| failure.to_string())
                .unwrap_or_default()
        };
        assert!(reason(None, Some(GRAPH), "us-east-1", &[]).contains("no administrator"));
        assert!(
            reason(Some("666666666666"), Some(GRAPH), "us-east-1", &[]).contains("not in TRUSTED_ADMIN_ACCOUNT_IDS")
        );
        let other_owner = "arn:aws:detective:us-east-1:666666666666:graph:0123456789abcdef0123456789abcdef";
        assert!(reason(Some(ADMIN), Some(other_owner), "us-east-1", &[]).contains("belongs to account 666666666666"));
        assert!(reason(Some(ADMIN), Some("graph-1"), "us-east-1", &[]).contains("malformed"));
        assert!(reason(Some(ADMIN), Some(GRAPH), "eu-west-1", &[]).contains("is in us-east-1, not in eu-west-1"));
        let listed = "arn:aws:detective:us-east-1:777777777777:graph:ffffffffffffffffffffffffffffffff";
        assert!(reason(Some(ADMIN), Some(GRAPH), "us-east-1", &[listed]).contains("not in TRUSTED_GRAPH_ARNS"));
    }
}
