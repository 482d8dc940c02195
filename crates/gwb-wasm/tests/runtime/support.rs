//! Shared helpers: plugin paths, one runtime per test process, test groups.

use std::sync::{Arc, LazyLock};

use gwb_model::{CloudGroup, Member, MemberKind};
use gwb_wasm::{Limits, Plugin, PluginSpec, Runtime, RuntimeOptions};

pub use test_support::built_plugin as wasm;

static CACHE: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary cache directory"));

/// One runtime per test process, with a compile cache so each plugin compiles once.
pub static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    Runtime::new(RuntimeOptions {
        cache_dir: Some(CACHE.path().to_path_buf()),
    })
    .expect("the runtime starts")
});

/// A spec for `crate_name` with `config` and default limits.
pub fn spec(crate_name: &str, config: &str) -> PluginSpec {
    PluginSpec {
        name: crate_name.replace('_', "-"),
        path: wasm(crate_name),
        config_json: config.to_string(),
        limits: Limits::default(),
        sha256_pin: None,
    }
}

/// Loads `crate_name` with `config` through the shared runtime.
pub fn load(crate_name: &str, config: &str) -> Plugin {
    RUNTIME
        .load(&spec(crate_name, config))
        .unwrap_or_else(|e| panic!("{crate_name} loads: {e}"))
}

/// A group with this id and displayName and no members.
pub fn group(id: &str, name: &str) -> Arc<CloudGroup> {
    Arc::new(CloudGroup {
        id: id.to_string(),
        display_name: Some(name.to_string()),
        security_enabled: Some(true),
        mail_enabled: Some(false),
        ..CloudGroup::default()
    })
}

/// A group with `n` user members `m0`..`m<n-1>`.
pub fn group_with_members(id: &str, name: &str, n: usize) -> Arc<CloudGroup> {
    let mut g = Arc::unwrap_or_clone(group(id, name));
    g.members = (0..n)
        .map(|i| Member {
            id: format!("m{i}"),
            kind: MemberKind::User,
        })
        .collect();
    Arc::new(g)
}
