//! What a plugin can call: read-only views of the group and proposal being processed, and the
//! log. The views read the store's current group and proposal directly, so handing them to a
//! plugin costs no resource-table work and members are copied only when asked for.

use std::sync::Arc;

use gwb_model::printable::printable;
use gwb_model::{CloudGroup, DesiredGroup, MemberKind, TargetCapabilities};
use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::gwb::rules::log::{self, Level};
use crate::bindings::types::{
    self, Attribute, KeyValue, Member, TargetCapabilities as WitTarget, WritebackConfiguration,
};
use crate::bindings::{GroupHandle, ProposalHandle};
use crate::cap::cap;
use crate::limiter::Limiter;
use crate::log_budget::{Admit, LOG_BYTES_PER_RUN, LOG_LINES_PER_RUN, LogBudget};

/// Everything a plugin's store holds.
pub(crate) struct StoreData {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    /// The plugin's name, for log lines.
    plugin: Arc<str>,
    /// What the plugin may still log this run (shared by all its instances).
    log_budget: Arc<LogBudget>,
    /// The group of the current call (an empty group between calls).
    pub(crate) group: Arc<CloudGroup>,
    /// The proposal of the current call, moved in for the call and back out after it.
    pub(crate) proposal: DesiredGroup,
    /// The target's capabilities for the current call.
    pub(crate) target: TargetCapabilities,
    /// The last error-level log message of the current call: the SDK's panic hook logs the panic
    /// message there, so a trap can be explained.
    pub(crate) last_error: Option<String>,
    /// Members copied into the plugin so far.
    pub(crate) members_copied: u64,
}

/// The empty group a store holds between calls (shared, so resetting costs no allocation).
pub(crate) fn no_group() -> Arc<CloudGroup> {
    static EMPTY: std::sync::LazyLock<Arc<CloudGroup>> = std::sync::LazyLock::new(Arc::default);
    Arc::clone(&EMPTY)
}

impl StoreData {
    /// Fresh store state for `plugin` with `memory_bytes` of memory, logging within `log_budget`.
    pub(crate) fn new(plugin: Arc<str>, memory_bytes: usize, log_budget: Arc<LogBudget>) -> Self {
        Self {
            wasi: crate::sandbox::wasi_ctx(),
            table: ResourceTable::new(),
            limiter: Limiter::new(memory_bytes),
            plugin,
            log_budget,
            group: no_group(),
            proposal: DesiredGroup::default(),
            target: TargetCapabilities::default(),
            last_error: None,
            members_copied: 0,
        }
    }
}

