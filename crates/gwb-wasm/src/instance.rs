//! A plugin instance driven through the [`Rule`] trait: one store, reused across groups,
//! rebuilt after any trap and recycled (replaced by a fresh one between groups) before what it
//! accumulated can fail a group.

use std::sync::Arc;
use std::time::Duration;

use gwb_model::{
    AttributeEdit, CloudGroup, DesiredGroup, FilterDecision, Naming, Rule, Stage, StageError,
    Stages, TargetCapabilities,
};
use wasmtime::Store;
use wasmtime::component::Resource;

use crate::bindings::{WitPluginInfo, types};
use crate::cap::cap;
use crate::exports::Exports;
use crate::host::StoreData;
use crate::plugin::{Limits, Shared};
use crate::runtime::TICK;
use crate::{WasmError, fault};

/// Instantiating, `describe` and `configure` get at least this much time (a plugin may compile
/// regular expressions there) ...
const STARTUP_TIME: Duration = Duration::from_secs(1);
/// ... and at least this much fuel.
const STARTUP_FUEL: u64 = 1_000_000_000;
/// [`TICK`] in nanoseconds.
const TICK_NANOS: u64 = TICK.as_nanos() as u64;
/// The epoch deadline when a plugin has no time limit: effectively never.
const NO_DEADLINE: u64 = u64::MAX / 2;

/// A live store with its instance.
pub(crate) struct Live {
    store: Store<StoreData>,
    exports: Exports,
    /// Bytes of memories and tables once `configure` returned: what a fresh instance holds.
    fresh_bytes: usize,
    /// Stage calls served.
    calls: u64,
}

impl Live {
    /// Whether this instance should make way for a fresh one before the next call: it served
    /// `recycle_after_calls` calls, or (with `recycle_on_memory`) it used up more than half the
    /// room a fresh instance has below the memory limit. Half, not a fixed share of the limit:
    /// a JavaScript plugin holds 10 MiB or so when fresh, more than 75 % of a 12 MiB limit, and
    /// would be recycled after every call; half its own room recycles it every few hundred
    /// calls while leaving any one group at least half the room to work in.
    fn worn(&self, limits: &Limits) -> bool {
        let room = limits.memory_bytes.saturating_sub(self.fresh_bytes);
        let grown = self
            .store
            .data()
            .limiter
            .in_use()
            .saturating_sub(self.fresh_bytes);
        limits.recycle_after_calls.is_some_and(|n| self.calls >= n)
            || (limits.recycle_on_memory && grown > room / 2)
    }
}

/// Counters of one [`PluginInstance`], for diagnostics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Members copied into the plugin (only `members(start, count)` copies them).
    pub members_copied: u64,
    /// Times the instance was rebuilt after a fault.
    pub rebuilds: u64,
    /// Times the instance was replaced by a fresh one without a fault: it had served
    /// `recycle_after_calls` calls or its memory ran short (see [`Limits`]).
    pub recycles: u64,
}

/// One instance of a plugin. Give each worker thread its own and reuse it for every group: the
/// instance stays warm, and after a fault it rebuilds itself from the pre-instantiated plugin.
pub struct PluginInstance {
    shared: Arc<Shared>,
    /// `None` only when a rebuild failed; the next call tries again.
    live: Option<Live>,
    stats: CallStats,
}

fn budget(store: &mut Store<StoreData>, limits: &Limits, startup: bool) -> wasmtime::Result<()> {
    let time = match (limits.time, startup) {
        (Some(time), true) => Some(time.max(STARTUP_TIME)),
        (time, _) => time,
    };
    store.set_epoch_deadline(match time {
        // +1: the current tick may be about to end.
        // In u64: a u128 division is a library call, and this runs before every call.
        Some(time) => u64::try_from(time.as_nanos())
            .map(|nanos| nanos.div_ceil(TICK_NANOS))
            .unwrap_or(NO_DEADLINE)
            .saturating_add(1),
        None => NO_DEADLINE,
    });
    if let Some(fuel) = limits.fuel {
        store.set_fuel(if startup {
            fuel.max(STARTUP_FUEL)
        } else {
            fuel
        })?;
    }
    Ok(())
}

