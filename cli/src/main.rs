//! `autopilot`: replay any event through the same handlers as Lambda, against the
//! built-in sandbox or a real account, and print what was decided and done.

mod demo;
mod functions;
mod replay;
mod setup;
mod status;
mod trails;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "autopilot",
    version,
    about = "Replay events through detective-autopilot's handlers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one event through a handler and print its outcome as JSON on stdout.
    Replay(replay::ReplayArgs),
    /// Serve the sandbox (Detective and Organizations APIs) on a loopback port.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// Replay every file in events/ against one sandbox and print a table.
    Demo(demo::DemoArgs),
    /// Set Detective up as desired (administrator, graph, data sources, tags, AutoEnable):
    /// the plan as a table, then the outcome.
    Setup(setup::SetupArgs),
    /// Detective's coverage of the organization per region: exit 0 when fully covered, 3 when not.
    Status(status::StatusArgs),
    /// Print each function's AWS actions and configuration variables as JSON (checked against template.yaml).
    Describe,
}

#[derive(Subcommand)]
enum SandboxCommand {
    Serve {
        #[arg(long, default_value_t = 4566)]
        port: u16,
        /// State file (see the README for its format); the built-in demo organization by default.
        #[arg(long)]
        state: Option<String>,
    },
}

/// A problem with the arguments or input files: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Replay(args) => {
            shared::telemetry::init_cli();
            replay::run(args).await
        }
        Command::Sandbox {
            command: SandboxCommand::Serve { port, state },
        } => {
            shared::telemetry::init_cli();
            serve(port, state).await
        }
        Command::Demo(args) => demo::run(args).await,
        Command::Setup(args) => setup::run(args).await,
        Command::Status(args) => status::run(args).await,
        Command::Describe => {
            println!("{}", shared::registry::Kind::describe_all());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("autopilot: {message}");
            ExitCode::from(2)
        }
    }
}

async fn serve(port: u16, state: Option<String>) -> Result<ExitCode, UsageError> {
    let state = replay::load_state(state.as_deref())?;
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let sandbox = sandbox::Sandbox::bind(state, address)
        .await
        .map_err(|error| UsageError(format!("cannot listen on {address}: {error}")))?;
    eprintln!("sandbox listening on {}", sandbox.endpoint());
    eprintln!(
        "  export AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox",
        sandbox.endpoint()
    );
    eprintln!(
        "  state: {0}/_sandbox/state   requests: {0}/_sandbox/requests",
        sandbox.endpoint()
    );
    sandbox.wait().await;
    Ok(ExitCode::SUCCESS)
}
