//! What the bound account may do under an OU, for `gwb check` and `gwb delegation`: the
//! classes it may create and the attributes it may write as AD itself computes them
//! (`allowedChildClassesEffective`, `allowedAttributesEffective`), the DACLs and token SIDs an
//! access check of the other rights needs, the schemaIDGUIDs the rights are granted by, and
//! the account the rights are for.

use ldap3::controls::RawControl;
use ldap3::{LdapError, Scope, SearchEntry, SearchOptions};

use crate::delegation::{SchemaGuids, SchemaObject};
use crate::directory::{first_bytes, text_values};
use crate::discovery::{any_display_name, guid_text};
use crate::escape::escape_filter_value;
use crate::security::Dacl;
use crate::sid::{sid_from_string, sid_to_string};
use crate::{AdError, Directory, Discovery};

/// LDAP_SERVER_SD_FLAGS_OID: which parts of `nTSecurityDescriptor` a read returns.
const SD_FLAGS_OID: &str = "1.2.840.113556.1.4.801";
/// Its value asking for the DACL alone (BER `SEQUENCE { INTEGER 4 }`): readable with Read
/// Control, where the whole descriptor (with the SACL) needs a privilege.
const DACL_ONLY: [u8; 5] = [0x30, 0x03, 0x02, 0x01, 0x04];
/// Everyone and Authenticated Users: in the token of every account that bound with a password.
const BOUND_SIDS: [&str; 2] = ["S-1-1-0", "S-1-5-11"];

/// The account rights are delegated to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its DN.
    pub dn: String,
    /// Its objectSid, as `S-1-5-…`.
    pub sid: String,
    /// `DOMAIN\sAMAccountName`, as dsacls names it.
    pub logon_name: String,
    /// True when AD protects it (`adminCount=1`): a privileged account, not a service account.
    pub protected: bool,
}

/// Every value of `name` in `entry` as bytes, whether ldap3 decoded it as text or not.
fn all_bytes(entry: &SearchEntry, name: &str) -> Vec<Vec<u8>> {
    let text = text_values(entry, name)
        .into_iter()
        .map(|v| v.as_bytes().to_vec());
    let binary = entry
        .bin_attrs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.iter().cloned());
    text.chain(binary).collect()
}

impl Directory {
    /// The object classes the bound account may create directly under `dn`; `None` when `dn`
    /// does not exist.
    pub async fn child_classes_allowed(
        &mut self,
        dn: &str,
    ) -> Result<Option<Vec<String>>, AdError> {
        self.constructed_list(dn, "allowedChildClassesEffective")
            .await
    }

    /// The attributes the bound account may write on the entry `dn`
    /// (`allowedAttributesEffective`; system-only attributes such as `name` are never listed);
    /// `None` when `dn` does not exist.
    pub async fn attributes_allowed(&mut self, dn: &str) -> Result<Option<Vec<String>>, AdError> {
        self.constructed_list(dn, "allowedAttributesEffective")
            .await
    }

    async fn constructed_list(
        &mut self,
        dn: &str,
        attribute: &str,
    ) -> Result<Option<Vec<String>>, AdError> {
        Ok(self.read_entry(dn, &[attribute]).await?.map(|entry| {
            text_values(&entry, attribute)
                .into_iter()
                .map(str::to_owned)
                .collect()
        }))
    }

    /// The DACL of `dn`'s `nTSecurityDescriptor`; `None` when `dn` does not exist or the
    /// account may not read it.
    pub async fn dacl(&mut self, dn: &str) -> Result<Option<Dacl>, AdError> {
        let entries = self
            .retrying("search", dn, |mut ldap| async move {
                let control = RawControl {
                    ctype: SD_FLAGS_OID.to_owned(),
                    crit: true,
                    val: Some(DACL_ONLY.to_vec()),
                };
                let result = ldap
                    .with_controls(vec![control])
                    .search(
                        dn,
                        Scope::Base,
                        "(objectClass=*)",
                        vec!["nTSecurityDescriptor"],
                    )
                    .await?;
                match result.1.rc {
                    0 => Ok(result.0),
                    32 => Ok(Vec::new()),
                    _ => Err(LdapError::LdapResult { result: result.1 }),
                }
            })
            .await?;
        let Some(entry) = entries.into_iter().next().map(SearchEntry::construct) else {
            return Ok(None);
        };
        first_bytes(&entry, "nTSecurityDescriptor")
            .map(|bytes| Dacl::parse(&bytes))
            .transpose()
            .map_err(|reason| AdError::Data {
                dn: dn.to_owned(),
                reason: format!("nTSecurityDescriptor: {reason}"),
            })
    }

    /// The SIDs (binary) of the bound account's token: the rootDSE's `tokenGroups`, the
    /// account's own `objectSid` (`account_dn`), Everyone and Authenticated Users.
    pub async fn token_sids(&mut self, account_dn: &str) -> Result<Vec<Vec<u8>>, AdError> {
        let mut sids = Vec::new();
        if let Some(root) = self.read_entry("", &["tokenGroups"]).await? {
            sids.extend(all_bytes(&root, "tokenGroups"));
        }
        if let Some(account) = self.read_entry(account_dn, &["objectSid"]).await? {
            sids.extend(first_bytes(&account, "objectSid"));
        }
        sids.extend(BOUND_SIDS.iter().filter_map(|s| sid_from_string(s)));
        sids.sort();
        sids.dedup();
        Ok(sids)
    }

