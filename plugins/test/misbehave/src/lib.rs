//! misbehave: a test plugin that misbehaves on purpose in the stage its config names, e.g.
//! `{"stage": "naming", "mode": "endless-loop", "only": "Bad group"}` (`only`: misbehave just for
//! the group with that displayName; `"stage": "configure"` misbehaves once, in `configure`). The
//! host's tests check each mode is contained. With `"pass_others": true` the other groups pass
//! untouched instead of getting `ok <id>`, so several misbehave entries, each `only` a different
//! group, can share one chain and leave every other group as the defaults make it.
//!
//! Modes that probe the sandbox (file, env, socket, clock, random, members) do not crash: they
//! report what they saw as the stage's answer (filter: the skip reason; naming: the cn; mapping:
//! the value of `description`), so a test can assert it exactly.

use std::hint::black_box;

use gwb_plugin_sdk::{
    AttributeEdit, CloudGroup, FilterDecision, NamingDecision, Proposal, RuleError, RulePlugin,
    Stages,
};
use serde::Deserialize;

/// The stage a mode runs in.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Stage {
    /// Once, when the host hands the plugin its config.
    Configure,
    #[default]
    Filter,
    Naming,
    Mapping,
}

/// What to do when the stage is called.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    /// Behave: answer `ok <group id>`.
    #[default]
    Ok,
    /// Loop forever.
    EndlessLoop,
    /// Allocate and touch memory until something stops it.
    MemoryBomb,
    /// Panic with the message `misbehave: asked to panic`.
    Panic,
    /// Recurse without end.
    DeepRecursion,
    /// Read /etc/passwd.
    ReadFile,
    /// Read the environment.
    ReadEnv,
    /// Open a TCP connection to 127.0.0.1:80.
    OpenSocket,
    /// Report the wall clock and the monotonic clock.
    ReadClock,
    /// Report 16 random bytes in hex.
    ReadRandom,
    /// Report the number of members and the first and last id, reading them all in pages.
    ReadMembers,
    /// Report the group's facts as the stage got them (by value from a 1.1 host), and whether
    /// they agree with the host's accessors (`group-types`, `members`).
    ReadFacts,
    /// Answer with an invalid attribute name (mapping) or text (filter, naming).
    InvalidAttribute,
    /// Answer with a 2 MiB value.
    HugeValue,
    /// Answer with 10 MiB of text (filter: the skip reason; naming: the cn; mapping: the
    /// description): what gwb keeps of a plugin's text is capped.
    HugeText,
    /// Return a rule error whose message is 10 MiB long.
    HugeError,
    /// Return a rule error.
    RuleError,
    /// Log at every level (and one line with terminal control sequences), then behave.
    Log,
    /// `std::thread::sleep` for 30 s (WASI monotonic-clock subscribe-duration, then block).
    Sleep,
    /// Block on a pollable for an instant 30 s after the clock's now (subscribe-instant).
    WaitInstant,
    /// `wasi:io/poll.poll` on a 30 s timer.
    PollTimer,
    /// Write 1,000 lines to stdout and stderr (WASI blocking-write-and-flush).
    Print,
    /// Log 1,000,000 lines of 100 characters each.
    LogFlood,
    /// Mapping: replace the attribute named by `attribute` in the config with `x`.
    EditAttribute,
    /// Answer text full of terminal control sequences (clear screen, colour, bell, a fake line).
    ControlCharacters,
    /// Leak `leak_kib` KiB of linear memory on every call and never free it, as a JavaScript
    /// plugin's engine does; the group named by `only` (which does not change the mode here)
    /// also needs `need_kib` KiB for the call, freed when it returns. Answers `ok <id>`.
    Leak,
    /// Create 10,000,000 zero-duration timers and never drop them: each is a resource the
    /// host keeps for the instance, outside the plugin's own memory.
    ResourceLeak,
}

/// The plugin's `config`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    stage: Stage,
    #[serde(default)]
    mode: Mode,
    /// Misbehave only for the group with this displayName (others get `ok <id>`); all when unset.
    #[serde(default)]
    only: Option<String>,
    /// With `only`: the other groups pass untouched (filter: write; naming: keep; mapping: no
    /// edit) rather than getting `ok <id>`.
    #[serde(default)]
    pass_others: bool,
    /// What `leak` leaks per call, in KiB (default 2).
    #[serde(default)]
    leak_kib: Option<usize>,
    /// What `leak` needs for the group named by `only`, in KiB.
    #[serde(default)]
    need_kib: usize,
    /// The attribute `edit-attribute` replaces.
    #[serde(default)]
    attribute: Option<String>,
}

/// The configured behaviour.
#[derive(Default)]
struct Misbehave {
    config: Config,
}

