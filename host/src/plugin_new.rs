//! `gwb plugin new`: writes a plugin folder in Rust, Python or JavaScript that builds with the
//! SDK and build wrapper of a gwb source checkout and runs under `gwb rules test` as written:
//! the source (a naming-stage rule with a config key and a `RuleError`), `groups.json` to try it
//! on, `rules.toml` loading the built component, and a README with the build and the loop.
//!
//! The generated project refers to the checkout by absolute path (Rust: a path dependency on
//! `plugins/sdk`; Python and JS: the build wrappers and, for JS, a relative import of the SDK),
//! so the SDKs are never copied. An existing non-empty folder is never written into.

use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use gwb_model::ownership;

use crate::cli::{PluginLang, PluginNewArgs};
use crate::exit::Exit;
use crate::init::quoted;
use gwb_model::printable::printable;
use gwb_model::shell;

/// The longest plugin name accepted (it becomes a crate, file and plugin name).
const MAX_NAME: usize = 48;

/// The `cn_prefix` the generated rules file configures.
const CN_PREFIX: &str = "App-";

/// What a language's project consists of.
struct Language {
    /// The language's name in the README.
    title: &'static str,
    /// The source file the author edits.
    source: &'static str,
    /// What must exist in the gwb checkout to build it (the build wrapper or SDK manifest
    /// first), each checked to be the user's own.
    needs: &'static [&'static str],
}

fn language(lang: PluginLang) -> Language {
    match lang {
        PluginLang::Rust => Language {
            title: "Rust",
            source: "src/lib.rs",
            needs: &["plugins/sdk/Cargo.toml"],
        },
        PluginLang::Python => Language {
            title: "Python",
            source: "app.py",
            needs: &["plugins/python/build.py"],
        },
        PluginLang::Js => Language {
            title: "JavaScript",
            source: "plugin.js",
            needs: &["plugins/js/build.mjs", "plugins/js/sdk/gwb-plugin.js"],
        },
    }
}

/// Rust keywords and the crates every Rust program sees, which cargo refuses as package names.
const RUST_RESERVED: &[&str] = &[
    "abstract",
    "alloc",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "core",
    "crate",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "proc_macro",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "std",
    "struct",
    "super",
    "test",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
];

/// Checks `name`: lowercase ASCII letters, digits and single hyphens, starting with a letter and
/// ending with a letter or digit, at most [`MAX_NAME`] characters; for Rust also no keyword.
fn validate_name(name: &str, lang: PluginLang) -> anyhow::Result<()> {
    let shape = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !shape {
        anyhow::bail!(
            "the plugin name {name:?} is not allowed: use lowercase letters, digits and single \
             hyphens, starting with a letter and ending with a letter or digit, at most \
             {MAX_NAME} characters (e.g. cn-prefix)"
        );
    }
    let snake = name.replace('-', "_");
    if lang == PluginLang::Rust && RUST_RESERVED.contains(&snake.as_str()) {
        anyhow::bail!(
            "the plugin name {name:?} is a Rust keyword or built-in crate, which cargo refuses \
             as a package name: choose another (e.g. {name}-rule)"
        );
    }
    Ok(())
}

/// `cn-prefix` → `CnPrefixPlugin`: the plugin's type (Rust struct, Python class).
fn type_name(name: &str) -> String {
    let mut out: String = name
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    out.push_str("Plugin");
    out
}

/// A folder is a gwb source checkout when it holds the contract and the Rust SDK.
fn is_checkout(dir: &Path) -> bool {
    dir.join("wit").is_dir() && dir.join("plugins/sdk").is_dir()
}

/// The gwb source checkout: `explicit`, else the first checkout above the running gwb binary
/// (e.g. `<checkout>/target/debug/gwb`). Never one found above the current directory: a plugin
/// is built by running the checkout's build wrapper, and a folder such as `/tmp/plugins` may
/// hold anyone's.
fn find_checkout(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        let dir = dir
            .canonicalize()
            .with_context(|| format!("--gwb-source {}: no such folder", dir.display()))?;
        anyhow::ensure!(
            is_checkout(&dir),
            "--gwb-source {}: not a gwb source checkout (it has no wit/ and plugins/sdk/); give \
             the folder of a clone of gwb's repository",
            dir.display()
        );
        return Ok(dir);
    }
    let exe = std::env::current_exe().context("cannot tell where the gwb binary is")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    match exe.ancestors().find(|dir| is_checkout(dir)) {
        Some(found) => Ok(found.to_owned()),
        None => anyhow::bail!(
            "no gwb source checkout found above the gwb binary {}: the plugin is built with the \
             SDK and build wrappers in one; clone gwb's repository, run scripts/prereqs.sh there, \
             and give its folder with --gwb-source DIR",
            exe.display()
        ),
    }
}

