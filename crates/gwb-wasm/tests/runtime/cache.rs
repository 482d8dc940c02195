//! The compile cache loads only what this user's gwb wrote: entries carry an HMAC under a
//! private key, and a cache folder, key or entry that someone else could have changed is
//! refused (compiled without the cache) or replaced (compiled again).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier, Mutex};

use gwb_model::{DesiredGroup, Rule, TargetCapabilities};
use gwb_wasm::{CacheStatus, Plugin, Runtime, RuntimeOptions};

use crate::support::{group, spec};

const PLUGIN: &str = "sam_name";
const CONFIG: &str = r#"{"prefix": "g-"}"#;
const MAC_MISMATCH: &str = "its MAC does not match (not written by this gwb with this cache key)";
/// A user other than root (nobody), to own files as root can make them.
const NOBODY: u32 = 65534;

fn runtime(dir: &Path) -> Runtime {
    Runtime::new(RuntimeOptions {
        cache_dir: Some(dir.to_path_buf()),
    })
    .unwrap()
}

fn load_with(runtime: &Runtime) -> Plugin {
    runtime.load(&spec(PLUGIN, CONFIG)).unwrap()
}

/// The plugin loaded through a new runtime (as a new gwb process would), after checking that it
/// works.
fn load(dir: &Path) -> Plugin {
    let plugin = load_with(&runtime(dir));
    assert_works(&plugin);
    plugin
}

fn status(dir: &Path) -> CacheStatus {
    load(dir).cache_status().clone()
}

/// The plugin names a group as it should.
fn assert_works(plugin: &Plugin) {
    let mut instance = plugin.instantiate().unwrap();
    let naming = instance
        .naming(
            &group("0ad5a1f3-0000-4000-8000-000000000001", "Sales"),
            &mut DesiredGroup::default(),
            TargetCapabilities::default(),
        )
        .unwrap();
    let name = naming.sam_account_name.unwrap();
    assert!(name.starts_with("g-Sales-"), "{name}");
}

/// The only compiled entry in `dir`.
fn entry(dir: &Path) -> PathBuf {
    let entries: Vec<_> = files(dir)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    let [entry] = entries.try_into().unwrap();
    entry
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn key(dir: &Path) -> PathBuf {
    dir.join("cache.key")
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown_to_nobody(path: &Path) {
    std::os::unix::fs::chown(path, Some(NOBODY), None)
        .expect("chown to another user needs root: the tests run as root, as CI does");
}

fn refused_because(status: &CacheStatus, why: &str) {
    match status {
        CacheStatus::Refused(text) => assert!(text.contains(why), "{text}"),
        other => panic!("expected the cache to be refused because {why:?}, got {other:?}"),
    }
}

#[test]
fn a_new_cache_folder_and_its_parents_are_0700_its_key_and_entries_0600() {
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("new/cache");
    assert_eq!(status(&dir), CacheStatus::Compiled);
    assert_eq!(mode(&base.path().join("new")), 0o700);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&key(&dir)), 0o600);
    assert_eq!(std::fs::read(key(&dir)).unwrap().len(), 32);
    assert_eq!(mode(&entry(&dir)), 0o600);
    assert_eq!(status(&dir), CacheStatus::Hit);
}

#[test]
fn an_entry_planted_from_a_cache_with_another_key_is_compiled_again_never_loaded() {
    let (ours, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(status(ours.path()), CacheStatus::Compiled);
    assert_eq!(status(theirs.path()), CacheStatus::Compiled);
    let (planted, target) = (entry(theirs.path()), entry(ours.path()));
    assert_eq!(
        planted.file_name(),
        target.file_name(),
        "same plugin, same engine"
    );
    assert_ne!(
        std::fs::read(&planted).unwrap(),
        std::fs::read(&target).unwrap()
    );

    // A real serialized component for this very plugin, well formed, sealed under another key.
    std::fs::copy(&planted, &target).unwrap();
    assert_eq!(
        status(ours.path()),
        CacheStatus::Replaced(MAC_MISMATCH.into())
    );
    assert_eq!(status(ours.path()), CacheStatus::Hit);
}

#[test]
fn a_changed_byte_or_a_truncated_entry_is_compiled_again() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(status(dir.path()), CacheStatus::Compiled);
    let file = entry(dir.path());

    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    assert_eq!(
        status(dir.path()),
        CacheStatus::Replaced(MAC_MISMATCH.into())
    );

    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 100]).unwrap();
    assert_eq!(
        status(dir.path()),
        CacheStatus::Replaced(MAC_MISMATCH.into())
    );
    assert_eq!(status(dir.path()), CacheStatus::Hit);
}

#[test]
fn a_symlinked_entry_is_not_followed_and_its_target_is_left_alone() {
    let (dir, elsewhere) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(status(dir.path()), CacheStatus::Compiled);
    let file = entry(dir.path());
    // A valid entry under this cache's key: following the link would be a hit.
    let target = elsewhere.path().join("target.cwasm");
    std::fs::rename(&file, &target).unwrap();
    let before = std::fs::read(&target).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();

    assert_eq!(
        status(dir.path()),
        CacheStatus::Replaced("it is a symbolic link (not followed)".into())
    );
    assert_eq!(
        std::fs::read(&target).unwrap(),
        before,
        "the target is untouched"
    );
    assert!(
        std::fs::symlink_metadata(&file).unwrap().is_file(),
        "the link is replaced"
    );
    assert_eq!(status(dir.path()), CacheStatus::Hit);
}

