//! The preview record `gwb disable --plan` saves: every group gwb owned then, by objectGUID,
//! with what decides what each mode does to it. `--delete`, `--release` and `--keep` run only
//! when the groups gwb owns now are exactly those, so what runs is what the admin saw.

use std::path::{Path, PathBuf};

use anyhow::Context;
use gwb_ad::{ChangeKind, CurrentGroup, OwnerMark, disable};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::writeback_off::http_date;

/// The preview's file name inside `[graph] state_dir`.
pub const PREVIEW_FILE: &str = "disable-preview.json";

/// The format version this build writes and reads.
const VERSION: u32 = 1;

/// What `gwb disable --plan` showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Format version.
    pub version: u32,
    /// When it was made, in seconds since the Unix epoch.
    pub created_unix: u64,
    /// Every group gwb owned, sorted by objectGUID.
    pub groups: Vec<PreviewGroup>,
}

/// One owned group as the preview showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewGroup {
    /// `objectGUID`, base64: the identity that survives a rename.
    pub object_guid: String,
    /// Its DN (what `--delete` deletes).
    pub dn: String,
    /// The cloud object id of its anchor.
    pub object_id: String,
    /// AD protects it: every mode leaves it alone.
    pub protected: bool,
    /// SHA-256 (hex) of the values `--release` removes from it.
    pub release: String,
}

impl Preview {
    /// The preview of the `owned` groups at `created_unix`.
    pub fn of(owned: &[CurrentGroup], owner: &OwnerMark, created_unix: u64) -> Self {
        let mut groups: Vec<PreviewGroup> = owned
            .iter()
            .map(|group| PreviewGroup {
                object_guid: group.object_guid.clone(),
                dn: group.dn.clone(),
                object_id: group.object_id.clone(),
                protected: group.protected,
                release: release_digest(group, owner),
            })
            .collect();
        groups.sort_by(|a, b| a.object_guid.cmp(&b.object_guid));
        Self {
            version: VERSION,
            created_unix,
            groups,
        }
    }

    /// The preview's path in `state_dir`.
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(PREVIEW_FILE)
    }

    /// Writes the preview to `state_dir` (0600, crash-safe), replacing any earlier one.
    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        gwb_graph::write_state_file(&Self::path(state_dir), &bytes)?;
        Ok(())
    }

    /// The preview in `state_dir`, if `--plan` saved one.
    pub fn load(state_dir: &Path) -> anyhow::Result<Option<Self>> {
        let path = Self::path(state_dir);
        let Some(bytes) = gwb_graph::read_state_file(&path)? else {
            return Ok(None);
        };
        let preview: Self = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "the preview {} is unreadable; run `gwb disable --plan` again",
                path.display()
            )
        })?;
        if preview.version != VERSION {
            anyhow::bail!(
                "the preview {} has format version {} (this gwb reads {VERSION}); run `gwb \
                 disable --plan` again",
                path.display(),
                preview.version
            );
        }
        Ok(Some(preview))
    }

    /// Removes the preview from `state_dir`: a mode uses it once.
    pub fn remove(state_dir: &Path) -> anyhow::Result<bool> {
        Ok(gwb_graph::remove_state_file(&Self::path(state_dir))?)
    }

    /// When it was made, as an HTTP date.
    pub fn date(&self) -> String {
        http_date(self.created_unix)
    }

    /// How the groups gwb owns `now` differ from this preview, one line per group (by
    /// objectGUID): one that appeared, one that is gone, one moved or renamed, one whose
    /// protection or whose values `--release` removes changed. Empty when they are the same.
    pub fn differences(&self, now: &Preview) -> Vec<String> {
        let mut lines = Vec::new();
        let mut saved = self.groups.iter().peekable();
        let mut current = now.groups.iter().peekable();
        loop {
            let order = match (saved.peek(), current.peek()) {
                (None, None) => break,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(s), Some(c)) => s.object_guid.cmp(&c.object_guid),
            };
            match order {
                std::cmp::Ordering::Less => {
                    if let Some(gone) = saved.next() {
                        lines.push(format!("{} is gone", identity(gone)));
                    }
                }
                std::cmp::Ordering::Greater => {
                    if let Some(new) = current.next() {
                        lines.push(format!("{} appeared", identity(new)));
                    }
                }
                std::cmp::Ordering::Equal => {
                    if let (Some(s), Some(c)) = (saved.next(), current.next()) {
                        lines.extend(changed(s, c));
                    }
                }
            }
        }
        lines
    }
}

