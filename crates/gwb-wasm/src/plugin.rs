//! Loading a plugin: read, pin check, compile (cached), contract check, link, describe and a first
//! configure.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gwb_model::{Stages, limits};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use crate::WasmError;
use crate::bindings::WitPluginInfo;
use crate::cache::{Cache, CacheStatus};
use crate::cap::cap;
use crate::contract::Shape;
use crate::exports::ExportsPre;
use crate::instance::{self, Live};
use crate::log_budget::LogBudget;
use crate::runtime::Kit;

/// What the rules file says about one plugin.
#[derive(Debug, Clone)]
pub struct PluginSpec {
    /// The plugin's name in the rules file, used in every message.
    pub name: String,
    /// The `.wasm` component file.
    pub path: PathBuf,
    /// The plugin's `config` table as JSON text (`{}` when absent).
    pub config_json: String,
    /// The sandbox limits per call.
    pub limits: Limits,
    /// The expected SHA-256 of the file (hex, any case, optional `sha256:` prefix); a different
    /// file is refused.
    pub sha256_pin: Option<String>,
}

/// The sandbox limits of a plugin. A call that exceeds one becomes a fault for that group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock budget per call (1 ms resolution); `None` for no time limit.
    pub time: Option<Duration>,
    /// Fuel (about one unit per wasm instruction) per call; `None` for no fuel limit. Fuel is
    /// deterministic but makes the plugin run up to 2-3× slower.
    pub fuel: Option<u64>,
    /// The most linear memory the plugin may use, in bytes.
    pub memory_bytes: usize,
    /// Replace the instance by a fresh one after it has served this many calls; `None` never.
    pub recycle_after_calls: Option<u64>,
    /// Replace the instance by a fresh one after a call that leaves it with less than half the
    /// room below `memory_bytes` a fresh instance has, and run a group again on a fresh
    /// instance when it hit the memory limit on a used one. `false` only to observe a leaking
    /// plugin without this (tests, benches).
    pub recycle_on_memory: bool,
}

impl Default for Limits {
    /// The rules file's defaults ([`gwb_model::limits`]): 50 ms per call, no fuel limit,
    /// 16 MiB of memory, a fresh instance every 10,000 calls or when memory runs short.
    fn default() -> Self {
        Self {
            time: Some(Duration::from_millis(limits::PLUGIN_TIME_MS)),
            fuel: None,
            memory_bytes: usize::try_from(limits::PLUGIN_MEMORY_MIB << 20).unwrap_or(usize::MAX),
            recycle_after_calls: Some(limits::PLUGIN_RECYCLE_AFTER_CALLS),
            recycle_on_memory: true,
        }
    }
}

/// What a plugin says about itself, plus the file's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// The plugin's own name (from `describe`).
    pub name: String,
    /// The plugin's own version (from `describe`).
    pub version: String,
    /// The stages it implements.
    pub stages: Stages,
    /// The SHA-256 of the file, lower-case hex: the value to pin in the rules file.
    pub sha256: String,
    /// The plugin exports `gwb:rules/plugin-facts` (contract 1.1), so its stages are called
    /// there with the group's most-read facts by value; `false` for a 1.0 plugin, whose
    /// stages read every fact through a call into the host.
    pub facts_by_value: bool,
}

/// A loaded plugin, ready to instantiate. Cheap to clone and share between threads.
#[derive(Clone)]
pub struct Plugin {
    pub(crate) shared: Arc<Shared>,
}

/// What every instance of a plugin shares.
pub(crate) struct Shared {
    pub(crate) spec: PluginSpec,
    pub(crate) kit: Kit,
    pub(crate) pre: ExportsPre,
    pub(crate) info: PluginInfo,
    pub(crate) cache_status: CacheStatus,
    /// `plugin <name> <version> (<file>)`, the start of every fault message.
    pub(crate) label: String,
    /// The instance `load` configured, handed to the first `instantiate`.
    spare: Mutex<Option<Live>>,
    /// What the plugin may still log in this run, across all its instances.
    pub(crate) log_budget: Arc<LogBudget>,
    /// Instances replaced by fresh ones before they faulted, across all instances.
    pub(crate) recycles: AtomicU64,
}

impl Plugin {
    /// The plugin's name, version, stages and hash.
    pub fn info(&self) -> &PluginInfo {
        &self.shared.info
    }

