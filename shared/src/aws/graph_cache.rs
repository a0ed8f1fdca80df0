//! Which behavior graph to use in a region, remembered across warm invocations.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use super::arn::GraphArn;
use super::{single_graph, AwsError, GraphError, GraphPort};

/// Graphs found by ListGraphs, per region. Lives as long as the Lambda execution environment.
#[derive(Debug, Default)]
pub struct GraphCache {
    found: Mutex<HashMap<String, GraphArn>>,
}

impl GraphCache {
    fn remembered(&self, region: &str) -> Option<GraphArn> {
        self.found.lock().ok().and_then(|found| found.get(region).cloned())
    }

    fn forget(&self, region: &str) {
        if let Ok(mut found) = self.found.lock() {
            found.remove(region);
        }
    }

    /// `configured` when it is in `region`, else the remembered graph, else the one
    /// ListGraphs finds; and whether it was remembered.
    async fn resolve<P: GraphPort>(
        &self,
        ports: &P,
        configured: Option<&GraphArn>,
        region: &str,
    ) -> Result<(GraphArn, bool), GraphError> {
        if let Some(graph) = configured.filter(|graph| graph.region == region) {
            return Ok((graph.clone(), false));
        }
        if let Some(graph) = self.remembered(region) {
            return Ok((graph, true));
        }
        let graph = single_graph(ports, region).await?;
        if let Ok(mut found) = self.found.lock() {
            found.insert(region.to_owned(), graph.clone());
        }
        Ok((graph, false))
    }

    /// Runs `work` (the first call that uses the graph) on the region's graph. A remembered
    /// graph that has since been deleted (ResourceNotFoundException) is forgotten, looked up
    /// again once, and `work` runs again on what ListGraphs finds now.
    pub async fn with_graph<P, T, F, Fut>(
        &self,
        ports: &P,
        configured: Option<&GraphArn>,
        region: &str,
        work: F,
    ) -> Result<(GraphArn, T), GraphError>
    where
        P: GraphPort,
        F: Fn(GraphArn) -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let (graph, remembered) = self.resolve(ports, configured, region).await?;
        match work(graph.clone()).await {
            Ok(value) => Ok((graph, value)),
            Err(error) if remembered && error.code == "ResourceNotFoundException" => {
                tracing::warn!(region, graph_arn = %graph.arn, %error, "the remembered graph is gone; looking again");
                self.forget(region);
                let (graph, _) = self.resolve(ports, configured, region).await?;
                let value = work(graph.clone()).await?;
                Ok((graph, value))
            }
            Err(error) => Err(error.into()),
        }
    }
}
