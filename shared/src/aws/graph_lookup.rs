//! The one behavior graph an administrator has in a region.

use super::arn::GraphArn;
use super::GraphPort;

/// ListGraphs in `region`, expecting exactly one graph; otherwise a reason that says what to do.
pub async fn single_graph<P: GraphPort>(ports: &P, region: &str) -> Result<GraphArn, String> {
    let arns = ports.list_graphs(region).await.map_err(|error| error.to_string())?;
    match arns.as_slice() {
        [arn] => GraphArn::parse(arn).ok_or_else(|| format!("ListGraphs returned a malformed graph ARN {arn:?}")),
        [] => Err(format!(
            "no Detective behavior graph in {region}: enable Detective there, or set GRAPH_ARN to the graph to use"
        )),
        several => Err(format!(
            "{} behavior graphs in {region} ({}): set GRAPH_ARN to the one to use",
            several.len(),
            several.join(", ")
        )),
    }
}
