//! Any bytes that are JSON, parsed as every Graph shape gwb reads: no panic.
#![no_main]

use gwb_graph::wire::{
    parse_group_item, parse_groups_document, parse_member_list, parse_member_object,
    parse_user_item, parse_users_document,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = parse_group_item(&doc);
    let _ = parse_user_item(&doc);
    let _ = parse_member_object(&doc);
    let _ = parse_groups_document(&doc);
    let _ = parse_users_document(&doc);
    let _ = parse_member_list(&doc);
});
