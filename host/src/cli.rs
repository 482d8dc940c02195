//! The command line as clap parses it: subcommands, global options and their help texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Writes cloud groups from Microsoft Entra ID back into Active Directory, with an
/// organization's own rules running as sandboxed WebAssembly plugins.
#[derive(Debug, Parser)]
#[command(name = "gwb", version, about, long_about = None)]
pub struct Cli {
    /// The organization's rules file (TOML).
    #[arg(long, global = true, env = "GWB_RULES", value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// How log lines on stderr are written.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// More log detail: -v info, -vv debug, -vvv trace. With -v the summary of sync and plan
    /// also lists every skipped, failed or warned-about group instead of a line per skip reason.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr; no progress display.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read Graph, transform, reconcile with AD, check the guards and apply the changes.
    Sync(RunArgs),
    /// The same path as sync without writing: prints the plan as LDIF on stdout (applicable
    /// with ldapmodify) and the summary on stderr.
    Plan(RunArgs),
    /// Checks the rules file, plugins and pins, credentials, reachability of Graph and AD,
    /// rights on the managed OUs and the schema, and says what is fine and what is not.
    Check,
    /// Turns writeback off, preview first: `--plan` shows what each mode does to every group
    /// gwb owns, then exactly one of `--delete`, `--release` or `--keep` runs it. No Graph
    /// access; afterwards sync and plan refuse to run until `gwb state reset`.
    Disable(DisableArgs),
    /// Shows or resets the Graph delta state (reset also turns writeback on again after
    /// `gwb disable`).
    #[command(subcommand)]
    State(StateCommand),
    /// Work with the rules file and its plugins.
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// Options of `gwb sync` and `gwb plan`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Read every group from Graph (a full round) instead of the changes since the last run.
    #[arg(long)]
    pub full: bool,

    /// Write a JSON report with every operation and reason to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// plan only: write the LDIF to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub ldif: Option<PathBuf>,

    /// Override [guards] max_deletes for this run.
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<usize>,

    /// Override [guards] max_creates for this run.
    #[arg(long, value_name = "N")]
    pub max_creates: Option<usize>,

    /// Override [guards] max_delete_percent for this run.
    #[arg(long, value_name = "PERCENT")]
    pub max_delete_percent: Option<f64>,

    /// Override [guards] max_member_removal_percent for this run.
    #[arg(long, value_name = "PERCENT")]
    pub max_member_removal_percent: Option<f64>,

    /// Allow a run whose source has no groups while AD holds groups gwb owns.
    #[arg(long)]
    pub allow_empty_source: bool,
}

/// Options of `gwb disable`: exactly one mode.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["plan", "delete", "release", "keep"])))]
pub struct DisableArgs {
    /// Show what each mode does to every group gwb owns, with the LDIF of --delete and
    /// --release, and save the preview the modes require. Writes nothing to AD.
    #[arg(long)]
    pub plan: bool,

    /// Delete every group gwb owns (protected ones stay), through the delete guards.
    #[arg(long)]
    pub delete: bool,

    /// Remove gwb's mark, record and Group_ anchors from every group gwb owns, leaving them
    /// as ordinary AD groups with their members (see the README about Entra Connect).
    #[arg(long)]
    pub release: bool,

    /// Leave AD as it is and stop writing back.
    #[arg(long)]
    pub keep: bool,

    /// Write a JSON report with every group, operation and outcome to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// --plan only: write the LDIF of --delete to FILE instead of stdout.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["delete", "release", "keep"])]
    pub delete_ldif: Option<PathBuf>,

    /// --plan only: write the LDIF of --release to FILE instead of stdout.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["delete", "release", "keep"])]
    pub release_ldif: Option<PathBuf>,

    /// Override [guards] max_deletes for this run.
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<usize>,

    /// Override [guards] max_delete_percent for this run.
    #[arg(long, value_name = "PERCENT")]
    pub max_delete_percent: Option<f64>,
}

/// `gwb state …`
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Prints what the saved Graph state holds.
    Show,
    /// Deletes the saved Graph state (the next run is a full round) and any record that
    /// `gwb disable` turned writeback off, which turns it on again.
    Reset,
}

/// `gwb rules …`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Runs cloud groups from a JSON file through the defaults and plugins and prints what
    /// each becomes, without Graph or AD: the plugin author's loop.
    Test(RulesTestArgs),
}

/// Options of `gwb rules test`.
#[derive(Debug, Args)]
pub struct RulesTestArgs {
    /// Cloud groups in Graph's JSON shape: a response with a `value` array (a list or delta
    /// page, `members@delta` accepted), a single group object, or a recorded exchange whose
    /// `response.body` is one of those.
    #[arg(long, value_name = "FILE")]
    pub groups: PathBuf,

    /// Pretend the target AD has the Exchange schema (mail attributes are written).
    #[arg(long)]
    pub exchange_schema: bool,

    /// Pretend the target AD has msDS-ExternalDirectoryObjectId (Windows Server 2016 schema).
    #[arg(long)]
    pub external_directory_object_id: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Format of a command's report on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// For programs: one JSON document.
    Json,
}
