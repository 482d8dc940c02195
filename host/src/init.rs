//! `gwb init`: writes a commented rules file for one tenant and one forest from command-line
//! flags. Every value goes through TOML's own quoting, the text is validated as any rules file
//! is before it is written, and an existing file is never overwritten.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use gwb_model::{ENV_NAME_RULE, is_env_name};
use gwb_rules::{NamingScheme, RulesFile, ScopeKind};

use crate::cli::InitArgs;
use crate::exit::Exit;

/// Writes the rules file `path` from `args`; fails, writing nothing, when the file exists or
/// the values do not make a valid rules file.
pub fn run(path: &Path, args: &InitArgs) -> anyhow::Result<Exit> {
    let text = render(args)?;
    // Validated as `gwb check` would read it (plugins aside: init writes none), so a bad OU or
    // URL is refused now, naming the key, rather than at the first run.
    RulesFile::parse(path, &text).map_err(|error| {
        anyhow::anyhow!(
            "the values given do not make a valid rules file, so {} was not written:\n{error}",
            path.display()
        )
    })?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} exists already; gwb init never overwrites a rules file (choose another \
                 --rules path, or edit that file)",
                path.display()
            ),
            _ => anyhow::Error::new(error).context(format!("cannot create {}", path.display())),
        })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {}\nnext: `gwb --rules {0} delegation` for the rights the bind account needs, then \
         `gwb --rules {0} check`, `gwb --rules {0} plan` and `gwb --rules {0} sync`",
        path.display()
    );
    Ok(Exit::Success)
}

/// A TOML string literal holding `value` exactly (quotes, backslashes and control characters
/// escaped by the TOML writer, so no flag can add a key or a table).
pub(crate) fn quoted(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

/// A TOML array of string literals.
fn list<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = values.into_iter().map(quoted).collect();
    format!("[{}]", items.join(", "))
}

/// A secret reference table, `{ env = "…" }` or `{ file = "…" }`; `env_flag` names the
/// option giving the variable and `flags` the options for the error when neither was given. A
/// variable name that is no variable name is refused unprinted: it may be the secret itself.
fn secret(
    env: Option<&str>,
    file: Option<&Path>,
    env_flag: &str,
    flags: &str,
) -> anyhow::Result<String> {
    match (env, file) {
        (Some(var), _) if !is_env_name(var) => anyhow::bail!(
            "{env_flag} is not an environment variable name ({ENV_NAME_RULE}); it may be the \
             secret itself, so it is not shown. Give the name of the variable that will hold the \
             secret when gwb runs (e.g. {env_flag} GWB_SECRET), never the secret"
        ),
        (Some(var), _) => Ok(format!("{{ env = {} }}", quoted(var))),
        (None, Some(path)) => Ok(format!(
            "{{ file = {} }}",
            quoted(&path.display().to_string())
        )),
        (None, None) => anyhow::bail!("give {flags}: where gwb reads the secret at run time"),
    }
}

/// The rules file's text.
fn render(args: &InitArgs) -> anyhow::Result<String> {
    let mut managed: Vec<&str> = vec![args.ou.as_str()];
    managed.extend(
        args.managed_ou
            .iter()
            .map(String::as_str)
            .filter(|ou| *ou != args.ou),
    );
    let naming = match args.naming {
        NamingScheme::DisplayName => "display-name",
        NamingScheme::ObjectId => "object-id",
    };
    let kinds: Vec<&str> = ScopeKind::ALL
        .into_iter()
        .filter(|kind| args.scope.contains(kind))
        .map(ScopeKind::key)
        .collect();
    let credential = match (&args.certificate, &args.certificate_key) {
        (Some(cert), Some(key)) => format!(
            "certificate = {{ cert_file = {}, key_file = {} }}",
            quoted(&cert.display().to_string()),
            quoted(&key.display().to_string())
        ),
        _ => format!(
            "client_secret = {}",
            secret(
                args.client_secret_env.as_deref(),
                args.client_secret_file.as_deref(),
                "--client-secret-env",
                "--client-secret-env, --client-secret-file or --certificate with \
                 --certificate-key"
            )?
        ),
    };
    let password = secret(
        args.password_env.as_deref(),
        args.password_file.as_deref(),
        "--password-env",
        "--password-env or --password-file",
    )?;
    let optional = |key: &str, value: Option<String>| {
        value.map_or_else(String::new, |v| format!("{key} = {v}\n"))
    };
    let graph_extra = [
        optional("authority", args.authority.as_deref().map(quoted)),
        optional("endpoint", args.graph_endpoint.as_deref().map(quoted)),
        optional(
            "state_dir",
            args.state_dir
                .as_deref()
                .map(|dir| quoted(&dir.display().to_string())),
        ),
    ]
    .concat();
    let ad_extra = optional(
        "ca_file",
        args.ad_ca_file
            .as_deref()
            .map(|file| quoted(&file.display().to_string())),
    );
    Ok(format!(
        r#"# gwb rules for one Entra tenant and one AD forest, written by `gwb init`.
# Every key is explained in gwb's docs/rules-file.md. Check it with
# `gwb --rules <this file> check`, preview with `plan`, write with `sync`.

[defaults]
# How the cn is built: "display-name" (Cloud Sync: Left(Trim(displayName),51)_<last 12 of the
# object id>) or "object-id" (Entra Connect: Group_<object id>).
naming = {naming}
# Where groups go unless a naming plugin routes them elsewhere.
ou = {ou}
# gwb creates, changes, moves and deletes groups only inside these OUs, and only groups that
# carry its mark for this tenant.
managed_ous = {managed}

# Which kinds of cloud group are written back: "microsoft365" (Entra Connect's group
# writeback), "security" (Cloud Sync's), "mail-enabled-security". A filter plugin narrows it;
# [graph] read_writeback_configuration = true also honours each group's writebackConfiguration.
[scope]
kinds = {kinds}

# Rules plugins run in this order (filter, naming, mapping stages); none yet. For example:
# [[plugins]]
# name = "ou-router"
# path = "plugins/ou_router.wasm"
# sha256 = "<sha256sum of the file>"
# attributes = []   # what its mapping stage may edit; a plugin with a mapping stage must list them
# [plugins.config]
# default_ou = {ou}

[graph]
tenant_id = {tenant}
client_id = {client}
# The app's credential: never the secret itself in this file.
{credential}
{graph_extra}
[ad]
url = {url}
bind_dn = {bind}
password = {password}
{ad_extra}
[sync]
# What happens to a group gwb wrote when it leaves the cloud or the rules: delete | move | keep.
on_hard_delete = "delete"
on_soft_delete = "keep"
on_no_longer_desired = "delete"

[guards]
# A run that would create or delete more groups than this stops before writing anything.
max_creates = 500
max_deletes = 500
max_delete_percent = 20
max_member_removal_percent = 50
"#,
        ou = quoted(&args.ou),
        managed = list(managed),
        kinds = list(kinds),
        tenant = quoted(&args.tenant_id),
        client = quoted(&args.client_id),
        url = quoted(&args.ad_url),
        bind = quoted(&args.bind_dn),
        naming = quoted(naming),
    ))
}
