//! One address, one recipient, through the real `gwb plan` and `gwb sync`: a Microsoft 365
//! group claiming the address of an on-premises-only mailbox is a conflict naming that mailbox,
//! which keeps every byte; the group is neither written nor in the plan's LDIF until the
//! address is free. Of two cloud groups claiming one address, the second by object id is a
//! conflict naming the first.

use serde_json::{Value, json};

use crate::common::{Env, operations, summary};
use crate::exchange::{add_mail_group, cloud_proxies, dn_of, entry};

/// The reason gwb gives for an address another object holds, as the group spells it.
fn held_elsewhere(attribute: &str, value: &str) -> String {
    format!(
        "{attribute} {value} is already an address of this object, and Exchange gives each \
         address to one recipient in the forest; remove it from one of them (gwb takes nothing \
         from the other object, and writes this group once the address is free)"
    )
}

/// The conflict of the cloud group `id` named `name`, in the way of `theirs`, for `reason`.
fn conflict(env: &Env, id: &str, name: &str, theirs: &str, reason: &str) -> Value {
    json!({
        "object_id": id,
        "ours": format!("{} (Group_{id})", dn_of(env, name, id)),
        "theirs": theirs,
        "reason": reason,
    })
}

/// The objectGUID (base64) in an ldapsearch `entry`.
fn guid_of(entry: &str) -> String {
    entry
        .lines()
        .find_map(|l| l.strip_prefix("objectGUID:: "))
        .unwrap_or_else(|| panic!("no objectGUID in {entry}"))
        .to_owned()
}

