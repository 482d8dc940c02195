//! Turns a trap or limit hit into words an administrator understands.

use std::fmt::Write;
use std::time::Duration;

use wasmtime::{Trap, WasmBacktrace};

use crate::host::StoreData;
use crate::no_wait::WaitRefused;
use crate::plugin::Limits;

/// The cause of a failed call, in words: "exceeded its 50 ms time budget", "panicked: …", …,
/// followed by the wasm backtrace when there is one.
pub(crate) fn cause(error: &wasmtime::Error, data: &StoreData, limits: &Limits) -> String {
    let mut text = match error.downcast_ref::<Trap>() {
        _ if data.limiter.refused_memory.is_some() => format!(
            "exceeded its {} memory limit (all its memories and tables together)",
            bytes(limits.memory_bytes)
        ),
        _ if let Some(wait) = error.downcast_ref::<WaitRefused>() => wait.to_string(),
        Some(Trap::Interrupt) => match limits.time {
            Some(time) => format!("exceeded its {} time budget", duration(time)),
            None => "was interrupted".to_string(),
        },
        Some(Trap::OutOfFuel) => format!(
            "ran out of fuel ({} units)",
            limits.fuel.unwrap_or_default()
        ),
        Some(Trap::StackOverflow) => "overflowed its stack".to_string(),
        Some(Trap::UnreachableCodeReached) => match &data.last_error {
            // The SDK's panic hook logs the message just before aborting.
            Some(message) if message.starts_with("panicked") => message.clone(),
            _ => "panicked (reached unreachable code)".to_string(),
        },
        Some(trap) => format!("trapped: {trap}"),
        None => format!("failed: {error:#}"),
    };
    if let Some(backtrace) = error.downcast_ref::<WasmBacktrace>() {
        let frames = backtrace.to_string();
        if !frames.trim().is_empty() {
            let _ = write!(text, "\n{}", frames.trim_end());
        }
    }
    text
}

/// `16 MiB`, `512 KiB`, `1000 bytes`.
fn bytes(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// `50 ms`, `2 s`, `1500 µs`.
fn duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else if d.as_micros().is_multiple_of(1000) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} µs", d.as_micros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(bytes(16 << 20), "16 MiB");
        assert_eq!(bytes(512 << 10), "512 KiB");
        assert_eq!(bytes(1000), "1000 bytes");
        assert_eq!(duration(Duration::from_millis(50)), "50 ms");
        assert_eq!(duration(Duration::from_secs(2)), "2 s");
        assert_eq!(duration(Duration::from_micros(1500)), "1500 µs");
    }
}
