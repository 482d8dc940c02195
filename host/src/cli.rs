//! The command line as clap parses it: subcommands, global options and their help texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use gwb_rules::{NamingScheme, ScopeKind};

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
    /// Writes a commented rules file (the --rules path, never overwritten) for one tenant and
    /// one forest: connection, managed OUs, naming, scope, guards.
    Init(Box<InitArgs>),
    /// Read Graph, transform, reconcile with AD, check the guards and apply the changes.
    Sync(RunArgs),
    /// The same path as sync without writing: prints the plan as LDIF on stdout (applicable
    /// with ldapmodify) and the summary on stderr.
    Plan(RunArgs),
    /// Checks the rules file, plugins and pins, credentials, reachability of Graph and AD,
    /// rights on the managed OUs and the schema, and says what is fine and what is not.
    Check,
    /// Prints the least rights gwb needs on each managed OU, for the bind account or
    /// --account, as dsacls commands, PowerShell and SDDL.
    Delegation(DelegationArgs),
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
    /// Write rule plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

/// Options of `gwb init`. Secrets are never given on the command line: only the environment
/// variable or file gwb reads them from at run time.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The Entra tenant (directory) id.
    #[arg(long, value_name = "ID")]
    pub tenant_id: String,

    /// The app registration's application (client) id.
    #[arg(long, value_name = "ID")]
    pub client_id: String,

    /// The environment variable holding the app's client secret.
    // Hyphen values are taken (and refused by gwb, unprinted), so that a pasted secret never
    // reaches clap's "unexpected argument" message; so are the other secret-locating flags.
    #[arg(
        long,
        value_name = "VAR",
        group = "graph_credential",
        allow_hyphen_values = true
    )]
    pub client_secret_env: Option<String>,

    /// A file holding the app's client secret (readable by gwb's user only).
    #[arg(
        long,
        value_name = "FILE",
        group = "graph_credential",
        allow_hyphen_values = true
    )]
    pub client_secret_file: Option<PathBuf>,

    /// The app's certificate (PEM), instead of a secret; needs --certificate-key.
    #[arg(
        long,
        value_name = "FILE",
        group = "graph_credential",
        requires = "certificate_key"
    )]
    pub certificate: Option<PathBuf>,

    /// The certificate's private key (PEM).
    #[arg(
        long,
        value_name = "FILE",
        requires = "certificate",
        allow_hyphen_values = true
    )]
    pub certificate_key: Option<PathBuf>,

    /// The token authority (sovereign clouds; default https://login.microsoftonline.com).
    #[arg(long, value_name = "URL")]
    pub authority: Option<String>,

    /// The Graph endpoint (sovereign clouds; default https://graph.microsoft.com).
    #[arg(long, value_name = "URL")]
    pub graph_endpoint: Option<String>,

    /// Where the Graph delta state is kept (default: `state` beside the rules file).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// The domain controller, e.g. ldaps://dc1.example.com.
    #[arg(long, value_name = "URL")]
    pub ad_url: String,

    /// The DN gwb binds as.
    #[arg(long, value_name = "DN")]
    pub bind_dn: String,

    /// The environment variable holding the bind password.
    #[arg(
        long,
        value_name = "VAR",
        group = "ad_password",
        allow_hyphen_values = true
    )]
    pub password_env: Option<String>,

    /// A file holding the bind password (readable by gwb's user only).
    #[arg(
        long,
        value_name = "FILE",
        group = "ad_password",
        allow_hyphen_values = true
    )]
    pub password_file: Option<PathBuf>,

    /// CA certificates (PEM) to verify the DC against, instead of the system roots.
    #[arg(long, value_name = "FILE")]
    pub ad_ca_file: Option<PathBuf>,

    /// The OU groups go to by default; a managed OU.
    #[arg(long, value_name = "DN")]
    pub ou: String,

    /// A further OU gwb may write into (repeatable).
    #[arg(long, value_name = "DN")]
    pub managed_ou: Vec<String>,

    /// How the cn is built: display-name (Cloud Sync) or object-id (Entra Connect).
    #[arg(long, value_name = "SCHEME", default_value = "display-name", value_parser = naming_scheme)]
    pub naming: NamingScheme,

    /// The kinds of cloud group written back, comma-separated: microsoft365, security,
    /// mail-enabled-security. No default: the choice is yours.
    #[arg(long, value_name = "KINDS", required = true, value_delimiter = ',', value_parser = scope_kind)]
    pub scope: Vec<ScopeKind>,
}

