//! The end-to-end test environment: a Graph emulator in this process, a private OU in the
//! Samba AD DC named by the GWB_TEST_* variables (scripts/test.sh starts one), AD users that
//! match the emulated tenant's synced users, and a rules file tying them together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use graph_emulator::{App, Emulator, EmulatorConfig, Tenant};
use gwb::exit::Exit;
use gwb::run::RunOptions;
use gwb_ad::{AdConfig, CurrentGroup, Directory, Secret};
use gwb_rules::RulesFile;
use serde_json::{Value, json};
use test_support::TestDc;

/// The emulated tenant's id, as the rules file names it.
pub const TENANT_ID: &str = "e2e00000-0000-4000-8000-000000000000";

pub const APP_ID: &str = "11111111-aaaa-4bbb-8ccc-222222222222";
const APP_SECRET: &str = "e2e-test-secret";

/// The built example plugin `name` (crate name with underscores).
pub use test_support::built_plugin as plugin;

/// One synced user: its cloud id and its AD DN.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub dn: String,
}

/// One test's world.
pub struct Env {
    /// Distinguishes this test's object ids from any earlier run's on the same DC.
    tag: String,
    pub emulator: Emulator,
    pub dir: tempfile::TempDir,
    /// The test's own OU; groups go to `OU=Cloud,<root>`.
    pub root: String,
    pub cloud_ou: String,
    pub users: Vec<User>,
    /// A cloud-only user (no AD account).
    pub cloud_only: String,
    /// The DC the test writes to, for changes an administrator makes behind gwb's back.
    pub dc: TestDc,
    plugins: String,
}

impl Env {
    /// A tenant with `users` synced users (each with an AD account) and one cloud-only user;
    /// no groups yet. `plugins` is the rules file's plugin chain (TOML), may be empty.
    pub async fn new(name: &str, users: usize, plugins: &str) -> Env {
        static N: AtomicU32 = AtomicU32::new(0);
        let tag = N.fetch_add(1, Ordering::SeqCst);
        let dc = TestDc::from_env();
        let base_dn = &dc.base_dn;
        let root = format!("OU=e2e-{name}-{}-{tag},{base_dn}", std::process::id());
        let cloud_ou = format!("OU=Cloud,{root}");
        let mut env_users = Vec::new();
        let mut tenant = Tenant::new(TENANT_ID);
        tenant.register_app(App {
            app_id: APP_ID.into(),
            client_secret: Some(APP_SECRET.into()),
            certificate_pem: None,
        });
        dc.add_ous(&[&root, &cloud_ou, &format!("OU=Users,{root}")]);
        let mut ldif = String::new();
        for i in 0..users {
            // 9000 in the fourth field: never equal to a group id from `gid` (8000 there).
            let id = format!("{:08x}-{tag:04x}-4000-9000-{i:012x}", std::process::id());
            let guid = guid_bytes(&id);
            let sam = format!(
                "e2e{:05x}{:04}",
                std::process::id() & 0xfffff,
                tag as usize * 100 + i
            );
            let dn = format!("CN=User {i},OU=Users,{root}");
            ldif += &format!(
                "dn: {dn}\nchangetype: add\nobjectClass: user\nsAMAccountName: {sam}\nmS-DS-ConsistencyGuid:: {}\n\n",
                STANDARD.encode(guid)
            );
            tenant
                .create_user(json!({
                    "id": id,
                    "displayName": format!("User {i}"),
                    "userPrincipalName": format!("{sam}@gwb.test"),
                    "onPremisesSyncEnabled": true,
                    "onPremisesSamAccountName": sam,
                    "onPremisesImmutableId": STANDARD.encode(guid),
                }))
                .expect("create user");
            env_users.push(User { id, dn });
        }
        let cloud_only = format!("c10d0000-0000-4000-8000-{:012x}", tag);
        tenant
            .create_user(json!({"id": cloud_only, "displayName": "Cloud Only", "userPrincipalName": "co@gwb.test"}))
            .expect("cloud-only user");

        let env = Env {
            tag: format!("{:08x}-{tag:04x}", std::process::id()),
            emulator: Emulator::start(tenant, EmulatorConfig::default())
                .await
                .expect("emulator"),
            dir: tempfile::tempdir().expect("tempdir"),
            root,
            cloud_ou,
            users: env_users,
            cloud_only,
            dc,
            plugins: plugins.to_owned(),
        };
        if !ldif.is_empty() {
            env.ldapmodify(&ldif);
        }
        env.write_rules("");
        env
    }

    /// A group object id unique to this test run whose last 12 characters are `n` in hex
    /// (so the default cn ends in `_<n as 12 hex digits>`).
    pub fn gid(&self, n: u64) -> String {
        format!("{}-4000-8000-{n:012x}", self.tag)
    }

