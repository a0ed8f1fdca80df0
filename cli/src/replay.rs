//! `autopilot replay`.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;
use sandbox::{Sandbox, SandboxState};
use serde_json::Value;
use shared::aws::{load_sdk_config, local_sdk_config, local_sdk_config_as};
use shared::clock::{Clock, FixedClock, SystemClock};
use shared::config::ProcessEnv;
use shared::event::{route_payload, CustomResourceRequest, Envelope, SqsBatch};

use shared::registry::Kind;

use crate::functions::{by_name, configure};
use crate::UsageError;

#[derive(Args)]
pub struct ReplayArgs {
    /// The event, as EventBridge delivers it to Lambda.
    event_file: String,
    /// investigate-findings; by default the function the event is for.
    #[arg(long)]
    function: Option<String>,
    /// Sandbox state file; the built-in demo organization by default.
    #[arg(long, conflicts_with = "aws")]
    sandbox: Option<String>,
    /// Use the real AWS account of the default credential chain (a dry run unless --execute).
    #[arg(long)]
    aws: bool,
    /// With --aws: make the writes.
    #[arg(long, requires = "aws")]
    execute: bool,
    /// The time to act at (RFC 3339), instead of the clock.
    #[arg(long)]
    now: Option<String>,
    /// A custom resource request's answer goes here instead of its ResponseURL (against the
    /// sandbox, by default, to the sandbox's /_sandbox/cloudformation/).
    #[arg(long)]
    response_url: Option<String>,
}

pub fn load_state(path: Option<&str>) -> Result<SandboxState, UsageError> {
    match path {
        None => Ok(SandboxState::demo()),
        Some(path) => SandboxState::from_file(path).map_err(|error| UsageError(error.to_string())),
    }
}

/// The payload and its envelope (a CloudFormation custom resource request's is made from it).
pub fn read_event(path: &str) -> Result<(Value, Envelope), UsageError> {
    let bytes = std::fs::read(path).map_err(|error| UsageError(format!("cannot read event file {path}: {error}")))?;
    let payload: Value = serde_json::from_slice(&bytes)
        .map_err(|error| UsageError(format!("event file {path} is not valid JSON: {error}")))?;
    if let Some(request) = CustomResourceRequest::detect(&payload) {
        let envelope = request.envelope(&payload);
        return Ok((payload, envelope));
    }
    if let Some(batch) = SqsBatch::detect(&payload) {
        let envelope = batch.envelope(&payload);
        return Ok((payload, envelope));
    }
    let envelope = Envelope::from_value(&payload).map_err(|error| UsageError(format!("event file {path}: {error}")))?;
    Ok((payload, envelope))
}

pub fn parse_now(now: Option<&str>) -> Result<Option<DateTime<Utc>>, UsageError> {
    now.map(|text| {
        DateTime::parse_from_rfc3339(text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(|error| UsageError(format!("--now {text:?} is not an RFC 3339 time: {error}")))
    })
    .transpose()
}

/// The function named, else the first that takes the payload's trigger (a custom resource
/// request, an SQS batch or an event, as Lambda would route it).
pub fn choose_function(name: Option<&str>, payload: &Value) -> Result<Kind, UsageError> {
    match name {
        Some(name) => by_name(name),
        None => Ok(route_payload(payload)
            .map(|(_, trigger)| Kind::for_trigger(&trigger))
            .unwrap_or(Kind::InvestigateFindings)),
    }
}

pub async fn run(args: ReplayArgs) -> Result<ExitCode, UsageError> {
    let (mut payload, envelope) = read_event(&args.event_file)?;
    let custom_resource = envelope.source == "aws.cloudformation";
    if let Some(url) = &args.response_url {
        CustomResourceRequest::redirect(&mut payload, url);
    }
    let function = choose_function(args.function.as_deref(), &payload)?;
    let now = parse_now(args.now.as_deref())?;
    // Against a real account, writes need an explicit --execute.
    let region = envelope.region.clone().unwrap_or_else(|| "us-east-1".to_owned());
    let configured = configure(function, &ProcessEnv, &region, args.aws && !args.execute)?;
    let clock: Box<dyn Clock> = match now {
        Some(now) => Box::new(FixedClock(now)),
        None => Box::new(SystemClock),
    };
    let outcome = if args.aws {
        configured.run(&payload, &load_sdk_config().await, clock.as_ref()).await
    } else {
        let mut state = load_state(args.sandbox.as_deref())?;
        if now.is_some() {
            state.now = now;
        }
        let sandbox = Sandbox::start(state)
            .await
            .map_err(|error| UsageError(format!("cannot start the sandbox: {error}")))?;
        if custom_resource && args.response_url.is_none() {
            let url = format!("{}/_sandbox/cloudformation/replay", sandbox.endpoint());
            CustomResourceRequest::redirect(&mut payload, &url);
        }
        // A custom resource runs as its stack's account.
        let sdk = match envelope.account.as_deref().filter(|_| custom_resource) {
            Some(account) => local_sdk_config_as(&sandbox.endpoint(), &region, &sandbox::access_key_for(account)).await,
            None => local_sdk_config(&sandbox.endpoint(), &region).await,
        };
        configured.run(&payload, &sdk, clock.as_ref()).await
    };
    println!("{}", outcome.to_json());
    Ok(if outcome.is_failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
