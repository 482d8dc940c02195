//! The cap on every string a plugin hands gwb as text: a skip reason, a rule error's message, a
//! log line, the name and version `describe` gives. A plugin's memory limit bounds what it can
//! build, but not what gwb would keep of it: a 10 MiB skip reason for each of 200 groups was
//! 2 GB of gwb's own memory and 200 screen-filling lines. So each string is cut to
//! [`MAX_PLUGIN_TEXT_BYTES`] as soon as it is lifted out of the plugin's memory, and the cut
//! says how much went.
//!
//! wasmtime's bindings lift a WIT `string` into an owned `String` (one copy of the whole
//! string, for the duration of the call's return); reading only a prefix would take
//! hand-written `WasmStr` lifting of each export's result type instead of the generated
//! bindings. The copy is bounded by the plugin's own memory limit and is dropped here at once,
//! so what gwb keeps per string is at most the cap.

/// The most bytes of a plugin's text gwb keeps (4 KiB); the rest is cut.
pub const MAX_PLUGIN_TEXT_BYTES: usize = 4096;

/// `text`, or its first [`MAX_PLUGIN_TEXT_BYTES`] (at a character boundary) followed by
/// `… (cut: N of M bytes)`, in a new allocation of that size.
pub(crate) fn cap(text: String) -> String {
    if text.len() <= MAX_PLUGIN_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_PLUGIN_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut capped = format!(
        "{}… (cut: {} of {} bytes)",
        &text[..end],
        text.len() - end,
        text.len()
    );
    capped.shrink_to_fit();
    capped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_cut_at_a_character_with_the_cut_shown() {
        assert_eq!(cap("fine".into()), "fine");
        let exact = "x".repeat(MAX_PLUGIN_TEXT_BYTES);
        assert_eq!(cap(exact.clone()), exact);
        let huge = cap("x".repeat(10 << 20));
        assert_eq!(huge, format!("{exact}… (cut: 10481664 of 10485760 bytes)"));
        assert_eq!(huge.capacity(), huge.len(), "no 10 MiB buffer kept");
        // 'é' is two bytes: the cut never splits it.
        let accents = cap("é".repeat(MAX_PLUGIN_TEXT_BYTES));
        assert!(
            accents.starts_with(&"é".repeat(MAX_PLUGIN_TEXT_BYTES / 2))
                && accents.ends_with("… (cut: 4096 of 8192 bytes)"),
            "{accents}"
        );
    }
}
