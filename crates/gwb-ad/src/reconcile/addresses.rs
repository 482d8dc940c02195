//! One address, one recipient: a desired group that would newly write a `mail` or
//! `proxyAddresses` address another object in the forest holds, or a group earlier in the run
//! (by object id) writes, is a conflict naming that holder. The holder keeps everything.

use std::collections::BTreeMap;

use gwb_model::DesiredGroup;

use super::ReconcileInput;
use crate::addresses::{address_keys, new_addresses};
use crate::read::CurrentGroup;

/// The addresses the groups placed so far in this run write, by key: their identity as the
/// conflict report shows ours.
#[derive(Default)]
pub(super) struct Claims {
    by_key: BTreeMap<String, String>,
}

impl Claims {
    /// Records every address of `d`, placed at `target`, as taken by it.
    pub(super) fn claim(&mut self, d: &DesiredGroup, target: &str) {
        for key in address_keys(&d.attributes).into_keys() {
            self.by_key
                .entry(key)
                .or_insert_with(|| format!("{target} ({})", d.anchor()));
        }
    }
}

/// The first address `d` would newly write that another object holds, or an earlier group of
/// this run claimed: that holder's identity and the reason; `None` when every address is free.
pub(super) fn conflict(
    d: &DesiredGroup,
    twin: Option<&CurrentGroup>,
    input: &ReconcileInput<'_>,
    claims: &Claims,
) -> Option<(String, String)> {
    let twin_guid = twin.map(|t| t.object_guid.as_str());
    for (key, (attribute, value)) in new_addresses(d, twin) {
        let holder = input
            .occupants
            .by_address
            .get(&key)
            .into_iter()
            .flatten()
            .find(|o| Some(o.object_guid.as_str()) != twin_guid);
        if let Some(holder) = holder {
            return Some((
                holder.identity(),
                format!(
                    "{attribute} {value} is already an address of this object, and Exchange \
                     gives each address to one recipient in the forest; remove it from one of \
                     them (gwb takes nothing from the other object, and writes this group once \
                     the address is free)"
                ),
            ));
        }
        if let Some(first) = claims.by_key.get(&key) {
            return Some((
                first.clone(),
                format!(
                    "{attribute} {value} is also an address of that cloud group, placed first \
                     in this run (by object id), and Exchange gives each address to one \
                     recipient; remove it from one of the two cloud groups"
                ),
            ));
        }
    }
    None
}
