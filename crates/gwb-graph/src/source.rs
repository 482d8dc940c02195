//! One round of reading: groups and users (full or incremental), merged into complete groups,
//! plus the checkpoint the caller commits once the round's data is safely used.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gwb_model::clock::{self, Clock};
use gwb_model::printable::printable;
use gwb_model::{CloudDelete, CloudGroup, Member, MemberKind, UserAnchor, WritebackConfiguration};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::collect::{self, GroupCollector, GroupEntry};
use crate::config::GraphConfig;
use crate::error::GraphError;
use crate::exchange_settings;
use crate::http::{GraphClient, RequestStats};
use crate::state::{self, SourceState, StateBinding, StateChange, StateError};

mod on_demand;

/// Group properties read on every round (`members` tracks direct membership).
const GROUP_PROPERTIES: &str = "displayName,description,mail,mailNickname,mailEnabled,\
securityEnabled,groupTypes,proxyAddresses,visibility,onPremisesSyncEnabled,\
onPremisesSecurityIdentifier,onPremisesSamAccountName,securityIdentifier,createdDateTime,\
deletedDateTime,onPremisesExtensionAttributes";
/// User properties read on every round: the on-premises anchors.
const USER_PROPERTIES: &str = "userPrincipalName,onPremisesSecurityIdentifier,\
onPremisesImmutableId,onPremisesDistinguishedName,onPremisesSyncEnabled,onPremisesSamAccountName";
/// Up to this many changed groups, `writebackConfiguration` is read by id; above, by listing.
const WRITEBACK_BY_ID_LIMIT: usize = 150;
/// Ids per `$filter=id in (...)` request (Graph's limit for `in` is 15 values).
const IDS_PER_REQUEST: usize = 15;
/// Pages one chain of `@odata.nextLink`s may have (one collection in one round). The largest
/// tenants hold a few million objects; at Graph's page sizes (100 to 999 items, fewer for groups
/// with many members) that is tens of thousands of pages. 100,000 is far above any real tenant,
/// yet ends a chain a server makes endless.
const MAX_PAGES_PER_CHAIN: u64 = 100_000;
/// Times in a row a page may name itself as its `@odata.nextLink` (Graph may serve a page again,
/// which the collectors absorb) before the chain counts as stuck.
const MAX_SAME_LINK: u32 = 5;

/// When the source runs a full round on its own.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Every N-th committed round is full (delta is known to miss some member removals).
    pub full_every_runs: Option<u32>,
    /// A round is full when the last full round is at least this old.
    pub full_every: Option<Duration>,
    /// The wall clock, for the source (the age of the last full round) and its client (token
    /// assertions, HTTP-date `Retry-After`s); tests inject a fixed one.
    pub clock: Clock,
    /// An opaque fingerprint of how the caller uses what it reads (its rules). When it differs
    /// from the one committed with the state, the round is full, so new rules reach every
    /// group and not only the ones that change.
    pub rules_fingerprint: String,
    /// The objectGUID of the AD domain the caller writes to. The state records it, with the
    /// tenant and client id, and is refused for any other ([`StateBinding`]).
    pub ad_domain_guid: Option<String>,
}

impl Default for SourceOptions {
    fn default() -> Self {
        Self {
            full_every_runs: None,
            full_every: None,
            clock: clock::system_clock,
            rules_fingerprint: String::new(),
            ad_domain_guid: None,
        }
    }
}

/// Options of one round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundOptions {
    /// Read everything, ignoring saved delta links.
    pub force_full: bool,
}

/// Why a round read everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FullReason {
    /// No state was saved yet.
    NoState,
    /// The caller asked for it.
    Forced,
    /// `full_every_runs` was reached.
    EveryRuns(u32),
    /// `full_every` has passed since the last full round.
    EveryDuration(Duration),
    /// The saved time of the last full round (seconds since the Unix epoch) is later than
    /// now: the clock went back, or the state was altered, so its age is unknown.
    LastFullInFuture(u64),
    /// The properties read changed since the state was saved.
    SelectionChanged,
    /// The caller's rules changed since the state was saved.
    RulesChanged,
    /// Graph refused the delta link (410 Gone, `syncStateNotFound`, `resyncRequired`).
    Resync(String),
}

impl std::fmt::Display for FullReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoState => f.write_str("no saved state yet"),
            Self::Forced => f.write_str("asked for with --full"),
            Self::EveryRuns(runs) => write!(f, "full_every_runs = {runs} reached"),
            Self::EveryDuration(every) => write!(
                f,
                "the last full round is older than {} day(s) (full_every_days)",
                every.as_secs().div_ceil(86_400)
            ),
            Self::LastFullInFuture(secs) => write!(
                f,
                "the last full round is dated in the future ({secs} seconds since 1970-01-01 \
                 UTC): the clock or the saved state is wrong"
            ),
            Self::SelectionChanged => f.write_str("the properties read changed since the last run"),
            Self::RulesChanged => f.write_str("the rules changed since the last run"),
            Self::Resync(why) => write!(f, "Graph asked for a resync: {why}"),
        }
    }
}

