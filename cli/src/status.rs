//! `autopilot status`: Detective's coverage of the organization, per region and overall.
//! Exit code 0 when fully covered, 3 when not (for pipelines), 1 when a region (or the
//! organization) could not be read.

use std::process::ExitCode;

use clap::Args;
use sandbox::{Sandbox, SandboxState};
use shared::aws::{load_sdk_config, local_sdk_config_as, SdkDetective, SdkOrganizations};
use shared::config::{self, Env, ProcessEnv};
use shared::status::{
    read_memberships, read_status, read_usage, render_member_table, render_table, render_usage, PriceTable,
    StatusReport,
};

use crate::replay::load_state;
use crate::trails::SdkCloudTrail;
use crate::UsageError;

/// Not fully covered: a gate in a pipeline.
pub const NOT_COVERED: u8 = 3;

#[derive(Args)]
pub struct StatusArgs {
    /// Sandbox state file; the built-in demo organization by default.
    #[arg(long, conflicts_with = "aws")]
    sandbox: Option<String>,
    /// The real AWS account of the default credential chain (the administrator's; read-only).
    #[arg(long)]
    aws: bool,
    /// With --aws: the profile of the management account, to read who is designated
    /// (ListOrganizationAdminAccounts answers only there).
    #[arg(long, requires = "aws")]
    management_profile: Option<String>,
    /// Regions (comma-separated); REGIONS, else the sandbox's regions or the SDK's region.
    #[arg(long)]
    regions: Option<String>,
    /// JSON on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// In a member account: its memberships and their data source state.
    #[arg(long)]
    member: bool,
    /// What each member ingests, by data source package, against the graph's limits, with
    /// an estimate of the monthly cost; the accounts left out of full graphs.
    #[arg(long, conflicts_with = "member")]
    usage: bool,
    /// With --usage: one price in USD per GB instead of the published US East tiers.
    #[arg(long, requires = "usage")]
    price_per_gb: Option<f64>,
    /// With --usage: the members a graph may have (enroll-accounts' MEMBER_QUOTA).
    #[arg(long, requires = "usage", default_value_t = 1200)]
    member_quota: usize,
}

struct Regions<'a> {
    flag: Option<&'a str>,
    fallback: String,
}

impl Env for Regions<'_> {
    fn get(&self, var: &str) -> Option<String> {
        match var {
            "REGIONS" => self
                .flag
                .map(str::to_owned)
                .or_else(|| ProcessEnv.get(var))
                .or_else(|| Some(self.fallback.clone())),
            _ => None,
        }
    }
}

fn regions(args: &StatusArgs, fallback: String) -> Result<Vec<String>, UsageError> {
    config::regions(&Regions {
        flag: args.regions.as_deref(),
        fallback,
    })
    .map_err(|error| UsageError(error.to_string()))
}

pub async fn run(args: StatusArgs) -> Result<ExitCode, UsageError> {
    if args.aws {
        let sdk = load_sdk_config().await;
        let region = sdk.region().map(|region| region.to_string()).unwrap_or_default();
        let regions = regions(&args, region)?;
        let detective = SdkDetective::new(&sdk);
        if args.member {
            return Ok(member(&detective, &regions, args.json).await);
        }
        if args.usage {
            return Ok(usage(&detective, &SdkOrganizations::new(&sdk), &regions, &args).await);
        }
        let management = match &args.management_profile {
            Some(profile) => {
                // The profile's own credentials: the default chain would take the
                // environment's (the administrator's) before any profile.
                let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(profile)
                    .build();
                let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .profile_name(profile)
                    .credentials_provider(credentials)
                    .load()
                    .await;
                Some(SdkDetective::new(&sdk))
            }
            None => None,
        };
        let trails = SdkCloudTrail::new(&sdk);
        let report = read_status(
            &detective,
            &SdkOrganizations::new(&sdk),
            management.as_ref(),
            &trails,
            &regions,
        )
        .await;
        return Ok(print(report, args.json));
    }
    let state = load_state(args.sandbox.as_deref())?;
    let regions = regions(&args, sandbox_regions(&state))?;
    let (management, administrator) = sandbox_accounts(&state);
    let sandbox = Sandbox::start(state)
        .await
        .map_err(|error| UsageError(format!("cannot start the sandbox: {error}")))?;
    Ok(print_sandbox_status(&sandbox, &regions, &management, &administrator, &args).await)
}

