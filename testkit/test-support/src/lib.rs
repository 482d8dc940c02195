//! Test support shared by the Samba-backed test suites (gwb-ad's, the end-to-end tests, the
//! incremental bench): the domain controller that `scripts/samba-dc.sh start` describes in
//! `GWB_TEST_*` variables, LDIF applied to it the way an administrator would, the paths of
//! the plugins `scripts/build-plugins.sh` built, and the Graph docs fixtures vendored in the repo.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gwb_model::dn::Dn;

pub mod shell_lex;

/// The Samba AD DC the tests run against.
#[derive(Debug, Clone)]
pub struct TestDc {
    /// `ldaps://` URL.
    pub url: String,
    /// The domain's base DN.
    pub base_dn: String,
    /// The administrator's DN.
    pub bind_dn: String,
    /// A file holding the administrator's password.
    pub password_file: PathBuf,
    /// The CA certificate the DC's LDAPS certificate verifies against.
    pub ca_file: PathBuf,
    /// `base` or `exchange` (the schema extensions loaded).
    pub profile: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need a Samba AD DC; run scripts/test.sh, or start \
             one with: eval \"$(scripts/samba-dc.sh start)\" (add --profile exchange for the \
             Exchange schema)"
        )
    })
}

impl TestDc {
    /// The DC named by `GWB_TEST_LDAP_URL`, `GWB_TEST_BASE_DN`, `GWB_TEST_BIND_DN`,
    /// `GWB_TEST_BIND_PASSWORD_FILE`, `GWB_TEST_CA_FILE` and `GWB_TEST_SAMBA_PROFILE`
    /// (default `base`). Panics, saying how to start one, when a variable is missing.
    pub fn from_env() -> Self {
        Self {
            url: var("GWB_TEST_LDAP_URL"),
            base_dn: var("GWB_TEST_BASE_DN"),
            bind_dn: var("GWB_TEST_BIND_DN"),
            password_file: var("GWB_TEST_BIND_PASSWORD_FILE").into(),
            ca_file: var("GWB_TEST_CA_FILE").into(),
            profile: std::env::var("GWB_TEST_SAMBA_PROFILE").unwrap_or_else(|_| "base".into()),
        }
    }

    /// True when the DC has the Exchange and msDS-ExternalDirectoryObjectId schema extensions.
    pub fn is_exchange(&self) -> bool {
        self.profile == "exchange"
    }

    /// Applies `ldif` with `ldapmodify` as the administrator, the way an admin changes AD
    /// behind gwb's back. Panics with ldapmodify's message when it fails.
    pub fn ldapmodify(&self, ldif: &str) {
        if let Err(message) = self.ldapmodify_as(&self.bind_dn, &self.password_file, ldif) {
            panic!("ldapmodify failed: {message}");
        }
    }

    /// Applies `ldif` with `ldapmodify` bound as `dn` with the password in `password_file`;
    /// `Err` holds ldapmodify's message (e.g. `Insufficient access (50)`).
    pub fn ldapmodify_as(&self, dn: &str, password_file: &Path, ldif: &str) -> Result<(), String> {
        let mut child = Command::new("ldapmodify")
            .args(["-x", "-H", &self.url, "-D", dn, "-y"])
            .arg(password_file)
            .env("LDAPTLS_CACERT", &self.ca_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ldapmodify missing: apt-get install ldap-utils");
        child
            .stdin
            .take()
            .expect("ldapmodify stdin")
            .write_all(ldif.as_bytes())
            .expect("write LDIF to ldapmodify");
        let out = child.wait_with_output().expect("wait for ldapmodify");
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Runs `ldapsearch` as the administrator with `args` after the connection options
    /// (`-s base -b <dn> objectGUID`, say) and returns its LDIF, lines unwrapped: a reading of
    /// AD independent of gwb's. Panics with ldapsearch's message when it fails.
    pub fn ldapsearch(&self, args: &[&str]) -> String {
        let out = Command::new("ldapsearch")
            .args([
                "-x",
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-H",
                &self.url,
                "-D",
                &self.bind_dn,
            ])
            .arg("-y")
            .arg(&self.password_file)
            .args(args)
            .env("LDAPTLS_CACERT", &self.ca_file)
            .output()
            .expect("ldapsearch missing: apt-get install ldap-utils");
        assert!(
            out.status.success(),
            "ldapsearch {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("ldapsearch writes UTF-8 LDIF")
    }

    /// Creates these OUs, parents first (each DN's first RDN must be `OU=<value>`, a value
    /// LDIF carries as is: no leading space, colon or `<`).
    pub fn add_ous(&self, dns: &[&str]) {
        let mut ldif = String::new();
        for dn in dns {
            let parsed = Dn::parse(dn).unwrap_or_else(|e| panic!("{e}"));
            let rdn = &parsed.rdns()[0];
            assert!(
                rdn.attr_type().eq_ignore_ascii_case("OU"),
                "{dn} is not an OU"
            );
            ldif.push_str(&format!(
                "dn: {dn}\nchangetype: add\nobjectClass: organizationalUnit\nou: {}\n\n",
                rdn.value()
            ));
        }
        self.ldapmodify(&ldif);
    }

    /// Adds `member` (a DN) to the members of `group` with ldapmodify, as an administrator
    /// nests a group by hand; the returned guard takes it out again.
    pub fn add_member(&self, group: &str, member: &str) -> AddedMember<'_> {
        self.ldapmodify(&member_change(group, "add", member));
        AddedMember {
            dc: self,
            group: group.to_owned(),
            member: member.to_owned(),
        }
    }
}

/// A member [`TestDc::add_member`] added: taken out of its group again when dropped, even
/// after a failed assertion, so that a test leaves no nesting behind on a shared DC.
#[must_use = "the member is taken out again as soon as this is dropped"]
pub struct AddedMember<'a> {
    /// The DC it was added on.
    dc: &'a TestDc,
    /// The group's DN.
    group: String,
    /// The member's DN.
    member: String,
}

impl Drop for AddedMember<'_> {
    fn drop(&mut self) {
        self.dc
            .ldapmodify(&member_change(&self.group, "delete", &self.member));
    }
}

