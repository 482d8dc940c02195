//! Members are copied into a plugin only when it asks for them.

use gwb_model::{DesiredGroup, FilterDecision, Rule, TargetCapabilities};

use crate::support::{group_with_members, load};

#[test]
fn a_plugin_that_reads_members_gets_them_all_in_pages() {
    let mut plugin = load(
        "misbehave",
        r#"{"stage": "naming", "mode": "read-members"}"#,
    )
    .instantiate()
    .unwrap();
    let g = group_with_members("id", "Big", 2500);
    let mut proposal = DesiredGroup::default();
    let naming = plugin
        .naming(&g, &mut proposal, TargetCapabilities::default())
        .unwrap();
    assert_eq!(
        naming.cn.as_deref(),
        Some("members 2500 first m0 last m2499")
    );
    assert_eq!(plugin.stats().members_copied, 2500);
}

#[test]
fn plugins_that_do_not_ask_copy_no_members() {
    let g = group_with_members("id", "Big", 50_000);
    let mut filter = load("group_filter", r#"{"max_members": 10000}"#)
        .instantiate()
        .unwrap();
    assert_eq!(
        filter.filter(&g),
        Ok(FilterDecision::Skip(
            "the group has 50000 direct members, more than max_members 10000".into()
        ))
    );
    let mut naming = load("misbehave", r#"{"stage": "naming", "mode": "ok"}"#)
        .instantiate()
        .unwrap();
    let mut proposal = DesiredGroup::default();
    naming
        .naming(&g, &mut proposal, TargetCapabilities::default())
        .unwrap();
    assert_eq!(filter.stats().members_copied, 0);
    assert_eq!(naming.stats().members_copied, 0);
}

#[test]
fn an_instance_lets_go_of_the_group_after_each_call_so_members_can_move() {
    let g = group_with_members("id", "Big", 50_000);
    let mut filter = load("group_filter", r#"{"max_members": 100000}"#)
        .instantiate()
        .unwrap();
    assert_eq!(filter.filter(&g), Ok(FilterDecision::Write));
    assert_eq!(
        std::sync::Arc::strong_count(&g),
        1,
        "the store must not keep the group, or the pipeline copies 50,000 members"
    );
    let mut naming = load(
        "misbehave",
        r#"{"stage": "naming", "mode": "endless-loop"}"#,
    )
    .instantiate()
    .unwrap();
    let mut proposal = DesiredGroup::default();
    assert!(
        naming
            .naming(&g, &mut proposal, TargetCapabilities::default())
            .is_err()
    );
    assert_eq!(std::sync::Arc::strong_count(&g), 1, "also after a trap");
}
