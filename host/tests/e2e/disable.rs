//! `gwb disable` against the Samba DC: after a sync wrote three groups (one AD then protects)
//! beside a foreign group in the managed OU, each mode needs the preview, does exactly what the
//! preview said to each entry (read back one by one), leaves the foreign and the protected
//! group byte for byte, and leaves sync refusing until `gwb state reset`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gwb::disable::{DisableOptions, Finished, Mode, RELEASE_WARNING};
use gwb::exit::Exit;
use gwb_ad::{Change, ChangeKind, Operation, Plan, Removal};
use gwb_rules::RulesFile;
use serde_json::Value;

use crate::common::{Env, TENANT_ID};

/// The fixed clock of the library runs: Sun, 06 Dec 2026 17:00:11 GMT.
fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_576_411)
}
const DATE: &str = "Sun, 06 Dec 2026 17:00:11 GMT";

/// One test's directory: gwb's groups Alpha (two members), Beta, and Guarded (protected by
/// AD after the sync), and a foreign group gwb never marked, all in the managed OU.
struct World {
    env: Env,
    /// Alpha, Beta, Guarded: (cloud object id, DN).
    alpha: (String, String),
    beta: (String, String),
    guarded: (String, String),
    foreign: String,
}

impl World {
    async fn new(name: &str) -> World {
        let env = Env::new(name, 2, "").await;
        let (u0, u1) = (env.users[0].clone(), env.users[1].clone());
        let group = |n: u64, name: &str| {
            let id = env.gid(n);
            let dn = format!("CN={name}_{:012x},{}", n, env.cloud_ou);
            (id, dn)
        };
        let (alpha, beta, guarded) = (
            group(0xd1, "Alpha"),
            group(0xd2, "Beta"),
            group(0xd3, "Guarded"),
        );
        env.add_group(&alpha.0, "Alpha", &[&u0.id, &u1.id]);
        env.add_group(&beta.0, "Beta", &[&u0.id]);
        env.add_group(&guarded.0, "Guarded", &[&u1.id]);
        let (exit, report) = env.run(true).await;
        assert_eq!(exit, Exit::Success, "{report:#}");
        // AD protects Guarded from now on (as SDProp does once it is nested in Domain Admins).
        env.ldapmodify(&format!(
            "dn: {}\nchangetype: modify\nreplace: adminCount\nadminCount: 1\n-\n\n",
            guarded.1
        ));
        // Cloud Sync's (or, without its attribute, Entra Connect's) group: anchored, no mark.
        let foreign = format!("CN=Not Ours,{}", env.cloud_ou);
        let mut ldif = format!(
            "dn: {foreign}\nchangetype: add\nobjectClass: group\nadminDescription: Group_{0}\n\
             description: not gwb's\nmember: {1}\n",
            env.gid(0xd4),
            u0.dn
        );
        if env.dc.is_exchange() {
            ldif += &format!("msDS-ExternalDirectoryObjectId: Group_{}\n", env.gid(0xd4));
        }
        env.ldapmodify(&(ldif + "\n"));
        World {
            env,
            alpha,
            beta,
            guarded,
            foreign,
        }
    }

    /// The four entries, as ldapsearch prints them.
    fn entries(&self) -> [String; 4] {
        [&self.alpha.1, &self.beta.1, &self.guarded.1, &self.foreign].map(|dn| entry(&self.env, dn))
    }

    fn rules(&self) -> RulesFile {
        RulesFile::load(&self.env.rules_path()).expect("rules file")
    }

    fn state_dir(&self) -> PathBuf {
        self.rules().graph.expect("[graph]").state_dir
    }

    fn report_path(&self) -> PathBuf {
        self.env.dir.path().join("disable-report.json")
    }

    /// `gwb disable` in this process with the fixed clock.
    async fn disable(&self, mode: Mode) -> anyhow::Result<Finished> {
        let rules = self.rules();
        gwb::disable::run(
            &rules,
            &DisableOptions {
                mode,
                guards: rules.guards.clone(),
                report: Some(self.report_path()),
                delete_ldif: None,
                release_ldif: None,
                detail: false,
            },
            clock,
        )
        .await
    }

