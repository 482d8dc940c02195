//! Round snapshots and the opaque `$skiptoken` / `$deltatoken` values that point into them.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::delta::{Resource, Selection};

/// How many finished or abandoned rounds stay readable (for replays).
const KEEP_ROUNDS: usize = 8;

/// The items of one round, fixed when it started so later pages are consistent.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// The path links point at, e.g. `/v1.0/groups/delta`.
    pub path: String,
    /// The `@odata.context` collection name (`groups`, `users`, `directoryObjects(id,…)`).
    pub context: String,
    /// Every item of the round, in order.
    pub items: Vec<Value>,
    /// Items per page.
    pub page_size: usize,
    /// The `$deltatoken` of the final page; `None` for plain listings.
    pub delta_token: Option<String>,
}

impl Snapshot {
    /// Number of pages (at least one, possibly empty).
    pub(crate) fn pages(&self) -> usize {
        self.items.len().div_ceil(self.page_size.max(1)).max(1)
    }

    /// The items of page `page`.
    pub(crate) fn page(&self, page: usize) -> &[Value] {
        let size = self.page_size.max(1);
        let start = (page * size).min(self.items.len());
        let end = (start + size).min(self.items.len());
        &self.items[start..end]
    }
}

/// The rounds that can still be paged through.
#[derive(Debug, Default)]
pub(crate) struct Rounds {
    /// Id of the next round.
    next: u64,
    /// Live snapshots by round id.
    live: BTreeMap<u64, Arc<Snapshot>>,
}

impl Rounds {
    /// Registers a new round and returns its id; the oldest rounds are forgotten.
    pub(crate) fn start(&mut self, snapshot: Snapshot) -> (u64, Arc<Snapshot>) {
        self.next += 1;
        let snapshot = Arc::new(snapshot);
        self.live.insert(self.next, Arc::clone(&snapshot));
        while self.live.len() > KEEP_ROUNDS {
            self.live.pop_first();
        }
        (self.next, snapshot)
    }

    /// A round by id, while it is still kept.
    pub(crate) fn get(&self, round: u64) -> Option<Arc<Snapshot>> {
        self.live.get(&round).cloned()
    }
}

/// An opaque `$skiptoken` for page `page` of round `round`.
pub(crate) fn skip_token(round: u64, page: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("gwbemu-skip\u{1f}{round}\u{1f}{page}"))
}

/// Decodes a `$skiptoken`.
pub(crate) fn parse_skip_token(token: &str) -> Option<(u64, usize)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split('\u{1f}');
    if parts.next()? != "gwbemu-skip" {
        return None;
    }
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// What a `$deltatoken` remembers: the collection, the change sequence it covers, the token
/// epoch (invalidated tokens get 410) and the selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeltaState {
    /// The collection.
    pub resource: Resource,
    /// Changes up to and including this sequence number were delivered.
    pub seq: u64,
    /// The token epoch when it was issued.
    pub epoch: u64,
    /// The selection of the round that issued it.
    pub selection: Selection,
}

/// An opaque `$deltatoken`.
pub(crate) fn delta_token(state: &DeltaState) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).unwrap_or_default())
}

/// Decodes a `$deltatoken`.
pub(crate) fn parse_delta_token(token: &str) -> Option<DeltaState> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        assert_eq!(parse_skip_token(&skip_token(7, 3)), Some((7, 3)));
        assert_eq!(parse_skip_token("abc"), None);
        let state = DeltaState {
            resource: Resource::Users,
            seq: 42,
            epoch: 1,
            selection: Selection::parse(Some("id,userPrincipalName")),
        };
        assert_eq!(parse_delta_token(&delta_token(&state)), Some(state));
    }
}
