//! A plugin `gwb plugin new` wrote, in each language, built with the command its README gives,
//! runs in `gwb sync`: the group it names lands in AD under the cn it chose, and the group its
//! RuleError fails is not written.

use crate::common::Env;
use test_support::scaffold_plugin;

/// Writes and builds a `lang` plugin, syncs two groups through it with the gwb binary, and reads
/// AD back.
async fn a_new_plugin_names_the_groups_sync_writes(lang: &str) {
    let parent = tempfile::tempdir().expect("tempdir");
    let plugin = scaffold_plugin(
        env!("CARGO_BIN_EXE_gwb"),
        lang,
        &format!("e2e-{lang}-prefix"),
        parent.path(),
    );
    // The [[plugins]] table of the plugin's rules.toml, as its README says to copy it, with a
    // budget for a loaded test machine.
    let plugins = format!(
        r#"
[[plugins]]
name = "cn-prefix"
path = {}
limits = {{ time_ms = 5000 }}
[plugins.config]
cn_prefix = "App-"
"#,
        toml_string(&plugin.wasm.display().to_string())
    );
    let env = Env::new(&format!("new-{lang}"), 1, &plugins).await;
    let sales = env.gid(0x5a1);
    let long = env.gid(0x5a2);
    env.add_group(&sales, "Sales team", &[&env.users[0].id]);
    env.add_group(
        &long,
        "Regional operations, logistics and supply chain team",
        &[],
    );

    let out = env.gwb_command(&["sync"]).output().expect("run gwb sync");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Finished, with the long name failed by the plugin's RuleError.
    assert_eq!(out.status.code(), Some(4), "{lang}: {stderr}");

    // AD, read with ldapsearch: only the renamed group, with its member.
    let found = env
        .dc
        .ldapsearch(&["-b", &env.root, "(objectClass=group)", "cn", "member"]);
    let cloud = &env.cloud_ou;
    assert_eq!(
        found,
        format!(
            "dn: CN=App-Sales team_0000000005a1,{cloud}\ncn: App-Sales team_0000000005a1\n\
             member: {}\n\n",
            env.users[0].dn
        ),
        "{lang}"
    );
    // Owned by gwb and anchored to the cloud group.
    let groups = env.groups().await;
    assert_eq!(groups.keys().collect::<Vec<_>>(), vec![&sales], "{lang}");
}

/// `value` as a TOML basic string.
fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_rust_plugin_runs_in_sync() {
    a_new_plugin_names_the_groups_sync_writes("rust").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_python_plugin_runs_in_sync() {
    a_new_plugin_names_the_groups_sync_writes("python").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_javascript_plugin_runs_in_sync() {
    a_new_plugin_names_the_groups_sync_writes("js").await;
}