/// Counters of one round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundStats {
    /// HTTP requests (retries and token requests included).
    pub requests: u64,
    /// Retries after throttling or transient failures.
    pub retries: u64,
    /// Token requests.
    pub token_requests: u64,
    /// Pages read.
    pub pages: u64,
    /// Groups handed over.
    pub groups: u64,
    /// Deletes handed over.
    pub deletes: u64,
    /// User items read (changed users; all users on a full round).
    pub users: u64,
    /// Member adds and removals read.
    pub member_changes: u64,
    /// Delta links Graph refused (each turned into a full read).
    pub resyncs: u64,
    /// Groups read again by id on an incremental round: those the caller asked to see again
    /// ([`Checkpoint::read_again_next_round`]) and those with a member whose AD lookup keys
    /// changed ([`UserAnchor::ad_lookup_keys`]).
    pub read_again: u64,
    /// Removals handed over again because the last commit asked for them
    /// ([`Checkpoint::delete_again_next_round`]); counted in `deletes` too.
    pub deletes_again: u64,
    /// Microsoft 365 groups whose `allowExternalSenders` and `hideFromAddressLists` were read
    /// (one GET each; only with [`GraphConfig::read_exchange_settings`]).
    pub exchange_settings_read: u64,
    /// Mail-enabled Microsoft 365 groups in this round whose `allowExternalSenders` and
    /// `hideFromAddressLists` could not be read (Graph answered 404 for the group, or 403,
    /// after which the rest of the round is not read; or the id is not a GUID). Each keeps the
    /// values last read (`None` if never read); [`Round::exchange_settings_error`] says why.
    pub exchange_settings_unread: u64,
}

impl RoundStats {
    /// Copies the HTTP counters.
    fn count_requests(&mut self, requests: &RequestStats) {
        self.requests = requests.requests;
        self.retries = requests.retries;
        self.token_requests = requests.token_requests;
    }
}

/// The state to save once the round's data has been used.
#[derive(Debug)]
pub struct Checkpoint {
    /// What this round changes in the state.
    change: StateChange,
    /// The generation of the state this round started from.
    base_generation: u64,
    /// True for an on-demand read ([`Source::read_groups_now`]), which is never committed.
    on_demand: bool,
}

impl Checkpoint {
    /// Asks for these groups again in the next round even if they do not change (groups the
    /// caller could not finish: a rule failure, a conflict). The next incremental round reads
    /// them by id; a full round reads them anyway.
    pub fn read_again_next_round(&mut self, ids: impl IntoIterator<Item = String>) {
        self.change.read_again.extend(ids);
    }

    /// Asks for these removals again in the next round (cloud deletes the caller could not
    /// finish, e.g. a delete AD refused). There is no cloud group to read again, so the next
    /// round, full or incremental, hands each over again as it was, unless Graph lists the
    /// group as live again (restored), which then comes as it is.
    pub fn delete_again_next_round(&mut self, deletes: impl IntoIterator<Item = CloudDelete>) {
        self.change
            .deletes_again
            .extend(deletes.into_iter().map(|d| (d.id, d.hard)));
    }
}

/// What one round read.
#[derive(Debug)]
pub struct Round {
    /// True when groups were read in full: `groups` is then every live group, and AD groups
    /// gwb owns without a cloud twin may be deleted.
    pub full: bool,
    /// Why the round was full.
    pub full_reason: Option<FullReason>,
    /// The changed groups (all groups on a full round) with their complete direct membership,
    /// sorted by id.
    pub groups: Vec<CloudGroup>,
    /// Removed groups, sorted by id. On a full round, groups known from the saved state that
    /// Graph no longer lists are reported as soft deletes (Graph cannot say which kind).
    pub deletes: Vec<CloudDelete>,
    /// On-premises anchors by user id: every user that is a direct member of a group in
    /// `groups`, plus every user added or changed in this round (all users on a full round).
    pub users: BTreeMap<String, UserAnchor>,
    /// On-premises SIDs by group id of the groups synced from AD that are direct members of a
    /// group in `groups` (see [`CloudGroup::synced_sid`]).
    pub group_sids: BTreeMap<String, String>,
    /// Users removed in this round, sorted.
    pub removed_users: Vec<String>,
    /// Why [`RoundStats::exchange_settings_unread`] groups' settings could not be read: the
    /// first failure, or the refusal (403) that stopped the reads; `None` when all were read.
    pub exchange_settings_error: Option<String>,
    /// Counters.
    pub stats: RoundStats,
    /// Pass to [`Source::commit`] after the data is used.
    pub checkpoint: Checkpoint,
}

