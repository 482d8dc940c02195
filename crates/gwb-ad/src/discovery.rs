//! What the domain controller offers: rootDSE facts and the schema attributes gwb can write.

use std::collections::BTreeSet;

use gwb_model::{AttributeNames, TargetCapabilities};
use ldap3::Scope;

use crate::directory::{first_bytes, text_values};
use crate::escape::escape_filter_value;
use crate::{AdError, Directory};

/// The paged-results control (RFC 2696).
pub const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";
/// AD's permissive-modify control.
pub const PERMISSIVE_MODIFY_OID: &str = "1.2.840.113556.1.4.1413";
/// The schema attribute that marks Cloud Sync's anchor.
pub const EXTERNAL_ID_ATTRIBUTE: &str = "msDS-ExternalDirectoryObjectId";
/// The LDAP syntax of AD's Unicode strings (attributeSyntax 2.5.5.12), whose `rangeUpper` is
/// a length in UTF-16 code units.
const UNICODE_STRING_SYNTAX: &str = "1.3.6.1.4.1.1466.115.121.1.15";
/// The Exchange attributes whose presence means "the forest has the Exchange schema".
pub const EXCHANGE_ATTRIBUTES: [&str; 3] = [
    "mailNickname",
    "msExchRecipientDisplayType",
    "msExchRecipientTypeDetails",
];

/// The answer of [`Directory::discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// `namingContexts`.
    pub naming_contexts: Vec<String>,
    /// `defaultNamingContext`: the domain's DN.
    pub default_naming_context: String,
    /// `schemaNamingContext`.
    pub schema_naming_context: String,
    /// `configurationNamingContext`.
    pub configuration_naming_context: String,
    /// `supportedControl` OIDs, sorted.
    pub supported_controls: Vec<String>,
    /// `domainFunctionality` (e.g. 6 = Windows Server 2012 R2).
    pub domain_functionality: Option<u32>,
    /// `forestFunctionality`.
    pub forest_functionality: Option<u32>,
    /// `dnsHostName` of the DC.
    pub dns_host_name: Option<String>,
    /// `isGlobalCatalogReady`: the DC serves the forest's Global Catalog (ports 3268/3269).
    pub global_catalog_ready: bool,
    /// Schema attributes found among the ones gwb cares about, sorted.
    pub schema_attributes: Vec<String>,
    /// What the defaults and plugins may write.
    pub capabilities: TargetCapabilities,
    /// Every attribute type of the schema (attributeID ↔ lDAPDisplayName), from the subschema
    /// entry's `attributeTypes`: plugin edits are named through it.
    pub attribute_names: AttributeNames,
}

impl Discovery {
    /// True when the DC announces paged results.
    pub fn supports_paging(&self) -> bool {
        self.supported_controls
            .iter()
            .any(|c| c == PAGED_RESULTS_OID)
    }

    /// True when the DC announces permissive modify.
    pub fn supports_permissive_modify(&self) -> bool {
        self.supported_controls
            .iter()
            .any(|c| c == PERMISSIVE_MODIFY_OID)
    }
}

impl Directory {
    /// Reads the rootDSE, checks the schema for `msDS-ExternalDirectoryObjectId` and the
    /// Exchange attributes, and reads the names of all attribute types.
    pub async fn discover(&mut self) -> Result<Discovery, AdError> {
        let attrs = [
            "namingContexts",
            "defaultNamingContext",
            "schemaNamingContext",
            "configurationNamingContext",
            "supportedControl",
            "domainFunctionality",
            "forestFunctionality",
            "dnsHostName",
            "isGlobalCatalogReady",
            "subschemaSubentry",
        ];
        let root = self
            .read_entry("", &attrs)
            .await?
            .ok_or_else(|| AdError::Data {
                dn: "rootDSE".into(),
                reason: "the server returned no rootDSE".into(),
            })?;
        let one = |name: &str| text_values(&root, name).first().map(|s| (*s).to_owned());
        let required = |name: &str| {
            one(name).ok_or_else(|| AdError::Data {
                dn: "rootDSE".into(),
                reason: format!("{name} is missing: is this an Active Directory DC?"),
            })
        };
        let default_naming_context = required("defaultNamingContext")?;
        let schema_naming_context = required("schemaNamingContext")?;
        let configuration_naming_context = required("configurationNamingContext")?;
        let mut supported_controls: Vec<String> = text_values(&root, "supportedControl")
            .into_iter()
            .map(str::to_owned)
            .collect();
        supported_controls.sort();
        let mut naming_contexts: Vec<String> = text_values(&root, "namingContexts")
            .into_iter()
            .map(str::to_owned)
            .collect();
        naming_contexts.sort();

        let wanted: Vec<&str> = std::iter::once(EXTERNAL_ID_ATTRIBUTE)
            .chain(EXCHANGE_ATTRIBUTES)
            .collect();
        let filter = format!(
            "(&(objectClass=attributeSchema){})",
            any_display_name(&wanted)
        );
        let found = self
            .search(
                &schema_naming_context,
                Scope::OneLevel,
                &filter,
                &["lDAPDisplayName"],
            )
            .await?;
        let mut schema_attributes: Vec<String> = found
            .iter()
            .flat_map(|e| text_values(e, "lDAPDisplayName"))
            .map(str::to_owned)
            .collect();
        schema_attributes.sort();
        let has = |name: &str| {
            schema_attributes
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
        };
        let capabilities = TargetCapabilities {
            exchange_schema: EXCHANGE_ATTRIBUTES.iter().all(|a| has(a)),
            external_directory_object_id: has(EXTERNAL_ID_ATTRIBUTE),
        };
        let subschema = one("subschemaSubentry")
            .unwrap_or_else(|| format!("CN=Aggregate,{schema_naming_context}"));
        let attribute_names = self.attribute_names(&subschema).await?;
        Ok(Discovery {
            naming_contexts,
            default_naming_context,
            schema_naming_context,
            configuration_naming_context,
            supported_controls,
            domain_functionality: one("domainFunctionality").and_then(|v| v.parse().ok()),
            forest_functionality: one("forestFunctionality").and_then(|v| v.parse().ok()),
            dns_host_name: one("dnsHostName"),
            global_catalog_ready: one("isGlobalCatalogReady")
                .is_some_and(|v| v.eq_ignore_ascii_case("TRUE")),
            schema_attributes,
            capabilities,
            attribute_names,
        })
    }

