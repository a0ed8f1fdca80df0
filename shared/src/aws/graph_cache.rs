//! Which behavior graph to use in a region, remembered across warm invocations.

use std::collections::HashMap;
use std::sync::Mutex;

use super::arn::GraphArn;
use super::{single_graph, GraphPort};

/// Graphs found by ListGraphs, per region. Lives as long as the Lambda execution environment.
#[derive(Debug, Default)]
pub struct GraphCache {
    found: Mutex<HashMap<String, GraphArn>>,
}

impl GraphCache {
    /// `configured` when it is in `region`, else the cached graph, else the one ListGraphs finds.
    pub async fn resolve<P: GraphPort>(
        &self,
        ports: &P,
        configured: Option<&GraphArn>,
        region: &str,
    ) -> Result<GraphArn, String> {
        if let Some(graph) = configured.filter(|graph| graph.region == region) {
            return Ok(graph.clone());
        }
        if let Some(graph) = self.found.lock().ok().and_then(|found| found.get(region).cloned()) {
            return Ok(graph);
        }
        let graph = single_graph(ports, region).await?;
        if let Ok(mut found) = self.found.lock() {
            found.insert(region.to_owned(), graph.clone());
        }
        Ok(graph)
    }
}