/// Why a round could not be read or committed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Talking to Graph failed.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The state could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// A group id asked for on demand is not an object id.
    #[error(
        "{id:?} is not a group object id: Entra object ids are GUIDs such as \
         02bd9fd6-8f93-4758-87c3-1fb73740a315 (the group's \"Object ID\" in the Entra admin \
         center); nothing was read"
    )]
    NotAnObjectId {
        /// The id as given.
        id: String,
    },
    /// Groups asked for on demand that Graph does not have (never created, or deleted).
    #[error(
        "group {} not found in the tenant (Graph has no live group with that object id; a \
         deleted group is only under deletedItems); nothing was written",
        ids.join(", ")
    )]
    GroupsNotFound {
        /// The ids, sorted.
        ids: Vec<String>,
    },
    /// An on-demand read's checkpoint was passed to [`Source::commit`].
    #[error(
        "an on-demand read is never committed: it read only the named groups, and saving it \
         would make the next round skip the other groups' changes"
    )]
    OnDemandCommit,
}

/// The Graph source: reads rounds and keeps the state that makes the next one incremental.
pub struct Source {
    /// The client.
    client: GraphClient,
    /// Where the state lives.
    state_path: PathBuf,
    /// The pair this source reads for: the state must be this pair's.
    binding: StateBinding,
    /// The committed state, if any (shared with a background save in progress).
    state: Option<Arc<SourceState>>,
    /// Bumped on every commit.
    generation: u64,
    /// Scheduling options.
    options: SourceOptions,
    /// Bytes of the state snapshot on disk.
    snapshot_bytes: u64,
    /// Bytes of the journal's valid entries on disk.
    journal_bytes: u64,
}

/// The journal may grow to the snapshot's size divided by this before a commit writes a new
/// snapshot (so loading never reads more than 1.5 times the state) ...
const JOURNAL_SNAPSHOT_DIVISOR: u64 = 2;
/// ... or to this, for small states.
const JOURNAL_MIN_BYTES: u64 = 1 << 20;

impl Source {
    /// Builds the client and loads the saved state (a missing file means a first, full round).
    /// A state written for another tenant, client id or AD domain (`options.ad_domain_guid`)
    /// is refused.
    pub fn open(
        config: GraphConfig,
        state_path: impl Into<PathBuf>,
        options: SourceOptions,
    ) -> Result<Self, SourceError> {
        let state_path = state_path.into();
        let binding = StateBinding {
            tenant_id: config.tenant_id.clone(),
            client_id: config.client_id.clone(),
            ad_domain_guid: options.ad_domain_guid.clone(),
        };
        let mut source = Self {
            client: GraphClient::new(config, options.clock)?,
            state_path,
            binding,
            state: None,
            generation: 0,
            options,
            snapshot_bytes: 0,
            journal_bytes: 0,
        };
        source.reload()?;
        Ok(source)
    }

    /// (Re)reads the saved state from disk; refused when it is another pair's.
    fn reload(&mut self) -> Result<(), StateError> {
        let loaded = state::load(&self.state_path)?;
        if let Some(saved) = loaded.as_ref().and_then(|l| l.state.binding.as_ref()) {
            saved.check(&self.state_path, &self.binding)?;
        }
        self.snapshot_bytes = loaded.as_ref().map_or(0, |l| l.snapshot_bytes);
        self.journal_bytes = loaded.as_ref().map_or(0, |l| l.journal_bytes);
        self.state = loaded.map(|l| Arc::new(l.state));
        Ok(())
    }