    /// Writes the rules file; `extra` is appended (e.g. a [guards] table). Its scope is every
    /// kind of group, unless `extra` has a `[scope]` table of its own.
    pub fn write_rules(&self, extra: &str) {
        let scope = if extra.contains("[scope]") {
            ""
        } else {
            "[scope]\nkinds = [\"microsoft365\", \"security\", \"mail-enabled-security\"]\n"
        };
        std::fs::write(self.dir.path().join("secret"), APP_SECRET).expect("secret");
        let text = format!(
            r#"
[defaults]
ou = "{cloud}"
managed_ous = ["{cloud}"]

{scope}
[runtime]
cache_dir = "cache"

[graph]
tenant_id = "{TENANT_ID}"
client_id = "{APP_ID}"
client_secret = {{ file = "secret" }}
authority = "{base}"
endpoint = "{base}"
state_dir = "state"

[ad]
url = "{url}"
bind_dn = "{bind}"
password = {{ file = "{pw}" }}
ca_file = "{ca}"

{plugins}
{extra}
"#,
            cloud = self.cloud_ou,
            base = self.emulator.base_url(),
            url = self.dc.url,
            bind = self.dc.bind_dn,
            pw = self.dc.password_file.display(),
            ca = self.dc.ca_file.display(),
            plugins = self.plugins,
        );
        std::fs::write(self.rules_path(), text).expect("rules file");
    }

    /// The rules file's path.
    pub fn rules_path(&self) -> PathBuf {
        self.dir.path().join("rules.toml")
    }

    /// Adds a security group to the tenant with these member ids (users or groups).
    pub fn add_group(&self, id: &str, name: &str, members: &[&str]) {
        self.emulator.tenant(|t| {
            t.create_group(json!({
                "id": id,
                "displayName": name,
                "description": format!("{name} (e2e)"),
                "mailEnabled": false,
                "securityEnabled": true,
                "groupTypes": [],
                "mailNickname": name.replace(' ', ""),
            }))
            .expect("create group");
            for member in members {
                t.add_member(id, member).expect("add member");
            }
        });
    }

    /// Replaces the plugin chain (TOML) and rewrites the rules file.
    pub fn set_plugins(&mut self, plugins: &str) {
        self.plugins = plugins.to_owned();
        self.write_rules("");
    }

    /// Runs `gwb sync` (apply) or `gwb plan` in this process; returns the exit and the report.
    pub async fn run(&self, apply: bool) -> (Exit, Value) {
        self.run_with(apply, false).await
    }

    /// Like [`Env::run`] with a forced full round (`--full`).
    pub async fn run_full(&self, apply: bool) -> (Exit, Value) {
        self.run_with(apply, true).await
    }

    async fn run_with(&self, apply: bool, force_full: bool) -> (Exit, Value) {
        let rules = RulesFile::load(&self.rules_path()).expect("rules file");
        let report = self.dir.path().join("report.json");
        let ldif = self.dir.path().join("plan.ldif");
        let exit = gwb::run::run(
            &rules,
            &RunOptions {
                apply,
                force_full,
                groups: Vec::new(),
                guards: rules.guards.clone(),
                report: Some(report.clone()),
                ldif: (!apply).then_some(ldif),
                progress: false,
                detail: false,
            },
        )
        .await
        .expect("run");
        let text = std::fs::read_to_string(report).expect("report");
        (exit, serde_json::from_str(&text).expect("report JSON"))
    }

