//! `bench/results.json` and the Markdown table the README quotes.

use std::fmt::Write as _;

use serde::Serialize;

use crate::artifacts::Artifact;
use crate::cold_start::{ColdStarts, PythonBaseline};
use crate::stats::Summary;
use crate::sweep::Sweep;
use crate::throughput::Throughput;
use crate::usage::Usage;

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: usize,
    pub kernel: String,
    pub date: String,
    /// The binaries' build profile (their directory's name: release, debug).
    pub profile: String,
}

impl Machine {
    pub fn read(profile: &str) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map_or("unknown", |(_, model)| model.trim())
            .to_owned();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        Self {
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            kernel: kernel.trim().to_owned(),
            date: chrono::Utc::now().format("%Y-%m-%d").to_string(),
            profile: profile.to_owned(),
        }
    }
}

/// Python / Rust, for one function.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    pub function: String,
    pub init_median: f64,
    pub peak_rss_median: f64,
}

/// The bare runtime, measured in the same run.
#[derive(Debug, Clone, Serialize)]
pub struct Floor {
    pub cold_start: ColdStarts,
    pub artifact: Artifact,
}

/// A function / the floor.
#[derive(Debug, Clone, Serialize)]
pub struct FloorRatio {
    pub function: String,
    pub init_median: f64,
    pub peak_rss_median: f64,
    pub binary: f64,
    pub zip: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub target: String,
    pub measured: String,
    pub met: bool,
    /// The same figure in the results this run replaces, where they had it.
    pub before: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub machine: Machine,
    pub iterations: usize,
    pub smoke: bool,
    pub cold_starts: Vec<ColdStarts>,
    pub python_baseline: Option<PythonBaseline>,
    pub python_over_rust: Vec<Ratio>,
    pub floor: Floor,
    pub over_floor: Vec<FloorRatio>,
    pub artifacts: Vec<Artifact>,
    pub throughput: Throughput,
    pub sweeps: Vec<Sweep>,
    pub usage: Usage,
    pub targets: Vec<Target>,
}

/// Each function against the floor: what the function's own code and dependencies cost.
pub fn over_floor(cold_starts: &[ColdStarts], artifacts: &[Artifact], floor: &Floor) -> Vec<FloorRatio> {
    let over = |ours: f64, floor: f64| ours / floor.max(f64::EPSILON);
    cold_starts
        .iter()
        .filter_map(|rust| {
            let artifact = artifacts.iter().find(|artifact| artifact.function == rust.function)?;
            Some(FloorRatio {
                function: rust.function.clone(),
                init_median: over(rust.init_ms.median, floor.cold_start.init_ms.median),
                peak_rss_median: over(rust.peak_rss_mib.median, floor.cold_start.peak_rss_mib.median),
                binary: over(artifact.binary_bytes as f64, floor.artifact.binary_bytes as f64),
                zip: over(artifact.zip_bytes as f64, floor.artifact.zip_bytes as f64),
            })
        })
        .collect()
}

pub fn ratios(cold_starts: &[ColdStarts], python: Option<&PythonBaseline>) -> Vec<Ratio> {
    let Some(python) = python else { return Vec::new() };
    cold_starts
        .iter()
        .map(|rust| Ratio {
            function: rust.function.clone(),
            init_median: python.init_ms.median / rust.init_ms.median.max(f64::EPSILON),
            peak_rss_median: python.peak_rss_mib.median / rust.peak_rss_mib.median.max(f64::EPSILON),
        })
        .collect()
}

const MIB: f64 = 1024.0 * 1024.0;

/// The targets, each with what was measured.
/// The figures of the results this run replaces, by what they measured.
struct Before<'a>(Option<&'a serde_json::Value>);

impl Before<'_> {
    fn list(&self, key: &str) -> Vec<&serde_json::Value> {
        self.0
            .and_then(|old| old.get(key))
            .and_then(serde_json::Value::as_array)
            .map(|items| items.iter().collect())
            .unwrap_or_default()
    }

    /// A target of the same name.
    fn target(&self, name: &str) -> Option<String> {
        self.list("targets")
            .into_iter()
            .find(|target| target.get("target").and_then(serde_json::Value::as_str) == Some(name))
            .and_then(|target| target.get("measured").and_then(serde_json::Value::as_str))
            .map(str::to_owned)
    }

    /// A number of the entry of `key` whose `function` is `function`.
    fn of_function(&self, key: &str, function: &str, field: &str) -> Option<f64> {
        self.list(key)
            .into_iter()
            .find(|entry| entry.get("function").and_then(serde_json::Value::as_str) == Some(function))
            .and_then(|entry| entry.get(field).and_then(serde_json::Value::as_f64))
    }

    /// The wall time of the old sweep with these throttles and concurrency (null: its default).
    fn sweep_wall(&self, throttles: u32, concurrency: Option<usize>) -> Option<f64> {
        self.list("sweeps")
            .into_iter()
            .find(|sweep| {
                sweep.get("throttles_per_region").and_then(serde_json::Value::as_u64) == Some(u64::from(throttles))
                    && sweep.get("max_concurrent_regions").and_then(serde_json::Value::as_u64)
                        == concurrency.map(|n| n as u64)
                    && !sweep
                        .get("at_quota")
                        .and_then(serde_json::Value::as_bool)
                        .unwrap_or(false)
            })
            .and_then(|sweep| sweep.get("wall_s").and_then(serde_json::Value::as_f64))
    }
}