    /// Like [`World::disable`], which must end with `exit`; returns stdout and the report.
    async fn disable_ok(&self, mode: Mode, exit: Exit) -> (String, Value) {
        let finished = self.disable(mode).await.expect("disable");
        assert_eq!(finished.exit, exit, "{}", finished.stdout);
        let text = std::fs::read_to_string(self.report_path()).expect("report");
        (
            finished.stdout,
            serde_json::from_str(&text).expect("report JSON"),
        )
    }

    /// The DNs of the groups in the managed OU.
    fn group_dns(&self) -> Vec<String> {
        let out = self.env.dc.ldapsearch(&[
            "-b",
            &self.env.cloud_ou,
            "-s",
            "one",
            "(objectClass=group)",
            "1.1",
        ]);
        let mut dns: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("dn: "))
            .map(str::to_owned)
            .collect();
        dns.sort();
        dns
    }

    /// Runs the gwb binary with `args`; returns its exit code, stdout and stderr.
    fn gwb(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = self.env.gwb_command(args).output().expect("run gwb");
        (
            out.status.code(),
            String::from_utf8(out.stdout).expect("UTF-8"),
            String::from_utf8(out.stderr).expect("UTF-8"),
        )
    }

    /// `gwb sync` and `gwb plan` both refuse, naming the mode and the date and how to go on.
    fn sync_refuses(&self, mode: &str) {
        let record = self.state_dir().join("writeback-disabled.json");
        let expected = format!(
            "error: writeback is turned off: `gwb disable --{mode}` on {DATE} (recorded in {}), \
             so `gwb sync` and `gwb plan` refuse to run rather than write groups back again; \
             nothing was read or written. To turn writeback on again, run `gwb state reset` (it \
             removes this record; the next sync is a full round)\n",
            record.display()
        );
        for command in ["sync", "plan"] {
            let (code, stdout, stderr) = self.gwb(&[command]);
            assert_eq!(code, Some(1), "{command}: {stdout}{stderr}");
            assert_eq!(stderr, expected, "{command}");
            assert_eq!(stdout, "", "{command}");
        }
        let (code, stdout, stderr) = self.gwb(&["check"]);
        assert_eq!(code, Some(1), "{stdout}{stderr}");
        assert!(
            stdout.contains(&format!(
                "\nFAIL  writeback is turned off: `gwb disable --{mode}` on {DATE}\n      hint: gwb \
                 sync and gwb plan refuse to run; `gwb state reset` turns writeback on again\n"
            )),
            "{stdout}"
        );
        let (code, stdout, stderr) = self.gwb(&["state", "show"]);
        assert_eq!(code, Some(0), "{stdout}{stderr}");
        assert!(
            stdout.ends_with(&format!(
                "writeback is turned off: `gwb disable --{mode}` on {DATE}; `gwb state reset` \
                 turns it on again\n"
            )),
            "{stdout}"
        );
        let saved: Value =
            serde_json::from_slice(&std::fs::read(&record).expect("record")).expect("JSON");
        assert_eq!(
            saved,
            serde_json::json!({"mode": mode, "at_unix": 1_796_576_411})
        );
        assert_eq!(mode_bits(&record), 0o600);
        assert!(
            !self.state_dir().join("graph-state.json").exists(),
            "the Graph state was removed"
        );
        assert!(
            !self.state_dir().join("disable-preview.json").exists(),
            "the preview was used once"
        );
    }

    /// `gwb disable --<mode>` without a preview is refused before anything is read or written.
    fn refused_without_preview(&self, mode: &str) {
        let (code, stdout, stderr) = self.gwb(&["disable", &format!("--{mode}")]);
        assert_eq!(code, Some(1), "{stdout}{stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: there is no preview of `gwb disable` in {}; nothing was done. Run `gwb \
                 disable --plan` first, read what it says each mode does to every group gwb \
                 owns, then run `gwb disable --{mode}` again\n",
                self.state_dir().display()
            )
        );
        assert!(!self.state_dir().join("writeback-disabled.json").exists());
    }

    /// `gwb disable --plan` with the fixed clock; checks its output line by line against what
    /// AD holds and returns the entries it was made from.
    async fn plan(&self) -> [String; 4] {
        let entries = self.entries();
        let (stdout, report) = self.disable_ok(Mode::Plan, Exit::Success).await;
        let mut expected = format!(
            "gwb disable --plan: 3 group(s) gwb owns in the managed OUs; nothing was written\n  \
             preview saved: next run exactly one of `gwb disable --delete`, `--release` or \
             `--keep`; each refuses to run if the groups gwb owns change first\n  WARNING for \
             --release: {RELEASE_WARNING}\n"
        );
        let protected = "kept as it is: AD protects it (adminCount=1 or \
                         isCriticalSystemObject=TRUE) and gwb never changes it; it still carries \
                         gwb's mark";
        let mut deletes = Vec::new();
        let mut releases = Vec::new();
        for ((id, dn), text) in [&self.alpha, &self.beta, &self.guarded]
            .iter()
            .zip(&entries)
        {
            let guid = value(text, "objectGUID:");
            let is_guarded = dn == &self.guarded.1;
            let changes = release_of(text);
            let records = changes[0]
                .values
                .iter()
                .filter(|v| v.starts_with("gwb:wrote="))
                .count();
            assert!(records > 0, "gwb recorded what it wrote: {text}");
            let anchors: Vec<String> = changes[1..]
                .iter()
                .map(|c| format!("{} {}", c.attribute, c.values[0]))
                .collect();
            let release = format!(
                "removes gwb's mark and {records} gwb:wrote record value(s) from extensionName, \
                 {}; keeps its members and every other attribute",
                anchors.join(", ")
            );
            expected += &format!(
                "\n{dn} (objectId {id}, objectGUID {guid}){}\n  --delete:  {}\n  --release: \
                 {}\n  --keep:    left as it is, still gwb's\n",
                if is_guarded { " PROTECTED" } else { "" },
                if is_guarded { protected } else { "deleted" },
                if is_guarded {
                    protected
                } else {
                    release.as_str()
                },
            );
            if !is_guarded {
                deletes.push(Operation::Delete {
                    object_id: id.clone(),
                    dn: dn.clone(),
                    removal: Removal::NoLongerDesired,
                });
                releases.push(Operation::Modify {
                    object_id: id.clone(),
                    dn: dn.clone(),
                    changes,
                });
            }
        }
        let ldif = |operations| {
            Plan {
                operations,
                ..Plan::default()
            }
            .to_ldif()
        };
        expected += &format!(
            "\n# the LDIF of gwb disable --delete:\n{}\n# the LDIF of gwb disable --release:\n{}",
            ldif(deletes),
            ldif(releases)
        );
        assert_eq!(stdout, expected);
        assert_eq!(report["mode"], "plan");
        assert_eq!(report["summary"]["owned"], 3);
        assert_eq!(report["summary"]["protected_skipped"], 1);
        assert_eq!(report["groups"][2]["protected"], true);
        assert_eq!(report["groups"][2]["release"], protected);
        let preview = self.state_dir().join("disable-preview.json");
        assert_eq!(mode_bits(&preview), 0o600);
        let saved: Value = serde_json::from_slice(&std::fs::read(&preview).expect("preview"))
            .expect("preview JSON");
        assert_eq!(saved["created_unix"], 1_796_576_411);
        assert_eq!(saved["groups"].as_array().expect("groups").len(), 3);
        assert_eq!(self.entries(), entries, "a plan writes nothing to AD");
        entries
    }
}