    /// Reads one round. Nothing is saved: call [`Source::commit`] with the round's checkpoint
    /// once its data has been used. Dropping the future mid-round loses nothing.
    pub async fn read_round(&self, options: RoundOptions) -> Result<Round, SourceError> {
        let selection = self.selection();
        let mut stats = RoundStats::default();
        let mut requests = RequestStats::default();
        let mut full_reason = self.full_reason(options, &selection);
        let empty = SourceState::default();
        let known: &SourceState = match (&self.state, &full_reason) {
            (Some(state), None) => state,
            _ => &empty,
        };
        let result = self
            .read_collections(known, &mut full_reason, &mut stats, &mut requests)
            .await;
        stats.count_requests(&requests);
        let (mut change, mut entries) = result?;
        change.selection = selection;
        change.rules_fingerprint = self.options.rules_fingerprint.clone();
        change.now_unix = unix((self.options.clock)());
        let full = change.full_groups;
        if !full {
            let again = groups_to_read_again(known, &change, &entries);
            if !again.is_empty() {
                let result = self
                    .read_groups_by_id(&again, &mut requests, &mut stats)
                    .await;
                stats.count_requests(&requests);
                for group in result? {
                    stats.read_again += 1;
                    let id = group.id.clone();
                    let group = Box::new(group);
                    entries.insert(
                        id,
                        GroupEntry::Live {
                            group,
                            ops: Vec::new(),
                        },
                    );
                }
            }
        }

        let mut groups = Vec::new();
        let mut deletes = Vec::new();
        for (id, entry) in entries {
            match entry {
                GroupEntry::Live { mut group, ops } => {
                    let mut members = if full {
                        BTreeMap::new()
                    } else {
                        known.members.get(&id).cloned().unwrap_or_default()
                    };
                    collect::apply_ops(&mut members, &ops);
                    group.members = members
                        .iter()
                        .map(|(id, kind)| Member {
                            id: id.clone(),
                            kind: *kind,
                        })
                        .collect();
                    let sid = group.synced_sid().map(str::to_owned);
                    change.synced_groups.insert(id.clone(), sid);
                    change.members.insert(id, Some(members));
                    groups.push(*group);
                }
                GroupEntry::Removed { hard } => {
                    change.synced_groups.insert(id.clone(), None);
                    change.members.insert(id.clone(), None);
                    deletes.push(CloudDelete { id, hard });
                }
            }
        }
        if full {
            // Groups the saved state knew that a full read no longer lists.
            if let Some(previous) = &self.state {
                for id in previous.members.keys() {
                    if !change.members.contains_key(id) {
                        deletes.push(CloudDelete {
                            id: id.clone(),
                            hard: false,
                        });
                    }
                }
            }
        }
        stats.deletes_again = self.deletes_again(&change, &mut deletes);
        deletes.sort();
        if self.client.config().read_writeback_configuration && !groups.is_empty() {
            let result = self
                .read_writeback(&mut groups, full, &mut requests, &mut stats)
                .await;
            stats.count_requests(&requests);
            result?;
        }
        let mut exchange_settings_error = None;
        if self.client.config().read_exchange_settings {
            let result = exchange_settings::read(&self.client, &groups, &mut requests).await;
            stats.count_requests(&requests);
            let reads = result?;
            let none = BTreeMap::new();
            let saved = self.state.as_ref().map_or(&none, |s| &s.exchange_settings);
            reads.apply(
                &mut groups,
                &deletes,
                saved,
                full,
                &mut change.exchange_settings,
            );
            stats.exchange_settings_read = reads.read.len() as u64;
            stats.exchange_settings_unread = reads.unread;
            exchange_settings_error = reads.error;
        }
        let (users, removed_users) = self.round_users(&groups, &change, known);
        let group_sids = nested_synced_groups(&groups, &change, known);
        stats.groups = groups.len() as u64;
        stats.deletes = deletes.len() as u64;
        Ok(Round {
            full,
            full_reason,
            groups,
            deletes,
            users,
            group_sids,
            removed_users,
            exchange_settings_error,
            stats,
            checkpoint: Checkpoint {
                change,
                base_generation: self.generation,
                on_demand: false,
            },
        })
    }

    /// Saves a round's state crash-safely; the next round continues from it.
    pub async fn commit(&mut self, checkpoint: Checkpoint) -> Result<(), SourceError> {
        if checkpoint.on_demand {
            return Err(SourceError::OnDemandCommit);
        }
        if checkpoint.base_generation != self.generation {
            return Err(StateError::Stale.into());
        }
        let change = checkpoint.change;
        let generation = match &self.state {
            Some(state) => state.next_generation(&self.state_path)?,
            None => 1,
        };
        // A full round rewrites most of the state: a snapshot. Otherwise the change goes to
        // the journal, unless the journal has grown too large to replay cheaply. A state from
        // before bindings adopts this source's pair now, in a snapshot (journal entries do not
        // carry it); from then on it is refused to any other pair.
        let line = match &self.state {
            Some(state)
                if !change.full_groups
                    && !change.full_users
                    && self.snapshot_bytes > 0
                    && state.binding.is_some() =>
            {
                Some(state::journal_line(generation, &change)?)
            }
            _ => None,
        };
        let limit = (self.snapshot_bytes / JOURNAL_SNAPSHOT_DIVISOR).max(JOURNAL_MIN_BYTES);
        let line = line.filter(|line| self.journal_bytes + line.len() as u64 <= limit);
        let mut state = self.state.take().unwrap_or_default();
        let next = Arc::make_mut(&mut state);
        next.apply(generation, change);
        next.binding = Some(self.binding.clone());
        self.state = Some(Arc::clone(&state));
        self.generation += 1;
        let path = self.state_path.clone();
        let valid = self.journal_bytes;
        let snapshot = line.is_none();
        let saved = tokio::task::spawn_blocking(move || match line {
            None => state::save_snapshot(&path, &state).map(|bytes| (bytes, 0)),
            Some(line) => state::append(&path, valid, &line).map(|journal| (0, journal)),
        })
        .await
        .map_err(|e| StateError::Writer(e.to_string()))
        .and_then(|saved| saved);
        match saved {
            Ok((snapshot_bytes, journal_bytes)) => {
                if snapshot {
                    self.snapshot_bytes = snapshot_bytes;
                }
                self.journal_bytes = journal_bytes;
                Ok(())
            }
            Err(e) => {
                // Memory must not run ahead of disk: fall back to what is saved.
                if self.reload().is_err() {
                    self.state = None;
                }
                Err(e.into())
            }
        }
    }