#[test]
fn an_entry_of_another_user_or_writable_by_others_is_compiled_again_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(status(dir.path()), CacheStatus::Compiled);
    let file = entry(dir.path());
    let ours = std::fs::metadata(&file).unwrap().uid();

    chown_to_nobody(&file);
    let CacheStatus::Replaced(why) = status(dir.path()) else {
        panic!("an entry owned by nobody is not loaded");
    };
    assert!(
        why.contains(&format!(
            "owned by uid {NOBODY}, not by the user running gwb"
        )),
        "{why}"
    );
    assert_eq!(std::fs::metadata(&file).unwrap().uid(), ours);

    set_mode(&file, 0o666);
    assert_eq!(
        status(dir.path()),
        CacheStatus::Replaced("it is writable by group or others (mode 0666)".into())
    );
    assert_eq!(mode(&file), 0o600);
    assert_eq!(status(dir.path()), CacheStatus::Hit);
}

/// A `MakeWriter` that keeps what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What `f` returns, and the warnings it logged on this thread.
fn with_warnings<T>(f: impl FnOnce() -> T) -> (T, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    let value = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    (value, text)
}

#[test]
fn a_cache_folder_writable_by_others_is_refused_with_one_warning_and_plugins_load_uncached() {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o777);
    let runtime = runtime(dir.path());
    let (statuses, warnings) = with_warnings(|| {
        [load_with(&runtime), load_with(&runtime)].map(|plugin| {
            assert_works(&plugin);
            plugin.cache_status().clone()
        })
    });
    for status in &statuses {
        refused_because(status, "it is writable by group or others (mode 0777)");
    }
    let warning = format!(
        "not using the plugin compile cache {}",
        dir.path().display()
    );
    assert_eq!(warnings.matches(&warning).count(), 1, "{warnings}");
    assert!(warnings.contains("WARN"), "{warnings}");
    assert_eq!(
        files(dir.path()),
        Vec::<PathBuf>::new(),
        "nothing is written"
    );
}

#[test]
fn a_symlinked_cache_folder_or_one_of_another_user_is_refused() {
    let (base, real) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let link = base.path().join("link");
    std::os::unix::fs::symlink(real.path(), &link).unwrap();
    refused_because(&status(&link), "it is a symbolic link (not followed)");
    assert_eq!(
        files(real.path()),
        Vec::<PathBuf>::new(),
        "nothing is written"
    );

    chown_to_nobody(real.path());
    refused_because(
        &status(real.path()),
        &format!("it is owned by uid {NOBODY}, not by the user running gwb"),
    );
    assert_eq!(
        files(real.path()),
        Vec::<PathBuf>::new(),
        "nothing is written"
    );
}

#[test]
fn a_key_others_can_read_or_of_another_user_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(status(dir.path()), CacheStatus::Compiled);
    let (key, file) = (key(dir.path()), entry(dir.path()));
    let (key_bytes, entry_bytes) = (std::fs::read(&key).unwrap(), std::fs::read(&file).unwrap());

    set_mode(&key, 0o644);
    refused_because(
        &status(dir.path()),
        &format!(
            "its key {}: it gives group or others access (mode 0644)",
            key.display()
        ),
    );
    set_mode(&key, 0o600);
    chown_to_nobody(&key);
    refused_because(
        &status(dir.path()),
        &format!("it is owned by uid {NOBODY}, not by the user running gwb"),
    );
    assert_eq!(
        std::fs::read(&key).unwrap(),
        key_bytes,
        "the key is not replaced"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        entry_bytes,
        "the entry is untouched"
    );
}

#[test]
fn two_runtimes_sharing_a_folder_both_hit_after_one_compiles() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (runtime(dir.path()), runtime(dir.path()));
    assert_eq!(load_with(&first).cache_status(), &CacheStatus::Compiled);
    assert_eq!(load_with(&second).cache_status(), &CacheStatus::Hit);
    assert_eq!(load_with(&first).cache_status(), &CacheStatus::Hit);
}

#[test]
fn two_runtimes_starting_a_new_cache_at_once_agree_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let start = Barrier::new(2);
    let statuses = std::thread::scope(|s| {
        let racers = [(); 2].map(|()| {
            s.spawn(|| {
                let runtime = runtime(dir.path());
                start.wait();
                load_with(&runtime).cache_status().clone()
            })
        });
        racers.map(|racer| racer.join().unwrap())
    });
    for status in &statuses {
        assert!(
            matches!(status, CacheStatus::Compiled | CacheStatus::Hit),
            "{status:?}"
        );
    }
    let mut expected = vec![entry(dir.path()), key(dir.path())];
    expected.sort();
    assert_eq!(
        files(dir.path()),
        expected,
        "one key, one entry, no leftovers"
    );
    assert_eq!(status(dir.path()), CacheStatus::Hit);
}
