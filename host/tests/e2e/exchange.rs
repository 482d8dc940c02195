//! The Exchange mapping through the real `gwb sync`, on both DC profiles: in the
//! Exchange-prepared forest a new Microsoft 365 group becomes a RemoteGroupMailbox routed to its
//! `*.mail.onmicrosoft.com` address, with the sender restriction and address-list visibility
//! read from Graph; in the plain forest none of it is written. On both, what Exchange, an
//! administrator or Entra Connect stamped survives every full round, and only values gwb wrote
//! and no longer wants are removed.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use graph_emulator::{Fault, FaultRule};
use gwb::exit::Exit;
use serde_json::{Value, json};

use crate::common::{Env, misbehave, operations, summary};

/// Every attribute the Exchange mapping writes.
const MAPPED: [&str; 8] = [
    "mail",
    "mailNickname",
    "proxyAddresses",
    "targetAddress",
    "msExchRecipientTypeDetails",
    "msExchRecipientDisplayType",
    "msExchRequireAuthToSendTo",
    "msExchHideFromAddressLists",
];

/// RemoteGroupMailbox, 2^43.
const REMOTE_GROUP_MAILBOX: &str = "8796093022208";

/// The DN of the group named `name` gwb writes for the cloud group `id`.
pub(crate) fn dn_of(env: &Env, name: &str, id: &str) -> String {
    format!("CN={name}_{},{}", &id[id.len() - 12..], env.cloud_ou)
}

/// Adds a mail-enabled group to the tenant: a Microsoft 365 group (`unified`) or a
/// mail-enabled security group, with the alias `nickname`, the primary address
/// `<nickname>@contoso.com` and the proxy addresses `proxies`; `settings` are its
/// Exchange-mastered fields (`allowExternalSenders`, `hideFromAddressLists`).
pub(crate) fn add_mail_group(
    env: &Env,
    id: &str,
    name: &str,
    (unified, nickname): (bool, &str),
    proxies: &[String],
    settings: Value,
) {
    let mut group = json!({
        "id": id,
        "displayName": name,
        "mailEnabled": true,
        "securityEnabled": !unified,
        "groupTypes": if unified { vec!["Unified"] } else { vec![] },
        "mailNickname": nickname,
        "mail": format!("{nickname}@contoso.com"),
        "proxyAddresses": proxies,
    });
    if let (Some(group), Some(settings)) = (group.as_object_mut(), settings.as_object()) {
        group.extend(settings.clone());
    }
    env.emulator
        .tenant(|t| t.create_group(group))
        .expect("create group");
}

/// The proxy addresses of a Microsoft 365 group as Exchange Online stamps them: its primary
/// address, its address in the tenant's routing domain and a SharePoint address.
pub(crate) fn cloud_proxies(nickname: &str) -> Vec<String> {
    vec![
        format!("SMTP:{nickname}@contoso.com"),
        format!("smtp:{nickname}@contoso.mail.onmicrosoft.com"),
        format!("SPO:SPO_{nickname}@SPO_e2e"),
    ]
}

/// The entry at `dn` as ldapsearch prints it (every attribute, uSNChanged and whenChanged
/// named so they are there), to compare before and after a run.
pub(crate) fn entry(env: &Env, dn: &str) -> String {
    env.dc
        .ldapsearch(&["-s", "base", "-b", dn, "*", "uSNChanged", "whenChanged"])
}

/// The values of each attribute of the entry at `dn`, by lower-cased name, read with
/// ldapsearch.
fn values(env: &Env, dn: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut values: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in entry(env, dn).lines().skip(1) {
        let (name, value) = if let Some((name, encoded)) = line.split_once(":: ") {
            let bytes = STANDARD.decode(encoded).expect("base64 value");
            (name, String::from_utf8_lossy(&bytes).into_owned())
        } else if let Some((name, value)) = line.split_once(": ") {
            (name, value.to_owned())
        } else {
            continue;
        };
        values
            .entry(name.to_ascii_lowercase())
            .or_default()
            .insert(value);
    }
    values
}

/// The mapped attributes of the entry at `dn` with their values.
fn mapped(env: &Env, dn: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut all = values(env, dn);
    MAPPED
        .iter()
        .filter_map(|name| {
            let name = name.to_ascii_lowercase();
            all.remove(&name).map(|v| (name, v))
        })
        .collect()
}

