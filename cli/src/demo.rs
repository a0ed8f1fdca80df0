//! `autopilot demo`: every sample event against one sandbox, as a readable table.

use shared::operation::Operation;
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
use shared::registry::Kind;

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
    print_alerts(&sandbox);
    report_loop(&sandbox, clock.as_ref()).await;
    println!("\nautopilot status of the sandbox afterwards:\n");
    let state = sandbox.state();
    // The demo shows coverage; its exit code is not a gate here.
    let _ = crate::status::demo_status(&sandbox, &state).await;
    Ok(ExitCode::SUCCESS)
}

/// The tamper alerts enroll-accounts put on the sandbox's bus: who did what, and the response.
fn print_alerts(sandbox: &Sandbox) {
    let alerts: Vec<_> = sandbox
        .events()
        .into_iter()
        .filter(|event| event.detail_type == shared::enroll::ALERT_DETAIL_TYPE)
        .collect();
    println!(
        "\nenroll-accounts: {} alert(s) \"{}\" on the default bus",
        alerts.len(),
        shared::enroll::ALERT_DETAIL_TYPE
    );
    for alert in &alerts {
        let field = |name: &str| {
            alert
                .detail
                .get(name)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let who = alert
            .detail
            .get("who")
            .and_then(|who| who.get("arn"))
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        println!(
            "  {} by {who} from {}: {}",
            field("operation"),
            field("source_ip"),
            field("response")
        );
    }
}

/// The queue investigate-findings sends report requests to in the demo (the sandbox records them).
const DEMO_REPORT_QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/111111111111/detective-autopilot-reports";

/// The loop closed: the report requests investigate-findings sent, delivered at once (in
/// AWS, after REPORT_DELAY_SECONDS) to report-investigations, and the reports it published.
async fn report_loop(sandbox: &Sandbox, clock: &dyn Clock) {
    let messages = sandbox.sqs_messages();
    println!(
        "\nreport-investigations: {} report request(s) in {DEMO_REPORT_QUEUE} (delivered now, not after REPORT_DELAY_SECONDS)",
        messages.len()
    );
    if messages.is_empty() {
        return;
    }
    let payload = sqs_batch(&messages);
    let outcome = match configure(Kind::ReportInvestigations, &DemoEnv, "us-east-1", false) {
        Ok(configured) => {
            let sdk = local_sdk_config(&sandbox.endpoint(), "us-east-1").await;
            configured.run(&payload, &sdk, clock).await
        }
        Err(UsageError(message)) => {
            println!("  unusable: {message}");
            return;
        }
    };
    let status = serde_json::to_value(outcome.status).unwrap_or_default();
    let published = outcome
        .actions
        .iter()
        .filter(|action| {
            action.operation == Operation::PutEvents && action.result == shared::outcome::ActionResult::Done
        })
        .count();
    let again = shared::report::redelivered(&outcome).len();
    println!(
        "  {}: {published} report(s) published, {} message(s) for an investigation already reported, {again} to deliver again",
        status.as_str().unwrap_or_default(),
        messages.len().saturating_sub(published + again)
    );
    let reports = sandbox
        .events()
        .into_iter()
        .filter(|event| event.detail_type.starts_with("Detective Investigation"));
    for event in reports {
        let headline = format!(
            "{} of {}: {} {}",
            event
                .detail
                .get("investigation_id")
                .and_then(|v| v.as_str())
                .unwrap_or_default(),
            event
                .detail
                .get("entity_arn")
                .and_then(|v| v.as_str())
                .unwrap_or_default(),
            event.detail.get("status").and_then(|v| v.as_str()).unwrap_or_default(),
            event
                .detail
                .get("severity")
                .and_then(|v| v.as_str())
                .unwrap_or_default(),
        );
        let counts: Vec<String> = event
            .detail
            .get("indicator_counts")
            .and_then(|v| v.as_object())
            .map(|counts| counts.iter().map(|(kind, count)| format!("{count} {kind}")).collect())
            .unwrap_or_default();
        println!(
            "  event {:?} on bus {}: investigation {headline} ({})",
            event.detail_type,
            event.event_bus_name,
            counts.join(", ")
        );
    }
}

/// The messages as Lambda's SQS event source mapping delivers them.
fn sqs_batch(messages: &[sandbox::SqsMessage]) -> serde_json::Value {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|message| {
            serde_json::json!({
                "messageId": message.message_id,
                "receiptHandle": format!("demo-{}", message.message_id),
                "body": message.body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": message.sent_time.timestamp_millis().to_string()},
                "messageAttributes": {},
                "md5OfBody": message.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111111111111:detective-autopilot-reports",
                "awsRegion": message.region,
            })
        })
        .collect();
    serde_json::json!({"Records": records})
}

async fn replay_one(file: &str, sandbox: &Sandbox, clock: &dyn Clock) -> Result<Outcome, UsageError> {
    let (payload, envelope) = read_event(file)?;
    let function = choose_function(None, &payload)?;
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
        ProcessEnv.get(var).or_else(|| match var {
            "TRUSTED_ADMIN_ACCOUNT_IDS" => Some(DEMO_TRUSTED_ADMIN.to_owned()),
            "REPORT_QUEUE_URL" => Some(DEMO_REPORT_QUEUE.to_owned()),
            _ => None,
        })
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