    /// The domain's identity: the objectGUID of its head (`defaultNamingContext`), as text
    /// (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case). A renamed domain keeps it; another
    /// domain, even one of the same name, has another. gwb's saved state records it, so the
    /// state of one domain is never used for another.
    pub async fn domain_guid(&mut self, discovery: &Discovery) -> Result<String, AdError> {
        let dn = &discovery.default_naming_context;
        let head = self.read_entry(dn, &["objectGUID"]).await?;
        let bytes = head.as_ref().and_then(|e| first_bytes(e, "objectGUID"));
        bytes
            .as_deref()
            .and_then(guid_text)
            .ok_or_else(|| AdError::Data {
                dn: dn.clone(),
                reason: "the domain head returned no 16-byte objectGUID".into(),
            })
    }

    /// The names of every attribute type the subschema entry `dn` lists, and the `rangeUpper`
    /// of its Unicode-string attributes from AD's `extendedAttributeInfo` (one entry, no
    /// paging: some tens of milliseconds against Samba, so it is read at every connect).
    async fn attribute_names(&mut self, dn: &str) -> Result<AttributeNames, AdError> {
        let entry = self
            .read_entry(dn, &["attributeTypes", "extendedAttributeInfo"])
            .await?
            .ok_or_else(|| AdError::Data {
                dn: dn.to_owned(),
                reason: "the subschema entry does not exist".into(),
            })?;
        let mut pairs = Vec::new();
        let mut multi_valued = Vec::new();
        let mut unicode = BTreeSet::new();
        for description in text_values(&entry, "attributeTypes") {
            if let Some((oid, name)) = attribute_type(description) {
                if !is_single_valued(description) {
                    multi_valued.push(name.clone());
                }
                if keyword_value(description, "SYNTAX") == Some(UNICODE_STRING_SYNTAX) {
                    unicode.insert(oid.clone());
                }
                pairs.push((oid, name));
            }
        }
        let mut names: AttributeNames = pairs.into_iter().collect();
        for name in &multi_valued {
            names.set_multi_valued(name);
        }
        // Only a Unicode string's rangeUpper is a length in characters (UTF-16 code units);
        // an integer's is a largest value, an octet string's a count of bytes.
        for info in text_values(&entry, "extendedAttributeInfo") {
            let Some((oid, name)) = attribute_type(info) else {
                continue;
            };
            let upper = keyword_value(info, "RANGE-UPPER").and_then(|v| v.parse().ok());
            if let (true, Some(upper)) = (unicode.contains(&oid), upper) {
                names.set_max_length(&name, upper);
            }
        }
        if names.by_name("objectClass").is_none() {
            return Err(AdError::Data {
                dn: dn.to_owned(),
                reason: "attributeTypes was not returned or names no objectClass".into(),
            });
        }
        Ok(names)
    }
}

/// The filter matching the schema objects named `names`: `(|(lDAPDisplayName=…)…)`.
pub(crate) fn any_display_name(names: &[&str]) -> String {
    let terms: String = names
        .iter()
        .map(|n| format!("(lDAPDisplayName={})", escape_filter_value(n)))
        .collect();
    format!("(|{terms})")
}

/// A GUID's text form from its 16 bytes as AD stores them (the first three fields little
/// endian); `None` for any other length.
pub(crate) fn guid_text(bytes: &[u8]) -> Option<String> {
    let b: &[u8; 16] = bytes.try_into().ok()?;
    let hex = |range: &[u8]| range.iter().map(|x| format!("{x:02x}")).collect::<String>();
    Some(format!(
        "{}-{}-{}-{}-{}",
        hex(&[b[3], b[2], b[1], b[0]]),
        hex(&[b[5], b[4]]),
        hex(&[b[7], b[6]]),
        hex(&b[8..10]),
        hex(&b[10..])
    ))
}

