//! `autopilot demo`: every sample event against one sandbox, as a readable table.

use std::process::ExitCode;

use clap::Args;
use sandbox::Sandbox;
use shared::aws::local_sdk_config;
use shared::clock::{Clock, FixedClock, SystemClock};
use shared::config::{Env, ProcessEnv};
use shared::outcome::{Action, Outcome};

use crate::functions::configure;
use crate::replay::{choose_function, load_state, parse_now, read_event};
use crate::UsageError;

#[derive(Args)]
pub struct DemoArgs {
    /// Folder of sample events.
    #[arg(long, default_value = "events")]
    events: String,
    /// Sandbox state file; the built-in demo organization by default.
    #[arg(long)]
    sandbox: Option<String>,
    /// The time to act at (RFC 3339), instead of the clock.
    #[arg(long)]
    now: Option<String>,
}

pub async fn run(args: DemoArgs) -> Result<ExitCode, UsageError> {
    let mut files: Vec<String> = std::fs::read_dir(&args.events)
        .map_err(|error| UsageError(format!("cannot read events folder {}: {error}", args.events)))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    files.sort();
    let now = parse_now(args.now.as_deref())?;
    let mut state = load_state(args.sandbox.as_deref())?;
    state.now = now;
    let sandbox = Sandbox::start(state)
        .await
        .map_err(|error| UsageError(format!("cannot start the sandbox: {error}")))?;
    let clock: Box<dyn Clock> = match now {
        Some(now) => Box::new(FixedClock(now)),
        None => Box::new(SystemClock),
    };
    println!(
        "detective-autopilot demo: {} sample events against the local sandbox ({})\n",
        files.len(),
        sandbox.endpoint()
    );
    println!(
        "(accept-invitations trusts TRUSTED_ADMIN_ACCOUNT_IDS, here {})\n",
        DemoEnv.get("TRUSTED_ADMIN_ACCOUNT_IDS").unwrap_or_default()
    );
    println!("{:<52} {:<22} {:<9} WHAT", "EVENT", "FUNCTION", "STATUS");
    for file in &files {
        let name = std::path::Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let row = match replay_one(file, &sandbox, clock.as_ref()).await {
            Ok(outcome) => (
                outcome.function.to_owned(),
                serde_json::to_value(outcome.status)
                    .ok()
                    .and_then(|s| s.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                describe(&outcome),
            ),
            Err(UsageError(message)) => ("-".to_owned(), "unusable".to_owned(), message),
        };
        println!("{:<52} {:<22} {:<9} {}", name, row.0, row.1, row.2);
    }
    println!("\nautopilot status of the sandbox afterwards:\n");
    let state = sandbox.state();
    // The demo shows coverage; its exit code is not a gate here.
    let _ = crate::status::demo_status(&sandbox, &state).await;
    Ok(ExitCode::SUCCESS)
}

async fn replay_one(file: &str, sandbox: &Sandbox, clock: &dyn Clock) -> Result<Outcome, UsageError> {
    let (payload, envelope) = read_event(file)?;
    let function = choose_function(None, &envelope)?;
    let region = envelope.region.clone().unwrap_or_else(|| "us-east-1".to_owned());
    let configured = configure(function, &DemoEnv, &region, false)?;
    let sdk = local_sdk_config(&sandbox.endpoint(), &region).await;
    Ok(configured.run(&payload, &sdk, clock).await)
}

/// The process environment, with the demo organization's trusted administrator when none is set.
struct DemoEnv;

/// The administrator whose invitation the built-in demo state holds (the other one is untrusted).
const DEMO_TRUSTED_ADMIN: &str = "777777777777";

impl Env for DemoEnv {
    fn get(&self, var: &str) -> Option<String> {
        ProcessEnv
            .get(var)
            .or_else(|| (var == "TRUSTED_ADMIN_ACCOUNT_IDS").then(|| DEMO_TRUSTED_ADMIN.to_owned()))
    }
}

fn describe(outcome: &Outcome) -> String {
    let actions: Vec<String> = outcome.actions.iter().map(describe_action).collect();
    if actions.is_empty() {
        outcome.reason.clone()
    } else {
        format!("{} ({})", actions.join("; "), outcome.reason)
    }
}

fn describe_action(action: &Action) -> String {
    let target = action
        .entity_arn
        .clone()
        .or_else(|| action.administrator_id.as_ref().map(|admin| format!("from {admin}")))
        .or_else(|| (!action.account_ids.is_empty()).then(|| action.account_ids.join(",")))
        .or_else(|| action.graph_arn.clone())
        .unwrap_or_default();
    let id = action
        .investigation_id
        .as_deref()
        .map(|id| format!(" -> {id}"))
        .unwrap_or_default();
    let result = serde_json::to_value(action.result).unwrap_or_default();
    format!(
        "{} {target} [{}]{id}",
        action.operation,
        result.as_str().unwrap_or_default()
    )
}