/// What a mode answers, turned into the stage's output.
enum Answer {
    Text(String),
    Attribute(String, String),
}

impl Misbehave {
    fn run(&self, stage: Stage, group: &CloudGroup) -> Result<Option<Answer>, RuleError> {
        if stage != self.config.stage {
            return Ok(None);
        }
        let mode = match &self.config.only {
            Some(only)
                if self.config.mode != Mode::Leak
                    && group.display_name() != Some(only.as_str()) =>
            {
                if self.config.pass_others {
                    return Ok(None);
                }
                Mode::Ok
            }
            _ => self.config.mode,
        };
        if mode == Mode::EditAttribute {
            let name = self.config.attribute.clone().unwrap_or_default();
            return Ok(Some(Answer::Attribute(name, "x".into())));
        }
        let text = match mode {
            Mode::Ok | Mode::EditAttribute => format!("ok {}", group.id()),
            Mode::EndlessLoop => endless_loop(),
            Mode::MemoryBomb => memory_bomb(),
            Mode::Panic => panic!("misbehave: asked to panic"),
            Mode::DeepRecursion => format!("depth {}", recurse(black_box(u64::MAX))),
            Mode::ReadFacts => read_facts(group),
            Mode::ReadFile => match std::fs::read_to_string("/etc/passwd") {
                Ok(text) => format!("allowed: read {} bytes", text.len()),
                Err(e) => format!("denied: {e}"),
            },
            Mode::ReadEnv => {
                let vars: Vec<_> = std::env::vars().map(|(k, _)| k).collect();
                match std::env::var("PATH") {
                    Ok(_) => format!("allowed: PATH is set; {} variables", vars.len()),
                    Err(e) => format!("denied: {e}; {} variables", vars.len()),
                }
            }
            Mode::OpenSocket => match std::net::TcpStream::connect("127.0.0.1:80") {
                Ok(_) => "allowed: connected".to_string(),
                Err(e) => format!("denied: {e}"),
            },
            Mode::ReadClock => {
                let wall = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                let start = std::time::Instant::now();
                let elapsed = start.elapsed().as_nanos();
                format!("wall {wall} elapsed {elapsed}")
            }
            Mode::ReadRandom => {
                let mut bytes = [0u8; 16];
                getrandom::fill(&mut bytes).map_err(|e| RuleError::new(e.to_string()))?;
                bytes.iter().map(|b| format!("{b:02x}")).collect()
            }
            Mode::ReadMembers => read_members(group),
            Mode::InvalidAttribute => {
                return Ok(Some(Answer::Attribute("bad name!".into(), "x".into())));
            }
            Mode::HugeValue => "x".repeat(2 << 20),
            Mode::HugeText => "x".repeat(HUGE_TEXT_BYTES),
            Mode::HugeError => return Err(RuleError::new("e".repeat(HUGE_TEXT_BYTES))),
            Mode::Leak => {
                let needy = self.config.only.is_some()
                    && group.display_name() == self.config.only.as_deref();
                leak(
                    self.config.leak_kib.unwrap_or(2),
                    if needy { self.config.need_kib } else { 0 },
                );
                format!("ok {}", group.id())
            }
            Mode::RuleError => {
                return Err(RuleError::new(format!(
                    "misbehave: asked to fail for {}",
                    group.id()
                )));
            }
            Mode::Log => {
                gwb_plugin_sdk::log::debug("misbehave debug");
                gwb_plugin_sdk::log::info("misbehave info");
                gwb_plugin_sdk::log::warn("misbehave warn");
                gwb_plugin_sdk::log::error("misbehave error");
                gwb_plugin_sdk::log::warn("misbehave \u{1b}[31mred\n INFO fake line");
                format!("logged {}", group.id())
            }
            Mode::ControlCharacters => CONTROL_TEXT.into(),
            blocking => format!("returned from {}", misbehave_blocking(blocking)),
        };
        Ok(Some(Answer::Text(text)))
    }
}

/// The length of `huge-text`'s answer and `huge-error`'s message: 10 MiB.
const HUGE_TEXT_BYTES: usize = 10 << 20;

/// What `control-characters` answers (in `configure`: its config error): clear screen, colour,
/// bell, a line break and a forged line, a C1 control sequence.
const CONTROL_TEXT: &str = "\u{1b}[2J\u{1b}[31mred\u{7}\r\nFAKE: all groups deleted\u{9b}0m";

