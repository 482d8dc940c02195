//! The Graph state belongs to one tenant, app and AD domain: a sync whose rules file names
//! another tenant stops at the saved state, before reading Graph or writing AD, and says what
//! differs and what to do.

use std::process::Output;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::common::{APP_ID, Env, TENANT_ID};

/// Runs gwb with `args`.
fn gwb(env: &Env, args: &[&str]) -> Output {
    env.gwb_command(args).output().expect("run gwb")
}

/// Runs `gwb sync`, which must succeed.
fn sync_ok(env: &Env) {
    let out = gwb(env, &["sync"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The domain head's objectGUID in text form as the DC itself writes it (the extended-DN
/// control, string format, puts `<GUID=…>` before the DN): an oracle independent of gwb's
/// own reading of the GUID's bytes.
fn domain_guid(env: &Env) -> String {
    let ldif = env.dc.ldapsearch(&[
        "-E",
        &format!("!{EXTENDED_DN}=::{STRING_FORMAT}"),
        "-s",
        "base",
        "-b",
        &env.dc.base_dn,
        "1.1",
    ]);
    let dn = ldif
        .lines()
        .find_map(|l| l.strip_prefix("dn:: "))
        .unwrap_or_else(|| panic!("no extended DN in {ldif}"));
    let dn = String::from_utf8(STANDARD.decode(dn).expect("base64")).expect("UTF-8");
    dn.strip_prefix("<GUID=")
        .and_then(|rest| rest.split_once('>'))
        .unwrap_or_else(|| panic!("no GUID in {dn}"))
        .0
        .to_owned()
}

/// The LDAP_SERVER_EXTENDED_DN control's OID.
const EXTENDED_DN: &str = "1.2.840.113556.1.4.529";
/// Its value asking for the string format (BER `SEQUENCE { INTEGER 1 }`), in base64.
const STRING_FORMAT: &str = "MAMCAQE=";

#[tokio::test(flavor = "multi_thread")]
async fn a_state_is_refused_to_another_tenant_and_ad_is_not_written() {
    let env = Env::new("binding", 1, "").await;
    let team = env.gid(0xb1);
    env.add_group(&team, "Team", &[&env.users[0].id]);
    sync_ok(&env);
    let before = env.groups().await;
    assert_eq!(before.keys().collect::<Vec<_>>(), [&team]);

    // The state names its pair, the domain by the objectGUID AD holds.
    let state = env.dir.path().join("state/graph-state.json");
    let show = gwb(&env, &["state", "show"]);
    assert_eq!(
        String::from_utf8_lossy(&show.stdout).lines().nth(1),
        Some(
            format!(
                "  belongs to: tenant {TENANT_ID}, app {APP_ID}, AD domain {}",
                domain_guid(&env)
            )
            .as_str()
        )
    );
    let saved = std::fs::read(&state).expect("state");

    // The cloud changes; the rules file now names another tenant.
    let other = env.gid(0xb2);
    env.add_group(&other, "Other", &[&env.users[0].id]);
    env.emulator
        .tenant(|t| t.update_group(&team, serde_json::json!({"displayName": "Team 2"})))
        .expect("rename");
    let rules = std::fs::read_to_string(env.rules_path()).expect("rules");
    let other_tenant = "0be70000-0000-4000-8000-0000000000ff";
    std::fs::write(env.rules_path(), rules.replace(TENANT_ID, other_tenant)).expect("rules");
    let requests = env.emulator.requests().len();
    for command in ["sync", "plan"] {
        let out = gwb(&env, &[command]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "error: cannot open the Graph source: state file {} was written for another \
                 tenant, app or AD domain (tenant id: saved `{TENANT_ID}`, configured \
                 `{other_tenant}`); gwb refuses to use it. Point [graph] state_dir at this \
                 pair's own directory, or run `gwb state reset` if the pair really changed\n",
                state.display()
            ),
            "{command}"
        );
    }
    assert_eq!(
        env.emulator.requests().len(),
        requests,
        "Graph was not read"
    );
    let after = env.groups().await;
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        [&team],
        "AD was not written"
    );
    assert_eq!(after[&team].dn, before[&team].dn, "not renamed");
    assert_eq!(
        std::fs::read(&state).expect("state"),
        saved,
        "state untouched"
    );

    // Its own pair goes on from the same state.
    std::fs::write(env.rules_path(), rules).expect("rules");
    sync_ok(&env);
    assert!(env.groups().await.contains_key(&other));
}
