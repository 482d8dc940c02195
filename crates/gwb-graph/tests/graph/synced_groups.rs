//! Nested groups synced from AD: a round carries their on-premises SIDs, the only identity by
//! which gwb may find them in AD, and only for groups Graph says are synced.

use std::collections::BTreeMap;

use gwb_graph::RoundOptions;
use serde_json::json;

use crate::common::*;

const SALES_SID: &str = "S-1-5-21-1-2-3-2001";

fn sids(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(id, sid)| ((*id).to_owned(), (*sid).to_owned()))
        .collect()
}

#[tokio::test]
async fn rounds_carry_the_sids_of_nested_groups_synced_from_ad_and_only_theirs() {
    let emu = emulator(tenant(0), 3, 500).await;
    emu.tenant(|t| {
        t.create_group(json!({"id": "sales", "displayName": "Sales (AD)",
            "securityEnabled": true, "onPremisesSyncEnabled": true,
            "onPremisesSecurityIdentifier": SALES_SID}))
            .unwrap();
        // A cloud group cannot make itself an AD group by claiming a SID.
        t.create_group(
            json!({"id": "claims", "displayName": "Claims Domain Admins",
            "securityEnabled": true, "onPremisesSecurityIdentifier": "S-1-5-21-1-2-3-512"}),
        )
        .unwrap();
        t.create_group(json!({"id": "was-synced", "displayName": "Sync stopped",
            "securityEnabled": true, "onPremisesSyncEnabled": false,
            "onPremisesSecurityIdentifier": "S-1-5-21-1-2-3-2002"}))
            .unwrap();
        for nested in ["sales", "claims", "was-synced"] {
            t.add_member("g1", nested).unwrap();
        }
    });
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    let full = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(full.full);
    assert_eq!(full.group_sids, sids(&[("sales", SALES_SID)]));
    source.commit(full.checkpoint).await.unwrap();

    // Only g3 changes: the SID of the group it now nests comes from the saved state.
    emu.tenant(|t| t.add_member("g3", "sales").unwrap());
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(ids(&round.groups), ["g3"]);
    assert_eq!(round.group_sids, sids(&[("sales", SALES_SID)]));
    source.commit(round.checkpoint).await.unwrap();

    // The group stops being synced in the same round as g3 changes: the round's read wins.
    emu.tenant(|t| {
        t.update_group("sales", json!({"onPremisesSyncEnabled": null}))
            .unwrap();
        t.add_member("g3", "u1").unwrap();
    });
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), ["g3", "sales"]);
    assert!(round.group_sids.is_empty(), "{:?}", round.group_sids);
    source.commit(round.checkpoint).await.unwrap();

    // And the state remembers that: a later round nesting it finds no SID.
    emu.tenant(|t| t.add_member("g2", "sales").unwrap());
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), ["g2"]);
    assert!(round.group_sids.is_empty(), "{:?}", round.group_sids);
}
