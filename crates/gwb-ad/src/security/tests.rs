use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::sid::sid_from_string;

/// The DACL of an OU of a Samba DC as an unprivileged account read it with the SD flags
/// control (DACL only), after `samba-tool dsacl set` gave S-1-5-21-188504030-4059040124-
/// 1740211081-1102 `(OA;CI;CCDC;<group>;;…)` and `(OA;CIIO;RPWP;<attribute>;<group>;…)` for
/// name, cn and description.
const SAMBA_OU: [&str; 25] = [
    "AQAEhAAAAAAAAAAAAAAAABQAAAAEAFQGIQAAAAUKSAAwAAAAAwAAAFB5lr/mDdARooUAqgAwSeKcepa/5g3QEaKF",
    "AKoAMEniAQUAAAAAAAUVAAAA3lc8C3wJ8PGJg7lnTgQAAAUKSAAwAAAAAwAAAD95lr/mDdARooUAqgAwSeKcepa/",
    "5g3QEaKFAKoAMEniAQUAAAAAAAUVAAAA3lc8C3wJ8PGJg7lnTgQAAAUKSAAwAAAAAwAAAA56lr/mDdARooUAqgAw",
    "SeKcepa/5g3QEaKFAKoAMEniAQUAAAAAAAUVAAAA3lc8C3wJ8PGJg7lnTgQAAAUCOAADAAAAAQAAAJx6lr/mDdAR",
    "ooUAqgAwSeIBBQAAAAAABRUAAADeVzwLfAnw8YmDuWdOBAAAAAAUAP8BDwABAQAAAAAABRIAAAAAACQA/wEPAAEF",
    "AAAAAAAFFQAAAN5XPAt8CfDxiYO5ZwACAAAFACwAAwAAAAEAAACGepa/5g3QEaKFAKoAMEniAQIAAAAAAAUgAAAA",
    "JAIAAAUALAADAAAAAQAAALp6lr/mDdARooUAqgAwSeIBAgAAAAAABSAAAAAkAgAABQAsAAMAAAABAAAAnHqWv+YN",
    "0BGihQCqADBJ4gECAAAAAAAFIAAAACQCAAAFACwAAwAAAAEAAACoepa/5g3QEaKFAKoAMEniAQIAAAAAAAUgAAAA",
    "JgIAAAAAFACUAAIAAQEAAAAAAAULAAAAAAAUAJQAAgABAQAAAAAABQkAAAAFACwAAwAAAAEAAAAUzChINxS8RZsH",
    "rW8BXl8oAQIAAAAAAAUgAAAAJAIAAAUaPAAQAAAAAwAAAABCFkzAINARp2gAqgBuBSkUzChINxS8RZsHrW8BXl8o",
    "AQIAAAAAAAUgAAAAKgIAAAUaPAAQAAAAAwAAAABCFkzAINARp2gAqgBuBSm6epa/5g3QEaKFAKoAMEniAQIAAAAA",
    "AAUgAAAAKgIAAAUaPAAQAAAAAwAAABAgIF+ledARkCAAwE/C1M8UzChINxS8RZsHrW8BXl8oAQIAAAAAAAUgAAAA",
    "KgIAAAUaPAAQAAAAAwAAABAgIF+ledARkCAAwE/C1M+6epa/5g3QEaKFAKoAMEniAQIAAAAAAAUgAAAAKgIAAAUa",
    "PAAQAAAAAwAAAEDCCrypedARkCAAwE/C1M8UzChINxS8RZsHrW8BXl8oAQIAAAAAAAUgAAAAKgIAAAUaPAAQAAAA",
    "AwAAAEDCCrypedARkCAAwE/C1M+6epa/5g3QEaKFAKoAMEniAQIAAAAAAAUgAAAAKgIAAAUaPAAQAAAAAwAAAEIv",
    "ulmiedARkCAAwE/C088UzChINxS8RZsHrW8BXl8oAQIAAAAAAAUgAAAAKgIAAAUaPAAQAAAAAwAAAEIvulmiedAR",
    "kCAAwE/C08+6epa/5g3QEaKFAKoAMEniAQIAAAAAAAUgAAAAKgIAAAUaPAAQAAAAAwAAAPiIcAPhCtIRtCIAoMlo",
    "+TkUzChINxS8RZsHrW8BXl8oAQIAAAAAAAUgAAAAKgIAAAUaPAAQAAAAAwAAAPiIcAPhCtIRtCIAoMlo+Tm6epa/",
    "5g3QEaKFAKoAMEniAQIAAAAAAAUgAAAAKgIAAAUaOAAQAAAAAwAAAG2exrfHLNIRhU4AoMmD9giGepa/5g3QEaKF",
    "AKoAMEniAQEAAAAAAAUJAAAABRo4ABAAAAADAAAAbZ7Gt8cs0hGFTgCgyYP2CJx6lr/mDdARooUAqgAwSeIBAQAA",
    "AAAABQkAAAAFGjgAEAAAAAMAAABtnsa3xyzSEYVOAKDJg/YIunqWv+YN0BGihQCqADBJ4gEBAAAAAAAFCQAAAAUa",
    "LACUAAIAAgAAABTMKEg3FLxFmwetbwFeXygBAgAAAAAABSAAAAAqAgAABRosAJQAAgACAAAAnHqWv+YN0BGihQCq",
    "ADBJ4gECAAAAAAAFIAAAACoCAAAFGiwAlAACAAIAAAC6epa/5g3QEaKFAKoAMEniAQIAAAAAAAUgAAAAKgIAAAUS",
    "KAAwAQAAAQAAAN5H5pFv2XBLlVfWP/TzzNgBAQAAAAAABQoAAAAAEiQA/wEPAAEFAAAAAAAFFQAAAN5XPAt8CfDx",
    "iYO5ZwcCAAAAEhgABAAAAAECAAAAAAAFIAAAACoCAAAAEhgAvQEPAAECAAAAAAAFIAAAACACAAA=",
];