/// The facts of `group` as text, and whether the Microsoft 365 flag and the member count agree
/// with what the host's accessors give.
fn read_facts(group: &CloudGroup) -> String {
    let unified = group
        .group_types()
        .iter()
        .any(|t| t.eq_ignore_ascii_case("Unified"));
    let members = group.members(0, u32::MAX).len();
    format!(
        "id={:?} displayName={:?} mailEnabled={:?} securityEnabled={:?} unified={} \
         onPremisesSyncEnabled={:?} memberCount={} agree={}",
        group.id(),
        group.display_name(),
        group.mail_enabled(),
        group.security_enabled(),
        group.is_unified(),
        group.on_premises_sync_enabled(),
        group.member_count(),
        unified == group.is_unified() && members == group.member_count() as usize
    )
}

/// Runs a mode that blocks or floods (they work in `configure` too); returns its name.
fn misbehave_blocking(mode: Mode) -> &'static str {
    const LONG: std::time::Duration = std::time::Duration::from_secs(30);
    match mode {
        Mode::Sleep => {
            std::thread::sleep(LONG);
            "sleep"
        }
        Mode::WaitInstant => {
            let now = wasip2::clocks::monotonic_clock::now();
            wasip2::clocks::monotonic_clock::subscribe_instant(now + LONG.as_nanos() as u64)
                .block();
            "wait-instant"
        }
        Mode::PollTimer => {
            let timer = wasip2::clocks::monotonic_clock::subscribe_duration(LONG.as_nanos() as u64);
            wasip2::io::poll::poll(&[&timer]);
            "poll-timer"
        }
        Mode::Print => {
            for i in 0..1000 {
                println!("misbehave stdout line {i}");
                eprintln!("misbehave stderr line {i}");
            }
            "print"
        }
        Mode::ResourceLeak => {
            for _ in 0..10_000_000 {
                std::mem::forget(wasip2::clocks::monotonic_clock::subscribe_duration(0));
            }
            "resource-leak"
        }
        Mode::LogFlood => {
            let line = "f".repeat(100);
            for _ in 0..1_000_000 {
                gwb_plugin_sdk::log::info(&line);
            }
            "log-flood"
        }
        _ => "a mode that does not block",
    }
}

fn endless_loop() -> String {
    let mut n = 0u64;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

fn memory_bomb() -> String {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every chunk so it is really committed.
        chunks.push(black_box(vec![1u8; 1 << 20]));
    }
}

/// Leaks `leak_kib` KiB for good and touches `need_kib` KiB for the moment.
fn leak(leak_kib: usize, need_kib: usize) {
    std::mem::forget(black_box(vec![1u8; leak_kib << 10]));
    drop(black_box(vec![1u8; need_kib << 10]));
}

fn recurse(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        black_box(recurse(black_box(n - 1))) + 1
    }
}

fn read_members(group: &CloudGroup) -> String {
    const PAGE: u32 = 1000;
    let total = group.member_count();
    let (mut seen, mut first, mut last) = (0u32, None, None);
    while seen < total {
        let page = group.members(seen, PAGE);
        if page.is_empty() {
            break;
        }
        if first.is_none() {
            first = page.first().map(|m| m.id.clone());
        }
        last = page.last().map(|m| m.id.clone());
        seen += page.len() as u32;
    }
    format!(
        "members {seen} first {} last {}",
        first.unwrap_or_default(),
        last.unwrap_or_default()
    )
}

impl RulePlugin for Misbehave {
    const STAGES: Stages = Stages::all();

    fn configure(config_json: &str) -> Result<Self, RuleError> {
        let config: Config = gwb_plugin_sdk::config::parse(config_json)?;
        if config.stage == Stage::Configure {
            if config.mode == Mode::ControlCharacters {
                return Err(RuleError::new(CONTROL_TEXT));
            }
            misbehave_blocking(config.mode);
        }
        Ok(Self { config })
    }

    fn filter(&mut self, group: &CloudGroup) -> Result<FilterDecision, RuleError> {
        Ok(match self.run(Stage::Filter, group)? {
            None => FilterDecision::Write,
            Some(Answer::Text(t) | Answer::Attribute(t, _)) => FilterDecision::Skip(t),
        })
    }

    fn naming(&mut self, group: &CloudGroup, _: &Proposal) -> Result<NamingDecision, RuleError> {
        Ok(match self.run(Stage::Naming, group)? {
            None => NamingDecision::keep(),
            Some(Answer::Text(t) | Answer::Attribute(t, _)) => NamingDecision::keep().with_cn(t),
        })
    }

    fn mapping(
        &mut self,
        group: &CloudGroup,
        _: &Proposal,
    ) -> Result<Vec<AttributeEdit>, RuleError> {
        Ok(match self.run(Stage::Mapping, group)? {
            None => Vec::new(),
            Some(Answer::Text(t)) => vec![AttributeEdit::replace("description", [t])],
            Some(Answer::Attribute(name, value)) => vec![AttributeEdit::replace(&name, [value])],
        })
    }
}

gwb_plugin_sdk::export_plugin!(Misbehave);
