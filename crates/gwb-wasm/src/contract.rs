//! The plugin contract a component must fit, checked from its component type before anything of
//! it is instantiated: the `gwb:rules` version it was built against, that it exports the plugin
//! interface, and that it imports nothing but the contract's own interfaces and the locked-down
//! WASI 0.2 that gwb links. Every refusal is one message for plugin authors in any language: what
//! is wrong, what the component exports and imports (with versions), what this gwb runs, and how
//! to rebuild it.

use semver::Version;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The contract version this gwb serves: its bindings come from `wit/gwb-rules@<this>` (see
/// `bindings.rs`). Plugins built against it, or an older minor of the same major, load.
const SERVED: Version = Version::new(1, 1, 0);

/// The contract's package.
const PACKAGE: &str = "gwb:rules";

/// The interface a plugin exports.
const PLUGIN: &str = "plugin";

/// The `gwb:rules` interfaces a plugin may import.
const HOST_INTERFACES: [&str; 2] = ["log", "types"];

/// The WASI 0.2 packages gwb links, each locked down (`sandbox.rs`, `no_wait.rs`).
const WASI_PACKAGES: [&str; 6] = [
    "wasi:cli",
    "wasi:clocks",
    "wasi:filesystem",
    "wasi:io",
    "wasi:random",
    "wasi:sockets",
];

/// The WASI version gwb links: imports of any `0.2.x` resolve to it.
const WASI_VERSION: (u64, u64) = (0, 2);

/// The names a component imports and exports, as its component type lists them.
pub(crate) struct Shape {
    imports: Vec<String>,
    exports: Vec<String>,
}

/// Why a component cannot run as a plugin of this gwb.
enum Problem {
    /// It uses `gwb:rules` at a version this gwb does not serve (`None`: no or no valid version).
    Version {
        /// The name carrying the version, e.g. `gwb:rules/plugin@2.0.0`.
        name: String,
        /// Its version, when it has a valid one.
        version: Option<Version>,
    },
    /// It exports no `gwb:rules/plugin`.
    NoPlugin,
    /// It imports interfaces gwb does not give plugins.
    Forbidden(Vec<String>),
    /// The names fit but wasmtime found the types do not (e.g. a changed function).
    Mismatch(String),
}

/// An interface name `namespace:package/interface@version`, split; `None` for a plain name.
fn split(name: &str) -> Option<(&str, &str, Option<&str>)> {
    let (path, version) = match name.split_once('@') {
        Some((path, version)) => (path, Some(version)),
        None => (name, None),
    };
    let (package, interface) = path.split_once('/')?;
    Some((package, interface, version))
}

/// Whether `version` is one this gwb serves: the same major, not newer than [`SERVED`], and not
/// a pre-release (a draft of an unreleased contract).
fn served(version: &Version) -> bool {
    version.major == SERVED.major && *version <= SERVED && version.pre.is_empty()
}

impl Shape {
    /// The import and export names of `component`.
    pub(crate) fn of(engine: &Engine, component: &Component) -> Self {
        let ty = component.component_type();
        Self {
            imports: ty
                .imports(engine)
                .map(|(name, _)| name.to_owned())
                .collect(),
            exports: ty
                .exports(engine)
                .map(|(name, _)| name.to_owned())
                .collect(),
        }
    }

    /// `Ok` when the component may be linked as a plugin, else the whole refusal message.
    pub(crate) fn check(&self) -> Result<(), String> {
        match self.problem() {
            None => Ok(()),
            Some(problem) => Err(self.refusal(&problem)),
        }
    }

    /// The refusal message when linking failed although [`Shape::check`] passed.
    pub(crate) fn mismatch(&self, error: &wasmtime::Error) -> String {
        self.refusal(&Problem::Mismatch(format!("{error:#}")))
    }

    fn problem(&self) -> Option<Problem> {
        let contract = |names: &[String]| -> Vec<(String, Option<Version>)> {
            names
                .iter()
                .filter(|name| split(name).is_some_and(|(package, ..)| package == PACKAGE))
                .map(|name| {
                    let version = split(name)
                        .and_then(|(.., version)| version)
                        .and_then(|v| Version::parse(v).ok());
                    (name.clone(), version)
                })
                .collect()
        };
        let exports = contract(&self.exports);
        let plugin = |name: &str| split(name).is_some_and(|(_, interface, _)| interface == PLUGIN);
        let runs = exports
            .iter()
            .any(|(name, version)| plugin(name.as_str()) && version.as_ref().is_some_and(served));
        if !runs {
            // A plugin export at an unserved version says the most; then any other gwb:rules
            // export (a later major may name its interfaces differently).
            let unserved = exports
                .iter()
                .filter(|(_, version)| !version.as_ref().is_some_and(served))
                .min_by_key(|(name, _)| !plugin(name.as_str()));
            return Some(match unserved {
                Some((name, version)) => Problem::Version {
                    name: name.clone(),
                    version: version.clone(),
                },
                None => Problem::NoPlugin,
            });
        }
        if let Some((name, version)) = contract(&self.imports)
            .into_iter()
            .find(|(_, version)| !version.as_ref().is_some_and(served))
        {
            return Some(Problem::Version { name, version });
        }
        let forbidden: Vec<String> = self
            .imports
            .iter()
            .filter(|name| !allowed_import(name))
            .cloned()
            .collect();
        (!forbidden.is_empty()).then_some(Problem::Forbidden(forbidden))
    }

    /// The message for `problem`: what is wrong, what the component has, what gwb runs, the fix.
    fn refusal(&self, problem: &Problem) -> String {
        let folder = format!("wit/gwb-rules@{SERVED}");
        let tooling = "with your language's component tooling (the Rust SDK in plugins/sdk, \
                       componentize-py, or componentize-js/jco)";
        let rebuild = format!("Rebuild it against {folder} (world rule-plugin) {tooling}");
        let (what, fix) = match problem {
            Problem::Version {
                name,
                version: Some(version),
            } if version.major == SERVED.major && version.pre.is_empty() => (
                format!(
                    "it was built against {PACKAGE}@{version} ({name}), a newer contract than \
                     the {PACKAGE}@{SERVED} this gwb serves"
                ),
                format!(
                    "Use a gwb that serves {PACKAGE}@{version}, or rebuild the plugin against \
                     {folder} (world rule-plugin) {tooling}."
                ),
            ),
            Problem::Version {
                name,
                version: Some(version),
            } => (
                format!(
                    "it was built against {PACKAGE}@{version} ({name}), a contract version this \
                     gwb does not run"
                ),
                format!("{rebuild}."),
            ),
            Problem::Version {
                name,
                version: None,
            } => (
                format!("it uses {name} without a valid {PACKAGE} version"),
                format!("{rebuild}."),
            ),
            Problem::NoPlugin => (
                format!("it exports no {PACKAGE}/{PLUGIN} interface"),
                format!("{rebuild}; a plain WebAssembly module or another world is not a plugin."),
            ),
            Problem::Forbidden(names) => (
                format!(
                    "it imports {}, which gwb does not give plugins",
                    names.join(", ")
                ),
                format!(
                    "{rebuild}, leaving out what needs those imports (with componentize-js: \
                     -d http fetch-event)."
                ),
            ),
            Problem::Mismatch(cause) => (
                format!("its interfaces do not match {PACKAGE}@{SERVED}: {cause}"),
                format!("{rebuild}."),
            ),
        };
        format!(
            "{what}. It exports {}; it imports {}. This gwb runs components that export \
             {PACKAGE}/{PLUGIN} of {PACKAGE} {}.x up to {SERVED} and import only {}, and WASI \
             {}.{} ({}; all locked down). {fix}",
            list(&self.exports),
            list(&self.imports),
            SERVED.major,
            HOST_INTERFACES.map(|i| format!("{PACKAGE}/{i}")).join(", "),
            WASI_VERSION.0,
            WASI_VERSION.1,
            WASI_PACKAGES.join(", "),
        )
    }
}

/// Whether a plugin may import `name` (its `gwb:rules` version is checked separately).
fn allowed_import(name: &str) -> bool {
    let Some((package, interface, version)) = split(name) else {
        return false;
    };
    if package == PACKAGE {
        return HOST_INTERFACES.contains(&interface);
    }
    WASI_PACKAGES.contains(&package)
        && version
            .and_then(|v| Version::parse(v).ok())
            .is_some_and(|v| (v.major, v.minor) == WASI_VERSION && v.pre.is_empty())
}

/// `a, b, c`, or `nothing`.
fn list(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests;