pub fn targets(results: &Results, before: Option<&serde_json::Value>) -> Vec<Target> {
    let old = Before(before);
    let mut targets = Vec::new();
    let mut check = |target: String, measured: String, met: bool, earlier: Option<String>| {
        let before = earlier.or_else(|| old.target(&target));
        targets.push(Target {
            target,
            measured,
            met,
            before,
        })
    };
    for rust in &results.cold_starts {
        check(
            format!("{}: init median <= 15 ms", rust.function),
            format!("{:.1} ms", rust.init_ms.median),
            rust.init_ms.median <= 15.0,
            None,
        );
    }
    for ratio in &results.over_floor {
        check(
            format!("{}: init <= 2x the floor's", ratio.function),
            format!("{:.2}x", ratio.init_median),
            ratio.init_median <= 2.0,
            old.of_function("over_floor", &ratio.function, "init_median")
                .map(|x| format!("{x:.2}x")),
        );
    }
    for ratio in &results.python_over_rust {
        check(
            format!("{}: init >= 20x faster than Python", ratio.function),
            format!("{:.0}x", ratio.init_median),
            ratio.init_median >= 20.0,
            None,
        );
    }
    let peaks = results
        .cold_starts
        .iter()
        .map(|rust| (format!("{} cold start", rust.function), rust.peak_rss_mib.max))
        .chain(std::iter::once((
            "throughput".to_owned(),
            results.throughput.peak_rss_mib,
        )))
        .chain(
            results
                .sweeps
                .iter()
                .map(|sweep| (sweep_name(sweep), sweep.peak_rss_mib)),
        );
    for (scenario, peak) in peaks {
        check(
            format!("{scenario}: peak RSS <= 32 MB"),
            format!("{peak:.1} MiB"),
            peak <= 32.0,
            None,
        );
    }
    for artifact in &results.artifacts {
        let (binary, zip) = (artifact.binary_bytes as f64 / MIB, artifact.zip_bytes as f64 / MIB);
        check(
            format!("{}: binary <= 10 MB", artifact.function),
            format!("{binary:.2} MiB"),
            binary <= 10.0,
            None,
        );
        check(
            format!("{}: zip <= 2.5 MiB", artifact.function),
            format!("{zip:.2} MiB"),
            zip <= 2.5,
            old.of_function("artifacts", &artifact.function, "zip_bytes")
                .map(|bytes| format!("{:.2} MiB", bytes / MIB)),
        );
    }
    check(
        "throughput: exactly one investigation per principal".to_owned(),
        format!(
            "{} of {}",
            results.throughput.investigations_started, results.throughput.principals
        ),
        results.throughput.investigations_started == results.throughput.principals,
        None,
    );
    for sweep in &results.sweeps {
        let name = sweep_name(sweep);
        let wall = format!("{:.2} s", sweep.wall_s);
        let earlier = |concurrency| {
            old.sweep_wall(sweep.throttles_per_region, concurrency)
                .map(|s| format!("{s:.2} s"))
        };
        if sweep.throttles_per_region == 0 && !sweep.at_quota {
            check(
                format!("{name}: under 10 s"),
                wall.clone(),
                sweep.wall_s < 10.0,
                earlier(None),
            );
        }
        if sweep.throttles_per_region > 0 && sweep.max_concurrent_regions.is_none() {
            // Before, the default was 4 regions at once.
            check(
                format!("{name}: under 8 s"),
                wall.clone(),
                sweep.wall_s < 8.0,
                earlier(None),
            );
        }
        check(
            format!("{name}: the minimum number of calls"),
            format!(
                "{} = {} + {} throttled",
                sweep.calls_made,
                sweep.calls_made - sweep.calls_throttled,
                sweep.calls_throttled
            ),
            sweep.minimum_met,
            None,
        );
    }
    let usage = &results.usage;
    check(
        format!(
            "status --usage, {} accounts x {} regions: the minimum number of calls",
            usage.accounts, usage.regions
        ),
        format!("{} ({:.2} s)", usage.calls_made, usage.wall_s),
        usage.calls_made == usage.calls_minimum,
        None,
    );
    targets
}

fn regions_at_once(sweep: &Sweep) -> String {
    sweep
        .max_concurrent_regions
        .map_or_else(|| "default".to_owned(), |n| n.to_string())
}

fn sweep_name(sweep: &Sweep) -> String {
    format!(
        "sweep{}, {} throttles/region, {} regions at once",
        if sweep.at_quota { " at the quota" } else { "" },
        sweep.throttles_per_region,
        regions_at_once(sweep)
    )
}