/// The LDIF that adds `member` to, or deletes it from (`change`), the members of `group`.
fn member_change(group: &str, change: &str, member: &str) -> String {
    format!("dn: {group}\nchangetype: modify\n{change}: member\nmember: {member}\n-\n")
}

/// The plugin `name` (its crate name with underscores) as scripts/build-plugins.sh built it.
/// Panics, saying what to run, when it has not been built.
pub fn built_plugin(name: &str) -> PathBuf {
    built(
        "wasm32-wasip2/release",
        name,
        "run scripts/build-plugins.sh first",
    )
}

/// The Python plugin `name` (its folder under plugins/python/examples or plugins/python/test)
/// as scripts/build-plugins.sh built it with componentize-py. Panics, saying what to run, when
/// it has not been built.
pub fn built_python_plugin(name: &str) -> PathBuf {
    built(
        "python",
        name,
        "run scripts/prereqs.sh (it installs componentize-py), then scripts/build-plugins.sh",
    )
}

/// The JavaScript plugin `name` (its folder under plugins/js/examples or plugins/js/test) as
/// scripts/build-plugins.sh built it with componentize-js. Panics, saying what to run, when it has
/// not been built.
pub fn built_js_plugin(name: &str) -> PathBuf {
    built(
        "js",
        name,
        "run scripts/prereqs.sh (it installs the JS tooling: npm ci --prefix plugins/js), then \
         scripts/build-plugins.sh",
    )
}

/// `plugins/target/<dir>/<name>.wasm`, which must exist (else `fix` says what to run).
fn built(dir: &str, name: &str, fix: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins/target")
        .join(dir)
        .join(format!("{name}.wasm"));
    assert!(path.is_file(), "{} is missing: {fix}", path.display());
    path
}

/// Writes `groups.json` into `dir`: a Graph groups response with two security groups, "Bad
/// group" (id ending `b`) and "Good group" (id ending `c`), for plugins that misbehave only for
/// the first. Returns its path.
pub fn bad_and_good_groups(dir: &Path) -> PathBuf {
    let path = dir.join("groups.json");
    std::fs::write(
        &path,
        r#"{"value": [
  {"id": "00000000-0000-4000-8000-00000000000b", "displayName": "Bad group", "securityEnabled": true, "mailEnabled": false, "groupTypes": []},
  {"id": "00000000-0000-4000-8000-00000000000c", "displayName": "Good group", "securityEnabled": true, "mailEnabled": false, "groupTypes": []}
]}"#,
    )
    .expect("write groups.json");
    path
}

/// One plugin of a rules file written by [`one_plugin_rules`].
pub struct OnePlugin<'a> {
    /// Its name in the rules file.
    pub name: &'a str,
    /// The component.
    pub path: &'a Path,
    /// Its `limits`, a TOML inline table, e.g. `{ time_ms = 20 }`.
    pub limits: &'a str,
    /// The keys of its `config` TOML inline table, e.g. `mode = "panic"`.
    pub config: &'a str,
    /// Its `attributes`, a TOML array, e.g. `["description"]`, or `None` for no key (a plugin
    /// that implements the mapping stage is then refused at load).
    pub attributes: Option<&'a str>,
}

