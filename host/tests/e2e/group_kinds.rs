//! `[scope] kinds` through the real `gwb sync`: only the kinds named are written; the others
//! are skipped `by scope` with their reason; widening the scope makes the next round full and
//! writes them; narrowing it removes only what gwb wrote of the kind it drops.

use gwb::exit::Exit;
use serde_json::{Value, json};

use crate::common::{Env, summary};

const ONLY_M365: &str = "[scope]\nkinds = [\"microsoft365\"]\n";
const BOTH: &str = "[scope]\nkinds = [\"microsoft365\", \"security\"]\n";

#[tokio::test(flavor = "multi_thread")]
async fn only_the_kinds_named_are_written_and_changing_them_reaches_every_group() {
    let env = Env::new("kinds", 1, "").await;
    let team = env.gid(1);
    let secgroup = env.gid(2);
    env.emulator.tenant(|t| {
        t.create_group(json!({
            "id": team,
            "displayName": "Kinds Team",
            "mailEnabled": true,
            "securityEnabled": false,
            "groupTypes": ["Unified"],
            "mailNickname": "kindsteam",
            "mail": "kindsteam@contoso.com",
            // As Exchange Online stamps them, so the group is routable on the Exchange-schema
            // DC and draws no warning there.
            "proxyAddresses": [
                "SMTP:kindsteam@contoso.com",
                "smtp:kindsteam@contoso.mail.onmicrosoft.com",
            ],
        }))
        .expect("Microsoft 365 group");
    });
    env.add_group(&secgroup, "Kinds Security", &[]);

    env.write_rules(ONLY_M365);
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let groups = env.groups().await;
    assert_eq!(
        groups.keys().collect::<Vec<_>>(),
        [&team],
        "only the Microsoft 365 group is written"
    );
    assert_eq!(summary(&report)["skipped"], json!({"scope": 1}));
    let notes: &Vec<Value> = report["rules"].as_array().expect("rules");
    assert_eq!(
        notes,
        &vec![json!({
            "object_id": secgroup,
            "display_name": "Kinds Security",
            "result": "skipped",
            "by": "scope",
            "reason": "a security group, and [scope] kinds = [\"microsoft365\"] does not name that kind",
        })]
    );

    // Widening the scope changes the rules fingerprint: the next round is full, without
    // --full, and the security group is written although it did not change in the cloud.
    env.write_rules(BOTH);
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["source"]["full"], true, "{:#}", report["source"]);
    let groups = env.groups().await;
    assert_eq!(groups.keys().collect::<Vec<_>>().len(), 2);
    assert!(groups.contains_key(&secgroup));
    assert_eq!(summary(&report)["created"], 1);

    // Narrowing it again: the security group gwb wrote is no longer desired and goes (the
    // [sync] on_no_longer_desired default, through the delete guards); the Microsoft 365 group
    // stays exactly as it was.
    let before = groups[&team].clone();
    env.write_rules(ONLY_M365);
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let groups = env.groups().await;
    assert_eq!(groups.keys().collect::<Vec<_>>(), [&team]);
    assert_eq!(groups[&team], before);
    assert_eq!(summary(&report)["deleted"], 1);
}