fn summary(summary: &Summary, unit: &str) -> String {
    format!(
        "{:.1} / {:.1} / {:.1}-{:.1} {unit}",
        summary.median, summary.p90, summary.min, summary.max
    )
}

pub fn markdown(results: &Results) -> String {
    let mut out = String::new();
    let machine = &results.machine;
    let _ = writeln!(
        out,
        "Measured {} on {} ({} cores, Linux {}), {} builds, {} runs per cold start{}.\n",
        machine.date,
        machine.cpu_model,
        machine.cores,
        machine.kernel,
        machine.profile,
        results.iterations,
        if results.smoke { ", smoke scale" } else { "" }
    );
    let _ = writeln!(
        out,
        "| cold start (median / p90 / min-max) | init | first invoke | peak RSS |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for rust in &results.cold_starts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            rust.function,
            summary(&rust.init_ms, "ms"),
            summary(&rust.first_invoke_ms, "ms"),
            summary(&rust.peak_rss_mib, "MiB")
        );
    }
    match &results.python_baseline {
        Some(python) => {
            let _ = writeln!(
                out,
                "| Python baseline (boto3, 2 clients) | {} | - | {} |",
                summary(&python.init_ms, "ms"),
                summary(&python.peak_rss_mib, "MiB")
            );
            for ratio in &results.python_over_rust {
                let _ = writeln!(
                    out,
                    "| Python / {} | {:.0}x | - | {:.1}x |",
                    ratio.function, ratio.init_median, ratio.peak_rss_median
                );
            }
        }
        None => {
            let _ = writeln!(out, "| Python baseline | not measured (no --python) | - | - |");
        }
    }

    let _ = writeln!(out, "\n| artifact | stripped binary | zip |");
    let _ = writeln!(out, "|---|---|---|");
    for artifact in results.artifacts.iter().chain([&results.floor.artifact]) {
        let _ = writeln!(
            out,
            "| {} | {:.2} MiB | {:.2} MiB |",
            artifact.function,
            artifact.binary_bytes as f64 / MIB,
            artifact.zip_bytes as f64 / MIB
        );
    }

    let floor = &results.floor.cold_start;
    let _ = writeln!(
        out,
        "\n| against the floor (a bare lambda_runtime binary: init {}, peak RSS {}) | init | peak RSS | binary | zip |",
        summary(&floor.init_ms, "ms"),
        summary(&floor.peak_rss_mib, "MiB")
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for ratio in &results.over_floor {
        let _ = writeln!(
            out,
            "| {} / floor | {:.2}x | {:.2}x | {:.2}x | {:.2}x |",
            ratio.function, ratio.init_median, ratio.peak_rss_median, ratio.binary, ratio.zip
        );
    }

    let throughput = &results.throughput;
    let _ = writeln!(
        out,
        "\n| handler throughput | events | principals | events/s | µs/event | investigations started | API calls | peak RSS |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    let _ = writeln!(
        out,
        "| investigate-findings, in-process | {} | {} | {:.0} | {:.0} | {} | {} | {:.1} MiB |",
        throughput.events,
        throughput.principals,
        throughput.events_per_second,
        throughput.micros_per_event,
        throughput.investigations_started,
        throughput.api_calls,
        throughput.peak_rss_mib
    );

    let _ = writeln!(
        out,
        "\n| enroll-accounts sweep | accounts | regions | latency | throttles/region | regions at once | wall time | API calls (minimum) | peak RSS |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for sweep in &results.sweeps {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} ms | {} | {} | {:.2} s | {} ({}{}) | {:.1} MiB |",
            if sweep.at_quota {
                "one sweep, graphs at the quota"
            } else {
                "one scheduled sweep"
            },
            sweep.accounts,
            sweep.regions,
            sweep.latency_ms,
            sweep.throttles_per_region,
            regions_at_once(sweep),
            sweep.wall_s,
            sweep.calls_made,
            sweep.calls_minimum,
            if sweep.calls_throttled > 0 {
                format!(" + {} throttled", sweep.calls_throttled)
            } else {
                String::new()
            },
            sweep.peak_rss_mib
        );
    }

    let usage = &results.usage;
    let _ = writeln!(
        out,
        "\n| status --usage | accounts | regions | latency | members reported | wall time | API calls (minimum) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    let _ = writeln!(
        out,
        "| in process | {} | {} | {} ms | {} | {:.2} s | {} ({}) |",
        usage.accounts,
        usage.regions,
        usage.latency_ms,
        usage.members_reported,
        usage.wall_s,
        usage.calls_made,
        usage.calls_minimum
    );

    let _ = writeln!(out, "\n| target | measured | before | met |");
    let _ = writeln!(out, "|---|---|---|---|");
    for target in &results.targets {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            target.target,
            target.measured,
            target.before.as_deref().unwrap_or("-"),
            if target.met { "yes" } else { "**no**" }
        );
    }
    out
}