    /// Adds to `deletes` the removals the last commit asked for again, except those this round
    /// already delivers (listed live again, or removed again); returns how many it added.
    fn deletes_again(&self, change: &StateChange, deletes: &mut Vec<CloudDelete>) -> u64 {
        let Some(pending) = self.state.as_ref().map(|s| &s.deletes_again) else {
            return 0;
        };
        let delivered: BTreeSet<String> = deletes.iter().map(|d| d.id.clone()).collect();
        let again: Vec<CloudDelete> = pending
            .iter()
            .filter(|(id, _)| !change.members.contains_key(*id) && !delivered.contains(*id))
            .map(|(id, hard)| CloudDelete {
                id: id.clone(),
                hard: *hard,
            })
            .collect();
        let count = again.len() as u64;
        deletes.extend(again);
        count
    }

    /// The anchors a round hands over: members of its groups plus changed users; and the ids
    /// of removed users.
    fn round_users(
        &self,
        groups: &[CloudGroup],
        change: &StateChange,
        known: &SourceState,
    ) -> (BTreeMap<String, UserAnchor>, Vec<String>) {
        let mut users = BTreeMap::new();
        let mut removed = Vec::new();
        for (id, anchor) in &change.users {
            match anchor {
                Some(anchor) => {
                    users.insert(id.clone(), anchor.clone());
                }
                None => removed.push(id.clone()),
            }
        }
        for member in groups
            .iter()
            .flat_map(|g| &g.members)
            .filter(|m| m.kind == MemberKind::User)
        {
            if users.contains_key(&member.id) || change.users.contains_key(&member.id) {
                continue;
            }
            if let Some(anchor) = known.users.get(&member.id) {
                users.insert(member.id.clone(), anchor.clone());
            }
        }
        (users, removed)
    }

    /// Reads users then groups, each from its delta link or in full; a refused delta link
    /// turns that collection's read into a full one.
    async fn read_collections(
        &self,
        known: &SourceState,
        full_reason: &mut Option<FullReason>,
        stats: &mut RoundStats,
        requests: &mut RequestStats,
    ) -> Result<(StateChange, BTreeMap<String, GroupEntry>), GraphError> {
        let mut change = StateChange {
            full_users: known.users_delta_link.is_none(),
            full_groups: known.groups_delta_link.is_none(),
            ..StateChange::default()
        };
        let no_users = BTreeMap::new();

        // Users.
        let users_start = known.users_delta_link.as_deref();
        change.users_delta_link = match self
            .read_users(
                users_start,
                &mut change.users,
                &known.users,
                stats,
                requests,
            )
            .await
        {
            Err(GraphError::Resync { reason, .. }) if users_start.is_some() => {
                tracing::warn!(
                    reason = %printable(&reason),
                    "users delta link refused; reading all users"
                );
                stats.resyncs += 1;
                change.users.clear();
                change.full_users = true;
                self.read_users(None, &mut change.users, &no_users, stats, requests)
                    .await?
            }
            other => other?,
        };

        // Groups.
        let groups_start = known.groups_delta_link.as_deref();
        let mut collector = GroupCollector::default();
        change.groups_delta_link = match self
            .read_groups(groups_start, &mut collector, stats, requests)
            .await
        {
            Err(GraphError::Resync { reason, .. }) if groups_start.is_some() => {
                tracing::warn!(
                    reason = %printable(&reason),
                    "groups delta link refused; reading all groups"
                );
                stats.resyncs += 1;
                collector = GroupCollector::default();
                change.full_groups = true;
                *full_reason = Some(FullReason::Resync(reason));
                self.read_groups(None, &mut collector, stats, requests)
                    .await?
            }
            other => other?,
        };
        stats.member_changes = collector.member_changes;
        Ok((change, collector.entries))
    }

    /// Follows one users delta round to its deltaLink, collecting changes over `known`.
    async fn read_users(
        &self,
        start: Option<&str>,
        changes: &mut BTreeMap<String, Option<UserAnchor>>,
        known: &BTreeMap<String, UserAnchor>,
        stats: &mut RoundStats,
        requests: &mut RequestStats,
    ) -> Result<String, GraphError> {
        let first = start.map(str::to_owned).unwrap_or_else(|| {
            self.client
                .config()
                .graph_url(&format!("v1.0/users/delta?$select={USER_PROPERTIES}"))
        });
        let (link, users_read) = self
            .follow(first, stats, requests, |url, items| {
                collect::add_users_page(changes, known, items).map_err(|source| GraphError::Item {
                    url: url.to_owned(),
                    source,
                })
            })
            .await?;
        stats.users += users_read;
        Ok(link)
    }

