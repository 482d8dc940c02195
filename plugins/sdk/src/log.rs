//! Logging through the host, tagged there with the plugin and the group being processed.

use crate::bindings::gwb::rules::log::{Level, log};

/// Logs a debug message.
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Logs an informational message.
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Logs a warning: something looks wrong but the rule carried on.
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Logs an error.
pub fn error(message: &str) {
    log(Level::Error, message);
}

/// Sends panic messages to the host's log at error level, so the host can show why a plugin
/// crashed (stderr is discarded by the sandbox). Installed by [`crate::export_plugin!`].
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        error(&format!("panicked: {info}"));
    }));
}
