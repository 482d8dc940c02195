//! The DACL of an `nTSecurityDescriptor` (MS-DTYP 2.4.6, self-relative) and the access check
//! `gwb check` runs on it for the rights AD offers no constructed attribute for (Delete Child,
//! Delete, Write Property of the system-only `name`): deny and allow ACEs in order, each
//! right decided by the first ACE that names it (MS-DTYP 2.5.3.2), object ACEs matched by
//! their object type (the class, the property set or the attribute asked about), generic
//! rights mapped as AD maps them (MS-ADTS 5.1.3.3.2).
//!
//! Only the DACL is read: gwb asks for it alone (the LDAP_SERVER_SD_FLAGS control), which any
//! account with Read Control may read. A parser of ~100 lines was preferred over a crate: the
//! crates.io parsers of security descriptors are young single-author 0.x crates.

use crate::discovery::guid_text;

/// Create Child.
pub const CREATE_CHILD: u32 = 0x1;
/// Delete Child.
pub const DELETE_CHILD: u32 = 0x2;
/// Read Property.
pub const READ_PROPERTY: u32 = 0x10;
/// Write Property.
pub const WRITE_PROPERTY: u32 = 0x20;
/// Delete (the object itself).
pub const DELETE: u32 = 0x1_0000;

const GENERIC_ALL: u32 = 0x1000_0000;
const GENERIC_EXECUTE: u32 = 0x2000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;
const GENERIC_READ: u32 = 0x8000_0000;

const CONTAINER_INHERIT: u8 = 0x02;
const INHERIT_ONLY: u8 = 0x08;

/// `SE_DACL_PRESENT` of the control field.
const DACL_PRESENT: u16 = 0x0004;

/// One access ACE of a DACL (audit and callback ACEs play no part in access).
#[derive(Debug, Clone, PartialEq, Eq)]
struct AccessAce {
    allow: bool,
    flags: u8,
    mask: u32,
    /// The object type of an object ACE (GUID text), when it has one.
    object_type: Option<String>,
    /// The inherited object type of an object ACE (GUID text), when it has one.
    inherited_object_type: Option<String>,
    /// The trustee's binary SID.
    sid: Vec<u8>,
}

/// A discretionary ACL; `None` inside means a NULL DACL, which allows everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dacl(Option<Vec<AccessAce>>);

/// What one access check asks: rights, and the object types they concern, the class first
/// (then, for a property, its property set and the attribute itself).
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// The rights, all of which must be granted.
    pub mask: u32,
    /// The object types an object ACE may name to concern this check.
    pub object_types: &'a [&'a str],
}

/// Reads a little-endian u16/u32 at `at`.
fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn guid_at(bytes: &[u8], at: usize) -> Option<String> {
    guid_text(bytes.get(at..at + 16)?)
}

/// The mask with AD's generic rights mapped to the specific ones.
fn mapped(mask: u32) -> u32 {
    let mut out = mask & 0x00FF_FFFF;
    if mask & GENERIC_READ != 0 {
        out |= 0x2_0094;
    }
    if mask & GENERIC_WRITE != 0 {
        out |= 0x2_0028;
    }
    if mask & GENERIC_EXECUTE != 0 {
        out |= 0x2_0004;
    }
    if mask & GENERIC_ALL != 0 {
        out |= 0xF_01FF;
    }
    out
}

