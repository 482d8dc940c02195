//! What the bound account may create under an OU, as AD itself computes it
//! (`allowedChildClassesEffective`), for `gwb check`.

use crate::{AdError, Directory, directory::text_values};

impl Directory {
    /// The object classes the bound account may create directly under `dn`; `None` when `dn`
    /// does not exist.
    pub async fn child_classes_allowed(
        &mut self,
        dn: &str,
    ) -> Result<Option<Vec<String>>, AdError> {
        Ok(self
            .read_entry(dn, &["allowedChildClassesEffective"])
            .await?
            .map(|entry| {
                text_values(&entry, "allowedChildClassesEffective")
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            }))
    }
}