    /// Where the compiled code came from (cache hit, compiled, ...).
    pub fn cache_status(&self) -> &CacheStatus {
        &self.shared.cache_status
    }

    /// Log lines this plugin wrote past its cap ([`crate::LOG_LINES_PER_RUN`] lines or
    /// [`crate::LOG_BYTES_PER_RUN`] bytes per load), counted instead of written.
    pub fn log_lines_dropped(&self) -> u64 {
        self.shared.log_budget.dropped()
    }

    /// Times an instance of this plugin was replaced by a fresh one because it had served
    /// `recycle_after_calls` calls or its memory ran short (see [`Limits`]): a count that grows
    /// with the groups marks a plugin that leaks memory.
    pub fn recycles(&self) -> u64 {
        self.shared.recycles.load(Ordering::Relaxed)
    }

    /// A new instance (one store, configured), to be used by one thread for many groups.
    /// A configure error is [`WasmError::Configure`] with the plugin's message.
    pub fn instantiate(&self) -> Result<crate::PluginInstance, WasmError> {
        let spare = self
            .shared
            .spare
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let live = match spare {
            Some(live) => live,
            None => instance::start(&self.shared)?,
        };
        Ok(crate::PluginInstance::new(Arc::clone(&self.shared), live))
    }
}

/// Normalises a pin: lower-case hex without an optional `sha256:` prefix.
fn normalise_pin(pin: &str) -> String {
    let pin = pin.trim();
    let pin = pin
        .strip_prefix("sha256:")
        .or_else(|| pin.strip_prefix("SHA256:"))
        .unwrap_or(pin);
    pin.to_ascii_lowercase()
}

pub(crate) fn load(
    kit: Kit,
    cache: Option<&Cache>,
    spec: &PluginSpec,
) -> Result<Plugin, WasmError> {
    let (name, path) = (&spec.name, &spec.path);
    let wasm = std::fs::read(path).map_err(|source| WasmError::Read {
        name: name.clone(),
        path: path.clone(),
        source,
    })?;
    let digest: [u8; 32] = Sha256::digest(&wasm).into();
    let sha256 = hex::encode(digest);
    if let Some(pin) = &spec.sha256_pin
        && normalise_pin(pin) != sha256
    {
        return Err(WasmError::PinMismatch {
            name: name.clone(),
            path: path.clone(),
            expected: pin.trim().to_string(),
            actual: sha256,
        });
    }
    let compile_error = |e: wasmtime::Error| WasmError::Compile {
        name: name.clone(),
        path: path.clone(),
        cause: format!("{e:#}"),
    };
    let (component, cache_status) = match cache {
        Some(cache) => cache
            .component(&kit.engine, &digest, &wasm)
            .map_err(compile_error)?,
        None => (
            Component::new(&kit.engine, &wasm).map_err(compile_error)?,
            CacheStatus::Disabled,
        ),
    };
    let not_a_plugin = |cause: String| WasmError::NotAPlugin {
        name: name.clone(),
        path: path.clone(),
        cause,
    };
    // The contract version, exports and imports are checked from the component's type, before
    // anything of it is linked or instantiated.
    let shape = Shape::of(&kit.engine, &component);
    shape.check().map_err(not_a_plugin)?;
    let pre = kit
        .linker
        .instantiate_pre(&component)
        .and_then(ExportsPre::new)
        .map_err(|e| not_a_plugin(shape.mismatch(&e)))?;
    let facts_by_value = pre.uses_facts();
    let mut shared = Shared {
        spec: spec.clone(),
        kit,
        pre,
        info: PluginInfo {
            name: name.clone(),
            version: String::new(),
            stages: Stages::default(),
            sha256,
            facts_by_value,
        },
        cache_status,
        label: format!("plugin {name} ({})", path.display()),
        spare: Mutex::new(None),
        log_budget: Arc::default(),
        recycles: AtomicU64::new(0),
    };
    let (live, mut described) = instance::describe(&shared)?;
    described.name = cap(std::mem::take(&mut described.name));
    described.version = cap(std::mem::take(&mut described.version));
    shared.info.name = described.name.clone();
    shared.info.version = described.version.clone();
    shared.info.stages = Stages {
        filter: described
            .stages
            .contains(crate::bindings::WitStages::FILTER),
        naming: described
            .stages
            .contains(crate::bindings::WitStages::NAMING),
        mapping: described
            .stages
            .contains(crate::bindings::WitStages::MAPPING),
    };
    shared.label = label(spec, &described);
    let live = instance::configure(&shared, live)?;
    shared.spare = Mutex::new(Some(live));
    Ok(Plugin {
        shared: Arc::new(shared),
    })
}