fn start_error(
    shared: &Shared,
    step: &'static str,
    error: &wasmtime::Error,
    store: &Store<StoreData>,
) -> WasmError {
    WasmError::Start {
        name: shared.spec.name.clone(),
        path: shared.spec.path.clone(),
        step,
        cause: fault::cause(error, store.data(), &shared.spec.limits),
    }
}

/// Runs `f`, which calls into a plugin, where wasmtime-wasi's blocking calls work. WASI's
/// blocking stdio (a plugin's `println!`) runs a future to completion on the current tokio
/// runtime, which panics on a runtime's own thread ("Cannot start a runtime from within a
/// runtime"); so on such a thread the call runs on a scoped thread of its own, and anywhere
/// else (gwb's worker threads, tests) right here.
fn off_async_runtime<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// A new store with an instance, before `configure`.
fn instantiate(shared: &Shared) -> Result<Live, WasmError> {
    let data = StoreData::new(
        shared.spec.name.as_str().into(),
        shared.spec.limits.memory_bytes,
        Arc::clone(&shared.log_budget),
    );
    let mut store = Store::new(&shared.kit.engine, data);
    store.limiter(|data| &mut data.limiter);
    // What one host call may copy out of the plugin (a log line, a list of edits): no more
    // than the plugin's memory limit, instead of wasmtime's default of 128 MiB.
    store.set_hostcall_fuel(shared.spec.limits.memory_bytes);
    let exports = budget(&mut store, &shared.spec.limits, true)
        .and_then(|()| shared.pre.instantiate(&mut store))
        .map_err(|e| start_error(shared, "instantiating", &e, &store))?;
    Ok(Live {
        store,
        exports,
        fresh_bytes: 0,
        calls: 0,
    })
}

/// A new instance and what its `describe` says.
pub(crate) fn describe(shared: &Shared) -> Result<(Live, WitPluginInfo), WasmError> {
    off_async_runtime(|| describe_here(shared))
}

fn describe_here(shared: &Shared) -> Result<(Live, WitPluginInfo), WasmError> {
    let mut live = instantiate(shared)?;
    let info = budget(&mut live.store, &shared.spec.limits, true)
        .and_then(|()| live.exports.plugin.call_describe(&mut live.store))
        .map_err(|e| start_error(shared, "calling describe", &e, &live.store))?;
    Ok((live, info))
}

/// Hands `live` the plugin's configuration.
pub(crate) fn configure(shared: &Shared, live: Live) -> Result<Live, WasmError> {
    off_async_runtime(|| configure_here(shared, live))
}

fn configure_here(shared: &Shared, mut live: Live) -> Result<Live, WasmError> {
    let result = budget(&mut live.store, &shared.spec.limits, true)
        .and_then(|()| {
            live.exports
                .plugin
                .call_configure(&mut live.store, &shared.spec.config_json)
        })
        .map_err(|e| start_error(shared, "calling configure", &e, &live.store))?;
    result.map_err(|e| WasmError::Configure {
        name: shared.spec.name.clone(),
        path: shared.spec.path.clone(),
        message: cap(e.message),
    })?;
    live.fresh_bytes = live.store.data().limiter.in_use();
    Ok(live)
}

/// A new, configured instance.
pub(crate) fn start(shared: &Shared) -> Result<Live, WasmError> {
    off_async_runtime(|| configure_here(shared, instantiate(shared)?))
}