    /// Follows one groups delta round to its deltaLink.
    async fn read_groups(
        &self,
        start: Option<&str>,
        collector: &mut GroupCollector,
        stats: &mut RoundStats,
        requests: &mut RequestStats,
    ) -> Result<String, GraphError> {
        let first = start
            .map(str::to_owned)
            .unwrap_or_else(|| self.groups_start_url());
        self.follow(first, stats, requests, |url, items| {
            collector
                .add_page(items)
                .map(|()| 0)
                .map_err(|source| GraphError::Item {
                    url: url.to_owned(),
                    source,
                })
        })
        .await
        .map(|(link, _)| link)
    }

    /// GETs `first` and every `@odata.nextLink` after it (verbatim), handing each page's
    /// items to `page`; returns the final `@odata.deltaLink` and the sum of `page`'s counts.
    async fn follow(
        &self,
        first: String,
        stats: &mut RoundStats,
        requests: &mut RequestStats,
        mut page: impl FnMut(&str, &[Value]) -> Result<u64, GraphError>,
    ) -> Result<(String, u64), GraphError> {
        let mut chain = Chain::new(first, MAX_PAGES_PER_CHAIN);
        let mut counted = 0;
        loop {
            let url = chain.url();
            let body = self.client.get_json(url, requests).await?;
            stats.pages += 1;
            let malformed = |reason: &str| GraphError::Malformed {
                url: url.to_owned(),
                reason: reason.to_owned(),
            };
            let items = body
                .get("value")
                .and_then(Value::as_array)
                .ok_or_else(|| malformed("no `value` array"))?;
            counted += page(url, items)?;
            let link = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
            if let Some(next) = link("@odata.nextLink") {
                self.client.check_link(&next)?;
                chain.advance(next)?;
            } else if let Some(delta) = link("@odata.deltaLink") {
                // Refused before it is saved: the next round would send the token with it.
                self.client.check_link(&delta)?;
                return Ok((delta, counted));
            } else {
                return Err(malformed(
                    "a page has neither `@odata.nextLink` nor `@odata.deltaLink`",
                ));
            }
        }
    }

    /// Fills in `writebackConfiguration` (beta only): by id for a few changed groups, else by
    /// listing every group.
    async fn read_writeback(
        &self,
        groups: &mut [CloudGroup],
        full: bool,
        requests: &mut RequestStats,
        stats: &mut RoundStats,
    ) -> Result<(), GraphError> {
        let base = "beta/groups?$select=id,writebackConfiguration";
        let urls: Vec<String> = if full || groups.len() > WRITEBACK_BY_ID_LIMIT {
            vec![self.client.config().graph_url(base)]
        } else {
            self.by_id_urls(base, groups.iter().map(|g| g.id.as_str()))
        };
        let mut found: BTreeMap<String, Option<WritebackConfiguration>> = self
            .list_groups(urls, requests, stats)
            .await?
            .into_iter()
            .map(|group| (group.id, group.writeback))
            .collect();
        for group in groups {
            group.writeback = found.remove(&group.id).flatten();
        }
        Ok(())
    }

    /// The properties (no members) of these groups; a group Graph no longer has is left out
    /// (its removal arrives through the delta).
    async fn read_groups_by_id(
        &self,
        ids: &BTreeSet<String>,
        requests: &mut RequestStats,
        stats: &mut RoundStats,
    ) -> Result<Vec<CloudGroup>, GraphError> {
        let base = format!("v1.0/groups?$select=id,{}", self.group_properties());
        let urls = self.by_id_urls(&base, ids.iter().map(String::as_str));
        self.list_groups(urls, requests, stats).await
    }

