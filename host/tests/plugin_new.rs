//! `gwb plugin new` through the binary: a plugin it writes in Rust, Python or JavaScript builds
//! with the command its README gives (the project's pinned tooling: cargo for wasm32-wasip2,
//! componentize-py, componentize-js) and answers `gwb rules test` on its own groups.json, with
//! its own rules.toml, exactly as the README says; and what it refuses.
//!
//! A missing tool fails the test, saying what installs it (scripts/prereqs.sh).

use std::path::Path;
use std::process::{Command, Output};

use test_support::scaffold_plugin;

fn gwb(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gwb"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gwb")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs gwb with `args` in `dir` and asserts it failed with exit code 1 and an error containing
/// `message`.
fn assert_refused(dir: &Path, args: &[&str], message: &str) {
    let out = gwb(dir, args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(message),
        "{args:?}: {stderr}"
    );
}

/// What every language's plugin answers on its groups.json: "Sales team" renamed, the long name
/// failed by the plugin's RuleError, the Microsoft 365 group skipped by scope.
fn expected(name: &str) -> String {
    format!(
        r#"[
  {{
    "item": 1,
    "id": "5e1a0000-0000-4000-8000-000000000001",
    "display_name": "Sales team",
    "result": "write",
    "dn": "CN=App-Sales team_000000000001,OU=Cloud,DC=example,DC=com",
    "sam_account_name": null,
    "attributes": {{
      "adminDescription": [
        "Group_5e1a0000-0000-4000-8000-000000000001"
      ],
      "description": [
        "Everyone in sales"
      ],
      "displayName": [
        "Sales team"
      ],
      "groupType": [
        "-2147483640"
      ]
    }},
    "members": 0,
    "warnings": []
  }},
  {{
    "item": 2,
    "id": "5e1a0000-0000-4000-8000-000000000002",
    "display_name": "Regional operations, logistics and supply chain team",
    "result": "failed",
    "by": "{name}",
    "stage": "Naming",
    "message": "plugin `{name}` (naming stage) returned an error for group \"Regional operations, logistics and supply chain team\" (5e1a0000-0000-4000-8000-000000000002): the cn \"App-Regional operations, logistics and supply chain tea_000000000002\" of group \"Regional operations, logistics and supply chain team\" (5e1a0000-0000-4000-8000-000000000002) would be 68 characters long; AD allows 64 (shorten cn_prefix)",
    "fault": false
  }},
  {{
    "item": 3,
    "id": "5e1a0000-0000-4000-8000-000000000003",
    "display_name": "Golf Assist",
    "result": "skipped",
    "by": "scope",
    "reason": "a microsoft365 group, and [scope] kinds = [\"security\"] does not name that kind"
  }}
]
"#
    )
}

/// Writes `name` in `lang`, builds it as its README says, and runs its loop.
fn new_plugin_answers_its_groups(lang: &str, name: &str) {
    let parent = tempfile::tempdir().expect("tempdir");
    let plugin = scaffold_plugin(env!("CARGO_BIN_EXE_gwb"), lang, name, parent.path());
    let out = gwb(
        &plugin.dir,
        &[
            "--rules",
            "rules.toml",
            "rules",
            "test",
            "--groups",
            "groups.json",
            "--format",
            "json",
        ],
    );
    let stdout = text(&out.stdout);
    // One group failed (the RuleError), so the exit code is 4.
    assert_eq!(out.status.code(), Some(4), "{stdout}{}", text(&out.stderr));
    assert_eq!(stdout, expected(name), "{lang}");
    // Its .gitignore keeps the build output (and the compile cache) out of version control.
    assert_eq!(
        std::fs::read_to_string(plugin.dir.join(".gitignore")).expect(".gitignore"),
        "/target/\n"
    );
    assert!(
        plugin.dir.join("target/gwb-cache").is_dir(),
        "the cache is in target/"
    );
}

#[test]
fn a_new_rust_plugin_builds_and_answers_its_groups() {
    new_plugin_answers_its_groups("rust", "scaffold-rust");
}

#[test]
fn a_new_python_plugin_builds_and_answers_its_groups() {
    new_plugin_answers_its_groups("python", "scaffold-python");
}

#[test]
fn a_new_javascript_plugin_builds_and_answers_its_groups() {
    new_plugin_answers_its_groups("js", "scaffold-js");
}