const GROUP: &str = "bf967a9c-0de6-11d0-a285-00aa003049e2";
const OU: &str = "bf967aa5-0de6-11d0-a285-00aa003049e2";
const NAME: &str = "bf967a0e-0de6-11d0-a285-00aa003049e2";
const CN: &str = "bf96793f-0de6-11d0-a285-00aa003049e2";
const DESCRIPTION: &str = "bf967950-0de6-11d0-a285-00aa003049e2";
const DISPLAY_NAME: &str = "bf967953-0de6-11d0-a285-00aa003049e2";
/// Public-Information, the property set of cn, name and description.
const PUBLIC_INFORMATION: &str = "e48d0154-bcf8-11d1-8702-00c04fb96050";

fn sids(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| sid_from_string(s).unwrap()).collect()
}

/// The delegated account's token as the rootDSE's tokenGroups gave it.
fn delegated() -> Vec<Vec<u8>> {
    sids(&[
        "S-1-5-21-188504030-4059040124-1740211081-1102",
        "S-1-5-21-188504030-4059040124-1740211081-513",
        "S-1-1-0",
        "S-1-5-2",
        "S-1-5-11",
        "S-1-5-32-545",
        "S-1-5-32-554",
    ])
}

fn samba_ou() -> Dacl {
    Dacl::parse(&STANDARD.decode(SAMBA_OU.concat()).unwrap()).unwrap()
}

fn write<'a>(object_types: &'a [&'a str]) -> Access<'a> {
    Access {
        mask: WRITE_PROPERTY,
        object_types,
    }
}

#[test]
fn the_delegated_rights_are_found_in_a_samba_dacl() {
    let ou = samba_ou();
    let token = delegated();
    let child = |mask| Access {
        mask,
        object_types: &[GROUP],
    };
    assert!(ou.allows(&token, child(CREATE_CHILD | DELETE_CHILD)));
    let ou_child = Access {
        mask: CREATE_CHILD,
        object_types: &[OU],
    };
    assert!(!ou.allows(&token, ou_child), "no right to create OUs");

    let group = ou.inherited_by(GROUP);
    for attribute in [NAME, CN, DESCRIPTION] {
        let types = [GROUP, PUBLIC_INFORMATION, attribute];
        let access = Access {
            mask: READ_PROPERTY | WRITE_PROPERTY,
            object_types: &types,
        };
        assert!(group.allows(&token, access), "{attribute}");
    }
    assert!(!group.allows(&token, write(&[DISPLAY_NAME])));
    let delete = Access {
        mask: DELETE,
        object_types: &[GROUP],
    };
    assert!(!group.allows(&token, delete));
    // Inherit-only ACEs do not apply to the OU itself.
    assert!(!ou.allows(&token, write(&[DESCRIPTION])));
    // Someone else holds none of it; the domain's Administrators (inherited from the domain
    // head) may write anything on the groups and delete them, but not delete child objects.
    let other = sids(&["S-1-5-21-188504030-4059040124-1740211081-1103", "S-1-5-11"]);
    assert!(!ou.allows(&other, child(DELETE_CHILD)));
    assert!(!group.allows(&other, write(&[DESCRIPTION])));
    let admins = sids(&["S-1-5-32-544"]);
    assert!(group.allows(&admins, write(&[DISPLAY_NAME])));
    assert!(group.allows(&admins, delete));
    assert!(!ou.allows(&admins, child(DELETE_CHILD)));
}

/// A self-relative security descriptor holding only a DACL of these ACEs.
fn descriptor(aces: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = aces.concat();
    let mut sd = vec![1, 0];
    sd.extend_from_slice(&(0x8000u16 | DACL_PRESENT).to_le_bytes());
    sd.extend_from_slice(&[0; 12]);
    sd.extend_from_slice(&20u32.to_le_bytes());
    sd.extend_from_slice(&[2, 0]);
    sd.extend_from_slice(&u16::try_from(8 + body.len()).unwrap().to_le_bytes());
    sd.extend_from_slice(&u16::try_from(aces.len()).unwrap().to_le_bytes());
    sd.extend_from_slice(&[0, 0]);
    sd.extend(body);
    sd
}

fn guid_bytes(text: &str) -> Vec<u8> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    [
        &[b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]][..],
        &b[8..],
    ]
    .concat()
}

