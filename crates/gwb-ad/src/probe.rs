//! Who occupies the names desired groups want: objects at their DNs and sAMAccountNames, and
//! which target OUs exist.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::DesiredGroup;
use gwb_model::dn::Dn;
use ldap3::Scope;

use crate::escape::{child_dn, escape_filter_value, normalize_dn};
use crate::forest::AddressHolders;
use crate::member_index::{AdObject, ad_object, object_attributes};
use crate::{AdError, Directory};

/// Terms per OR filter of a probe search.
const TERMS_PER_SEARCH: usize = 100;

/// The objects standing where desired groups want to be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Occupants {
    /// Objects by normalised DN.
    pub by_dn: BTreeMap<String, AdObject>,
    /// Objects by lower-cased sAMAccountName.
    pub by_sam: BTreeMap<String, AdObject>,
    /// Normalised DNs of the target containers (and their parents) that exist.
    pub containers: BTreeSet<String>,
    /// The objects in the forest holding the addresses the desired groups would newly write,
    /// by address key ([`Directory::address_holders`]).
    pub by_address: AddressHolders,
}

impl Occupants {
    /// Records an object (from a probe, or built by a test).
    pub fn insert(&mut self, object: AdObject) {
        if let Some(sam) = &object.sam_account_name {
            self.by_sam.insert(sam.to_lowercase(), object.clone());
        }
        self.by_dn.insert(normalize_dn(&object.dn), object);
    }
}

/// The DN and its ancestors up to (excluding) the domain components, in RFC 4514 form.
pub(crate) fn containers_of(dn: &str) -> Vec<String> {
    let Ok(dn) = Dn::parse(dn) else {
        return Vec::new();
    };
    std::iter::successors(Some(dn), Dn::parent)
        .filter(|dn| !dn.rdns()[0].attr_type().eq_ignore_ascii_case("DC"))
        .map(|dn| dn.to_string())
        .collect()
}

impl Directory {
    /// Looks up, under `base_dn`, every object at a desired group's DN or with its
    /// sAMAccountName, and which target OUs exist — in batched searches.
    pub async fn probe(
        &mut self,
        base_dn: &str,
        desired: &[DesiredGroup],
        external_id: bool,
    ) -> Result<Occupants, AdError> {
        let mut objects = BTreeSet::new();
        let mut containers = BTreeSet::new();
        for d in desired {
            objects.insert(format!(
                "(distinguishedName={})",
                escape_filter_value(&child_dn(&d.cn, &d.parent_dn))
            ));
            if let Some(sam) = &d.sam_account_name {
                objects.insert(format!("(sAMAccountName={})", escape_filter_value(sam)));
            }
            containers.extend(containers_of(&d.parent_dn));
        }
        let attrs = object_attributes(external_id);
        let mut occupants = Occupants::default();
        let objects: Vec<String> = objects.into_iter().collect();
        for chunk in objects.chunks(TERMS_PER_SEARCH) {
            let filter = format!("(|{})", chunk.concat());
            for entry in self
                .search(base_dn, Scope::Subtree, &filter, &attrs)
                .await?
            {
                occupants.insert(ad_object(&entry)?);
            }
        }
        let containers: Vec<String> = containers
            .into_iter()
            .map(|c| format!("(distinguishedName={})", escape_filter_value(&c)))
            .collect();
        for chunk in containers.chunks(TERMS_PER_SEARCH) {
            let filter = format!("(|{})", chunk.concat());
            for entry in self
                .search(base_dn, Scope::Subtree, &filter, &["objectClass"])
                .await?
            {
                occupants.containers.insert(normalize_dn(&entry.dn));
            }
        }
        Ok(occupants)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_stop_at_domain_components() {
        assert_eq!(
            containers_of("OU=a\\,b,OU=Top,DC=gwb,DC=test"),
            vec!["OU=a\\,b,OU=Top,DC=gwb,DC=test", "OU=Top,DC=gwb,DC=test"]
        );
        assert!(containers_of("DC=gwb,DC=test").is_empty());
        assert_eq!(
            containers_of("ou=a ; OU=Top;DC=gwb,DC=test"),
            vec!["OU=a,OU=Top,DC=gwb,DC=test", "OU=Top,DC=gwb,DC=test"],
            "`;` separates RDNs"
        );
    }
}
