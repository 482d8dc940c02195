//! Provision on demand: named groups read from Graph now, whatever the delta state holds, and
//! handed over as a [`Round`] that changes no state.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{CloudGroup, Member, MemberKind, UserAnchor};

use super::{Checkpoint, Round, RoundStats, Source, SourceError, USER_PROPERTIES};
use crate::error::GraphError;
use crate::exchange_settings;
use crate::http::RequestStats;
use crate::state::StateChange;
use crate::wire::{self, is_object_id};

/// What the member lists of the named groups said about the members.
#[derive(Default)]
struct MemberLists {
    /// Anchors of the user members.
    users: BTreeMap<String, UserAnchor>,
    /// On-premises SIDs of the nested groups synced from AD.
    group_sids: BTreeMap<String, String>,
}

impl Source {
    /// Reads these groups now, as a round would deliver them: each group's properties (by id),
    /// its direct members from `GET /v1.0/groups/{id}/members` (every `@odata.nextLink`
    /// followed) with each user member's anchors and each nested synced group's SID, and, when
    /// configured, its writeback configuration and Exchange settings.
    ///
    /// The round is incremental and has no deletes, so nothing but these groups is touched
    /// downstream. The delta state is neither used nor changed: its checkpoint is refused by
    /// [`Source::commit`] ([`SourceError::OnDemandCommit`]). Each id must be a GUID (any case)
    /// ([`SourceError::NotAnObjectId`], before any request); a group Graph does not have is
    /// [`SourceError::GroupsNotFound`].
    pub async fn read_groups_now(&self, ids: &[String]) -> Result<Round, SourceError> {
        let mut wanted = BTreeSet::new();
        for id in ids {
            if !is_object_id(id) {
                return Err(SourceError::NotAnObjectId { id: id.clone() });
            }
            wanted.insert(id.to_ascii_lowercase());
        }
        let mut stats = RoundStats::default();
        let mut requests = RequestStats::default();
        let result = self.read_now(&wanted, &mut stats, &mut requests).await;
        stats.count_requests(&requests);
        let (groups, lists, exchange_settings_error) = result?;
        stats.groups = groups.len() as u64;
        stats.users = lists.users.len() as u64;
        Ok(Round {
            full: false,
            full_reason: None,
            groups,
            deletes: Vec::new(),
            users: lists.users,
            group_sids: lists.group_sids,
            removed_users: Vec::new(),
            exchange_settings_error,
            stats,
            checkpoint: Checkpoint {
                change: StateChange::default(),
                base_generation: self.generation,
                on_demand: true,
            },
        })
    }

    /// The groups (sorted by id, members filled in), their member lists, and why some Exchange
    /// settings could not be read.
    async fn read_now(
        &self,
        wanted: &BTreeSet<String>,
        stats: &mut RoundStats,
        requests: &mut RequestStats,
    ) -> Result<(Vec<CloudGroup>, MemberLists, Option<String>), SourceError> {
        let mut groups = self.read_groups_by_id(wanted, requests, stats).await?;
        // Only what was asked for, once each: a server's extra or repeated items are not.
        groups.retain_mut(|group| {
            group.id.make_ascii_lowercase();
            wanted.contains(&group.id)
        });
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        groups.dedup_by(|a, b| a.id == b.id);
        let found: BTreeSet<&String> = groups.iter().map(|g| &g.id).collect();
        let missing: Vec<String> = wanted
            .iter()
            .filter(|id| !found.contains(id))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(SourceError::GroupsNotFound { ids: missing });
        }
        let mut lists = MemberLists::default();
        for group in &mut groups {
            group.members = self
                .read_members(&group.id, &mut lists, requests, stats)
                .await?;
        }
        let config = self.client.config();
        if config.read_writeback_configuration && !groups.is_empty() {
            self.read_writeback(&mut groups, false, requests, stats)
                .await?;
        }
        let mut exchange_settings_error = None;
        if config.read_exchange_settings {
            let reads = exchange_settings::read(&self.client, &groups, requests).await?;
            let none = BTreeMap::new();
            let saved = self.state.as_ref().map_or(&none, |s| &s.exchange_settings);
            // What a round would record for the state is dropped: nothing is saved.
            reads.apply(&mut groups, &[], saved, false, &mut BTreeMap::new());
            stats.exchange_settings_read = reads.read.len() as u64;
            stats.exchange_settings_unread = reads.unread;
            exchange_settings_error = reads.error;
        }
        Ok((groups, lists, exchange_settings_error))
    }

    /// The direct members of group `id` (a checked GUID), sorted by id; what their items say
    /// goes into `lists`. Graph's 404 means the group went away since it was read.
    async fn read_members(
        &self,
        id: &str,
        lists: &mut MemberLists,
        requests: &mut RequestStats,
        stats: &mut RoundStats,
    ) -> Result<Vec<Member>, SourceError> {
        let first = self.client.config().graph_url(&format!(
            "v1.0/groups/{id}/members?$select=id,{USER_PROPERTIES}"
        ));
        let mut members: BTreeMap<String, MemberKind> = BTreeMap::new();
        let MemberLists { users, group_sids } = lists;
        let read = self
            .list(first, requests, stats, |url, body| {
                let item_error = |source| GraphError::Item {
                    url: url.to_owned(),
                    source,
                };
                let items = body
                    .get("value")
                    .and_then(serde_json::Value::as_array)
                    .ok_or_else(|| GraphError::Malformed {
                        url: url.to_owned(),
                        reason: "no `value` array".into(),
                    })?;
                for item in items {
                    let object = wire::parse_member_object(item).map_err(item_error)?;
                    if let Some(anchor) = object.user {
                        users.insert(anchor.id.clone(), anchor);
                    }
                    if let Some(sid) = object.synced_sid {
                        group_sids.insert(object.member.id.clone(), sid);
                    }
                    members.insert(object.member.id, object.member.kind);
                }
                Ok(())
            })
            .await;
        match read {
            Ok(()) => Ok(members
                .into_iter()
                .map(|(id, kind)| Member { id, kind })
                .collect()),
            Err(GraphError::Status { status: 404, .. }) => Err(SourceError::GroupsNotFound {
                ids: vec![id.to_owned()],
            }),
            Err(error) => Err(error.into()),
        }
    }
}
