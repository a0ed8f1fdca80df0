//! `autopilot-bench`, what `make bench` runs: cold start, memory and size of each function
//! binary beside the Python baseline, handler throughput, and sweep scale, all on loopback.
//! Writes `bench/results.json` and prints the Markdown table the README quotes.

mod artifacts;
mod child;
mod cold_start;
mod error;
mod fixtures;
mod lambda_env;
mod launch;
mod report;
mod runtime_api;
mod stats;
mod sweep;
mod throughput;
mod usage;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use sandbox::{Sandbox, SandboxState};

use crate::error::BenchError;
use crate::report::{Machine, Results};

#[derive(Parser)]
#[command(name = "autopilot-bench", about = "Benchmarks of the detective-autopilot functions")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct RunArgs {
    /// Cold starts per function binary and of the Python baseline.
    #[arg(long, default_value_t = 20)]
    iterations: usize,
    /// Small scenarios, for the test suite: 200 findings over 20 principals, a sweep of 120
    /// accounts over 3 regions at 1 ms.
    #[arg(long)]
    smoke: bool,
    /// Where the function binaries are; default: beside this one.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// A Python with boto3 for the baseline (make bench passes the project's virtualenv).
    #[arg(long)]
    python: Option<PathBuf>,
    #[arg(long, default_value = "bench/results.json")]
    out: PathBuf,
    /// Logs of every process and the zips.
    #[arg(long, default_value = "bench/tmp")]
    work_dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the throughput scenario's handler loop (started by the benchmark itself).
    #[command(hide = true)]
    ThroughputWorker {
        #[arg(long)]
        events: usize,
        #[arg(long)]
        principals: usize,
        #[arg(long)]
        report: PathBuf,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::ThroughputWorker {
            events,
            principals,
            report,
        }) => throughput::worker(throughput::Plan { events, principals }, report).await,
        None => run(&cli.run).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("autopilot-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn progress(message: &str) {
    eprintln!("autopilot-bench: {message}");
}

async fn run(args: &RunArgs) -> Result<(), BenchError> {
    let bench_exe = std::env::current_exe().map_err(|source| BenchError::io("find this program", source))?;
    let bin_dir = match &args.bin_dir {
        Some(dir) => dir.clone(),
        None => bench_exe.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let binary = |function: &str| -> Result<PathBuf, BenchError> {
        let path = bin_dir.join(function);
        if path.is_file() {
            Ok(path)
        } else {
            Err(BenchError::wrong(
                "setup",
                format!(
                    "no binary {} (build it first: cargo build --bins, or make bench for release builds)",
                    path.display()
                ),
            ))
        }
    };
    std::fs::create_dir_all(&args.work_dir).map_err(|source| BenchError::io(args.work_dir.display(), source))?;
    let work_dir = args.work_dir.as_path();
    let runs = args.iterations.max(1);

    let sandbox = Sandbox::start(SandboxState::demo())
        .await
        .map_err(|source| BenchError::io("start the sandbox", source))?;
    let mut cold_starts = Vec::new();
    for case in cold_start::cases() {
        progress(&format!("cold start of {} x{runs}", case.function));
        cold_starts.push(cold_start::measure(&case, &binary(case.function)?, runs, &sandbox, work_dir).await?);
    }
    let floor_case = cold_start::floor_case();
    progress(&format!("cold start of the floor ({}) x{runs}", floor_case.function));
    let floor_binary = binary(cold_start::FLOOR)?;
    let floor_cold_start = cold_start::measure(&floor_case, &floor_binary, runs, &sandbox, work_dir).await?;
    let python_baseline = match &args.python {
        Some(python) => {
            progress(&format!("cold start of the Python baseline x{runs}"));
            Some(cold_start::measure_python(python, runs, &sandbox, work_dir).await?)
        }
        None => None,
    };
    drop(sandbox);

    let mut artifacts = Vec::new();
    for function in cold_start::cases().iter().map(|case| case.function) {
        artifacts.push(artifacts::measure(function, &binary(function)?, work_dir)?);
    }
    let floor = report::Floor {
        cold_start: floor_cold_start,
        artifact: artifacts::measure(cold_start::FLOOR, &floor_binary, work_dir)?,
    };

    let plan = if args.smoke {
        throughput::Plan {
            events: 200,
            principals: 20,
        }
    } else {
        throughput::Plan {
            events: 10_000,
            principals: 500,
        }
    };
    progress(&format!(
        "throughput: {} findings over {} principals",
        plan.events, plan.principals
    ));
    let throughput = throughput::measure(&bench_exe, plan, work_dir).await?;

    let mut sweeps = Vec::new();
    let enroll = binary("enroll-accounts")?;
    // The default concurrency (every region at once), with and without throttling; then
    // throttled with 4 regions at once (the default before issue 23), to show what it
    // changed; then an organization past the quota against full graphs.
    let cases = [(0, None, false), (3, None, false), (3, Some(4), false), (0, None, true)];
    for (throttles_per_region, max_concurrent_regions, at_quota) in cases {
        let plan = if args.smoke {
            sweep::Plan {
                accounts: if at_quota { 1_300 } else { 120 },
                regions: 3,
                latency_ms: 1,
                throttles_per_region,
                max_concurrent_regions,
                at_quota,
            }
        } else {
            sweep::Plan {
                accounts: if at_quota { 5_000 } else { 1_200 },
                regions: sweep::REGIONS.len(),
                latency_ms: 20,
                throttles_per_region,
                max_concurrent_regions,
                at_quota,
            }
        };
        progress(&format!(
            "sweep of {} accounts over {} regions at {} ms, {throttles_per_region} throttles per region, {} regions at once{}",
            plan.accounts,
            plan.regions,
            plan.latency_ms,
            max_concurrent_regions.map_or("default".to_owned(), |n| n.to_string()),
            if at_quota { ", graphs at the quota" } else { "" }
        ));
        sweeps.push(sweep::measure(&enroll, plan, work_dir).await?);
    }
    let usage_plan = if args.smoke {
        usage::Plan {
            accounts: 120,
            regions: 3,
            latency_ms: 1,
        }
    } else {
        usage::Plan {
            accounts: 1_200,
            regions: sweep::REGIONS.len(),
            latency_ms: 20,
        }
    };
    progress(&format!(
        "status --usage over {} accounts in {} regions",
        usage_plan.accounts, usage_plan.regions
    ));
    let usage = usage::measure(usage_plan).await?;

    let profile = bin_dir
        .file_name()
        .map_or(String::new(), |name| name.to_string_lossy().into_owned());
    let python_over_rust = report::ratios(&cold_starts, python_baseline.as_ref());
    let over_floor = report::over_floor(&cold_starts, &artifacts, &floor);
    let mut results = Results {
        machine: Machine::read(&profile),
        iterations: runs,
        smoke: args.smoke,
        cold_starts,
        python_baseline,
        python_over_rust,
        floor,
        over_floor,
        artifacts,
        throughput,
        sweeps,
        usage,
        targets: Vec::new(),
    };
    // The committed figures, read before they are replaced: each target beside its before.
    let before: Option<serde_json::Value> = std::fs::read_to_string(&args.out)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    results.targets = report::targets(&results, before.as_ref());
    let json = serde_json::to_string_pretty(&results).map_err(|error| BenchError::wrong("results", error))?;
    if let Some(dir) = args.out.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| BenchError::io(dir.display(), source))?;
    }
    std::fs::write(&args.out, json + "\n").map_err(|source| BenchError::io(args.out.display(), source))?;
    print!("{}", report::markdown(&results));
    progress(&format!("results in {}", args.out.display()));
    Ok(())
}