/// Checks that `checkout` holds every file of `needs` and that the user running gwb can trust
/// them: the checkout folder, each folder on the way to each file, and the file must be owned
/// by that user or root and not writable by group or others ([`ownership`], the rule of the
/// compile cache and the state directory), since building the plugin runs them.
fn check_checkout(checkout: &Path, lang: &Language) -> anyhow::Result<()> {
    for need in lang.needs {
        anyhow::ensure!(
            checkout.join(need).is_file(),
            "{} has no {need}, which a {} plugin is built with: use a complete gwb checkout \
             (--gwb-source DIR)",
            checkout.display(),
            lang.title
        );
    }
    let refuse = |path: &Path, why: ownership::Untrusted| {
        anyhow::anyhow!(
            "the gwb source checkout {0} is refused: {1}: {why}. Building a plugin runs its \
             build wrapper and SDK, so they must be yours (or root's) and not writable by group \
             or others: if you own it, run `chmod -R go-w {0}`; else clone gwb's repository \
             yourself and give it with --gwb-source DIR",
            checkout.display(),
            path.display()
        )
    };
    ownership::check_dir(checkout).map_err(|why| refuse(checkout, why))?;
    for need in lang.needs {
        let file = checkout.join(need);
        let mut dir = checkout.to_owned();
        for part in Path::new(need)
            .parent()
            .into_iter()
            .flat_map(Path::components)
        {
            dir.push(part);
            ownership::check_dir(&dir).map_err(|why| refuse(&dir, why))?;
        }
        ownership::check_file(&file).map_err(|why| refuse(&file, why))?;
    }
    Ok(())
}

/// Creates `dir` (and its parents) unless it exists; refuses one that holds anything.
fn create_empty_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            anyhow::ensure!(
                entries.next().is_none(),
                "{} exists and is not empty; gwb plugin new never writes into it (choose \
                 another NAME or --dir)",
                dir.display()
            );
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
        }
        Err(error) => Err(anyhow::Error::new(error).context(format!(
            "{} cannot be read as a folder; gwb plugin new writes a new folder (choose another \
             NAME or --dir)",
            dir.display()
        ))),
    }
}