    /// One group below `ou` carrying a gwb ownership mark, if any (a search that stops at the
    /// first).
    pub async fn first_gwb_group(&mut self, ou: &str) -> Result<Option<String>, AdError> {
        let filter = "(&(objectClass=group)(extensionName=gwb:tenant=*))";
        let entries = self
            .retrying("search", ou, |mut ldap| async move {
                let result = ldap
                    .with_search_options(SearchOptions::new().sizelimit(1))
                    .search(ou, Scope::Subtree, filter, vec!["1.1"])
                    .await?;
                match result.1.rc {
                    // Success, or the size limit of one reached.
                    0 | 4 => Ok(result.0),
                    32 => Ok(Vec::new()),
                    _ => Err(LdapError::LdapResult { result: result.1 }),
                }
            })
            .await?;
        Ok(entries
            .into_iter()
            .next()
            .map(|e| SearchEntry::construct(e).dn))
    }

    /// The classes and attributes named `names` in the schema, with their schemaIDGUID and
    /// property set; a name the schema lacks is absent from the answer.
    pub async fn schema_guids(
        &mut self,
        discovery: &Discovery,
        names: &[&str],
    ) -> Result<SchemaGuids, AdError> {
        let filter = any_display_name(names);
        let entries = self
            .search(
                &discovery.schema_naming_context,
                Scope::OneLevel,
                &filter,
                &["lDAPDisplayName", "schemaIDGUID", "attributeSecurityGUID"],
            )
            .await?;
        let guid =
            |entry: &SearchEntry, name: &str| first_bytes(entry, name).and_then(|b| guid_text(&b));
        Ok(entries
            .iter()
            .filter_map(|entry| {
                Some(SchemaObject {
                    name: text_values(entry, "lDAPDisplayName").first()?.to_string(),
                    guid: guid(entry, "schemaIDGUID")?,
                    property_set: guid(entry, "attributeSecurityGUID"),
                })
            })
            .collect())
    }

    /// The account `name` (a DN, or `DOMAIN\sAMAccountName` of this domain) with its SID and
    /// logon name; an [`AdError::Data`] naming it when it does not exist.
    pub async fn account(&mut self, discovery: &Discovery, name: &str) -> Result<Account, AdError> {
        let domain = &discovery.default_naming_context;
        let netbios = self.netbios_name(discovery).await?;
        let missing = |reason: String| AdError::Data {
            dn: name.to_owned(),
            reason,
        };
        let attrs = ["objectSid", "sAMAccountName", "adminCount"];
        let entry = match name.split_once('\\') {
            Some((prefix, sam)) => {
                if !prefix.eq_ignore_ascii_case(&netbios) {
                    return Err(missing(format!(
                        "`{prefix}` is not this domain's NetBIOS name `{netbios}`: name the \
                         account as {netbios}\\<name> or by its DN"
                    )));
                }
                let filter = format!("(sAMAccountName={})", escape_filter_value(sam));
                self.search(domain, Scope::Subtree, &filter, &attrs)
                    .await?
                    .into_iter()
                    .next()
            }
            None if name.contains('=') => self.read_entry(name, &attrs).await?,
            None => {
                return Err(missing(
                    "name the account by its DN or as DOMAIN\\name".into(),
                ));
            }
        };
        let entry = entry.ok_or_else(|| {
            missing(format!(
                "no such account in {domain}: create the service account first"
            ))
        })?;
        let sid = first_bytes(&entry, "objectSid")
            .and_then(|b| sid_to_string(&b))
            .ok_or_else(|| missing("it has no objectSid: is it a user or group?".into()))?;
        let sam = text_values(&entry, "sAMAccountName")
            .first()
            .map(|s| (*s).to_owned())
            .ok_or_else(|| missing("it has no sAMAccountName".into()))?;
        Ok(Account {
            dn: entry.dn.clone(),
            sid,
            logon_name: format!("{netbios}\\{sam}"),
            protected: text_values(&entry, "adminCount")
                .first()
                .is_some_and(|v| v.trim() == "1"),
        })
    }

    /// The domain's NetBIOS name, from its crossRef in the configuration partition.
    async fn netbios_name(&mut self, discovery: &Discovery) -> Result<String, AdError> {
        let partitions = format!("CN=Partitions,{}", discovery.configuration_naming_context);
        let filter = format!(
            "(&(objectClass=crossRef)(nCName={}))",
            escape_filter_value(&discovery.default_naming_context)
        );
        let entries = self
            .search(&partitions, Scope::OneLevel, &filter, &["nETBIOSName"])
            .await?;
        entries
            .iter()
            .find_map(|e| {
                text_values(e, "nETBIOSName")
                    .first()
                    .map(|s| (*s).to_owned())
            })
            .ok_or_else(|| AdError::Data {
                dn: partitions.clone(),
                reason: format!(
                    "no crossRef names the NetBIOS name of {}",
                    discovery.default_naming_context
                ),
            })
    }
}