    /// `base` with `$filter=id in (...)`, [`IDS_PER_REQUEST`] ids per URL.
    fn by_id_urls<'a>(&self, base: &str, ids: impl Iterator<Item = &'a str>) -> Vec<String> {
        let ids: Vec<&str> = ids.collect();
        ids.chunks(IDS_PER_REQUEST)
            .map(|chunk| {
                self.client
                    .config()
                    .graph_url(&format!("{base}&{}", id_filter(chunk)))
            })
            .collect()
    }

    /// GETs each URL and its nextLinks; the groups listed (removed items ignored).
    async fn list_groups(
        &self,
        urls: Vec<String>,
        requests: &mut RequestStats,
        stats: &mut RoundStats,
    ) -> Result<Vec<CloudGroup>, GraphError> {
        let mut groups = Vec::new();
        for first in urls {
            self.list(first, requests, stats, |url, body| {
                let item_error = |source| GraphError::Item {
                    url: url.to_owned(),
                    source,
                };
                for item in crate::wire::parse_groups_document(body).map_err(item_error)? {
                    if let crate::wire::GroupItem::Group { group, .. } = item.map_err(item_error)? {
                        groups.push(group);
                    }
                }
                Ok(())
            })
            .await?;
        }
        Ok(groups)
    }

    /// GETs `first` and every `@odata.nextLink` after it (a plain listing, which ends without
    /// a deltaLink), handing each page's URL and body to `page`.
    async fn list(
        &self,
        first: String,
        requests: &mut RequestStats,
        stats: &mut RoundStats,
        mut page: impl FnMut(&str, &Value) -> Result<(), GraphError>,
    ) -> Result<(), GraphError> {
        let mut chain = Chain::new(first, MAX_PAGES_PER_CHAIN);
        loop {
            let url = chain.url();
            let body = self.client.get_json(url, requests).await?;
            stats.pages += 1;
            page(url, &body)?;
            match body.get("@odata.nextLink").and_then(Value::as_str) {
                Some(next) => {
                    self.client.check_link(next)?;
                    chain.advance(next.to_owned())?;
                }
                None => return Ok(()),
            }
        }
    }

    /// The first URL of a full groups round.
    fn groups_start_url(&self) -> String {
        let select = self.group_properties();
        self.client
            .config()
            .graph_url(&format!("v1.0/groups/delta?$select={select},members"))
    }

    /// The group properties read, directory extensions included.
    fn group_properties(&self) -> String {
        let mut select = GROUP_PROPERTIES.to_owned();
        for extension in &self.client.config().directory_extensions {
            select.push(',');
            select.push_str(extension);
        }
        select
    }

    /// A fingerprint of what is read; a change means the saved state no longer fits. (Reading
    /// the Exchange settings adds to it, so states made without them keep their fingerprint.)
    fn selection(&self) -> String {
        let config = self.client.config();
        let exchange = if config.read_exchange_settings {
            "|exchange-settings"
        } else {
            ""
        };
        format!(
            "groups:{}|users:{USER_PROPERTIES}|writeback:{}|synced-group-sids{exchange}",
            self.groups_start_url(),
            config.read_writeback_configuration
        )
    }

    /// Whether (and why) this round must read everything.
    fn full_reason(&self, options: RoundOptions, selection: &str) -> Option<FullReason> {
        let Some(state) = &self.state else {
            return Some(FullReason::NoState);
        };
        if options.force_full {
            return Some(FullReason::Forced);
        }
        if state.selection != selection || state.groups_delta_link.is_none() {
            return Some(FullReason::SelectionChanged);
        }
        if state.rules_fingerprint != self.options.rules_fingerprint {
            return Some(FullReason::RulesChanged);
        }
        if let Some(every) = self.options.full_every_runs
            && state.runs_since_full.saturating_add(1) >= every
        {
            return Some(FullReason::EveryRuns(every));
        }
        if let (Some(every), Some(last)) = (self.options.full_every, state.last_full_unix) {
            // A last full round later than now has no age: full, rather than never full again.
            match unix((self.options.clock)()).checked_sub(last) {
                None => return Some(FullReason::LastFullInFuture(last)),
                Some(age) if age >= every.as_secs() => {
                    return Some(FullReason::EveryDuration(every));
                }
                Some(_) => {}
            }
        }
        None
    }
}

/// The on-premises SIDs of the synced groups nested in `groups`: from this round's change
/// when it read the nested group, else from the saved state.
fn nested_synced_groups(
    groups: &[CloudGroup],
    change: &StateChange,
    known: &SourceState,
) -> BTreeMap<String, String> {
    groups
        .iter()
        .flat_map(|g| &g.members)
        .filter(|m| m.kind == MemberKind::Group)
        .filter_map(|m| {
            let sid = match change.synced_groups.get(&m.id) {
                Some(read) => read.as_ref(),
                None => known.synced_groups.get(&m.id),
            };
            sid.map(|sid| (m.id.clone(), sid.clone()))
        })
        .collect()
}

/// The known groups an incremental round must deliver although the delta did not list them:
/// those the last commit asked for again, and those with a member whose AD lookup keys changed
/// in this round (a cloud-only user that became synced can now be written as a member).
fn groups_to_read_again(
    known: &SourceState,
    change: &StateChange,
    entries: &BTreeMap<String, GroupEntry>,
) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = known.read_again.clone();
    let moved: BTreeSet<&str> = change
        .users
        .iter()
        .filter(|(id, anchor)| {
            let before = known.users.get(*id).map(UserAnchor::ad_lookup_keys);
            before != anchor.as_ref().map(UserAnchor::ad_lookup_keys)
        })
        .map(|(id, _)| id.as_str())
        .collect();
    if !moved.is_empty() {
        for (group, members) in &known.members {
            if members.keys().any(|member| moved.contains(member.as_str())) {
                ids.insert(group.clone());
            }
        }
    }
    ids.retain(|id| !entries.contains_key(id) && known.members.contains_key(id));
    ids
}