/// The path from folder `from` to `to` (both absolute and canonical), with `/` separators and
/// starting with `./` or `../`, as a JS import names a module.
fn relative_import(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    if parts.is_empty() {
        parts.push(".".into());
    }
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// The command line `program <script> args`, with `script` as one POSIX shell word
/// ([`shell::posix`]); refused, naming the checkout, when its path cannot be one.
fn command_line(program: &str, script: &Path, args: &str) -> anyhow::Result<String> {
    let word = shell::posix(&script.display().to_string()).with_context(|| {
        format!(
            "cannot print the build command for {}: move the gwb checkout (or link it) to a \
             path without control or bidirectional characters and give it with --gwb-source",
            printable(&script.display().to_string())
        )
    })?;
    Ok(format!("{program} {word} {args}"))
}

/// One file of the project: its path in the folder and its text.
type File = (&'static str, String);

/// The project's files for `lang`, named `name`, built against `checkout`, written to `dir`.
fn files(name: &str, lang: PluginLang, checkout: &Path, dir: &Path) -> anyhow::Result<Vec<File>> {
    let fill = |template: &str, sdk: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{Type}}", &type_name(name))
            .replace("{{sdk}}", sdk)
    };
    let path = |p: PathBuf| p.display().to_string();
    let (mut files, wasm, build): (Vec<File>, String, String) = match lang {
        PluginLang::Rust => {
            let sdk = quoted(&path(checkout.join("plugins/sdk")));
            let mut files = vec![
                (
                    "Cargo.toml",
                    fill(include_str!("plugin_new/templates/Cargo.toml"), &sdk),
                ),
                (
                    "src/lib.rs",
                    fill(include_str!("plugin_new/templates/lib.rs"), ""),
                ),
            ];
            // The versions gwb's own plugins are built and tested with.
            if let Ok(lock) = std::fs::read_to_string(checkout.join("plugins/Cargo.lock")) {
                files.push(("Cargo.lock", lock));
            }
            (
                files,
                format!(
                    "target/wasm32-wasip2/release/{}.wasm",
                    name.replace('-', "_")
                ),
                "cargo build --target wasm32-wasip2 --release".to_owned(),
            )
        }
        PluginLang::Python => {
            let wasm = format!("target/{name}.wasm");
            let build = command_line(
                "python3",
                &checkout.join("plugins/python/build.py"),
                &format!("--out {wasm} ."),
            )?;
            let app = fill(include_str!("plugin_new/templates/app.py"), "");
            (vec![("app.py", app)], wasm, build)
        }
        PluginLang::Js => {
            let sdk = relative_import(dir, &checkout.join("plugins/js/sdk/gwb-plugin.js"));
            // A JSON string is a JS string literal.
            let sdk = serde_json::Value::String(sdk).to_string();
            let wasm = format!("target/{name}.wasm");
            let build = command_line(
                "node",
                &checkout.join("plugins/js/build.mjs"),
                &format!("plugin.js {wasm}"),
            )?;
            let js = fill(include_str!("plugin_new/templates/plugin.js"), &sdk);
            (vec![("plugin.js", js)], wasm, build)
        }
    };
    let note = match lang {
        PluginLang::Rust => "; below `$CARGO_TARGET_DIR` instead when that is set",
        PluginLang::Python | PluginLang::Js => "",
    };
    let lang = language(lang);
    let readme = include_str!("plugin_new/templates/README.md")
        .replace("{{name}}", name)
        .replace("{{language}}", lang.title)
        .replace("{{source}}", lang.source)
        .replace("{{gwb}}", &path(checkout.to_owned()))
        .replace("{{build}}", &build)
        .replace("{{wasm}}", &wasm)
        .replace("{{note}}", note);
    files.extend([
        ("README.md", readme),
        (
            "groups.json",
            include_str!("plugin_new/templates/groups.json").to_owned(),
        ),
        ("rules.toml", rules(name, &wasm)),
        (".gitignore", "/target/\n".to_owned()),
    ]);
    Ok(files)
}

/// The rules file for `gwb rules test`: security groups into an example OU through the plugin
/// at `wasm` (relative to the folder), compiled into a cache in `target/`.
fn rules(name: &str, wasm: &str) -> String {
    format!(
        r#"# Rules for trying the plugin with `gwb --rules rules.toml rules test --groups groups.json`:
# no Graph or AD settings, which only sync, plan and check need.

[defaults]
ou = "OU=Cloud,DC=example,DC=com"

[scope]
kinds = ["security"]

[runtime]
# Components are compiled on their first load; later runs load the compiled code from here.
cache_dir = "target/gwb-cache"

[[plugins]]
name = {name}
path = {wasm}
# A generous time budget per call for trying things out; the default is 50 ms.
limits = {{ time_ms = 1000 }}

[plugins.config]
cn_prefix = {prefix}
"#,
        name = quoted(name),
        wasm = quoted(wasm),
        prefix = quoted(CN_PREFIX),
    )
}