/// An ACE: `kind` 0 allow, 1 deny, 5 allow object, 6 deny object.
fn ace(kind: u8, flags: u8, mask: u32, object: Option<&str>, sid: &str) -> Vec<u8> {
    let mut body = mask.to_le_bytes().to_vec();
    if kind >= 5 {
        body.extend_from_slice(&u32::from(object.is_some()).to_le_bytes());
        body.extend(object.map(guid_bytes).unwrap_or_default());
    }
    body.extend(sid_from_string(sid).unwrap());
    let mut out = vec![kind, flags];
    out.extend_from_slice(&u16::try_from(4 + body.len()).unwrap().to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn a_deny_before_an_allow_wins_and_generic_rights_are_mapped() {
    let svc = "S-1-5-21-1-2-3-1104";
    let dacl = Dacl::parse(&descriptor(&[
        ace(6, 0, WRITE_PROPERTY, Some(DESCRIPTION), svc),
        ace(0, 0, GENERIC_WRITE, None, svc),
        ace(1, 0, DELETE_CHILD, None, "S-1-1-0"),
        ace(0, 0, GENERIC_ALL, None, svc),
        ace(0, INHERIT_ONLY | CONTAINER_INHERIT, DELETE, None, svc),
    ]))
    .unwrap();
    let token = sids(&[svc, "S-1-1-0"]);
    let description = [GROUP, PUBLIC_INFORMATION, DESCRIPTION];
    let access = |mask, object_types| Access { mask, object_types };
    assert!(!dacl.allows(&token, access(WRITE_PROPERTY, &description)));
    assert!(dacl.allows(&token, write(&[DISPLAY_NAME])), "generic write");
    // The deny to Everyone comes before the generic all.
    assert!(!dacl.allows(&token, access(DELETE_CHILD, &[GROUP])));
    assert!(dacl.allows(&token, access(CREATE_CHILD | DELETE, &[GROUP])));
    // A deny of the property set covers its attributes.
    let set = Dacl::parse(&descriptor(&[
        ace(6, 0, WRITE_PROPERTY, Some(PUBLIC_INFORMATION), svc),
        ace(0, 0, WRITE_PROPERTY, None, svc),
    ]))
    .unwrap();
    assert!(!set.allows(&token, access(WRITE_PROPERTY, &description)));
    assert!(set.allows(&token, write(&[DISPLAY_NAME])));
    // What a child inherits: only the container-inherit ACE, now applying to the child.
    let child = dacl.inherited_by(GROUP);
    assert!(child.allows(&token, access(DELETE, &[GROUP])));
    assert!(!child.allows(&token, write(&[DISPLAY_NAME])));
}

#[test]
fn a_missing_dacl_allows_and_a_truncated_one_is_refused() {
    let mut none = descriptor(&[]);
    none[2] = 0x00;
    none[3] = 0x80;
    assert!(Dacl::parse(&none).unwrap().allows(&[], write(&[NAME])));
    let mut cut = descriptor(&[ace(0, 0, WRITE_PROPERTY, None, "S-1-1-0")]);
    cut.truncate(cut.len() - 3);
    assert!(Dacl::parse(&cut).is_err());
    assert!(Dacl::parse(&[1, 0]).is_err());
}
