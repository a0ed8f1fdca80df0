//! The one behavior graph an administrator has in a region.

use super::arn::GraphArn;
use super::{AwsError, GraphPort};

/// Why no graph could be used in a region.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("no Detective behavior graph in {region}: enable Detective there, or set GRAPH_ARN to the graph to use")]
    NoGraph { region: String },
    /// The API reference says ListGraphs "always contain[s] a single behavior graph"; should
    /// that change, we do not guess.
    #[error("{} behavior graphs in {region} ({}): set GRAPH_ARN to the one to use", arns.len(), arns.join(", "))]
    SeveralGraphs { region: String, arns: Vec<String> },
    #[error("ListGraphs returned a malformed graph ARN {0:?}")]
    Malformed(String),
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// ListGraphs in `region`, expecting exactly one graph; otherwise an error that says what to do.
pub async fn single_graph<P: GraphPort>(ports: &P, region: &str) -> Result<GraphArn, GraphError> {
    let arns = ports.list_graphs(region).await?;
    match arns.as_slice() {
        [arn] => GraphArn::parse(arn).ok_or_else(|| GraphError::Malformed(arn.clone())),
        [] => Err(GraphError::NoGraph {
            region: region.to_owned(),
        }),
        several => Err(GraphError::SeveralGraphs {
            region: region.to_owned(),
            arns: several.to_vec(),
        }),
    }
}