/// `<dn> (objectGUID <guid>)`.
fn identity(group: &PreviewGroup) -> String {
    format!("{} (objectGUID {})", group.dn, group.object_guid)
}

/// What changed about one group since the preview, if anything that decides what a mode does.
fn changed(saved: &PreviewGroup, now: &PreviewGroup) -> Option<String> {
    if saved.dn != now.dn {
        Some(format!("{} was {} in the preview", identity(now), saved.dn))
    } else if saved.protected != now.protected {
        Some(format!(
            "{} is {} protected (adminCount=1 or isCriticalSystemObject=TRUE)",
            identity(now),
            if now.protected { "now" } else { "no longer" }
        ))
    } else if saved.release != now.release || saved.object_id != now.object_id {
        Some(format!(
            "{} changed: its gwb values or anchors are not those of the preview",
            identity(now)
        ))
    } else {
        None
    }
}

/// SHA-256 (hex) of what `--release` removes from `group`, each change's kind, attribute and
/// values in order.
fn release_digest(group: &CurrentGroup, owner: &OwnerMark) -> String {
    let changes: Vec<(&str, String, Vec<String>)> = disable::release_changes(group, owner)
        .iter()
        .map(|c| {
            let kind = match c.kind {
                ChangeKind::Add => "add",
                ChangeKind::Delete => "delete",
                ChangeKind::Replace => "replace",
            };
            (kind, c.attribute.clone(), c.values.clone())
        })
        .collect();
    // Serialising strings cannot fail.
    let bytes = serde_json::to_vec(&changes).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use gwb_model::Attributes;

    use super::*;

    fn group(guid: &str, dn: &str, marks: &[&str]) -> CurrentGroup {
        let mut attributes = Attributes::new();
        attributes.set_one("adminDescription", format!("Group_{guid}"));
        CurrentGroup {
            dn: dn.into(),
            object_guid: guid.into(),
            object_id: guid.into(),
            marks: marks.iter().map(|m| (*m).to_owned()).collect(),
            attributes,
            ..CurrentGroup::default()
        }
    }

    #[test]
    fn every_difference_that_changes_what_a_mode_does_is_named_by_group() {
        let owner = OwnerMark::for_tenant("t");
        let mark = owner.value().to_owned();
        let before = [
            group("a", "CN=A,DC=x", &[mark.as_str()]),
            group("b", "CN=B,DC=x", &[mark.as_str()]),
            group("c", "CN=C,DC=x", &[mark.as_str()]),
            group("d", "CN=D,DC=x", &[mark.as_str()]),
            group("e", "CN=E,DC=x", &[mark.as_str()]),
        ];
        let saved = Preview::of(&before, &owner, 10);
        assert_eq!(
            saved.differences(&Preview::of(&before, &owner, 20)),
            Vec::<String>::new()
        );
        let mut protected = before[2].clone();
        protected.protected = true;
        let recorded = group("d", "CN=D,DC=x", &[mark.as_str(), "gwb:wrote=mail=00"]);
        let now = [
            group("0", "CN=New,DC=x", &[mark.as_str()]),
            group("b", "CN=B2,DC=y", &[mark.as_str()]),
            protected,
            recorded,
            before[4].clone(),
        ];
        assert_eq!(
            saved.differences(&Preview::of(&now, &owner, 20)),
            [
                "CN=New,DC=x (objectGUID 0) appeared",
                "CN=A,DC=x (objectGUID a) is gone",
                "CN=B2,DC=y (objectGUID b) was CN=B,DC=x in the preview",
                "CN=C,DC=x (objectGUID c) is now protected (adminCount=1 or \
                 isCriticalSystemObject=TRUE)",
                "CN=D,DC=x (objectGUID d) changed: its gwb values or anchors are not those of \
                 the preview",
            ]
        );
    }

    #[test]
    fn the_preview_is_saved_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join("state");
        assert_eq!(Preview::load(&state_dir).unwrap(), None);
        let owner = OwnerMark::for_tenant("t");
        let preview = Preview::of(&[group("a", "CN=A,DC=x", &[owner.value()])], &owner, 7);
        preview.save(&state_dir).unwrap();
        let path = Preview::path(&state_dir);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        );
        assert_eq!(mode & 0o7777, 0o600);
        assert_eq!(Preview::load(&state_dir).unwrap(), Some(preview));
        assert!(Preview::remove(&state_dir).unwrap());
        assert_eq!(Preview::load(&state_dir).unwrap(), None);
    }
}