/// The facts a 1.1 plugin gets by value with every stage call, borrowed from the group: each
/// is what the `cloud-group` accessor of the same name answers (`host.rs`).
fn group_facts(group: &CloudGroup) -> types::GroupFacts<'_> {
    types::GroupFacts {
        id: &group.id,
        display_name: group.display_name.as_deref(),
        mail_enabled: group.mail_enabled,
        security_enabled: group.security_enabled,
        unified: group.is_unified(),
        on_premises_sync_enabled: group.on_premises_sync_enabled,
        member_count: crate::host::member_count(group),
    }
}

/// A borrow of the group or proposal of the current call: the host's accessors read the store's
/// current group and proposal (`host.rs`), so the handle needs no table entry.
fn lend<T: 'static>() -> Resource<T> {
    Resource::new_borrow(0)
}

/// What a stage call lends the plugin besides the group.
struct Lent<'a> {
    proposal: &'a mut DesiredGroup,
    target: TargetCapabilities,
}

impl PluginInstance {
    pub(crate) fn new(shared: Arc<Shared>, live: Live) -> Self {
        Self {
            shared,
            live: Some(live),
            stats: CallStats::default(),
        }
    }

    /// Counters since this instance was made.
    pub fn stats(&self) -> CallStats {
        self.stats
    }

