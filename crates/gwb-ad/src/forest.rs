//! Who in the forest already holds an address: batched searches of the Global Catalog, where
//! Exchange looks for recipients, or of the domain when the DC is no Global Catalog.

use std::collections::{BTreeMap, BTreeSet};

use ldap3::Scope;

use crate::addresses::{ADDRESS_ATTRIBUTES, holder_filters, mail_key, proxy_key};
use crate::directory::text_values;
use crate::member_index::{AdObject, ad_object, object_attributes};
use crate::{AdConfig, AdError, Directory, Discovery};

/// The Global Catalog port over TLS (LDAPS).
const GC_LDAPS_PORT: u16 = 3269;
/// The Global Catalog port for LDAP (with StartTLS).
const GC_LDAP_PORT: u16 = 3268;

/// The Global Catalog on the DC `url` names: the same host (its TLS certificate is the one gwb
/// already verifies) on port 3269 for `ldaps://`, 3268 for `ldap://` (where StartTLS or
/// `allow_plaintext` applies as to the DC). `None` when the URL cannot be read.
pub(crate) fn global_catalog_url(url: &str) -> Option<String> {
    let mut gc = url::Url::parse(url).ok()?;
    let port = match gc.scheme().to_ascii_lowercase().as_str() {
        "ldaps" => GC_LDAPS_PORT,
        "ldap" => GC_LDAP_PORT,
        _ => return None,
    };
    gc.set_port(Some(port)).ok()?;
    gc.host()?;
    Some(gc.to_string().trim_end_matches('/').to_owned())
}

/// The objects holding each address, by key ([`crate::addresses::proxy_key`]).
pub type AddressHolders = BTreeMap<String, Vec<AdObject>>;

impl Directory {
    /// The objects of the forest holding any of `keys` in `mail` or `proxyAddresses`, by key,
    /// each list sorted by DN: one search per 50 addresses, not one per address.
    ///
    /// Exchange checks an address against the whole forest in the Global Catalog, so gwb does
    /// too when the DC it binds to is one (its rootDSE says `isGlobalCatalogReady: TRUE`) and
    /// the schema puts `proxyAddresses` into the Global Catalog (Exchange's does): it binds to
    /// the same host's Global Catalog port with the same credentials and TLS and searches the
    /// whole forest. Otherwise, or when that port cannot be reached, it searches the domain
    /// (with a warning in the log naming why). No keys, no search.
    pub async fn address_holders(
        &mut self,
        discovery: &Discovery,
        keys: &BTreeSet<String>,
        external_id: bool,
    ) -> Result<AddressHolders, AdError> {
        let filters = holder_filters(keys);
        if filters.is_empty() {
            return Ok(AddressHolders::new());
        }
        let mut gc = if !discovery.global_catalog_ready {
            tracing::warn!(
                dc = %self.config().url,
                "the DC is no Global Catalog: addresses are checked in this domain only"
            );
            None
        } else if !self.addresses_in_global_catalog(discovery).await? {
            tracing::warn!(
                "the schema keeps proxyAddresses out of the Global Catalog (no Exchange schema): \
                 addresses are checked in this domain only"
            );
            None
        } else {
            self.open_global_catalog().await
        };
        let (searcher, base) = match &mut gc {
            Some(gc) => (gc, ""),
            None => (&mut *self, discovery.default_naming_context.as_str()),
        };
        let mut attrs = object_attributes(external_id);
        attrs.extend(ADDRESS_ATTRIBUTES);
        let mut holders = AddressHolders::new();
        let mut seen = BTreeSet::new();
        for filter in filters {
            for entry in searcher
                .search(base, Scope::Subtree, &filter, &attrs)
                .await?
            {
                let object = ad_object(&entry)?;
                if !seen.insert(object.object_guid.clone()) {
                    continue;
                }
                let held = text_values(&entry, "mail")
                    .into_iter()
                    .filter_map(mail_key)
                    .chain(
                        text_values(&entry, "proxyAddresses")
                            .into_iter()
                            .filter_map(proxy_key),
                    )
                    .filter(|key| keys.contains(key))
                    .collect::<BTreeSet<String>>();
                for key in held {
                    holders.entry(key).or_default().push(object.clone());
                }
            }
        }
        for objects in holders.values_mut() {
            objects.sort_by(|a, b| a.dn.cmp(&b.dn));
        }
        Ok(holders)
    }

    /// True when the schema puts `proxyAddresses` into the Global Catalog's partial attribute
    /// set, as Exchange's schema does (AD's own leaves it out; `mail` is in it either way):
    /// only then does a Global Catalog search see every address.
    async fn addresses_in_global_catalog(
        &mut self,
        discovery: &Discovery,
    ) -> Result<bool, AdError> {
        let entries = self
            .search(
                &discovery.schema_naming_context,
                Scope::OneLevel,
                "(&(objectClass=attributeSchema)(lDAPDisplayName=proxyAddresses))",
                &["isMemberOfPartialAttributeSet"],
            )
            .await?;
        Ok(entries.iter().any(|e| {
            text_values(e, "isMemberOfPartialAttributeSet")
                .iter()
                .any(|v| v.eq_ignore_ascii_case("TRUE"))
        }))
    }

    /// A connection to this DC's Global Catalog ([`global_catalog_url`]), or `None` with a
    /// warning when it cannot be opened.
    async fn open_global_catalog(&self) -> Option<Directory> {
        let url = global_catalog_url(&self.config().url)?;
        let config = AdConfig {
            url: url.clone(),
            ..self.config().clone()
        };
        match Directory::connect(&config).await {
            Ok(gc) => Some(gc),
            Err(error) => {
                tracing::warn!(
                    %url, %error,
                    "the Global Catalog cannot be reached: addresses are checked in this \
                     domain only (open the port to the DC, or objects of other domains may \
                     already hold an address gwb writes)"
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_global_catalog_is_the_dcs_host_on_the_gc_port() {
        assert_eq!(
            global_catalog_url("ldaps://127.0.0.15:636").as_deref(),
            Some("ldaps://127.0.0.15:3269")
        );
        assert_eq!(
            global_catalog_url("ldaps://dc1.contoso.com").as_deref(),
            Some("ldaps://dc1.contoso.com:3269")
        );
        assert_eq!(
            global_catalog_url("LDAP://dc1.contoso.com:389").as_deref(),
            Some("ldap://dc1.contoso.com:3268")
        );
        assert_eq!(
            global_catalog_url("ldaps://[::1]:636").as_deref(),
            Some("ldaps://[::1]:3269")
        );
        assert_eq!(global_catalog_url("https://dc1"), None);
        assert_eq!(global_catalog_url("not a url"), None);
    }
}