/// `pairs` as [`mapped`] returns them.
fn expect(pairs: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
    pairs
        .iter()
        .map(|(name, vals)| {
            (
                name.to_ascii_lowercase(),
                vals.iter().map(|v| (*v).to_owned()).collect(),
            )
        })
        .collect()
}

/// Runs a sync (a full round with `full`) that must succeed; returns its report.
async fn sync(env: &Env, full: bool) -> Value {
    let (exit, report) = if full {
        env.run_full(true).await
    } else {
        env.run(true).await
    };
    assert_eq!(exit, Exit::Success, "{report:#}");
    report
}

/// The settings reads (`GET /groups/{id}?$select=…`) the emulator served since request
/// number `since`, by group id.
fn settings_reads(env: &Env, since: usize) -> Vec<String> {
    env.emulator.requests()[since..]
        .iter()
        .filter(|r| r.path_and_query.contains("allowExternalSenders"))
        .map(|r| r.path_and_query.clone())
        .collect()
}

/// The objectGUID of the entry at `dn` as AD gave it, read with ldapsearch, in the text form
/// Exchange's `-Identity` takes (the first three fields little endian).
fn object_guid(env: &Env, dn: &str) -> String {
    let out = env.dc.ldapsearch(&["-s", "base", "-b", dn, "objectGUID"]);
    let encoded = out
        .lines()
        .find_map(|l| l.strip_prefix("objectGUID:: "))
        .unwrap_or_else(|| panic!("no objectGUID for {dn}: {out}"));
    let b = STANDARD.decode(encoded).expect("base64 objectGUID");
    assert_eq!(b.len(), 16, "{dn}");
    let hex = |bytes: &[u8]| bytes.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        hex(&[b[3], b[2], b[1], b[0]]),
        hex(&[b[5], b[4]]),
        hex(&[b[7], b[6]]),
        hex(&b[8..10]),
        hex(&b[10..])
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_microsoft_365_group_is_routed_to_exchange_online_where_the_forest_has_exchange() {
    let env = Env::new("exroute", 0, "").await;
    let exchange = env.dc.is_exchange();
    let (team, local, secure) = (env.gid(0xe1), env.gid(0xe2), env.gid(0xe3));
    add_mail_group(
        &env,
        &team,
        "Team",
        (true, "team"),
        &cloud_proxies("team"),
        json!({"allowExternalSenders": true}),
    );
    // No address in the routing domain: written, but not routable.
    add_mail_group(
        &env,
        &local,
        "Local",
        (true, "local"),
        &["SMTP:local@contoso.com".to_owned()],
        json!({"hideFromAddressLists": true}),
    );
    add_mail_group(
        &env,
        &secure,
        "Secure",
        (false, "secure"),
        &[
            "SMTP:secure@contoso.com".to_owned(),
            "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=secure".to_owned(),
        ],
        json!({}),
    );
    let report = sync(&env, false).await;
    assert_eq!(summary(&report)["created"], 3, "{report:#}");
    let (team_dn, local_dn, secure_dn) = (
        dn_of(&env, "Team", &team),
        dn_of(&env, "Local", &local),
        dn_of(&env, "Secure", &secure),
    );
    let reads = settings_reads(&env, 0);
    if !exchange {
        // A forest without Exchange gets no Exchange attribute, and Graph is not asked for
        // settings that could not be written.
        for dn in [&team_dn, &local_dn, &secure_dn] {
            assert_eq!(mapped(&env, dn), BTreeMap::new(), "{dn}");
        }
        assert_eq!(reads, Vec::<String>::new());
        assert_eq!(report["source"]["exchange_settings_read"], 0);
        assert_eq!(report["update_recipient"], json!([]));
        assert_eq!(report["rules"], json!([]), "no Exchange warning either");
        return;
    }
    assert_eq!(
        mapped(&env, &team_dn),
        expect(&[
            ("mail", &["team@contoso.com"]),
            ("mailNickname", &["team"]),
            (
                "proxyAddresses",
                &[
                    "SMTP:team@contoso.com",
                    "smtp:team@contoso.mail.onmicrosoft.com"
                ]
            ),
            ("targetAddress", &["SMTP:team@contoso.mail.onmicrosoft.com"]),
            ("msExchRecipientTypeDetails", &[REMOTE_GROUP_MAILBOX]),
            ("msExchRecipientDisplayType", &["1"]),
            ("msExchRequireAuthToSendTo", &["FALSE"]),
            ("msExchHideFromAddressLists", &["FALSE"]),
        ]),
        "routed, SPO: dropped, external senders allowed"
    );
    assert_eq!(
        mapped(&env, &local_dn),
        expect(&[
            ("mail", &["local@contoso.com"]),
            ("mailNickname", &["local"]),
            ("proxyAddresses", &["SMTP:local@contoso.com"]),
            ("msExchRecipientDisplayType", &["1"]),
            ("msExchRequireAuthToSendTo", &["TRUE"]),
            ("msExchHideFromAddressLists", &["TRUE"]),
        ]),
        "no routing address: no targetAddress, no RemoteGroupMailbox"
    );
    assert_eq!(
        mapped(&env, &secure_dn),
        expect(&[
            ("mail", &["secure@contoso.com"]),
            ("mailNickname", &["secure"]),
            (
                "proxyAddresses",
                &[
                    "SMTP:secure@contoso.com",
                    "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=secure"
                ]
            ),
            ("msExchRecipientDisplayType", &["1073741833"]),
        ]),
        "a mail-enabled security group is addressed, not routed, and its settings not read"
    );
    // One settings read per Microsoft 365 group, none for the security group.
    let mut expected_reads: Vec<String> = [&team, &local]
        .iter()
        .map(|id| format!("/v1.0/groups/{id}?$select=allowExternalSenders,hideFromAddressLists"))
        .collect();
    expected_reads.sort();
    let mut reads = reads;
    reads.sort();
    assert_eq!(reads, expected_reads);
    assert_eq!(report["source"]["exchange_settings_read"], 2);
    // The unroutable group is named, with what to do.
    let notes: Vec<&Value> = report["rules"].as_array().expect("rules").iter().collect();
    assert_eq!(notes.len(), 1, "{report:#}");
    assert_eq!(notes[0]["object_id"], local.as_str());
    let warning = notes[0]["warnings"][0].as_str().expect("a warning");
    assert!(
        warning.starts_with("not routable to Exchange Online: ")
            && warning.contains("mail.onmicrosoft.com"),
        "{warning}"
    );
    // Each new recipient, with its Update-Recipient line.
    let mut recipients: Vec<Value> = report["update_recipient"]
        .as_array()
        .expect("update_recipient")
        .clone();
    recipients.sort_by_key(|r| r["object_id"].as_str().map(str::to_owned));
    let expected: Vec<Value> = [
        (&team, &team_dn),
        (&local, &local_dn),
        (&secure, &secure_dn),
    ]
    .iter()
    .map(|(id, dn)| {
        let guid = object_guid(&env, dn);
        json!({
            "object_id": id,
            "dn": dn,
            "object_guid": guid,
            "powershell": format!("Update-Recipient -Identity '{guid}'"),
        })
    })
    .collect();
    assert_eq!(recipients, expected);

    // Written once: the next round changes nothing and names no group again.
    let report = sync(&env, true).await;
    assert_eq!(operations(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["update_recipient"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn what_exchange_and_admins_stamp_survives_full_rounds_and_only_what_gwb_wrote_goes() {
    let env = Env::new("exstamp", 0, "").await;
    let exchange = env.dc.is_exchange();
    let (team, local) = (env.gid(0xe4), env.gid(0xe5));
    let mut proxies = cloud_proxies("crew");
    proxies.push("smtp:crew-alias@contoso.com".to_owned());
    add_mail_group(&env, &team, "Crew", (true, "crew"), &proxies, json!({}));
    add_mail_group(
        &env,
        &local,
        "Plain",
        (true, "plain"),
        &["SMTP:plain@contoso.com".to_owned()],
        json!({}),
    );
    sync(&env, false).await;
    let (team_dn, local_dn) = (dn_of(&env, "Crew", &team), dn_of(&env, "Plain", &local));

    // What Update-Recipient and an email address policy stamp, in either forest: an X500
    // address, a policy address, legacyExchangeDN and address-list membership. In the
    // Exchange forest an administrator also routes the unroutable group by hand.
    let x500 =
        "X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=crew";
    let policy = "smtp:crew@onprem.contoso.com";
    let legacy =
        "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=crew";
    env.ldapmodify(&format!(
        "dn: {team_dn}\nchangetype: modify\nadd: proxyAddresses\nproxyAddresses: {x500}\n\
         proxyAddresses: {policy}\n-\nadd: legacyExchangeDN\nlegacyExchangeDN: {legacy}\n-\n\
         add: showInAddressBook\nshowInAddressBook: {}\n-\n\n",
        env.root
    ));
    let by_hand = "SMTP:plain@contoso.mail.onmicrosoft.com";
    if exchange {
        env.ldapmodify(&format!(
            "dn: {local_dn}\nchangetype: modify\nadd: targetAddress\ntargetAddress: {by_hand}\n-\n\
             add: msExchRecipientTypeDetails\nmsExchRecipientTypeDetails: {REMOTE_GROUP_MAILBOX}\n-\n\n"
        ));
    }
    let before = [entry(&env, &team_dn), entry(&env, &local_dn)];
    for round in 1..=2 {
        let report = sync(&env, true).await;
        assert_eq!(report["source"]["full"], true);
        assert_eq!(
            operations(&report),
            Vec::<String>::new(),
            "full round {round}: {report:#}"
        );
        let after = [entry(&env, &team_dn), entry(&env, &local_dn)];
        assert_eq!(after, before, "full round {round}: not one byte changed");
    }

    // The cloud drops a secondary address and the routing address: exactly the values gwb
    // wrote for them go, with targetAddress and RemoteGroupMailbox, which it wrote too; the
    // stamps stay, and so does the hand-made routing of the other group.
    env.emulator
        .tenant(|t| {
            t.update_group(
                &team,
                json!({"proxyAddresses": ["SMTP:crew@contoso.com", "SPO:SPO_crew@SPO_e2e"]}),
            )
        })
        .expect("update group");
    let report = sync(&env, false).await;
    assert_eq!(report["source"]["full"], false);
    let ops = operations(&report);
    let stamps = values(&env, &team_dn);
    assert_eq!(
        stamps["legacyexchangedn"],
        BTreeSet::from([legacy.to_owned()])
    );
    assert_eq!(
        stamps["showinaddressbook"],
        BTreeSet::from([env.root.clone()])
    );
    if !exchange {
        assert_eq!(ops, Vec::<String>::new(), "no Exchange attribute is gwb's");
        assert_eq!(
            stamps["proxyaddresses"],
            BTreeSet::from([x500.to_owned(), policy.to_owned()])
        );
        assert_eq!(mapped(&env, &local_dn), BTreeMap::new());
        return;
    }
    assert_eq!(ops.len(), 1, "{report:#}");
    for removal in [
        "Delete proxyAddresses (2)",
        "Replace targetAddress (0)",
        "Replace msExchRecipientTypeDetails (0)",
    ] {
        assert!(ops[0].contains(removal), "{removal} in {}", ops[0]);
    }
    assert_eq!(
        mapped(&env, &team_dn),
        expect(&[
            ("mail", &["crew@contoso.com"]),
            ("mailNickname", &["crew"]),
            ("proxyAddresses", &["SMTP:crew@contoso.com", x500, policy]),
            ("msExchRecipientDisplayType", &["1"]),
            ("msExchRequireAuthToSendTo", &["TRUE"]),
            ("msExchHideFromAddressLists", &["FALSE"]),
        ])
    );
    assert_eq!(
        mapped(&env, &local_dn),
        expect(&[
            ("mail", &["plain@contoso.com"]),
            ("mailNickname", &["plain"]),
            ("proxyAddresses", &["SMTP:plain@contoso.com"]),
            ("targetAddress", &[by_hand]),
            ("msExchRecipientTypeDetails", &[REMOTE_GROUP_MAILBOX]),
            ("msExchRecipientDisplayType", &["1"]),
            ("msExchRequireAuthToSendTo", &["TRUE"]),
            ("msExchHideFromAddressLists", &["FALSE"]),
        ]),
        "what the administrator stamped is not gwb's to remove"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attribute_the_rules_stop_setting_is_removed_only_where_it_holds_what_gwb_wrote() {
    let editor = |name: &str, only: &str| {
        misbehave(
            name,
            &format!(
                r#"stage = "mapping", mode = "edit-attribute", only = "{only}", pass_others = true, attribute = "info""#
            ),
            "{}",
        )
    };
    let mut env = Env::new(
        "exinfo",
        0,
        &[editor("info-a", "Alpha"), editor("info-c", "Gamma")].concat(),
    )
    .await;
    let ids = [env.gid(0xa1), env.gid(0xa2), env.gid(0xa3)];
    let names = ["Alpha", "Beta", "Gamma"];
    for (id, name) in ids.iter().zip(names) {
        env.add_group(id, name, &[]);
    }
    sync(&env, false).await;
    let dns: Vec<String> = ids
        .iter()
        .zip(names)
        .map(|(id, name)| dn_of(&env, name, id))
        .collect();
    let info = |env: &Env, dn: &str| values(env, dn).remove("info");
    let x = Some(BTreeSet::from(["x".to_owned()]));
    assert_eq!(
        [
            info(&env, &dns[0]),
            info(&env, &dns[1]),
            info(&env, &dns[2])
        ],
        [x.clone(), None, x]
    );
    // An administrator types a note on Beta and overwrites gwb's value on Gamma.
    env.ldapmodify(&format!(
        "dn: {}\nchangetype: modify\nadd: info\ninfo: typed by hand\n-\n\n\
         dn: {}\nchangetype: modify\nreplace: info\ninfo: changed by hand\n-\n\n",
        dns[1], dns[2]
    ));
    // The plugins go: a new rules fingerprint, so a full round.
    env.set_plugins("");
    let report = sync(&env, false).await;
    assert_eq!(report["source"]["full"], true, "{report:#}");
    // Alpha loses gwb's value and its record of it; Gamma only the record of a value that
    // is no longer there.
    assert_eq!(
        operations(&report),
        [
            format!(
                "modify {}: Replace info (0), Delete extensionName (1)",
                dns[0]
            ),
            format!("modify {}: Delete extensionName (1)", dns[2]),
        ],
        "{report:#}"
    );
    let hand = |text: &str| Some(BTreeSet::from([text.to_owned()]));
    assert_eq!(
        [
            info(&env, &dns[0]),
            info(&env, &dns[1]),
            info(&env, &dns[2])
        ],
        [None, hand("typed by hand"), hand("changed by hand")],
        "gwb's value removed; the values it did not write kept"
    );
    let report = sync(&env, true).await;
    assert_eq!(operations(&report), Vec::<String>::new(), "{report:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_adopted_entra_connect_group_keeps_what_connect_and_exchange_stamped() {
    let env = Env::new("exadopt", 0, "").await;
    let exchange = env.dc.is_exchange();
    let id = env.gid(0xc1);
    add_mail_group(
        &env,
        &id,
        "Adopted",
        (true, "adopted"),
        &cloud_proxies("adopted"),
        json!({"allowExternalSenders": true}),
    );
    // The group as Entra Connect wrote it and Exchange stamped it: Connect's name and anchor,
    // the primary address only, and Exchange's X500 and policy addresses and legacyExchangeDN;
    // in the Exchange forest also the recipient attributes, sender restriction on.
    let connect_dn = format!("CN=Group_{id},{}", env.cloud_ou);
    let x500 = "X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=adopted";
    let policy = "smtp:adopted@onprem.contoso.com";
    let legacy =
        "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=adopted";
    let mut ldif = format!(
        "dn: {connect_dn}\nchangetype: add\nobjectClass: group\ngroupType: 8\n\
         adminDescription: Group_{id}\nproxyAddresses: {x500}\nproxyAddresses: {policy}\n\
         legacyExchangeDN: {legacy}\n"
    );
    if exchange {
        ldif += &format!(
            "mail: adopted@contoso.com\nmailNickname: adopted\n\
             proxyAddresses: SMTP:adopted@contoso.com\n\
             targetAddress: SMTP:adopted@contoso.mail.onmicrosoft.com\n\
             msExchRecipientTypeDetails: {REMOTE_GROUP_MAILBOX}\nmsExchRecipientDisplayType: 1\n\
             msExchRequireAuthToSendTo: TRUE\n"
        );
    }
    env.ldapmodify(&(ldif + "\n"));
    let before = values(&env, &connect_dn);
    env.write_rules("[sync]\nadopt_connect_groups = true\n");
    let report = sync(&env, false).await;
    assert_eq!(summary(&report)["adopted"], 1, "{report:#}");
    let dn = dn_of(&env, "Adopted", &id);
    let after = values(&env, &dn);
    assert_eq!(
        after["objectguid"], before["objectguid"],
        "adopted in place"
    );
    assert_eq!(
        after["legacyexchangedn"],
        BTreeSet::from([legacy.to_owned()])
    );
    if !exchange {
        assert_eq!(
            after["proxyaddresses"],
            BTreeSet::from([x500.to_owned(), policy.to_owned()])
        );
        assert_eq!(report["update_recipient"], json!([]));
    } else {
        assert_eq!(
            mapped(&env, &dn),
            expect(&[
                ("mail", &["adopted@contoso.com"]),
                ("mailNickname", &["adopted"]),
                (
                    "proxyAddresses",
                    &[
                        "SMTP:adopted@contoso.com",
                        "smtp:adopted@contoso.mail.onmicrosoft.com",
                        x500,
                        policy
                    ]
                ),
                (
                    "targetAddress",
                    &["SMTP:adopted@contoso.mail.onmicrosoft.com"]
                ),
                ("msExchRecipientTypeDetails", &[REMOTE_GROUP_MAILBOX]),
                ("msExchRecipientDisplayType", &["1"]),
                ("msExchRequireAuthToSendTo", &["FALSE"]),
                ("msExchHideFromAddressLists", &["FALSE"]),
            ]),
            "Exchange's stamps kept beside what the cloud says"
        );
    }
    let report = sync(&env, true).await;
    assert_eq!(operations(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(values(&env, &dn), after, "adopted once, then left as it is");
}

#[tokio::test(flavor = "multi_thread")]
async fn exchange_settings_follow_the_cloud_and_a_refused_read_keeps_them() {
    let env = Env::new("exsettings", 0, "").await;
    let exchange = env.dc.is_exchange();
    let id = env.gid(0xd1);
    add_mail_group(
        &env,
        &id,
        "Board",
        (true, "board"),
        &cloud_proxies("board"),
        json!({"allowExternalSenders": false, "hideFromAddressLists": true}),
    );
    let dn = dn_of(&env, "Board", &id);
    let settings = |env: &Env| {
        let mut all = values(env, &dn);
        ["msexchrequireauthtosendto", "msexchhidefromaddresslists"]
            .map(|name| all.remove(name).map(|v| v.into_iter().collect::<Vec<_>>()))
    };
    let yes = Some(vec!["TRUE".to_owned()]);
    let no = Some(vec!["FALSE".to_owned()]);
    sync(&env, false).await;
    if !exchange {
        assert_eq!(settings(&env), [None, None]);
        assert_eq!(settings_reads(&env, 0), Vec::<String>::new());
        return;
    }
    assert_eq!(settings(&env), [yes.clone(), yes.clone()]);

    // Only the settings change: delta does not see it, the next full round does.
    env.emulator
        .tenant(|t| t.update_group(&id, json!({"allowExternalSenders": true})))
        .expect("update settings");
    let report = sync(&env, false).await;
    assert_eq!(operations(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(settings(&env), [yes.clone(), yes.clone()]);
    let report = sync(&env, true).await;
    assert_eq!(report["source"]["exchange_settings_read"], 1);
    assert_eq!(settings(&env), [no.clone(), yes.clone()]);

    // Exchange Online refuses the read: the values read last stay, and the run says so.
    env.emulator
        .tenant(|t| t.update_group(&id, json!({"hideFromAddressLists": false})))
        .expect("update settings");
    env.emulator
        .inject(FaultRule::next(1, Fault::AccessDenied).on_path("allowExternalSenders"));
    let since = env.emulator.requests().len();
    let report = sync(&env, true).await;
    assert_eq!(settings_reads(&env, since).len(), 1);
    assert_eq!(report["source"]["exchange_settings_read"], 0);
    assert_eq!(report["source"]["exchange_settings_unread"], 1);
    let error = report["source"]["exchange_settings_error"]
        .as_str()
        .expect("the refusal");
    assert!(error.contains("403"), "{error}");
    assert_eq!(operations(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(
        settings(&env),
        [no.clone(), yes],
        "a refused read lifts nothing"
    );
    // Readable again: the cloud's value arrives.
    let report = sync(&env, true).await;
    assert_eq!(report["source"]["exchange_settings_unread"], 0);
    assert_eq!(settings(&env), [no.clone(), no]);
}

/// The issue's attack: a Microsoft 365 group any user may create, named with the typographic
/// single quotes PowerShell also reads as quotes. `gwb plan` prints (summary and report) only
/// Update-Recipient lines that lex under PowerShell's rules as one literal, the DN of the group
/// it will create; `gwb sync` names each group by the objectGUID AD gave it, as an LDAP search
/// reads it back.
#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_group_name_is_one_literal_in_every_update_recipient_line() {
    use gwb_model::escape_dn_value;
    use test_support::shell_lex::{PsWord, powershell_words};

    let env = Env::new("exquote", 0, "").await;
    if !env.dc.is_exchange() {
        return; // No Exchange schema: no recipient, no line (the test above checks that).
    }
    let names = [
        "Sales\u{2019} $(New-Item pwned) \u{2018}x",
        "O'Brien `$(calc)`; \u{201A}\u{201B} \"q\" %PATH% ^&|<>",
    ];
    let ids = [env.gid(0xa1), env.gid(0xa2)];
    for ((id, name), nickname) in ids.iter().zip(names).zip(["salesa", "salesb"]) {
        add_mail_group(
            &env,
            id,
            name,
            (true, nickname),
            &cloud_proxies(nickname),
            json!({}),
        );
    }
    let dns: Vec<String> = ids
        .iter()
        .zip(names)
        .map(|(id, name)| {
            format!(
                "CN={},{}",
                escape_dn_value(&format!("{name}_{}", &id[id.len() - 12..])),
                env.cloud_ou
            )
        })
        .collect();
    let literal = |identity: &str| {
        vec![
            PsWord::Bare("Update-Recipient".into()),
            PsWord::Bare("-Identity".into()),
            PsWord::Quoted(identity.to_owned()),
        ]
    };
    // The summary's line for each group and the report's entries.
    let run = |command: &str| {
        let report_path = env.dir.path().join(format!("{command}.json"));
        let report_arg = report_path.display().to_string();
        let out = env
            .gwb_command(&[command, "--report", &report_arg])
            .output()
            .expect("run gwb");
        let text = String::from_utf8(if command == "plan" {
            out.stderr
        } else {
            out.stdout
        })
        .expect("utf-8");
        assert!(out.status.success(), "{text}");
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(report_path).expect("report"))
                .expect("report JSON");
        (text, report)
    };
    let check = |summary: &str, report: &Value, identities: &[String]| {
        let entries = report["update_recipient"].as_array().expect("entries");
        assert_eq!(entries.len(), 2, "{report:#}");
        for ((id, dn), identity) in ids.iter().zip(&dns).zip(identities) {
            let entry = entries
                .iter()
                .find(|e| e["object_id"] == id.as_str())
                .expect("an entry per group");
            assert_eq!(
                entry["dn"],
                dn.as_str(),
                "the DN stays in the report as data"
            );
            let line = entry["powershell"].as_str().expect("a line");
            assert_eq!(powershell_words(line), Ok(literal(identity)), "{line}");
            let prefix = format!("  - {id}: ");
            let printed: Vec<&str> = summary
                .lines()
                .filter_map(|l| l.strip_prefix(prefix.as_str()))
                .collect();
            assert_eq!(printed, [line], "{summary}");
        }
        // Every line that starts a PowerShell command is one of these.
        let commands = summary.matches("Update-Recipient -Identity").count();
        assert_eq!(commands, 2, "{summary}");
    };

    let (summary, report) = run("plan");
    check(&summary, &report, &dns);
    assert_eq!(report["update_recipient"][0]["object_guid"], Value::Null);

    let (summary, report) = run("sync");
    let guids: Vec<String> = dns.iter().map(|dn| object_guid(&env, dn)).collect();
    check(&summary, &report, &guids);
    for (id, guid) in ids.iter().zip(&guids) {
        let entries = report["update_recipient"].as_array().expect("entries");
        let entry = entries.iter().find(|e| e["object_id"] == id.as_str());
        assert_eq!(entry.expect("entry")["object_guid"], guid.as_str());
    }
}