impl World {
    /// `--plan` again, after the directory changed (its output is checked by [`World::plan`]).
    async fn plan_again(&self) {
        let (_, report) = self.disable_ok(Mode::Plan, Exit::Success).await;
        assert_eq!(report["mode"], "plan");
    }
}

/// The entry at `dn` as ldapsearch prints it: every attribute, uSNChanged and whenChanged too.
fn entry(env: &Env, dn: &str) -> String {
    env.dc
        .ldapsearch(&["-s", "base", "-b", dn, "*", "uSNChanged", "whenChanged"])
}

/// The first value of `attribute` (`name:` or `name::`) in an ldapsearch entry.
fn value(entry: &str, attribute: &str) -> String {
    entry
        .lines()
        .find_map(|l| {
            l.strip_prefix(attribute)
                .map(|v| v.trim_start_matches(':').trim())
        })
        .unwrap_or_else(|| panic!("no {attribute} in {entry}"))
        .to_owned()
}

/// What `--release` must remove from the entry, read from the entry itself: gwb's mark and
/// every gwb:wrote value in the order AD returns them, then the Group_ anchors.
fn release_of(entry: &str) -> Vec<Change> {
    let values = |attribute: &str, keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        entry
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("{attribute}: ")))
            .filter(|v| keep(v))
            .map(str::to_owned)
            .collect()
    };
    let mark = format!("gwb:tenant={TENANT_ID}");
    let ours = |v: &str| v == mark || v.starts_with("gwb:wrote=");
    let anchor = |v: &str| v.starts_with("Group_");
    let delete = |attribute: &str, values: Vec<String>| Change {
        kind: ChangeKind::Delete,
        attribute: attribute.into(),
        values,
    };
    let mut changes = vec![delete("extensionName", values("extensionName", &ours))];
    for attribute in ["adminDescription", "msDS-ExternalDirectoryObjectId"] {
        let found = values(attribute, &anchor);
        if !found.is_empty() {
            changes.push(delete(attribute, found));
        }
    }
    assert!(changes[0].values.contains(&mark), "{entry}");
    changes
}