/// The attributeID and first name of an RFC 4512 AttributeTypeDescription, e.g.
/// `( 2.5.4.31 NAME 'member' SYNTAX '1.3.6.1.4.1.1466.115.121.1.12' )`; `None` without a name.
fn attribute_type(description: &str) -> Option<(String, String)> {
    let rest = description.trim_start().strip_prefix('(')?.trim_start();
    let (oid, rest) = rest.split_once(char::is_whitespace)?;
    let names = rest.trim_start().strip_prefix("NAME")?.trim_start();
    let names = names.strip_prefix('(').unwrap_or(names).trim_start();
    let name = names.strip_prefix('\'')?.split('\'').next()?;
    (!name.is_empty()).then(|| (oid.to_owned(), name.to_owned()))
}

/// The value after `keyword` in a schema description, quoted (`SYNTAX '1.2.3'`, as AD writes
/// it) or not (`SYNTAX 1.2.3`); a keyword inside a quoted text does not count.
fn keyword_value<'a>(description: &'a str, keyword: &str) -> Option<&'a str> {
    let mut tokens = Vec::new();
    for (i, part) in description.split('\'').enumerate() {
        if i % 2 == 1 {
            tokens.push((part, true));
        } else {
            tokens.extend(part.split_whitespace().map(|word| (word, false)));
        }
    }
    tokens
        .windows(2)
        .find(|pair| pair[0] == (keyword, false))
        .map(|pair| pair[1].0)
}

/// True when an AttributeTypeDescription says `SINGLE-VALUE` (a keyword outside its quoted
/// names and description).
fn is_single_valued(description: &str) -> bool {
    description
        .split('\'')
        .step_by(2)
        .flat_map(str::split_whitespace)
        .any(|word| word == "SINGLE-VALUE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_value_is_read_outside_quoted_text() {
        assert!(is_single_valued(
            "( 1.2.840.113556.1.2.226 NAME 'adminDescription' SINGLE-VALUE )"
        ));
        assert!(!is_single_valued(
            "( 1.2.840.113556.1.2.210 NAME 'proxyAddresses' SYNTAX '1.3.6.1.4.1.1466.115.121.1.15' )"
        ));
        assert!(!is_single_valued(
            "( 1.2.3 NAME 'x' DESC 'not SINGLE-VALUE really' )"
        ));
    }

    #[test]
    fn keyword_values_are_read_quoted_or_not_and_never_from_quoted_text() {
        let info = "( 1.2.840.113556.1.2.13 NAME 'displayName' RANGE-LOWER '0' RANGE-UPPER \
                    '256' PROPERTY-GUID '53' INDEXED )";
        assert_eq!(keyword_value(info, "RANGE-UPPER"), Some("256"));
        assert_eq!(
            keyword_value(
                "( 2.5.4.13 NAME 'x' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )",
                "SYNTAX"
            ),
            Some(UNICODE_STRING_SYNTAX)
        );
        assert_eq!(
            keyword_value("( 1.2 NAME 'x' DESC 'RANGE-UPPER 5' )", "RANGE-UPPER"),
            None
        );
        assert_eq!(
            keyword_value("( 1.2 NAME 'x' INDEXED )", "RANGE-UPPER"),
            None
        );
    }

    #[test]
    fn guids_read_as_ad_writes_them() {
        // The bytes of {A9D1CA15-7688-11D1-ADED-00C04FD8D5CD} as AD stores the GUID.
        let bytes = [
            0x15, 0xca, 0xd1, 0xa9, 0x88, 0x76, 0xd1, 0x11, 0xad, 0xed, 0x00, 0xc0, 0x4f, 0xd8,
            0xd5, 0xcd,
        ];
        assert_eq!(
            guid_text(&bytes).as_deref(),
            Some("a9d1ca15-7688-11d1-aded-00c04fd8d5cd")
        );
        assert_eq!(guid_text(&bytes[..15]), None);
    }

    #[test]
    fn attribute_type_descriptions_give_their_oid_and_name() {
        let pair = |oid: &str, name: &str| Some((oid.to_owned(), name.to_owned()));
        assert_eq!(
            attribute_type("( 2.5.4.31 NAME 'member' SYNTAX '1.3.6.1.4.1.1466.115.121.1.12' )"),
            pair("2.5.4.31", "member")
        );
        assert_eq!(
            attribute_type("(1.2.840.113556.1.2.226 NAME 'adminDescription' SINGLE-VALUE )"),
            pair("1.2.840.113556.1.2.226", "adminDescription")
        );
        assert_eq!(
            attribute_type("( 2.5.4.3 NAME ( 'cn' 'commonName' ) SUP name )"),
            pair("2.5.4.3", "cn")
        );
        assert_eq!(attribute_type("( 2.5.4.3 SYNTAX '1.2' )"), None);
        assert_eq!(attribute_type("( 2.5.4.3 NAME '' )"), None);
        assert_eq!(attribute_type("garbage"), None);
    }
}