/// Writes the plugin folder `args` asks for; fails, writing nothing, on a bad name, a missing
/// or untrusted checkout or an existing non-empty folder.
pub fn run(args: &PluginNewArgs) -> anyhow::Result<Exit> {
    let name = args.name.as_str();
    validate_name(name, args.lang)?;
    let checkout = find_checkout(args.gwb_source.as_deref())?;
    check_checkout(&checkout, &language(args.lang))?;
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(name));
    create_empty_dir(&dir)?;
    let absolute = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    for (file, text) in files(name, args.lang, &checkout, &absolute)? {
        let path = absolute.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!(
        "wrote the {} plugin {name} in {}\nnext: read its README.md, build it and run `gwb --rules \
         rules.toml rules test --groups groups.json` there",
        language(args.lang).title,
        dir.display()
    );
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_words_joined_by_single_hyphens() {
        for good in ["a", "cn-prefix", "ou2-router", "x1"] {
            assert!(validate_name(good, PluginLang::Rust).is_ok(), "{good}");
        }
        for bad in [
            "", "1abc", "-a", "a-", "a--b", "Abc", "a_b", "a b", "a/b", "../x", "é",
        ] {
            let error = validate_name(bad, PluginLang::Js)
                .expect_err(bad)
                .to_string();
            assert!(error.contains("use lowercase letters, digits"), "{error}");
        }
        assert!(validate_name(&"a".repeat(MAX_NAME), PluginLang::Js).is_ok());
        assert!(validate_name(&"a".repeat(MAX_NAME + 1), PluginLang::Js).is_err());
        // Cargo refuses keywords as package names; Python and JS do not use the name as one.
        let error = validate_name("self", PluginLang::Rust)
            .expect_err("keyword")
            .to_string();
        assert!(error.contains("Rust keyword"), "{error}");
        assert!(validate_name("yield", PluginLang::Rust).is_err());
        assert!(validate_name("self", PluginLang::Python).is_ok());
    }

    #[test]
    fn type_names_are_camel_case_and_never_a_python_keyword() {
        assert_eq!(type_name("cn-prefix"), "CnPrefixPlugin");
        assert_eq!(type_name("none"), "NonePlugin");
        assert_eq!(type_name("a2-b"), "A2BPlugin");
    }

    #[test]
    fn js_imports_are_relative_to_the_plugin_folder() {
        let sdk = Path::new("/src/gwb/plugins/js/sdk/gwb-plugin.js");
        assert_eq!(
            relative_import(Path::new("/home/me/p"), sdk),
            "../../../src/gwb/plugins/js/sdk/gwb-plugin.js"
        );
        assert_eq!(
            relative_import(Path::new("/src/gwb"), sdk),
            "./plugins/js/sdk/gwb-plugin.js"
        );
    }

    /// The build command in the README reads back, under POSIX sh's rules, as the build
    /// script's path as one word, for checkouts at hostile paths; a path no word can carry
    /// is refused naming it.
    #[test]
    fn build_commands_name_a_hostile_checkout_as_one_word() {
        use test_support::shell_lex::{HOSTILE_NAMES, posix_words};
        let dir = Path::new("/home/me/cn-prefix");
        let build_line = |files: &[File]| -> String {
            let readme = &files
                .iter()
                .find(|(f, _)| *f == "README.md")
                .expect("readme")
                .1;
            let line = readme
                .lines()
                .find_map(|l| l.strip_prefix("2. Build: `"))
                .expect("build line");
            line.rsplit_once("` (writes `").expect("end").0.to_owned()
        };
        let mut checked = 0;
        for name in HOSTILE_NAMES.iter().chain(&["/my dir/it's", "plain"]) {
            let checkout = Path::new("/src").join(name);
            for (lang, program, script, args) in [
                (
                    PluginLang::Python,
                    "python3",
                    "plugins/python/build.py",
                    ["--out", "target/cn-prefix.wasm", "."],
                ),
                (
                    PluginLang::Js,
                    "node",
                    "plugins/js/build.mjs",
                    ["plugin.js", "target/cn-prefix.wasm", ""],
                ),
            ] {
                match files("cn-prefix", lang, &checkout, dir) {
                    Ok(files) => {
                        let script = checkout.join(script).display().to_string();
                        let mut expected = vec![program.to_owned(), script];
                        expected.extend(
                            args.iter()
                                .filter(|a| !a.is_empty())
                                .map(|a| (*a).to_owned()),
                        );
                        assert_eq!(posix_words(&build_line(&files)), Ok(expected), "{name:?}");
                        checked += 1;
                    }
                    Err(error) => {
                        let message = format!("{error:#}");
                        assert!(
                            name.chars().any(|c| c.is_control() || c == '\u{202e}'),
                            "{message}"
                        );
                        assert!(
                            message.starts_with("cannot print the build command for /src/"),
                            "{message}"
                        );
                        assert!(message.contains("--gwb-source"), "{message}");
                    }
                }
            }
        }
        assert_eq!(checked, 2 * 12);
    }
}