/// The closing summary's line for a conflict of the report.
fn summary_line(c: &Value) -> String {
    let text = |k: &str| c[k].as_str().expect("conflict field").to_owned();
    format!(
        "\n  - CONFLICT {}: {} vs {}: {}\n",
        text("object_id"),
        text("ours"),
        text("theirs"),
        text("reason")
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_claiming_an_on_premises_mailbox_address_is_a_conflict_and_the_mailbox_keeps_it() {
    let env = Env::new("proxy", 0, "").await;
    let exchange = env.dc.is_exchange();
    // An on-premises-only mailbox: no cloud object, its addresses stamped by Exchange.
    let holder = format!("CN=Chief\\, Executive,OU=Users,{}", env.root);
    let sam = format!("ceo{}", env.gid(0)[..13].replace('-', ""));
    env.ldapmodify(&format!(
        "dn: {holder}\nchangetype: add\nobjectClass: user\nsAMAccountName: {sam}\n\
         mail: ceo@contoso.com\nproxyAddresses: SMTP:ceo@contoso.com\n\n"
    ));
    let before = entry(&env, &holder);
    let guid = guid_of(&before);

    let (board, staff, alpha, beta) = (env.gid(0xc1), env.gid(0xc2), env.gid(0xc3), env.gid(0xc4));
    let mut claiming = cloud_proxies("directors");
    claiming.push("smtp:CEO@contoso.com".to_owned());
    add_mail_group(
        &env,
        &board,
        "Directors",
        (true, "directors"),
        &claiming,
        json!({}),
    );
    add_mail_group(
        &env,
        &staff,
        "Staff",
        (true, "staff"),
        &cloud_proxies("staff"),
        json!({}),
    );
    // A crafted tenant: two groups with one address.
    for (id, name) in [(&alpha, "Alpha"), (&beta, "Beta")] {
        let mut proxies = cloud_proxies(&name.to_lowercase());
        proxies.push("smtp:Shared@contoso.com".to_owned());
        add_mail_group(
            &env,
            id,
            name,
            (true, &name.to_lowercase()),
            &proxies,
            json!({}),
        );
    }
    let expected = if exchange {
        json!([
            conflict(
                &env,
                &board,
                "Directors",
                &format!("{holder} (objectGUID {guid})"),
                &held_elsewhere("proxyAddresses", "smtp:CEO@contoso.com"),
            ),
            conflict(
                &env,
                &beta,
                "Beta",
                &format!("{} (Group_{alpha})", dn_of(&env, "Alpha", &alpha)),
                "proxyAddresses smtp:Shared@contoso.com is also an address of that cloud group, \
                 placed first in this run (by object id), and Exchange gives each address to \
                 one recipient; remove it from one of the two cloud groups",
            ),
        ])
    } else {
        // Without the Exchange schema gwb writes no address, so none can collide.
        json!([])
    };

    // The plan: the conflicts in the summary, their groups nowhere in the LDIF.
    let out = env.gwb_command(&["plan"]).output().expect("run gwb plan");
    assert_eq!(out.status.code(), Some(0));
    let ldif = String::from_utf8(out.stdout).expect("UTF-8 LDIF");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 summary");
    for c in expected.as_array().expect("conflicts") {
        let line = summary_line(c);
        assert!(stderr.contains(&line), "{line:?} in:\n{stderr}");
    }
    assert!(ldif.contains(&format!("dn: {}\n", dn_of(&env, "Staff", &staff))));
    assert!(ldif.contains(&format!("dn: {}\n", dn_of(&env, "Alpha", &alpha))));
    for name_and_id in [("Directors", &board), ("Beta", &beta)] {
        let dn = dn_of(&env, name_and_id.0, name_and_id.1);
        assert_eq!(ldif.contains(&dn), !exchange, "{dn} in:\n{ldif}");
    }
    assert!(!ldif.to_lowercase().contains("ceo@contoso.com"), "{ldif}");

    // The sync: the same conflicts, the other groups written, the mailbox untouched.
    let (_, report) = env.run(true).await;
    assert_eq!(report["conflicts"], expected, "{report:#}");
    let skipped = if exchange { 2 } else { 0 };
    assert_eq!(summary(&report)["created"], 4 - skipped, "{report:#}");
    assert_eq!(report["read_again_next_run"], skipped, "{report:#}");
    let written = env.groups().await;
    let mut ids: Vec<&str> = written.keys().map(String::as_str).collect();
    ids.sort();
    if exchange {
        assert_eq!(ids, [staff.as_str(), alpha.as_str()]);
    } else {
        assert_eq!(ids.len(), 4);
    }
    assert_eq!(
        entry(&env, &holder),
        before,
        "not one byte of the mailbox changed"
    );
    if !exchange {
        return;
    }

    // The next run reads the conflicting groups again and writes nothing while the addresses
    // are taken: Beta's now by Alpha's group in AD.
    let alpha_dn = dn_of(&env, "Alpha", &alpha);
    let alpha_guid = guid_of(&entry(&env, &alpha_dn));
    let expected = json!([
        expected[0],
        conflict(
            &env,
            &beta,
            "Beta",
            &format!("{alpha_dn} (objectGUID {alpha_guid}), anchor Group_{alpha}"),
            &held_elsewhere("proxyAddresses", "smtp:Shared@contoso.com"),
        ),
    ]);
    let (_, report) = env.run(true).await;
    assert_eq!(operations(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["conflicts"], expected, "{report:#}");
    assert_eq!(entry(&env, &holder), before);

    // Once the mailbox gives the address up, the group is written with it.
    env.ldapmodify(&format!(
        "dn: {holder}\nchangetype: modify\ndelete: proxyAddresses\n-\ndelete: mail\n-\n\n"
    ));
    let (_, report) = env.run(true).await;
    assert_eq!(report["conflicts"], json!([expected[1]]), "{report:#}");
    assert_eq!(summary(&report)["created"], 1, "{report:#}");
    let proxies = env.dc.ldapsearch(&[
        "-s",
        "base",
        "-b",
        &dn_of(&env, "Directors", &board),
        "proxyAddresses",
    ]);
    assert!(
        proxies.contains("\nproxyAddresses: smtp:CEO@contoso.com\n"),
        "{proxies}"
    );
}