/// Writes `rules.toml` into `dir`: security groups into `OU=Cloud,DC=example,DC=com` through
/// `plugin` alone, compiled into `cache` when given (`[runtime] cache_dir`). Returns its path.
pub fn one_plugin_rules(dir: &Path, plugin: &OnePlugin<'_>, cache: Option<&Path>) -> PathBuf {
    let runtime = cache
        .map(|c| format!("[runtime]\ncache_dir = {:?}\n", c.display().to_string()))
        .unwrap_or_default();
    let path = dir.join("rules.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[defaults]
ou = "OU=Cloud,DC=example,DC=com"
[scope]
kinds = ["security"]
{runtime}[[plugins]]
name = "{}"
path = {:?}
limits = {}
{}config = {{ {} }}
"#,
            plugin.name,
            plugin.path.display().to_string(),
            plugin.limits,
            plugin
                .attributes
                .map(|a| format!("attributes = {a}\n"))
                .unwrap_or_default(),
            plugin.config,
        ),
    )
    .expect("write rules.toml");
    path
}

/// Runs `gwb --rules <rules> rules test --groups <groups> <extra...>` with the gwb binary at
/// `gwb` (an integration test's `env!("CARGO_BIN_EXE_gwb")`) and returns what it did.
pub fn rules_test(gwb: &str, rules: &Path, groups: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(gwb)
        .arg("--rules")
        .arg(rules)
        .args(["rules", "test", "--groups"])
        .arg(groups)
        .args(extra)
        .output()
        .expect("run gwb")
}

/// The folder of Microsoft Graph documentation response fixtures vendored in this repository
/// (`testkit/fixtures/graph-docs`, with its licence and `SOURCE.md`).
pub fn graph_docs_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/graph-docs")
}

/// A plugin folder `gwb plugin new` wrote and its README's build command built.
pub struct ScaffoldedPlugin {
    /// The plugin's folder.
    pub dir: PathBuf,
    /// The built component, where the folder's README and rules.toml say it is.
    pub wasm: PathBuf,
}

/// The text between the first backticks after `label` on the line of `readme` that starts with
/// `label`. Panics naming the label when there is none.
fn readme_code<'a>(readme: &'a str, label: &str) -> &'a str {
    readme
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(label))
        .and_then(|rest| rest.split('`').nth(1))
        .unwrap_or_else(|| panic!("the generated README has no `{label}` line: {readme}"))
}

/// Runs `<gwb> plugin new <name> --lang <lang>` in `parent` (the gwb checkout is found above the
/// gwb binary) and builds the new folder with the build command its README gives, through `sh`.
/// Panics with the tools' output when a step fails, or when a tool is missing, saying what
/// installs it. A Rust plugin is built into the shared `plugins/target` (so the SDK's
/// dependencies compile once for every test) and its component copied to where the README says.
pub fn scaffold_plugin(gwb: &str, lang: &str, name: &str, parent: &Path) -> ScaffoldedPlugin {
    let out = Command::new(gwb)
        .args(["plugin", "new", name, "--lang", lang])
        .current_dir(parent)
        .output()
        .expect("run gwb plugin new");
    assert!(
        out.status.success(),
        "gwb plugin new {name} --lang {lang}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = parent.join(name);
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("the plugin's README.md");
    let build = readme_code(&readme, "2. Build:");
    let wasm = match readme.split_once("(writes `") {
        Some((_, rest)) => dir.join(rest.split('`').next().unwrap_or_default()),
        None => panic!("the generated README does not say where the build writes: {readme}"),
    };
    let plugins_target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/target");
    let mut command = Command::new("sh");
    command.args(["-c", build]).current_dir(&dir);
    if lang == "rust" {
        command.env("CARGO_TARGET_DIR", &plugins_target);
    }
    let fix = match lang {
        "rust" => "rustup target add wasm32-wasip2 (scripts/prereqs.sh)",
        "python" => "run scripts/prereqs.sh (it installs componentize-py)",
        _ => "run scripts/prereqs.sh (it installs Node.js tooling: npm ci --prefix plugins/js)",
    };
    let built = command.output().expect("run sh");
    assert!(
        built.status.success(),
        "`{build}` in {} failed ({fix}): {}{}",
        dir.display(),
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    if lang == "rust" {
        let file = wasm.file_name().expect("a file name");
        let from = plugins_target.join("wasm32-wasip2/release").join(file);
        std::fs::create_dir_all(wasm.parent().expect("a folder")).expect("target folder");
        std::fs::copy(&from, &wasm).expect("copy the Rust component");
    }
    assert!(wasm.is_file(), "`{build}` did not write {}", wasm.display());
    ScaffoldedPlugin { dir, wasm }
}