fn naming_scheme(text: &str) -> Result<NamingScheme, String> {
    match text {
        "display-name" => Ok(NamingScheme::DisplayName),
        "object-id" => Ok(NamingScheme::ObjectId),
        _ => Err("expected display-name or object-id".into()),
    }
}

fn scope_kind(text: &str) -> Result<ScopeKind, String> {
    ScopeKind::ALL
        .into_iter()
        .find(|kind| kind.key() == text)
        .ok_or_else(|| {
            let keys: Vec<&str> = ScopeKind::ALL.into_iter().map(ScopeKind::key).collect();
            format!("expected one of {}", keys.join(", "))
        })
}

/// Options of `gwb sync` and `gwb plan`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Read every group from Graph (a full round) instead of the changes since the last run.
    #[arg(long, conflicts_with = "group")]
    pub full: bool,

    /// Provision on demand: read only this group (its object id; repeatable) from Graph now,
    /// run it through the rules, and apply (sync) or show (plan) it, printing each step. No
    /// other group is read or changed, and the Graph delta state is left as it was.
    #[arg(long, value_name = "ID")]
    pub group: Vec<String>,

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

/// Options of `gwb delegation`.
#[derive(Debug, Args)]
pub struct DelegationArgs {
    /// The account to delegate to: its DN or DOMAIN\name (default: [ad] bind_dn).
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,

    /// Print only this form (default: all three, each under its heading).
    #[arg(long, value_enum)]
    pub format: Option<DelegationFormat>,
}

/// A form of `gwb delegation`'s rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DelegationFormat {
    /// dsacls commands, by lDAPDisplayName.
    Dsacls,
    /// PowerShell ActiveDirectoryAccessRules, by schemaIDGUID.
    Powershell,
    /// SDDL ACEs per OU, by schemaIDGUID and SID.
    Sddl,
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
    /// as ordinary AD groups with their members (see docs/operations.md about Entra Connect).
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

/// `gwb plugin …`
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Writes a new plugin folder (source, groups.json, rules.toml, README.md) in Rust, Python
    /// or JavaScript that builds with gwb's SDK and runs under `gwb rules test` at once.
    New(PluginNewArgs),
}

/// Options of `gwb plugin new`.
#[derive(Debug, Args)]
pub struct PluginNewArgs {
    /// The plugin's name: lowercase letters, digits and single hyphens, starting with a letter
    /// (e.g. cn-prefix).
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The language of the plugin.
    #[arg(long, value_enum)]
    pub lang: PluginLang,

    /// The folder to write (default: ./NAME): a new folder or an empty one.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The gwb source checkout holding the SDKs and build wrappers (default: the first folder
    /// holding wit/ and plugins/sdk above the current directory, then above the gwb binary).
    #[arg(long, value_name = "DIR")]
    pub gwb_source: Option<PathBuf>,
}

/// A language `gwb plugin new` writes plugins in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PluginLang {
    /// Rust, with plugins/sdk (crate gwb-plugin-sdk), built by cargo for wasm32-wasip2.
    Rust,
    /// Python, with plugins/python/gwb_plugin, built by plugins/python/build.py.
    Python,
    /// JavaScript, with plugins/js/sdk/gwb-plugin.js, built by plugins/js/build.mjs.
    Js,
}