/// `plugin ou-router (ou-router 0.1.0, plugins/ou_router.wasm)`.
fn label(spec: &PluginSpec, described: &WitPluginInfo) -> String {
    format!(
        "plugin {} ({} {}, {})",
        spec.name,
        described.name,
        described.version,
        spec.path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plugin like `loaded` (same engine, description and label) with another spec and
    /// exports, and no spare instance, log use or recycles yet.
    fn variant(loaded: &Shared, spec: PluginSpec, pre: ExportsPre) -> Arc<Shared> {
        Arc::new(Shared {
            spec,
            kit: loaded.kit.clone(),
            pre,
            info: loaded.info.clone(),
            cache_status: loaded.cache_status.clone(),
            label: loaded.label.clone(),
            spare: Mutex::new(None),
            log_budget: Arc::default(),
            recycles: AtomicU64::new(0),
        })
    }

    /// A fresh instance whose `configure` fails (here: the configuration is swapped for one the
    /// plugin refuses under a live instance, as a configure that fits its startup budget at load
    /// and not later would) fails the group with the load error's words, and the next call
    /// tries again.
    #[test]
    fn a_configure_failing_on_a_fresh_instance_fails_the_group_with_the_load_error() {
        use gwb_model::{DesiredGroup, Rule, StageError, TargetCapabilities};

        let runtime = crate::Runtime::new(crate::RuntimeOptions::default()).unwrap();
        let spec = PluginSpec {
            name: "misbehave".into(),
            path: test_support::built_plugin("misbehave"),
            config_json: r#"{"stage": "naming"}"#.into(),
            limits: Limits {
                recycle_after_calls: Some(1),
                ..Limits::default()
            },
            sha256_pin: None,
        };
        let loaded = runtime.load(&spec).unwrap();
        let good = &loaded.shared;
        let refused = variant(
            good,
            PluginSpec {
                config_json: r#"{"stage": "naming", "mode": "no-such-mode"}"#.into(),
                ..spec
            },
            good.pre.clone(),
        );
        let live = good.spare.lock().unwrap().take().unwrap();
        let mut instance = crate::PluginInstance::new(refused, live);
        let group = Arc::new(gwb_model::CloudGroup {
            id: "g1".into(),
            display_name: Some("G".into()),
            ..gwb_model::CloudGroup::default()
        });
        let mut naming = || {
            instance.naming(
                &group,
                &mut DesiredGroup::default(),
                TargetCapabilities::default(),
            )
        };
        assert_eq!(naming().unwrap().cn.as_deref(), Some("ok g1"));
        for _ in 0..2 {
            let Err(StageError::Fault(message)) = naming() else {
                panic!("the fresh instance cannot be configured");
            };
            let path = test_support::built_plugin("misbehave");
            assert!(
                message.starts_with(&format!(
                    "{} naming stage on group \"G\" (g1): cannot start a fresh instance: \
                     plugin misbehave: {} refused its config: ",
                    good.label,
                    path.display()
                )),
                "{message}"
            );
            assert!(message.contains("no-such-mode"), "{message}");
            assert!(
                message.ends_with("fix the plugin's config table in the rules file"),
                "{message}"
            );
        }
        assert_eq!(instance.stats().recycles, 1);
    }

    /// An instance of the plugin at `path` whose stages go through `plugin-facts`, and one whose
    /// stages go through `plugin` (as a 1.0 host calls them).
    fn both_routes(
        path: PathBuf,
        config_json: &str,
    ) -> (crate::PluginInstance, crate::PluginInstance) {
        let runtime = crate::Runtime::new(crate::RuntimeOptions::default()).unwrap();
        let spec = PluginSpec {
            name: "under-test".into(),
            path,
            config_json: config_json.into(),
            limits: Limits::default(),
            sha256_pin: None,
        };
        let loaded = runtime.load(&spec).unwrap();
        let with_facts = &loaded.shared;
        assert!(with_facts.pre.uses_facts());
        let without_facts = variant(with_facts, spec, with_facts.pre.without_facts());
        let by_calls = crate::PluginInstance::new(
            Arc::clone(&without_facts),
            instance::start(&without_facts).unwrap(),
        );
        (loaded.instantiate().unwrap(), by_calls)
    }

    /// A plugin built with the Rust SDK answers the same through `plugin` (the 1.0 route, where
    /// the SDK reads the facts through the host's accessors) as through `plugin-facts`.
    #[test]
    fn a_rust_sdk_plugin_answers_the_same_through_the_1_0_route() {
        use gwb_model::{FilterDecision, Member, MemberKind, Rule};

        let (mut by_value, mut by_calls) = both_routes(
            test_support::built_plugin("misbehave"),
            r#"{"stage": "filter", "mode": "read-facts"}"#,
        );
        let group = Arc::new(gwb_model::CloudGroup {
            id: "3f1c0a9e-0000-4000-8000-000000000002".into(),
            display_name: Some("Ops \"EU\" ✓\t".into()),
            mail_enabled: Some(true),
            security_enabled: Some(true),
            group_types: vec!["unified".into()],
            on_premises_sync_enabled: Some(true),
            members: (0..300)
                .map(|i| Member {
                    id: format!("m{i}"),
                    kind: MemberKind::Group,
                })
                .collect(),
            ..gwb_model::CloudGroup::default()
        });
        let expected = FilterDecision::Skip(
            "id=\"3f1c0a9e-0000-4000-8000-000000000002\" displayName=Some(\"Ops \\\"EU\\\" ✓\\t\") \
             mailEnabled=Some(true) securityEnabled=Some(true) unified=true \
             onPremisesSyncEnabled=Some(true) memberCount=300 agree=true"
                .into(),
        );
        assert_eq!(by_value.filter(&group), Ok(expected.clone()));
        assert_eq!(by_calls.filter(&group), Ok(expected));
    }

    /// The Python and JavaScript SDKs' 1.0 route too: their ou-router routes the same by
    /// displayName (a fact) and by an extension attribute (always read from the host), and
    /// fails a group no route takes with the same words.
    #[test]
    fn python_and_javascript_sdk_plugins_answer_the_same_through_the_1_0_route() {
        use gwb_model::{DesiredGroup, Rule, TargetCapabilities};

        let config = r#"{"routes": [
            {"prefix": "FIN-", "ou": "OU=Finance,DC=contoso,DC=com"},
            {"extension_attribute": "extensionAttribute3", "equals": "Sales", "ou": "OU=Sales,DC=contoso,DC=com"}
        ]}"#;
        let group = |id: &str, name: &str, attribute: Option<&str>| {
            let mut group = gwb_model::CloudGroup {
                id: id.into(),
                display_name: Some(name.into()),
                security_enabled: Some(true),
                ..gwb_model::CloudGroup::default()
            };
            if let Some(value) = attribute {
                group
                    .extension_attributes
                    .insert("extensionAttribute3".into(), value.into());
            }
            Arc::new(group)
        };
        let groups = [
            group("g1", "fin-Payroll", None),
            group("g2", "Team", Some("Sales")),
            group("g3", "Team \"Ω\"", Some("Other")),
        ];
        for path in [
            test_support::built_python_plugin("ou_router"),
            test_support::built_js_plugin("ou-router"),
        ] {
            let (mut by_value, mut by_calls) = both_routes(path.clone(), config);
            for group in &groups {
                let naming = |plugin: &mut crate::PluginInstance| {
                    plugin
                        .naming(
                            group,
                            &mut DesiredGroup::default(),
                            TargetCapabilities::default(),
                        )
                        .map(|n| n.parent_dn)
                        .map_err(|e| format!("{e:?}"))
                };
                let answer = naming(&mut by_value);
                assert_eq!(naming(&mut by_calls), answer, "{}", path.display());
                match group.id.as_str() {
                    "g1" => assert_eq!(answer, Ok(Some("OU=Finance,DC=contoso,DC=com".into()))),
                    "g2" => assert_eq!(answer, Ok(Some("OU=Sales,DC=contoso,DC=com".into()))),
                    _ => assert!(
                        answer.as_ref().is_err_and(|e| e.contains("g3")),
                        "{answer:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn pins_ignore_case_and_prefix() {
        assert_eq!(normalise_pin(" sha256:ABCdef "), "abcdef");
        assert_eq!(normalise_pin("abc"), "abc");
    }
}
