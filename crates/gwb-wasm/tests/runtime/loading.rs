//! Loading: pins, the compile cache, and clear errors for files that are not plugins.

use gwb_wasm::{CacheStatus, PluginSpec, Runtime, RuntimeOptions, WasmError};
use sha2::{Digest, Sha256};

use crate::support::{RUNTIME, spec, wasm};

fn sha256_of(crate_name: &str) -> String {
    hex::encode(Sha256::digest(std::fs::read(wasm(crate_name)).unwrap()))
}

#[test]
fn the_right_pin_loads_and_a_wrong_pin_is_refused_showing_both_hashes() {
    let actual = sha256_of("sam_name");
    let pinned = PluginSpec {
        sha256_pin: Some(format!("sha256:{}", actual.to_uppercase())),
        ..spec("sam_name", "{}")
    };
    assert_eq!(RUNTIME.load(&pinned).unwrap().info().sha256, actual);
    let wrong = "0".repeat(64);
    let refused = PluginSpec {
        sha256_pin: Some(wrong.clone()),
        ..spec("sam_name", "{}")
    };
    let error = RUNTIME.load(&refused).err().unwrap();
    assert!(matches!(error, WasmError::PinMismatch { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&actual) && message.contains(&wrong),
        "{message}"
    );
    assert!(message.contains("set its sha256 to"), "{message}");
}

fn cached_runtime(dir: &std::path::Path) -> Runtime {
    Runtime::new(RuntimeOptions {
        cache_dir: Some(dir.to_path_buf()),
    })
    .unwrap()
}

fn cache_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|f| f.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_second_load_hits_the_cache_and_bad_cache_files_are_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let status = |crate_name: &str| {
        // A new runtime each time: the cache must work across processes, not just in memory.
        cached_runtime(dir.path())
            .load(&spec(crate_name, "{}"))
            .unwrap()
            .cache_status()
            .clone()
    };
    assert_eq!(status("misbehave"), CacheStatus::Compiled);
    assert_eq!(status("misbehave"), CacheStatus::Hit);
    let [file] = cache_files(dir.path()).try_into().unwrap();
    assert!(
        file.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(&sha256_of("misbehave")),
        "{file:?}"
    );

    std::fs::write(&file, b"garbage").unwrap();
    assert_eq!(
        status("misbehave"),
        CacheStatus::Replaced("not a gwb cache file".into())
    );
    assert_eq!(status("misbehave"), CacheStatus::Hit);

    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    assert_eq!(
        status("misbehave"),
        CacheStatus::Replaced(
            "its MAC does not match (not written by this gwb with this cache key)".into()
        )
    );

    // A valid cache file of another plugin put under this plugin's name.
    assert_eq!(status("sam_name"), CacheStatus::Compiled);
    let foreign = cache_files(dir.path())
        .into_iter()
        .find(|f| *f != file)
        .unwrap();
    std::fs::copy(&foreign, &file).unwrap();
    assert_eq!(
        status("misbehave"),
        CacheStatus::Replaced("compiled from a different plugin".into())
    );
    assert_eq!(status("misbehave"), CacheStatus::Hit);
}

#[test]
fn a_garbage_file_is_a_clear_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.wasm");
    std::fs::write(&path, b"this is not wasm").unwrap();
    let error = RUNTIME
        .load(&PluginSpec {
            path: path.clone(),
            ..spec("sam_name", "{}")
        })
        .err()
        .unwrap();
    assert!(matches!(error, WasmError::Compile { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("garbage.wasm is not a valid WebAssembly component"),
        "{message}"
    );
}

#[test]
fn a_component_that_is_not_a_plugin_is_refused() {
    let error = RUNTIME.load(&spec("not_a_plugin", "{}")).err().unwrap();
    assert!(matches!(error, WasmError::NotAPlugin { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(
            "not_a_plugin.wasm is not a gwb rule plugin this gwb can run: it exports no \
             gwb:rules/plugin interface. It exports nothing;"
        ),
        "{message}"
    );
    assert!(
        message.contains("Rebuild it against wit/gwb-rules@1.1.0 (world rule-plugin)"),
        "{message}"
    );
}

#[test]
fn a_missing_file_says_how_to_build_it() {
    let error = RUNTIME
        .load(&PluginSpec {
            path: "no/such/plugin.wasm".into(),
            ..spec("sam_name", "{}")
        })
        .err()
        .unwrap();
    assert!(matches!(error, WasmError::Read { .. }), "{error}");
    assert!(
        error.to_string().contains("scripts/build-plugins.sh"),
        "{error}"
    );
}

#[test]
fn a_bad_config_is_a_load_error_with_the_plugins_message() {
    let error = RUNTIME
        .load(&spec(
            "ou_router",
            r#"{"routes": [{"regex": "(", "ou": "OU=X"}]}"#,
        ))
        .err()
        .unwrap();
    assert!(matches!(error, WasmError::Configure { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("refused its config: invalid config: route 1: invalid regex \"(\""),
        "{error}"
    );
}