    /// The LDIF the last plan wrote.
    pub fn last_ldif(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("plan.ldif")).expect("plan.ldif")
    }

    /// The groups gwb owns in this test's OU, by cloud object id, as AD holds them.
    pub async fn groups(&self) -> BTreeMap<String, CurrentGroup> {
        let mut dir = self.directory().await;
        let attrs: Vec<String> = ["description", "displayName", "groupType"]
            .map(String::from)
            .to_vec();
        dir.read_owned(std::slice::from_ref(&self.root), &attrs, false)
            .await
            .expect("read owned")
            .into_iter()
            .map(|g| (g.object_id.clone(), g))
            .collect()
    }

    /// The `gwb` binary with `--quiet --rules <this test's rules file>` and `args`.
    pub fn gwb_command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gwb"));
        command
            .args(["--quiet", "--rules"])
            .arg(self.rules_path())
            .args(args);
        command
    }

    /// A connection to the test DC as its administrator.
    pub async fn directory(&self) -> Directory {
        let mut config = AdConfig::new(
            &self.dc.url,
            &self.dc.bind_dn,
            Secret::from_file(&self.dc.password_file).expect("password"),
        );
        config.ca_file = Some(self.dc.ca_file.clone());
        Directory::connect(&config).await.expect("connect")
    }

    /// Runs ldapmodify with `ldif` on stdin, as an administrator would.
    pub fn ldapmodify(&self, ldif: &str) {
        self.dc.ldapmodify(ldif);
    }

    /// Adds a plain domain user `CN=<cn>,<root>` with a password: it may bind and read, and
    /// holds no rights on the managed OUs. Returns its DN, its sAMAccountName and the file
    /// holding its password.
    pub fn add_account(&self, cn: &str) -> (String, String, PathBuf) {
        static N: AtomicU32 = AtomicU32::new(0);
        let password = "Plain-User-Pw-1!";
        let dn = format!("CN={cn},{}", self.root);
        let sam = format!(
            "acct{:05}{}",
            std::process::id() % 100_000,
            N.fetch_add(1, Ordering::SeqCst)
        );
        let quoted: Vec<u8> = format!("\"{password}\"")
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        self.ldapmodify(&format!(
            "dn: {dn}\nchangetype: add\nobjectClass: user\nsAMAccountName: {sam}\n\
             unicodePwd:: {}\nuserAccountControl: 512\n",
            STANDARD.encode(quoted)
        ));
        let password_file = self.dir.path().join(format!("{sam}-password"));
        std::fs::write(&password_file, password).expect("password file");
        (dn, sam, password_file)
    }

    /// Rewrites the rules file's lines that start with one of the `(prefix, line)` keys by
    /// that line, e.g. `("bind_dn = ", "bind_dn = \"CN=…\"")`; panics when a prefix matches no
    /// line.
    pub fn rewrite_rules(&self, lines: &[(&str, String)]) {
        let rules = std::fs::read_to_string(self.rules_path()).expect("rules");
        for (prefix, _) in lines {
            assert!(
                rules.lines().any(|l| l.starts_with(prefix)),
                "no line starts with {prefix:?} in:\n{rules}"
            );
        }
        let rules: Vec<String> = rules
            .lines()
            .map(|line| {
                lines
                    .iter()
                    .find(|(prefix, _)| line.starts_with(prefix))
                    .map_or_else(|| line.to_owned(), |(_, new)| new.clone())
            })
            .collect();
        std::fs::write(self.rules_path(), rules.join("\n")).expect("rules");
    }

    /// Rewrites the rules file so that gwb binds as `dn` with the password in `password_file`.
    pub fn bind_as(&self, dn: &str, password_file: &std::path::Path) {
        self.rewrite_rules(&[
            ("bind_dn = ", format!("bind_dn = \"{dn}\"")),
            (
                "password = ",
                format!("password = {{ file = \"{}\" }}", password_file.display()),
            ),
        ]);
    }
}

/// A test leaves nothing behind on the shared DC: its OU and everything in it go when its
/// `Env` does (after a failed assertion too), so the addresses its groups hold, which must
/// be unique in the forest, are free for the next run of the same test.
/// The 16 bytes of a GUID string, used as the user's mS-DS-ConsistencyGuid in AD and (in
/// base64) as its onPremisesImmutableId in the tenant.
fn guid_bytes(id: &str) -> [u8; 16] {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    bytes
}

/// One misbehave entry of the chain, named `name`, with `config` (the keys of a TOML inline
/// table) and `limits` (a TOML inline table), granted the attributes its mapping modes write
/// in these tests (`description`, and `info` for `edit-attribute`).
pub fn misbehave(name: &str, config: &str, limits: &str) -> String {
    misbehave_granted(name, config, limits, Some(r#"["description", "info"]"#))
}

/// Like [`misbehave`] with its `attributes` (a TOML array), or without the key when `None`.
pub fn misbehave_granted(
    name: &str,
    config: &str,
    limits: &str,
    attributes: Option<&str>,
) -> String {
    let attributes = attributes
        .map(|a| format!("attributes = {a}\n"))
        .unwrap_or_default();
    format!(
        r#"
[[plugins]]
name = "{name}"
path = "{}"
limits = {limits}
{attributes}config = {{ {config} }}
"#,
        plugin("misbehave").display()
    )
}

/// Adds `aces` (SDDL, concatenated) to the DACL of `ou` for `trustee` with `samba-tool dsacl
/// set`, run on the DC's own database as its administrator would.
pub fn dsacl_set(ou: &str, trustee: &str, aces: &[&String]) {
    let dir = std::env::var("GWB_TEST_SAMBA_DIR")
        .expect("GWB_TEST_SAMBA_DIR is not set: start the DC with scripts/samba-dc.sh");
    let sddl: String = aces.iter().map(|a| a.as_str()).collect();
    let out = Command::new("samba-tool")
        .args(["dsacl", "set", "-H"])
        .arg(Path::new(&dir).join("private/sam.ldb"))
        .arg("-s")
        .arg(Path::new(&dir).join("etc/smb.conf"))
        .arg(format!("--objectdn={ou}"))
        .arg(format!("--trusteedn={trustee}"))
        .arg(format!("--sddl={sddl}"))
        .output()
        .expect("samba-tool missing: scripts/prereqs.sh installs it");
    assert!(
        out.status.success(),
        "samba-tool dsacl set failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The ou-router example plugin's entry of the chain, with `config` (lines of its
/// `[plugins.config]` table).
pub fn ou_router(config: &str) -> String {
    format!(
        r#"
[[plugins]]
name = "ou-router"
path = "{}"
[plugins.config]
{config}
"#,
        plugin("ou_router").display()
    )
}

/// The summary counts of a report.
pub fn summary(report: &Value) -> &Value {
    &report["summary"]
}

/// The operations of a report, as their one-line descriptions.
pub fn operations(report: &Value) -> Vec<String> {
    report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .map(|o| o["operation"].as_str().expect("operation").to_owned())
        .collect()
}