/// The entry without the lines `--release` removes and without the change stamps.
fn released(entry: &str) -> String {
    entry
        .lines()
        .filter(|l| {
            !(l.starts_with("extensionName: gwb:")
                || l.starts_with("adminDescription: Group_")
                || l.starts_with("msDS-ExternalDirectoryObjectId: Group_")
                || l.starts_with("uSNChanged: ")
                || l.starts_with("whenChanged: "))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

fn mode_bits(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("file").permissions().mode() & 0o7777
}

/// The summary without its time line (which must be there).
fn without_time(stdout: &str) -> String {
    let time = stdout
        .lines()
        .filter(|l| l.starts_with("  time: AD connect "))
        .count();
    assert_eq!(time, 1, "{stdout}");
    stdout
        .lines()
        .filter(|l| !l.starts_with("  time: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The summary of a `mode` that ran (without its time line): writeback is off, `counts` of
/// deleted, released and kept groups, `lines`, then the protected group's line.
fn turned_off(world: &World, mode: &str, counts: &str, lines: &str) -> String {
    format!(
        "gwb disable --{mode}: 3 group(s) gwb owns in the managed OUs\n  writeback turned off on \
         {DATE}: `gwb sync` and `gwb plan` refuse to run until `gwb state reset`; the Graph state \
         was removed\n  {counts}, protected skipped 1, failed 0\n{lines}{}",
        protected_line(world)
    )
}

fn protected_line(world: &World) -> String {
    format!(
        "  - PROTECTED {}: kept as it is: AD protects it (adminCount=1 or \
         isCriticalSystemObject=TRUE) and gwb never changes it; it still carries gwb's mark\n",
        world.guarded.1
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_needs_the_preview_passes_the_guards_and_deletes_exactly_gwbs_groups() {
    let world = World::new("disable-delete").await;
    world.refused_without_preview("delete");
    let before = world.plan().await;

    // A guard at 1 stops it before any write, naming the key and the option.
    let (code, stdout, stderr) = world.gwb(&["disable", "--delete", "--max-deletes", "1"]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert_eq!(
        without_time(&stdout),
        format!(
            "gwb disable --delete: 3 group(s) gwb owns in the managed OUs\n  STOPPED BY A GUARD: \
             gwb disable --delete deletes 2 groups, over the limit of 1; nothing was written. \
             Read `gwb disable --plan`, then raise [guards] max_deletes or pass --max-deletes 2 \
             to proceed\n  writeback is still on: nothing was written\n  deleted 0, released 0, \
             kept 0, protected skipped 1, failed 0\n{}",
            protected_line(&world)
        )
    );
    assert_eq!(world.entries(), before, "nothing was written");
    assert!(!world.state_dir().join("writeback-disabled.json").exists());
    assert!(world.state_dir().join("graph-state.json").exists());

    let (stdout, report) = world.disable_ok(Mode::Delete, Exit::Success).await;
    assert_eq!(
        without_time(&stdout),
        turned_off(&world, "delete", "deleted 2, released 0, kept 0", "")
    );
    let mut left = vec![world.guarded.1.clone(), world.foreign.clone()];
    left.sort();
    assert_eq!(
        world.group_dns(),
        left,
        "exactly gwb's unprotected groups are gone"
    );
    assert_eq!(
        entry(&world.env, &world.guarded.1),
        before[2],
        "protected: byte for byte"
    );
    assert_eq!(
        entry(&world.env, &world.foreign),
        before[3],
        "foreign: byte for byte"
    );
    assert_eq!(report["disabled_at"], DATE);
    let outcomes: Vec<(&str, &str)> = report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .map(|o| {
            (
                o["operation"].as_str().expect("operation"),
                o["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    let deleted = |dn: &str| format!("delete {dn}");
    assert_eq!(
        outcomes,
        [
            (deleted(&world.alpha.1).as_str(), "done"),
            (deleted(&world.beta.1).as_str(), "done")
        ]
    );
    assert_eq!(report["summary"]["deleted"], 2);
    world.sync_refuses("delete");

    // `gwb state reset` turns writeback on again: a full round writes the groups anew.
    let (code, stdout, stderr) = world.gwb(&["state", "reset"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "writeback is on again (it was turned off by `gwb disable --delete` on {DATE}): the \
             next sync is a full round\n"
        )),
        "{stdout}"
    );
    let (code, stdout, stderr) = world.gwb(&["sync"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let mut back = vec![
        world.alpha.1.clone(),
        world.beta.1.clone(),
        world.guarded.1.clone(),
        world.foreign.clone(),
    ];
    back.sort();
    assert_eq!(world.group_dns(), back);
}

#[tokio::test(flavor = "multi_thread")]
async fn release_leaves_ordinary_groups_with_their_members_and_sync_refuses() {
    let world = World::new("disable-release").await;
    world.refused_without_preview("release");
    let before = world.plan().await;
    let (stdout, report) = world.disable_ok(Mode::Release, Exit::Success).await;
    assert_eq!(
        without_time(&stdout),
        turned_off(
            &world,
            "release",
            "deleted 0, released 2, kept 0",
            &format!("  - WARNING: {RELEASE_WARNING}\n")
        )
    );
    assert_eq!(report["warnings"][0], RELEASE_WARNING);
    let after = world.entries();
    for (after, before) in after.iter().zip(&before).take(2) {
        // No gwb value and no anchor is left; every other line (members included) is.
        for line in after.lines() {
            assert!(
                !line.starts_with("extensionName: gwb:") && !line.contains("Group_"),
                "{line:?} in {after}"
            );
        }
        assert_eq!(released(after), released(before));
        assert!(before.contains("\nmember: "), "{before}");
        assert_ne!(
            value(after, "uSNChanged:"),
            value(before, "uSNChanged:"),
            "written"
        );
    }
    let alpha_members = |e: &str| e.lines().filter(|l| l.starts_with("member: ")).count();
    assert_eq!(alpha_members(&after[0]), 2);
    assert_eq!(after[2], before[2], "protected: byte for byte");
    assert_eq!(after[3], before[3], "foreign: byte for byte");
    assert!(
        world
            .env
            .groups()
            .await
            .keys()
            .all(|id| id != &world.alpha.0 && id != &world.beta.0),
        "the released groups carry no anchor"
    );
    world.sync_refuses("release");

    // Turned on again, gwb does not take the released groups back: each stands where gwb would
    // write its group anew, a conflict, and stays as it is.
    let (code, stdout, stderr) = world.gwb(&["state", "reset"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (exit, report) = world.env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["summary"]["conflicts"], 2, "{report:#}");
    assert_eq!(report["summary"]["created"], 0, "{report:#}");
    assert_eq!(world.entries(), after, "nothing was written");
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_changes_nothing_and_sync_refuses() {
    let world = World::new("disable-keep").await;
    world.refused_without_preview("keep");
    // Exactly one mode, and the LDIF files only with --plan.
    for args in [
        &["disable"][..],
        &["disable", "--delete", "--keep"],
        &["disable", "--keep", "--delete-ldif", "x.ldif"],
    ] {
        let (code, stdout, stderr) = world.gwb(args);
        assert_eq!(code, Some(2), "{args:?}: {stdout}{stderr}");
    }
    // The LDIF files hold exactly what --plan prints without them.
    let (code, printed, stderr) = world.gwb(&["disable", "--plan"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (delete, release) = (
        world.env.dir.path().join("delete.ldif"),
        world.env.dir.path().join("release.ldif"),
    );
    let (code, stdout, stderr) = world.gwb(&[
        "disable",
        "--plan",
        "--delete-ldif",
        delete.to_str().expect("UTF-8 path"),
        "--release-ldif",
        release.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let table = stdout
        .strip_suffix(&format!(
            "\n# the LDIF of gwb disable --delete is in {}\n\n# the LDIF of gwb disable \
             --release is in {}\n",
            delete.display(),
            release.display()
        ))
        .unwrap_or_else(|| panic!("{stdout}"));
    let read = |path: &PathBuf| std::fs::read_to_string(path).expect("LDIF file");
    assert_eq!(
        printed,
        format!(
            "{table}\n# the LDIF of gwb disable --delete:\n{}\n# the LDIF of gwb disable \
             --release:\n{}",
            read(&delete),
            read(&release)
        )
    );
    let before = world.plan().await;
    let (stdout, report) = world.disable_ok(Mode::Keep, Exit::Success).await;
    assert_eq!(
        without_time(&stdout),
        turned_off(&world, "keep", "deleted 0, released 0, kept 2", "")
    );
    assert_eq!(report["operations"], serde_json::json!([]));
    assert_eq!(report["summary"]["kept"], 2);
    assert_eq!(world.entries(), before, "every entry, uSNChanged included");
    world.sync_refuses("keep");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_the_directory_moved_away_from_is_refused() {
    let world = World::new("disable-stale").await;
    world.plan().await;
    // A scheduled sync writes a new group after the preview.
    let late = world.env.gid(0xd5);
    world
        .env
        .add_group(&late, "Late", &[&world.env.users[0].id]);
    assert_eq!(world.env.run(true).await.0, Exit::Success);
    let late_dn = format!("CN=Late_0000000000d5,{}", world.env.cloud_ou);
    let late_guid = value(&entry(&world.env, &late_dn), "objectGUID:");
    let before = world.entries();
    let preview = world.state_dir().join("disable-preview.json");
    let err = world
        .disable(Mode::Delete)
        .await
        .expect_err("stale preview");
    assert_eq!(
        format!("{err:#}"),
        format!(
            "the groups gwb owns are not those of the preview made on {DATE} ({}):\n  - \
             {late_dn} (objectGUID {late_guid}) appeared\nnothing was written. Run `gwb disable \
             --plan` again, read it, then run `gwb disable --delete`",
            preview.display()
        )
    );
    assert_eq!(world.entries(), before, "nothing was written");
    assert!(entry(&world.env, &late_dn).contains("\nmember: "));
    assert!(!world.state_dir().join("writeback-disabled.json").exists());

    // A group gone by hand after a new preview is named too.
    world.plan_again().await;
    world
        .env
        .ldapmodify(&format!("dn: {}\nchangetype: delete\n\n", world.beta.1));
    let beta_guid = value(&before[1], "objectGUID:");
    let err = world
        .disable(Mode::Release)
        .await
        .expect_err("stale preview");
    assert!(
        format!("{err:#}").contains(&format!(
            ":\n  - {} (objectGUID {beta_guid}) is gone\nnothing was written.",
            world.beta.1
        )),
        "{err:#}"
    );
    assert_eq!(entry(&world.env, &world.alpha.1), before[0]);

    // A fresh preview lets the mode run.
    world.plan_again().await;
    let (_, report) = world.disable_ok(Mode::Delete, Exit::Success).await;
    assert_eq!(report["summary"]["deleted"], 2, "Alpha and Late");
    let mut left = vec![world.guarded.1.clone(), world.foreign.clone()];
    left.sort();
    assert_eq!(world.group_dns(), left);
}
