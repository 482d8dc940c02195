//! DNs from the rules file and from plugins reach the DC in their canonical form: Samba
//! refuses `;` between RDNs ("Invalid DN syntax"), which gwb accepts (RFC 2253's older form).

use gwb::exit::Exit;
use gwb_model::dn::Dn;

use crate::common::{Env, operations, ou_router};

/// `dn` spelled as badly as RFC 2253 allows: lower-case types, spaces around `=`, `;` with
/// spaces between RDNs.
fn odd_spelling(dn: &str) -> String {
    let dn = Dn::parse(dn).expect("dn");
    let rdns: Vec<String> = dn
        .rdns()
        .iter()
        .map(|rdn| format!("{} = {}", rdn.attr_type().to_lowercase(), rdn.value()))
        .collect();
    rdns.join(" ; ")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_route_spelled_with_semicolons_creates_the_group_at_the_canonical_dn() {
    let mut env = Env::new("canon", 1, "").await;
    let team = env.gid(171);
    env.add_group(&team, "Team X", &[&env.users[0].id]);
    let cloud = env.cloud_ou.clone();
    let odd_cloud = odd_spelling(&cloud);
    // `\53ub` is `Sub`: a hex pair the canonical form writes as the character.
    let odd_sub = format!(r"ou = \\53ub ; {odd_cloud}");
    env.set_plugins(&ou_router(&format!(
        "routes = [{{ prefix = \"Team \", ou = \"{odd_sub}\" }}]"
    )));
    env.write_rules("[sync]\ncreate_missing_ous = true\n");
    // The rules file's own DNs, spelled oddly too.
    env.rewrite_rules(&[
        ("ou = ", format!("ou = \"{odd_cloud}\"")),
        ("managed_ous = ", format!("managed_ous = [\"{odd_cloud}\"]")),
        (
            "bind_dn = ",
            format!("bind_dn = \"{}\"", odd_spelling(&env.dc.bind_dn)),
        ),
    ]);

    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let sub = format!("OU=Sub,{cloud}");
    let group = format!("CN=Team X_0000000000ab,{sub}");
    assert_eq!(
        operations(&report),
        vec![format!("create OU {sub}"), format!("add {group}")],
    );
    assert_eq!(
        env.groups().await[&team].dn,
        group,
        "AD holds the group at the canonical DN"
    );
}