    /// Counts a recycle here and in the plugin's total.
    fn count_recycle(&mut self) {
        self.stats.recycles += 1;
        self.shared
            .recycles
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The live instance, started afresh when there is none (after a recycle, or a failed
    /// rebuild); a start that fails is this group's fault, in the words of a load error.
    fn take_live(&mut self, stage: Stage, group: &CloudGroup) -> Result<Live, StageError> {
        match self.live.take() {
            Some(live) => Ok(live),
            None => start(&self.shared).map_err(|e| {
                StageError::Fault(format!(
                    "{} {stage} stage on group {}: cannot start a fresh instance: {e}",
                    self.shared.label,
                    group.label()
                ))
            }),
        }
    }

    /// Runs one stage call: lends the group (and proposal), sets the budget, calls, takes the
    /// proposal back. A trap becomes a fault after rebuilding the instance, except that a
    /// memory-limit trap on a used instance runs the group again on a fresh one: what earlier
    /// groups left behind must not fail this one. After the call, a worn instance (see
    /// [`Live::worn`]) is dropped so the next call gets a fresh one.
    fn call<R>(
        &mut self,
        stage: Stage,
        group: &Arc<CloudGroup>,
        mut lent: Option<Lent<'_>>,
        f: impl Fn(&Exports, &mut Store<StoreData>) -> wasmtime::Result<Result<R, types::RuleError>>
        + Sync,
    ) -> Result<R, StageError>
    where
        R: Send,
    {
        let shared = Arc::clone(&self.shared);
        let limits = &shared.spec.limits;
        let mut live = self.take_live(stage, group)?;
        let mut result = self.attempt(&mut live, group, lent.as_mut(), &f);
        if result.is_err()
            && limits.recycle_on_memory
            && live.calls > 0
            && live.store.data().limiter.refused_memory.is_some()
        {
            drop(live);
            self.count_recycle();
            live = self.take_live(stage, group)?;
            result = self.attempt(&mut live, group, lent.as_mut(), &f);
        }
        match result {
            Ok(answer) => {
                live.calls += 1;
                if live.worn(limits) {
                    drop(live);
                    self.count_recycle();
                } else {
                    self.live = Some(live);
                }
                answer.map_err(|error| StageError::Rule(cap(error.message)))
            }
            Err(trap) => {
                let cause = fault::cause(&trap, live.store.data(), limits);
                // A trapped store is poisoned: drop it and start afresh for the next group.
                drop(live);
                self.stats.rebuilds += 1;
                let mut message = format!(
                    "{} {stage} stage on group {}: {cause}",
                    self.shared.label,
                    group.label()
                );
                match start(&self.shared) {
                    Ok(live) => self.live = Some(live),
                    Err(e) => {
                        message.push_str(&format!("\n(rebuilding the instance failed too: {e})"))
                    }
                }
                Err(StageError::Fault(message))
            }
        }
    }

    /// One call of `f` on `live` for `group`, with the proposal lent for its duration.
    fn attempt<R: Send>(
        &mut self,
        live: &mut Live,
        group: &Arc<CloudGroup>,
        mut lent: Option<&mut Lent<'_>>,
        f: &(
             impl Fn(&Exports, &mut Store<StoreData>) -> wasmtime::Result<Result<R, types::RuleError>>
             + Sync
         ),
    ) -> wasmtime::Result<Result<R, types::RuleError>> {
        let data = live.store.data_mut();
        data.group = Arc::clone(group);
        data.last_error = None;
        data.limiter.refused_memory = None;
        if let Some(lent) = lent.as_mut() {
            data.proposal = std::mem::take(lent.proposal);
            data.target = lent.target;
        }
        let limits = &self.shared.spec.limits;
        let result = off_async_runtime(|| {
            budget(&mut live.store, limits, false).and_then(|()| f(&live.exports, &mut live.store))
        });
        let data = live.store.data_mut();
        if let Some(lent) = lent {
            *lent.proposal = std::mem::take(&mut data.proposal);
        }
        self.stats.members_copied += std::mem::take(&mut data.members_copied);
        // Hand the group back: with no store holding it, the pipeline can move its members
        // into the proposal instead of copying them.
        data.group = crate::host::no_group();
        result
    }
}

impl Rule for PluginInstance {
    fn name(&self) -> &str {
        &self.shared.spec.name
    }

    fn stages(&self) -> Stages {
        self.shared.info.stages
    }

    fn filter(&mut self, group: &Arc<CloudGroup>) -> Result<FilterDecision, StageError> {
        let decision = self.call(Stage::Filter, group, None, |e, store| match &e.facts {
            Some(facts) => facts.call_filter(store, group_facts(group), lend()),
            None => e.plugin.call_filter(store, lend()),
        })?;
        Ok(match decision {
            types::FilterDecision::Write => FilterDecision::Write,
            types::FilterDecision::Skip(reason) => FilterDecision::Skip(cap(reason)),
        })
    }

    fn naming(
        &mut self,
        group: &Arc<CloudGroup>,
        proposal: &mut DesiredGroup,
        target: TargetCapabilities,
    ) -> Result<Naming, StageError> {
        let lent = Lent { proposal, target };
        let naming = self.call(Stage::Naming, group, Some(lent), |e, store| {
            match &e.facts {
                Some(facts) => facts.call_naming(store, group_facts(group), lend(), lend()),
                None => e.plugin.call_naming(store, lend(), lend()),
            }
        })?;
        Ok(Naming {
            cn: naming.cn,
            parent_dn: naming.parent_dn,
            sam_account_name: naming.sam_account_name,
        })
    }

    fn mapping(
        &mut self,
        group: &Arc<CloudGroup>,
        proposal: &mut DesiredGroup,
        target: TargetCapabilities,
    ) -> Result<Vec<AttributeEdit>, StageError> {
        let lent = Lent { proposal, target };
        let edits = self.call(Stage::Mapping, group, Some(lent), |e, store| {
            match &e.facts {
                Some(facts) => facts.call_mapping(store, group_facts(group), lend(), lend()),
                None => e.plugin.call_mapping(store, lend(), lend()),
            }
        })?;
        Ok(edits
            .into_iter()
            .map(|edit| match edit {
                types::AttributeEdit::Replace(a) => AttributeEdit::Replace {
                    name: a.name,
                    values: a.values,
                },
                types::AttributeEdit::Add(a) => AttributeEdit::Add {
                    name: a.name,
                    values: a.values,
                },
                types::AttributeEdit::Remove(a) => AttributeEdit::Remove {
                    name: a.name,
                    values: a.values,
                },
            })
            .collect())
    }
}