/// The sandbox's regions, comma-separated.
pub fn sandbox_regions(state: &SandboxState) -> String {
    state.regions.keys().cloned().collect::<Vec<_>>().join(",")
}

/// The management account and the Detective administrator (else the caller) of a sandbox.
pub fn sandbox_accounts(state: &SandboxState) -> (String, String) {
    let management = state.organization.as_ref().map_or_else(
        || state.caller_account_id.clone(),
        |org| org.management_account_id.clone(),
    );
    let administrator = state
        .regions
        .values()
        .find_map(|region| region.organization_admin_account_id.clone())
        .unwrap_or_else(|| state.caller_account_id.clone());
    (management, administrator)
}

async fn print_sandbox_status(
    sandbox: &Sandbox,
    regions: &[String],
    management: &str,
    administrator: &str,
    args: &StatusArgs,
) -> ExitCode {
    let as_account = |account: &str| {
        let key = sandbox::access_key_for(account);
        let endpoint = sandbox.endpoint();
        async move { local_sdk_config_as(&endpoint, "us-east-1", &key).await }
    };
    if args.member {
        let sdk = local_sdk_config_as(&sandbox.endpoint(), "us-east-1", "sandbox").await;
        return member(&SdkDetective::new(&sdk), regions, args.json).await;
    }
    let admin_sdk = as_account(administrator).await;
    if args.usage {
        let detective = SdkDetective::new(&admin_sdk);
        return usage(&detective, &SdkOrganizations::new(&admin_sdk), regions, args).await;
    }
    let management_sdk = as_account(management).await;
    let report = read_status(
        &SdkDetective::new(&admin_sdk),
        &SdkOrganizations::new(&admin_sdk),
        Some(&SdkDetective::new(&management_sdk)),
        &SdkCloudTrail::new(&admin_sdk),
        regions,
    )
    .await;
    print(report, args.json)
}

/// `autopilot demo`'s ending: the status of the demo sandbox after the events.
pub async fn demo_status(sandbox: &Sandbox, state: &SandboxState) -> ExitCode {
    let regions: Vec<String> = state.regions.keys().cloned().collect();
    let (management, administrator) = sandbox_accounts(state);
    let args = StatusArgs {
        sandbox: None,
        aws: false,
        management_profile: None,
        regions: None,
        json: false,
        member: false,
        usage: false,
        price_per_gb: None,
        member_quota: 1200,
    };
    print_sandbox_status(sandbox, &regions, &management, &administrator, &args).await
}

fn print(report: Result<StatusReport, shared::aws::AwsError>, json: bool) -> ExitCode {
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("autopilot status: {error}");
            return ExitCode::FAILURE;
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print!("{}", render_table(&report));
    }
    if !report.unread_regions.is_empty() {
        eprintln!(
            "autopilot status: could not read {}: their coverage is unknown",
            report.unread_regions.join(", ")
        );
        ExitCode::FAILURE
    } else if report.covered {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_COVERED)
    }
}

async fn member(detective: &SdkDetective, regions: &[String], json: bool) -> ExitCode {
    match read_memberships(detective, regions).await {
        Ok(memberships) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&memberships).unwrap_or_default());
            } else {
                print!("{}", render_member_table(&memberships));
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("autopilot status --member: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn usage(
    detective: &SdkDetective,
    organizations: &SdkOrganizations,
    regions: &[String],
    args: &StatusArgs,
) -> ExitCode {
    let prices = match args.price_per_gb {
        Some(price) if price.is_finite() && price >= 0.0 => PriceTable::flat(price),
        Some(price) => {
            eprintln!("autopilot status --usage: --price-per-gb must be a price in USD, 0 or more; got {price}");
            return ExitCode::from(2);
        }
        None => PriceTable::published(),
    };
    match read_usage(detective, organizations, regions, args.member_quota, prices).await {
        Ok(report) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                print!("{}", render_usage(&report));
            }
            if report.regions.iter().any(|region| region.error.is_some()) {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(error) => {
            eprintln!("autopilot status --usage: {error}");
            ExitCode::FAILURE
        }
    }
}