/// `$filter=id in ('a','b')` as a query parameter. Each id is an OData string literal (a quote
/// doubled) and the whole value is percent-encoded, so no id, whatever it holds, can change the
/// filter or the query around it. (Object ids are GUIDs, but they arrive from the server and
/// the saved state, so they are not trusted to be.)
fn id_filter(ids: &[&str]) -> String {
    let literals: Vec<String> = ids
        .iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect();
    let filter = format!("id in ({})", literals.join(","));
    // Spaces as %20 rather than the form encoding's `+`; a `+` of the value is already %2B.
    let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    format!("$filter={}", encoded.replace('+', "%20"))
}

/// One chain of pages linked by `@odata.nextLink`: its length is capped, and a link back to a
/// page already read is refused (a page naming itself is tolerated [`MAX_SAME_LINK`] times in
/// a row: Graph may serve a page again).
struct Chain {
    /// The URL to read now.
    current: String,
    /// SHA-256 digests of the URLs read so far (bounded memory for long links).
    seen: BTreeSet<[u8; 32]>,
    /// Pages read before `current`.
    pages: u64,
    /// Times in a row the current page was named as its own next page.
    same: u32,
    /// The cap on pages.
    max_pages: u64,
}

impl Chain {
    /// A chain starting at `first`, of at most `max_pages` pages.
    fn new(first: String, max_pages: u64) -> Self {
        let seen = BTreeSet::from([digest(&first)]);
        Self {
            current: first,
            seen,
            pages: 0,
            same: 0,
            max_pages,
        }
    }

    /// The URL to read now.
    fn url(&self) -> &str {
        &self.current
    }

    /// Moves on to `next`, the `@odata.nextLink` of the page just read.
    fn advance(&mut self, next: String) -> Result<(), GraphError> {
        self.pages += 1;
        let url = || crate::http::without_query(&self.current);
        if self.pages >= self.max_pages {
            return Err(GraphError::TooManyPages {
                url: url(),
                limit: self.max_pages,
            });
        }
        if next == self.current {
            self.same += 1;
            if self.same > MAX_SAME_LINK {
                return Err(GraphError::LinkLoop {
                    url: url(),
                    reason: format!("named the same page {} times in a row", self.same),
                });
            }
            return Ok(());
        }
        if !self.seen.insert(digest(&next)) {
            return Err(GraphError::LinkLoop {
                url: url(),
                reason: "leads back to a page already read in this chain".into(),
            });
        }
        self.same = 0;
        self.current = next;
        Ok(())
    }
}

/// The SHA-256 digest of a URL.
fn digest(url: &str) -> [u8; 32] {
    Sha256::digest(url.as_bytes()).into()
}

/// Seconds since the Unix epoch.
fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_change_the_filter() {
        assert_eq!(
            id_filter(&["g1", "x') or true or ('"]),
            "$filter=id%20in%20%28%27g1%27%2C%27x%27%27%29%20or%20true%20or%20%28%27%27%27%29"
        );
        assert_eq!(
            id_filter(&["a+b&$top=1#"]),
            "$filter=id%20in%20%28%27a%2Bb%26%24top%3D1%23%27%29"
        );
    }

    #[test]
    fn a_chain_is_capped_and_may_not_loop() {
        // Three pages at most: the third is read, a fourth is refused.
        let mut chain = Chain::new("https://g/a".into(), 3);
        chain.advance("https://g/b".into()).unwrap();
        chain.advance("https://g/c?s=1".into()).unwrap();
        assert_eq!(chain.url(), "https://g/c?s=1");
        let err = chain.advance("https://g/d".into()).unwrap_err();
        assert!(
            matches!(&err, GraphError::TooManyPages { url, limit: 3 } if url == "https://g/c"),
            "{err}"
        );

        let mut chain = Chain::new("https://g/a".into(), MAX_PAGES_PER_CHAIN);
        chain.advance("https://g/b".into()).unwrap();
        let err = chain.advance("https://g/a".into()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "https://g/b: its @odata.nextLink leads back to a page already read in this chain, \
             so the chain would never end; nothing from this round is saved"
        );

        // A page naming itself: a replay, up to MAX_SAME_LINK times in a row.
        let mut chain = Chain::new("https://g/a".into(), MAX_PAGES_PER_CHAIN);
        for _ in 0..MAX_SAME_LINK {
            chain.advance("https://g/a".into()).unwrap();
        }
        chain.advance("https://g/b".into()).unwrap();
        for _ in 0..MAX_SAME_LINK {
            chain.advance("https://g/b".into()).unwrap();
        }
        let err = chain.advance("https://g/b".into()).unwrap_err();
        assert!(
            matches!(&err, GraphError::LinkLoop { reason, .. } if reason == "named the same page 6 times in a row"),
            "{err}"
        );
    }
}
