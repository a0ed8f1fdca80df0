//! `autopilot setup`: Detective set up as desired, the plan printed as a table, then what
//! was done. Against the sandbox by default; `--aws` is a dry run unless `--execute`.

use std::process::ExitCode;

use clap::Args;
use sandbox::{Sandbox, SandboxState};
use shared::aws::{load_sdk_config, local_sdk_config_as, DesignationPort, SdkDetective, SdkOrganizations};
use shared::clock::SystemClock;
use shared::config::{Env, ProcessEnv};
use shared::configure::{observe, plan, reconcile_region, AsManagementReads, DesiredState, Part, RegionSetup};
use shared::domain::AccountId;
use shared::execute::{Policy, Step, Write};
use shared::outcome::{Action, Retry};

use crate::replay::load_state;
use crate::UsageError;

#[derive(Args)]
pub struct SetupArgs {
    /// Sandbox state file; the built-in demo organization by default.
    #[arg(long, conflicts_with = "aws")]
    sandbox: Option<String>,
    /// The real AWS account of the default credential chain (a dry run unless --execute).
    #[arg(long, requires = "part")]
    aws: bool,
    /// With --aws: make the writes.
    #[arg(long, requires = "aws")]
    execute: bool,
    /// organization (run in the management account: designate the administrator) or graph
    /// (run in the administrator account); both against the sandbox by default.
    #[arg(long, value_parser = ["organization", "graph"])]
    part: Option<String>,
    /// REGIONS (comma-separated).
    #[arg(long)]
    regions: Option<String>,
    /// ADMINISTRATOR_ACCOUNT_ID.
    #[arg(long)]
    administrator: Option<String>,
    /// DATASOURCE_PACKAGES, e.g. EKS_AUDIT,ASFF_SECURITYHUB_FINDING.
    #[arg(long)]
    packages: Option<String>,
    /// GRAPH_TAGS, key=value,...
    #[arg(long)]
    tags: Option<String>,
    /// AUTO_ENABLE (true or false).
    #[arg(long)]
    auto_enable: Option<String>,
}

/// The flags first, then the environment, then the sandbox's defaults.
struct SetupEnv<'a> {
    args: &'a SetupArgs,
    defaults: Vec<(&'static str, String)>,
}

impl Env for SetupEnv<'_> {
    fn get(&self, var: &str) -> Option<String> {
        let flag = match var {
            "REGIONS" => self.args.regions.clone(),
            "ADMINISTRATOR_ACCOUNT_ID" => self.args.administrator.clone(),
            "DATASOURCE_PACKAGES" => self.args.packages.clone(),
            "GRAPH_TAGS" => self.args.tags.clone(),
            "AUTO_ENABLE" => self.args.auto_enable.clone(),
            _ => None,
        };
        flag.or_else(|| ProcessEnv.get(var)).or_else(|| {
            self.defaults
                .iter()
                .find(|(name, _)| *name == var)
                .map(|(_, value)| value.clone())
        })
    }
}

/// The demo's defaults: its regions, its Detective administrator (or the caller account).
fn sandbox_defaults(state: &SandboxState) -> Vec<(&'static str, String)> {
    let regions: Vec<&String> = state.regions.keys().collect();
    let administrator = state
        .regions
        .values()
        .find_map(|region| region.organization_admin_account_id.clone())
        .unwrap_or_else(|| state.caller_account_id.clone());
    vec![
        (
            "REGIONS",
            regions.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
        ),
        ("ADMINISTRATOR_ACCOUNT_ID", administrator),
        ("AWS_REGION", "us-east-1".to_owned()),
    ]
}