/// One ACE at `at` of `bytes`, `size` bytes long; `None` for an ACE that plays no part in
/// access checks, `Err` for one that does not fit.
fn parse_ace(bytes: &[u8], at: usize, size: usize) -> Result<Option<AccessAce>, String> {
    let ace = bytes
        .get(at..at + size)
        .ok_or("an ACE runs past the end of the ACL")?;
    let kind = ace[0];
    let flags = ace[1];
    let short = || "an ACE is shorter than its type needs".to_owned();
    let (allow, object) = match kind {
        0 => (true, false),
        1 => (false, false),
        5 => (true, true),
        6 => (false, true),
        _ => return Ok(None),
    };
    let mask = u32_at(ace, 4).ok_or_else(short)?;
    let mut next = 8;
    let (mut object_type, mut inherited_object_type) = (None, None);
    if object {
        let present = u32_at(ace, 8).ok_or_else(short)?;
        next = 12;
        if present & 1 != 0 {
            object_type = Some(guid_at(ace, next).ok_or_else(short)?);
            next += 16;
        }
        if present & 2 != 0 {
            inherited_object_type = Some(guid_at(ace, next).ok_or_else(short)?);
            next += 16;
        }
    }
    let count = usize::from(*ace.get(next + 1).ok_or_else(short)?);
    let sid = ace.get(next..next + 8 + 4 * count).ok_or_else(short)?;
    Ok(Some(AccessAce {
        allow,
        flags,
        mask: mapped(mask),
        object_type,
        inherited_object_type,
        sid: sid.to_vec(),
    }))
}

impl Dacl {
    /// The DACL of a self-relative security descriptor; `Err` says what is malformed.
    pub fn parse(descriptor: &[u8]) -> Result<Dacl, String> {
        let control = u16_at(descriptor, 2).ok_or("the security descriptor is too short")?;
        let offset = u32_at(descriptor, 16).ok_or("the security descriptor is too short")?;
        if control & DACL_PRESENT == 0 || offset == 0 {
            return Ok(Dacl(None));
        }
        let acl = usize::try_from(offset).map_err(|e| e.to_string())?;
        let count = u16_at(descriptor, acl + 4).ok_or("the DACL is past the end")?;
        let mut aces = Vec::new();
        let mut at = acl + 8;
        for _ in 0..count {
            let size = usize::from(u16_at(descriptor, at + 2).ok_or("an ACE is past the end")?);
            if size < 8 {
                return Err("an ACE is shorter than its header".into());
            }
            aces.extend(parse_ace(descriptor, at, size)?);
            at += size;
        }
        Ok(Dacl(Some(aces)))
    }

    /// True when the token holding `sids` (binary) is granted every right of `access` on the
    /// object this DACL protects. Inherit-only ACEs do not apply to it.
    pub fn allows(&self, sids: &[Vec<u8>], access: Access<'_>) -> bool {
        let Some(aces) = &self.0 else {
            return true;
        };
        let (mut granted, mut denied) = (0u32, 0u32);
        for ace in aces {
            let concerned = ace.flags & INHERIT_ONLY == 0
                && sids.contains(&ace.sid)
                && ace.object_type.as_ref().is_none_or(|t| {
                    access
                        .object_types
                        .iter()
                        .any(|o| o.eq_ignore_ascii_case(t))
                });
            if !concerned {
                continue;
            }
            let open = ace.mask & access.mask & !(granted | denied);
            if ace.allow {
                granted |= open;
            } else {
                denied |= open;
            }
        }
        granted & access.mask == access.mask
    }

    /// The ACEs a new child of class `class` (its schemaIDGUID as text) inherits from the
    /// object this DACL protects: those marked container-inherit whose inherited object type
    /// is absent or that class, in order, applying to the child itself. The child's class
    /// default security descriptor is not part of it.
    pub fn inherited_by(&self, class: &str) -> Dacl {
        let Some(aces) = &self.0 else {
            return Dacl(None);
        };
        let inherited = aces
            .iter()
            .filter(|ace| {
                ace.flags & CONTAINER_INHERIT != 0
                    && ace
                        .inherited_object_type
                        .as_ref()
                        .is_none_or(|t| t.eq_ignore_ascii_case(class))
            })
            .map(|ace| AccessAce {
                flags: ace.flags & !INHERIT_ONLY,
                inherited_object_type: None,
                ..ace.clone()
            })
            .collect();
        Dacl(Some(inherited))
    }
}

#[cfg(test)]
mod tests;