impl StoreData {
    /// The store's resource table (WASI's pollables and streams live there).
    pub(crate) fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiView for StoreData {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl log::Host for StoreData {
    fn log(&mut self, level: Level, message: String) {
        // Longer messages are cut so a plugin cannot flood the log or gwb's memory.
        let message = cap(message);
        if level == Level::Error {
            // Kept even past the log cap: it explains a trap (the SDK logs a panic here).
            self.last_error = Some(message.clone());
        }
        let group_id = printable(&self.group.id);
        let (plugin, group) = (&*self.plugin, &*group_id);
        match self.log_budget.admit(message.len()) {
            Admit::Write => {}
            Admit::FirstDropped => {
                tracing::warn!(
                    plugin,
                    group,
                    "the plugin reached its log cap of {LOG_LINES_PER_RUN} lines or \
                     {LOG_BYTES_PER_RUN} bytes for this run; its further lines are counted, \
                     not written"
                );
                return;
            }
            Admit::Dropped => return,
        }
        // One line, shown as stored: no terminal control sequences, no line of its own.
        let message = printable(&message);
        match level {
            Level::Trace => tracing::trace!(plugin, group, "{message}"),
            Level::Debug => tracing::debug!(plugin, group, "{message}"),
            Level::Info => tracing::info!(plugin, group, "{message}"),
            Level::Warn => tracing::warn!(plugin, group, "{message}"),
            Level::Error => tracing::error!(plugin, group, "{message}"),
        }
    }
}

impl types::Host for StoreData {}

fn key_values(map: &std::collections::BTreeMap<String, String>) -> Vec<KeyValue> {
    map.iter()
        .map(|(key, value)| KeyValue {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// The group's number of direct members as the contract gives it (at most `u32::MAX`).
pub(crate) fn member_count(group: &CloudGroup) -> u32 {
    u32::try_from(group.members.len()).unwrap_or(u32::MAX)
}

fn member_kind(kind: MemberKind) -> types::MemberKind {
    match kind {
        MemberKind::User => types::MemberKind::User,
        MemberKind::Group => types::MemberKind::Group,
        MemberKind::Device => types::MemberKind::Device,
        MemberKind::OrgContact => types::MemberKind::OrgContact,
        MemberKind::ServicePrincipal => types::MemberKind::ServicePrincipal,
        MemberKind::Other => types::MemberKind::Other,
    }
}

impl types::HostCloudGroup for StoreData {
    fn id(&mut self, _: Resource<GroupHandle>) -> String {
        self.group.id.clone()
    }
    fn display_name(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.display_name.clone()
    }
    fn description(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.description.clone()
    }
    fn mail(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.mail.clone()
    }
    fn mail_nickname(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.mail_nickname.clone()
    }
    fn mail_enabled(&mut self, _: Resource<GroupHandle>) -> Option<bool> {
        self.group.mail_enabled
    }
    fn security_enabled(&mut self, _: Resource<GroupHandle>) -> Option<bool> {
        self.group.security_enabled
    }
    fn group_types(&mut self, _: Resource<GroupHandle>) -> Vec<String> {
        self.group.group_types.clone()
    }
    fn proxy_addresses(&mut self, _: Resource<GroupHandle>) -> Vec<String> {
        self.group.proxy_addresses.clone()
    }
    fn visibility(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.visibility.clone()
    }
    fn on_premises_sync_enabled(&mut self, _: Resource<GroupHandle>) -> Option<bool> {
        self.group.on_premises_sync_enabled
    }
    fn on_premises_security_identifier(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.on_premises_security_identifier.clone()
    }
    fn on_premises_sam_account_name(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.on_premises_sam_account_name.clone()
    }
    fn security_identifier(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.security_identifier.clone()
    }
    fn created_date_time(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.created_date_time.clone()
    }
    fn deleted_date_time(&mut self, _: Resource<GroupHandle>) -> Option<String> {
        self.group.deleted_date_time.clone()
    }
    fn writeback_configuration(
        &mut self,
        _: Resource<GroupHandle>,
    ) -> Option<WritebackConfiguration> {
        self.group
            .writeback
            .as_ref()
            .map(|w| WritebackConfiguration {
                is_enabled: w.is_enabled,
                on_premises_group_type: w.on_premises_group_type.clone(),
            })
    }
    fn extension_attribute(&mut self, _: Resource<GroupHandle>, index: u8) -> Option<String> {
        if !(1..=15).contains(&index) {
            return None;
        }
        self.group
            .extension_attributes
            .get(&format!("extensionAttribute{index}"))
            .cloned()
    }
    fn extension_attributes(&mut self, _: Resource<GroupHandle>) -> Vec<KeyValue> {
        key_values(&self.group.extension_attributes)
    }
    fn directory_extension(&mut self, _: Resource<GroupHandle>, name: String) -> Option<String> {
        self.group.directory_extensions.get(&name).cloned()
    }
    fn directory_extensions(&mut self, _: Resource<GroupHandle>) -> Vec<KeyValue> {
        key_values(&self.group.directory_extensions)
    }
    fn member_count(&mut self, _: Resource<GroupHandle>) -> u32 {
        member_count(&self.group)
    }
    fn members(&mut self, _: Resource<GroupHandle>, start: u32, count: u32) -> Vec<Member> {
        let members = &self.group.members;
        let start = (start as usize).min(members.len());
        let end = start.saturating_add(count as usize).min(members.len());
        self.members_copied += (end - start) as u64;
        members[start..end]
            .iter()
            .map(|m| Member {
                id: m.id.clone(),
                kind: member_kind(m.kind),
            })
            .collect()
    }
    fn drop(&mut self, _: Resource<GroupHandle>) -> wasmtime::Result<()> {
        // The host only lends the group; there is nothing to free.
        Ok(())
    }
}

impl types::HostProposal for StoreData {
    fn cn(&mut self, _: Resource<ProposalHandle>) -> String {
        self.proposal.cn.clone()
    }
    fn parent_dn(&mut self, _: Resource<ProposalHandle>) -> String {
        self.proposal.parent_dn.clone()
    }
    fn sam_account_name(&mut self, _: Resource<ProposalHandle>) -> Option<String> {
        self.proposal.sam_account_name.clone()
    }
    fn attribute(&mut self, _: Resource<ProposalHandle>, name: String) -> Vec<String> {
        self.proposal.attributes.get(&name).to_vec()
    }
    fn attributes(&mut self, _: Resource<ProposalHandle>) -> Vec<Attribute> {
        self.proposal
            .attributes
            .iter()
            .map(|(name, values)| Attribute {
                name: name.to_owned(),
                values: values.to_vec(),
            })
            .collect()
    }
    fn target(&mut self, _: Resource<ProposalHandle>) -> WitTarget {
        WitTarget {
            exchange_schema: self.target.exchange_schema,
            external_directory_object_id: self.target.external_directory_object_id,
        }
    }
    fn drop(&mut self, _: Resource<ProposalHandle>) -> wasmtime::Result<()> {
        // The host only lends the proposal; there is nothing to free.
        Ok(())
    }
}
