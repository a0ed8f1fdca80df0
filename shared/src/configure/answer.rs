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
    region: Option<&str>,
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
            region,
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

/// Plain HTTP to this machine (the sandbox standing in for S3) in test builds only: no
/// variable can make a deployed (release) binary answer there.
const LOOPBACK_ANSWERS: bool = cfg!(any(debug_assertions, feature = "loopback-answers"));

/// Only CloudFormation's response bucket of the function's own region, over HTTPS on the
/// default port: an answer carries the stack's request ids, and a forged request's
/// ResponseURL must not make the function call anywhere else (another host, the instance
/// metadata address, a local port). The presigned URL's host is not documented beyond the
/// example `cloudformation-custom-resource-response-useast1.s3.amazonaws.com`: the bucket
/// prefix with the region's name without dashes, at any of S3's endpoint forms for the
/// region in its partition.
fn usable(url: &str, region: Option<&str>) -> Result<(), String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|error| format!("ResponseURL {url:?} is not a URL: {error}"))?;
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    match uri.scheme_str() {
        Some("http") if loopback && LOOPBACK_ANSWERS => return Ok(()),
        Some("https") => {}
        _ => return Err(format!("ResponseURL {url:?} is not an https URL: not answered there")),
    }
    let default_port = uri.port_u16().is_none_or(|port| port == 443);
    match region {
        Some(region) if default_port && is_response_host(&host, region) => Ok(()),
        _ => Err(format!(
            "ResponseURL host {host:?} is not CloudFormation's response bucket in {}: not answered there",
            region.unwrap_or("this region")
        )),
    }
}

fn is_response_host(host: &str, region: &str) -> bool {
    let compact: String = region.chars().filter(|letter| *letter != '-').collect();
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    let Some(endpoint) = host.strip_prefix(&format!("cloudformation-custom-resource-response-{compact}.")) else {
        return false;
    };
    let mut endpoints = vec![
        format!("s3.{region}.{domain}"),
        format!("s3-{region}.{domain}"),
        format!("s3.dualstack.{region}.{domain}"),
    ];
    if region == "us-east-1" {
        endpoints.push(format!("s3.{domain}"));
        endpoints.push(format!("s3-external-1.{domain}"));
    }
    endpoints.iter().any(|known| known == endpoint)
}

async fn put(url: &str, region: Option<&str>, body: Vec<u8>) -> Result<(), String> {
    usable(url, region)?;
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
    fn answers_go_to_cloudformations_response_bucket_of_the_region_only() {
        let ours = |url: &str| usable(url, Some("us-east-1")).is_ok();
        assert!(ours(
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?y=z"
        ));
        assert!(ours(
            "https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com/x"
        ));
        assert!(usable(
            "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x",
            Some("eu-west-1")
        )
        .is_ok());
        assert!(usable(
            "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
            Some("cn-north-1")
        )
        .is_ok());
        // Another region's bucket, a look-alike, another port, another host, plain HTTP.
        assert!(!ours(
            "https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x"
        ));
        assert!(!ours(
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/x"
        ));
        assert!(!ours(
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/x"
        ));
        assert!(!ours("https://attacker.example/x"));
        assert!(!ours(
            "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x"
        ));
        assert!(!ours("http://169.254.169.254/latest/meta-data"));
        assert!(!ours("file:///etc/passwd"));
        assert!(!ours("not a url"));
        assert!(usable(
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            None
        )
        .is_err());
        // The sandbox on this machine: in test builds only.
        assert_eq!(
            ours("http://127.0.0.1:4566/_sandbox/cloudformation/x"),
            LOOPBACK_ANSWERS
        );
    }

    #[test]
    fn a_long_reason_is_cut_to_fit_the_response_object() {
        let reason = "é".repeat(4_000);
        let cut = shortened(&reason);
        assert!(cut.len() < 3_100 && cut.ends_with("(the rest is in the function's log)"));
    }
}
