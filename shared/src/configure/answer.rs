//! The answer to CloudFormation: a PUT of the response object to the request's presigned
//! ResponseURL. Until it arrives the stack waits (an hour, or the resource's ServiceTimeout).

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceResponse, CloudFormationCustomResourceResponseStatus,
};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;

use crate::event::CustomResourceRequest;

/// CloudFormation refuses response objects over 4,096 bytes: the reason is cut to fit.
const MAX_REASON: usize = 3_000;

/// What we told CloudFormation, and whether it got it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudFormationAnswer {
    /// SUCCESS or FAILED.
    pub status: &'static str,
    pub physical_resource_id: String,
    pub delivered: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
}

fn shortened(reason: &str) -> String {
    if reason.len() <= MAX_REASON {
        return reason.to_owned();
    }
    let mut end = MAX_REASON;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}... (the rest is in the function's log)",
        reason.get(..end).unwrap_or_default()
    )
}

/// The response object for `request`.
pub fn response_body(request: &CustomResourceRequest, success: bool, reason: &str, physical_id: &str) -> Vec<u8> {
    let response = CloudFormationCustomResourceResponse {
        status: if success {
            CloudFormationCustomResourceResponseStatus::Success
        } else {
            CloudFormationCustomResourceResponseStatus::Failed
        },
        reason: Some(shortened(reason)),
        physical_resource_id: physical_id.to_owned(),
        stack_id: request.stack_id.clone(),
        request_id: request.request_id.clone(),
        logical_resource_id: request.logical_resource_id.clone(),
        no_echo: false,
        data: HashMap::new(),
    };
    serde_json::to_vec(&response).unwrap_or_default()
}

/// PUTs the answer, within `timeout`. The presigned URL is signed without a content type,
/// so none is sent.
pub async fn deliver(
    request: &CustomResourceRequest,
    success: bool,
    reason: &str,
    physical_id: &str,
    timeout: Duration,
) -> CloudFormationAnswer {
    let status = if success { "SUCCESS" } else { "FAILED" };
    let result = tokio::time::timeout(
        timeout,
        put(
            &request.response_url,
            response_body(request, success, reason, physical_id),
        ),
    )
    .await
    .unwrap_or_else(|_| Err(format!("no answer from the ResponseURL within {} s", timeout.as_secs())));
    CloudFormationAnswer {
        status,
        physical_resource_id: physical_id.to_owned(),
        delivered: result.is_ok(),
        delivery_error: result.err(),
    }
}

/// HTTPS, or plain HTTP to this machine (the sandbox standing in for S3): an answer never
/// leaves in the clear.
fn usable(url: &str) -> Result<(), String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|error| format!("ResponseURL {url:?} is not a URL: {error}"))?;
    let loopback = matches!(uri.host(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if loopback => Ok(()),
        _ => Err(format!("ResponseURL {url:?} is not an https URL: not answered there")),
    }
}

async fn put(url: &str, body: Vec<u8>) -> Result<(), String> {
    usable(url)?;
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|error| format!("no TLS root certificates: {error}"))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let request = hyper::Request::put(url)
        .header("content-length", body.len())
        .body(Full::new(Bytes::from(body)))
        .map_err(|error| format!("ResponseURL {url:?} is not usable: {error}"))?;
    let response = client
        .request(request)
        .await
        .map_err(|error| format!("PUT to the ResponseURL failed: {error}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the ResponseURL answered HTTP {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_go_over_https_or_to_this_machine_only() {
        assert!(usable("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?y=z").is_ok());
        assert!(usable("http://127.0.0.1:4566/_sandbox/cloudformation/x").is_ok());
        assert!(usable("http://169.254.169.254/latest/meta-data").is_err());
        assert!(usable("http://example.com/x").is_err());
        assert!(usable("file:///etc/passwd").is_err());
        assert!(usable("not a url").is_err());
    }

    #[test]
    fn a_long_reason_is_cut_to_fit_the_response_object() {
        let reason = "é".repeat(4_000);
        let cut = shortened(&reason);
        assert!(cut.len() < 3_100 && cut.ends_with("(the rest is in the function's log)"));
    }
}
