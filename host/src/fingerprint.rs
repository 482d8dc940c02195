//! The fingerprint of everything that decides what a cloud group becomes in AD: gwb's own
//! version (its defaults), the rules file's defaults, scope, managed OUs, fault and sync policies,
//! each plugin's file, config, limits and privileges, and the AD schema's capabilities (the Exchange
//! attributes, the anchor attribute). The Graph state keeps it; when it changes, the
//! next round is full, so new rules reach every group instead of only the ones that change.

use sha2::{Digest, Sha256};

use gwb_model::TargetCapabilities;
use gwb_rules::RulesFile;

use crate::plugins::PluginChain;

/// SHA-256 (hex) of the rules as `rules` and the loaded `chain` apply them to `target`.
pub fn rules_fingerprint(
    rules: &RulesFile,
    chain: &PluginChain,
    target: TargetCapabilities,
) -> String {
    let mut hash = Sha256::new();
    let mut part = |text: String| {
        // Length-prefixed, so no two different part lists hash the same.
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    };
    part(format!("gwb {}", env!("CARGO_PKG_VERSION")));
    part(format!("{:?}", rules.defaults));
    part(format!("{:?}", rules.scope));
    part(format!("{:?}", rules.managed_ous));
    part(format!("{:?}", rules.on_plugin_fault));
    part(format!("{:?}", rules.sync));
    part(format!("{target:?}"));
    for (entry, sha256) in rules.plugins.iter().zip(chain.file_hashes()) {
        part(format!(
            "{} {sha256} {:?} {:?} {}",
            entry.name, entry.limits, entry.privileges, entry.config_json
        ));
    }
    hex::encode(hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint_for(text: &str, target: TargetCapabilities) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(&path, text).unwrap();
        let rules = RulesFile::load(&path).unwrap();
        rules_fingerprint(&rules, &PluginChain::load(&rules).unwrap(), target)
    }

    fn fingerprint(text: &str) -> String {
        fingerprint_for(text, TargetCapabilities::default())
    }

    #[test]
    fn what_changes_a_group_changes_the_fingerprint_and_nothing_else_does() {
        let base = "[scope]\nkinds = [\"security\"]\n[defaults]\nou = \"OU=Cloud,DC=x\"\n";
        let same = fingerprint(base);
        assert_eq!(same.len(), 64);
        assert_eq!(fingerprint(base), same, "stable");
        let extended = TargetCapabilities {
            exchange_schema: true,
            external_directory_object_id: true,
        };
        assert_ne!(
            fingerprint_for(base, extended),
            same,
            "a schema extension counts"
        );
        assert_eq!(
            fingerprint(&format!("# a comment\n{base}[guards]\nmax_deletes = 3\n")),
            same,
            "comments and guards do not change what a group becomes"
        );
        for changed in [
            "[scope]\nkinds = [\"security\"]\n[defaults]\nou = \"OU=Other,DC=x\"\n".to_owned(),
            "[scope]\nkinds = [\"security\", \"microsoft365\"]\n[defaults]\nou = \"OU=Cloud,DC=x\"\n"
                .to_owned(),
            format!("{base}naming = \"object-id\"\n"),
            format!("{base}managed_ous = [\"OU=Cloud,DC=x\", \"OU=More,DC=x\"]\n"),
            format!("{base}[sync]\nadopt_connect_groups = true\n"),
        ] {
            assert_ne!(fingerprint(&changed), same, "{changed}");
        }
        let plugin = |exclude: &str, limits: &str, privileges: &str| {
            format!(
                "{base}[[plugins]]\nname = \"f\"\npath = \"{}\"\nlimits = {{ {limits} }}\n{privileges}[plugins.config]\nexclude = [\"{exclude}\"]\n",
                test_support::built_plugin("group_filter").display()
            )
        };
        let filter =
            |exclude: &str, time_ms: u32| plugin(exclude, &format!("time_ms = {time_ms}"), "");
        let with_plugin = fingerprint(&filter("A*", 50));
        assert_eq!(fingerprint(&filter("A*", 50)), with_plugin);
        for changed in [
            base.to_owned(),
            filter("B*", 50),
            filter("A*", 60),
            plugin("A*", "time_ms = 50", "attributes = [\"info\"]\n"),
            plugin("A*", "time_ms = 50", "ous = [\"OU=Cloud,DC=x\"]\n"),
            plugin("A*", "time_ms = 50", "may_set_cn = false\n"),
            plugin("A*", "time_ms = 50", "may_set_sam_account_name = false\n"),
            plugin("A*", "time_ms = 50, recycle_after_calls = 500", ""),
        ] {
            assert_ne!(fingerprint(&changed), with_plugin, "{changed}");
        }
        // Spelling out what absent keys mean changes nothing.
        assert_eq!(
            fingerprint(&plugin("A*", "time_ms = 50", "may_set_cn = true\n")),
            with_plugin
        );
        assert_eq!(
            fingerprint(&plugin(
                "A*",
                "time_ms = 50, recycle_after_calls = 10000",
                ""
            )),
            with_plugin
        );
    }
}
