//! The `gwb` command line: argument parsing and exit codes only.

use std::process::ExitCode;

use clap::Parser;
use gwb::cli::{Cli, Command, DisableArgs, PluginCommand, RulesCommand, RunArgs};
use gwb::exit::Exit;
use gwb::run::RunOptions;
use gwb_model::printable::printable_lines;
use gwb_rules::RulesFile;

fn main() -> ExitCode {
    let cli = Cli::parse();
    gwb::logging::init(cli.log_format, cli.verbose, cli.quiet);
    match dispatch(&cli) {
        Ok(exit) => exit.into(),
        Err(error) => {
            // The error may carry a plugin's or a server's text: shown printable, never raw.
            eprintln!("error: {}", printable_lines(&format!("{error:#}"), "  "));
            Exit::Error.into()
        }
    }
}

fn dispatch(cli: &Cli) -> anyhow::Result<Exit> {
    match &cli.command {
        Command::Init(args) => gwb::init::run(rules_path(cli)?, args),
        Command::Rules(RulesCommand::Test(args)) => gwb::rules_test::run(rules_path(cli)?, args),
        Command::Plugin(PluginCommand::New(args)) => gwb::plugin_new::run(args),
        Command::Sync(args) => run(cli, args, true),
        Command::Plan(args) => run(cli, args, false),
        Command::Check => block_on(gwb::check::run(rules_path(cli)?)),
        Command::Delegation(args) => block_on(gwb::delegation::run(&load(cli)?, args)),
        Command::State(command) => gwb::state::run(&load(cli)?, command),
        Command::Disable(args) => disable(cli, args),
    }
}

fn disable(cli: &Cli, args: &DisableArgs) -> anyhow::Result<Exit> {
    use gwb::disable::{DisableOptions, Mode};
    let rules = load(cli)?;
    let mut guards = rules.guards.clone();
    if let Some(n) = args.max_deletes {
        guards.max_deletes = n;
    }
    if let Some(p) = args.max_delete_percent {
        guards.max_delete_percent = p;
    }
    let mode = match (args.plan, args.delete, args.release) {
        (true, _, _) => Mode::Plan,
        (_, true, _) => Mode::Delete,
        (_, _, true) => Mode::Release,
        _ => Mode::Keep,
    };
    let options = DisableOptions {
        mode,
        guards,
        report: args.report.clone(),
        delete_ldif: args.delete_ldif.clone(),
        release_ldif: args.release_ldif.clone(),
        detail: cli.verbose > 0,
    };
    let finished = block_on(gwb::disable::run(
        &rules,
        &options,
        gwb_model::clock::system_clock,
    ))?;
    print!("{}", finished.stdout);
    Ok(finished.exit)
}

fn rules_path(cli: &Cli) -> anyhow::Result<&std::path::Path> {
    cli.rules.as_deref().ok_or_else(|| {
        anyhow::anyhow!("this command needs a rules file: pass --rules FILE or set GWB_RULES")
    })
}

fn load(cli: &Cli) -> anyhow::Result<RulesFile> {
    Ok(RulesFile::load(rules_path(cli)?)?)
}

fn run(cli: &Cli, args: &RunArgs, apply: bool) -> anyhow::Result<Exit> {
    let rules = load(cli)?;
    let options = run_options(cli, &rules, args, apply)?;
    block_on(gwb::run::run(&rules, &options))
}

fn run_options(
    cli: &Cli,
    rules: &RulesFile,
    args: &RunArgs,
    apply: bool,
) -> anyhow::Result<RunOptions> {
    let mut guards = rules.guards.clone();
    if let Some(n) = args.max_deletes {
        guards.max_deletes = n;
    }
    if let Some(n) = args.max_creates {
        guards.max_creates = n;
    }
    if let Some(p) = args.max_delete_percent {
        guards.max_delete_percent = p;
    }
    if let Some(p) = args.max_member_removal_percent {
        guards.max_member_removal_percent = p;
    }
    guards.allow_empty_source |= args.allow_empty_source;
    if args.ldif.is_some() && apply {
        anyhow::bail!("--ldif belongs to `gwb plan`; `gwb sync` writes to AD");
    }
    Ok(RunOptions {
        apply,
        force_full: args.full,
        groups: args.group.clone(),
        guards,
        report: args.report.clone(),
        ldif: args.ldif.clone(),
        progress: !cli.quiet,
        detail: cli.verbose > 0,
    })
}

fn block_on<T, F: std::future::Future<Output = anyhow::Result<T>>>(future: F) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?
        .block_on(future)
}