#[test]
fn an_existing_folder_with_anything_in_it_is_never_written_into() {
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("taken");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("notes.txt"), "mine").expect("a file");
    assert_refused(
        parent.path(),
        &["plugin", "new", "taken", "--lang", "python"],
        "error: taken exists and is not empty; gwb plugin new never writes into it (choose \
         another NAME or --dir)\n",
    );
    let entries: Vec<_> = std::fs::read_dir(&dir).expect("read").collect();
    assert_eq!(entries.len(), 1, "nothing was added");
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).expect("kept"),
        "mine"
    );
    // --dir is checked the same way; a file in its place is refused too.
    let file = parent.path().join("a-file");
    std::fs::write(&file, "x").expect("a file");
    assert_refused(
        parent.path(),
        &["plugin", "new", "ok", "--lang", "js", "--dir", "a-file"],
        "a-file cannot be read as a folder",
    );
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), "x");
    // An existing empty folder is used.
    std::fs::create_dir(parent.path().join("empty")).expect("mkdir");
    let out = gwb(
        parent.path(),
        &["plugin", "new", "ok", "--lang", "js", "--dir", "empty"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(parent.path().join("empty/plugin.js").is_file());
}

#[test]
fn bad_names_unknown_languages_and_missing_checkouts_are_refused() {
    let parent = tempfile::tempdir().expect("tempdir");
    for name in [
        "Bad_Name",
        "9lives",
        "a--b",
        "x-",
        "../escape",
        "with space",
    ] {
        assert_refused(
            parent.path(),
            &["plugin", "new", name, "--lang", "rust"],
            &format!(
                "error: the plugin name {name:?} is not allowed: use lowercase letters, digits \
                 and single hyphens, starting with a letter and ending with a letter or digit, \
                 at most 48 characters (e.g. cn-prefix)\n"
            ),
        );
    }
    assert_refused(
        parent.path(),
        &["plugin", "new", "crate", "--lang", "rust"],
        "the plugin name \"crate\" is a Rust keyword or built-in crate",
    );
    let out = gwb(parent.path(), &["plugin", "new", "x", "--lang", "cobol"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid value 'cobol' for '--lang <LANG>'")
            && text(&out.stderr).contains("[possible values: rust, python, js]"),
        "{}",
        text(&out.stderr)
    );
    assert_refused(
        parent.path(),
        &["plugin", "new", "x", "--lang", "js", "--gwb-source", "."],
        ": not a gwb source checkout (it has no wit/ and plugins/sdk/)",
    );
    // Nothing was written by any refusal.
    assert_eq!(std::fs::read_dir(parent.path()).expect("read").count(), 0);
}

/// A bare checkout: the contract and the Rust SDK folders, and the Python wrapper only.
fn bare_checkout() -> tempfile::TempDir {
    let checkout = tempfile::tempdir().expect("tempdir");
    for dir in ["wit", "plugins/sdk", "plugins/python"] {
        std::fs::create_dir_all(checkout.path().join(dir)).expect("mkdir");
    }
    std::fs::write(checkout.path().join("plugins/python/build.py"), "").expect("build.py");
    checkout
}

/// The README's build line of a Python plugin `name` built with the checkout at `root`.
fn python_build(root: &Path, name: &str) -> String {
    format!(
        "2. Build: `python3 {}/plugins/python/build.py --out target/{name}.wasm .` (writes \
         `target/{name}.wasm`).",
        root.display()
    )
}

#[test]
fn only_the_binarys_checkout_or_gwb_source_is_used_and_it_must_hold_the_languages_tools() {
    let checkout = bare_checkout();
    let root = checkout.path().canonicalize().expect("canonical");
    let work = checkout.path().join("work/deeper");
    std::fs::create_dir_all(&work).expect("mkdir");
    // A checkout above the current directory is not used: the one above the binary is.
    let out = gwb(&work, &["plugin", "new", "p", "--lang", "python"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let own = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the binary's checkout");
    let readme = std::fs::read_to_string(work.join("p/README.md")).expect("README.md");
    assert!(readme.contains(&python_build(&own, "p")), "{readme}");
    // --gwb-source names another.
    let source = root.to_str().expect("utf-8 path");
    let out = gwb(
        &work,
        &[
            "plugin",
            "new",
            "q",
            "--lang",
            "python",
            "--gwb-source",
            source,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let readme = std::fs::read_to_string(work.join("q/README.md")).expect("README.md");
    assert!(readme.contains(&python_build(&root, "q")), "{readme}");
    assert_refused(
        &work,
        &["plugin", "new", "r", "--lang", "js", "--gwb-source", source],
        &format!(
            "{} has no plugins/js/build.mjs, which a JavaScript plugin is built with",
            root.display()
        ),
    );
    assert!(!work.join("r").exists());
}

#[test]
fn a_checkout_another_user_owns_or_others_may_write_is_refused() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    const NOBODY: u32 = 65534;
    let chmod = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    let checkout = bare_checkout();
    let root = checkout.path().canonicalize().expect("canonical");
    let source = root.to_str().expect("utf-8 path");
    let work = tempfile::tempdir().expect("tempdir");
    let refused = |path: &Path, why: &str| {
        format!(
            "error: the gwb source checkout {0} is refused: {1}: {why}. Building a plugin runs \
             its build wrapper and SDK, so they must be yours (or root's) and not writable by \
             group or others: if you own it, run `chmod -R go-w {0}`; else clone gwb's \
             repository yourself and give it with --gwb-source DIR\n",
            root.display(),
            path.display()
        )
    };
    let args = [
        "plugin",
        "new",
        "p",
        "--lang",
        "python",
        "--gwb-source",
        source,
    ];

    let wrapper = root.join("plugins/python/build.py");
    chmod(&wrapper, 0o666);
    let why = "it is writable by group or others (mode 0666)";
    assert_refused(work.path(), &args, &refused(&wrapper, why));
    chmod(&wrapper, 0o644);

    let folder = root.join("plugins/python");
    chmod(&folder, 0o777);
    let why = "it is writable by group or others (mode 0777)";
    assert_refused(work.path(), &args, &refused(&folder, why));
    chmod(&folder, 0o755);

    chmod(&root, 0o757);
    let why = "it is writable by group or others (mode 0757)";
    assert_refused(work.path(), &args, &refused(&root, why));
    chmod(&root, 0o755);

    // Owned by another user, the checkout or only its build wrapper.
    let user = std::fs::metadata(&root).expect("stat").uid();
    for path in [&root, &wrapper] {
        std::os::unix::fs::chown(path, Some(NOBODY), None)
            .expect("chown to another user needs root: the tests run as root, as CI does");
        let why = format!(
            "it is owned by uid {NOBODY}, not by the user running gwb (uid {user}) or root"
        );
        assert_refused(work.path(), &args, &refused(path, &why));
        std::os::unix::fs::chown(path, Some(user), None).expect("chown back");
    }
    // Nothing was written by any refusal; the checkout as it now is is used.
    assert_eq!(std::fs::read_dir(work.path()).expect("read").count(), 0);
    let out = gwb(work.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