pub async fn run(args: SetupArgs) -> Result<ExitCode, UsageError> {
    let parts = match args.part.as_deref().and_then(Part::parse) {
        Some(part) => vec![part],
        None => vec![Part::Organization, Part::Graph],
    };
    if args.aws {
        let sdk = load_sdk_config().await;
        let region = sdk.region().map(|region| region.to_string()).unwrap_or_default();
        let env = SetupEnv {
            args: &args,
            defaults: vec![("AWS_REGION", region)],
        };
        let desired = DesiredState::from_env(&env).map_err(|error| UsageError(error.to_string()))?;
        let caller = aws_sdk_sts::Client::new(&sdk)
            .get_caller_identity()
            .send()
            .await
            .map_err(|error| UsageError(format!("cannot tell which account the credentials are: {error}")))?;
        let caller = caller.account().and_then(AccountId::parse);
        if let Some(failure) = parts
            .iter()
            .find_map(|part| shared::configure::plan_wrong_account(&desired, *part, caller.as_ref()))
        {
            return Err(UsageError(failure.to_string()));
        }
        let detective = SdkDetective::new(&sdk);
        // Who is Detective's administrator, asked before a graph is created: Organizations'
        // delegated administrator (the management account's own read is not at hand here).
        let designations = SdkOrganizations::new(&sdk);
        let mut failed = false;
        for part in parts {
            failed |= set_up(&detective, &designations, &desired, part, !args.execute).await;
        }
        return Ok(exit(failed));
    }
    let state = load_state(args.sandbox.as_deref())?;
    let env = SetupEnv {
        args: &args,
        defaults: sandbox_defaults(&state),
    };
    let desired = DesiredState::from_env(&env).map_err(|error| UsageError(error.to_string()))?;
    let management = state
        .organization
        .as_ref()
        .map(|organization| organization.management_account_id.clone())
        .unwrap_or_else(|| state.caller_account_id.clone());
    let sandbox = Sandbox::start(state)
        .await
        .map_err(|error| UsageError(format!("cannot start the sandbox: {error}")))?;
    println!(
        "detective-autopilot setup against the local sandbox ({})\n",
        sandbox.endpoint()
    );
    // The management account's reads say who is Detective's administrator, for the graph part.
    let management_sdk =
        local_sdk_config_as(&sandbox.endpoint(), "us-east-1", &sandbox::access_key_for(&management)).await;
    let management_detective = SdkDetective::new(&management_sdk);
    let designations = AsManagementReads(&management_detective);
    let mut failed = false;
    for part in parts {
        let account = match part {
            Part::Organization => management.clone(),
            Part::Graph => desired.administrator.to_string(),
        };
        let sdk = local_sdk_config_as(&sandbox.endpoint(), "us-east-1", &sandbox::access_key_for(&account)).await;
        failed |= set_up(&SdkDetective::new(&sdk), &designations, &desired, part, false).await;
    }
    Ok(exit(failed))
}

fn exit(failed: bool) -> ExitCode {
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn row(part: Part, action: &Action) -> String {
    let result = serde_json::to_value(action.result).unwrap_or_default();
    let mut target: Vec<String> = Vec::new();
    target.extend(action.administrator_id.iter().cloned());
    target.extend(action.packages.iter().map(ToString::to_string));
    target.extend(action.tags.iter().cloned());
    target.extend(action.auto_enable.map(|on| format!("AutoEnable={on}")));
    let why = action.error_text().or_else(|| action.reason_text()).unwrap_or_default();
    format!(
        "{:<13} {:<11} {:<32} {:<9} {:<40} {}",
        part.name(),
        action.region.as_deref().unwrap_or("-"),
        action.operation,
        result.as_str().unwrap_or_default(),
        target.join(" "),
        why
    )
}

const HEADER: &str =
    "PART          REGION      OPERATION                        RESULT    WITH                                     WHY";

/// Prints the plan of every region, then runs it and prints the outcome; true when something failed.
async fn set_up<G: DesignationPort>(
    detective: &SdkDetective,
    designations: &G,
    desired: &DesiredState,
    part: Part,
    dry_run: bool,
) -> bool {
    println!("plan ({} part{}):", part.name(), if dry_run { ", dry run" } else { "" });
    println!("{HEADER}");
    for region in &desired.regions {
        match observe(detective, designations, part, region).await {
            Ok(observed) => {
                for step in plan(desired, region, &observed, false).steps {
                    let action = match step {
                        Step::Write(write) => Write::<SdkDetective>::intended(&write).remove(0),
                        Step::Decided(action) => *action,
                    };
                    println!("{}", row(part, &action));
                }
            }
            Err(failure) => println!("{:<13} {:<11} cannot read: {failure}", part.name(), region),
        }
    }
    println!("\noutcome:");
    println!("{HEADER}");
    let policy = Policy {
        function: "autopilot setup",
        dry_run,
        clock: &SystemClock,
        deadline: None,
        retry: Retry::NextRun,
    };
    let mut failed = false;
    let setup = RegionSetup {
        ports: detective,
        designations,
        desired,
        part,
        teardown: false,
    };
    for region in &desired.regions {
        let report = reconcile_region(&setup, region, &policy).await;
        for action in &report.actions {
            failed |= action.result == shared::outcome::ActionResult::Failed;
            println!("{}", row(part, action));
        }
        if let Some(error) = &report.error {
            failed = true;
            println!("{:<13} {:<11} failed: {error}", part.name(), region);
        }
    }
    println!();
    failed
}
