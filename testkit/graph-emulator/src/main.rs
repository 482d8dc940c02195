//! `graph-emulator`: serves a tenant file or a generated tenant on loopback until Ctrl-C.
//!
//! Prints the base URL (authority and Graph endpoint) on the first line of stdout, then the
//! tenant id. Exit codes: 0 stopped by Ctrl-C, 2 bad arguments or tenant, 1 server failure.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use graph_emulator::{App, Emulator, EmulatorConfig, Tenant};

/// Command line of the emulator.
#[derive(Debug, Parser)]
#[command(version, about = "A Microsoft Graph emulator on loopback")]
struct Args {
    /// A tenant file (JSON; see tenants/example.json).
    #[arg(
        long,
        conflicts_with = "generate",
        required_unless_present = "generate"
    )]
    tenant: Option<std::path::PathBuf>,
    /// Generate a tenant: `seed=1,groups=100000,users=200000,big=50000`.
    #[arg(long)]
    generate: Option<String>,
    /// Loopback address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Items per delta page.
    #[arg(long, default_value_t = 100)]
    page_size: usize,
    /// Member changes per delta item (larger groups are split over items and pages).
    #[arg(long, default_value_t = 500)]
    members_per_item: usize,
    /// Register an application with this client id (in addition to the tenant file's).
    #[arg(long)]
    client_id: Option<String>,
    /// Environment variable holding that application's client secret.
    #[arg(long, requires = "client_id")]
    client_secret_env: Option<String>,
    /// PEM certificate file registered for that application.
    #[arg(long, requires = "client_id")]
    certificate: Option<std::path::PathBuf>,
}

/// Parses `key=value,...` into the generator's arguments.
fn parse_spec(spec: &str) -> Result<(u64, usize, usize, usize), String> {
    let (mut seed, mut groups, mut users, mut big) = (1u64, 1_000usize, 2_000usize, 0usize);
    for part in spec.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}` is not key=value"))?;
        let number: u64 = value
            .parse()
            .map_err(|_| format!("`{value}` in `{part}` is not a number"))?;
        match key {
            "seed" => seed = number,
            "groups" => groups = number as usize,
            "users" => users = number as usize,
            "big" => big = number as usize,
            _ => {
                return Err(format!(
                    "unknown key `{key}` (use seed, groups, users, big)"
                ));
            }
        }
    }
    Ok((seed, groups, users, big))
}

/// Builds the tenant the arguments describe.
fn load(args: &Args) -> Result<Tenant, String> {
    let mut tenant = match (&args.tenant, &args.generate) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Tenant::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        (None, Some(spec)) => {
            let (seed, groups, users, big) = parse_spec(spec)?;
            Tenant::generate(seed, groups, users, big).map_err(|e| e.to_string())?
        }
        (None, None) => return Err("give --tenant FILE or --generate SPEC".into()),
    };
    if let Some(app_id) = &args.client_id {
        let client_secret = match &args.client_secret_env {
            Some(var) => Some(
                std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?,
            ),
            None => None,
        };
        let certificate_pem = match &args.certificate {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            ),
            None => None,
        };
        tenant.register_app(App {
            app_id: app_id.clone(),
            client_secret,
            certificate_pem,
        });
    }
    Ok(tenant)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let tenant = match load(&args) {
        Ok(tenant) => tenant,
        Err(message) => {
            eprintln!("graph-emulator: {message}");
            return ExitCode::from(2);
        }
    };
    let config = EmulatorConfig {
        page_size: args.page_size,
        members_per_item: args.members_per_item,
        listen: args.listen,
        ..EmulatorConfig::default()
    };
    let emulator = match Emulator::start(tenant, config).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("graph-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    println!("{}", emulator.base_url());
    println!("tenant {}", emulator.tenant_id());
    match tokio::signal::ctrl_c().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("graph-emulator: cannot wait for Ctrl-C: {e}");
            ExitCode::from(1)
        }
    }
}
