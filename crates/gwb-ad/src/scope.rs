//! Safe scope: managed OUs that are AD's own places are refused before a run reads or writes
//! anything, and a gwb group that AD nests into a protected group is pointed out.
//!
//! The rules file already refuses, by the DN alone, a domain root and the well-known containers
//! directly under it ([`gwb_model::well_known`]). What only the directory knows is checked
//! here, after discovery: the naming contexts of the rootDSE (a managed OU must lie in the
//! domain partition and not be the head of any naming context; the configuration and schema
//! partitions are never managed), and the containers the domain head's `wellKnownObjects` and
//! `otherWellKnownObjects` name, which `redirusr` / `redircmp` can move anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use gwb_model::dn::Dn;
use gwb_model::well_known::{WellKnownContainer, system_place};
use ldap3::Scope;

use crate::directory::text_values;
use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::escape::{escape_filter_value, normalize_dn};
use crate::read::entry_anchor;
use crate::{AdError, Directory, Discovery};

/// The groups AD protects: SDProp's (`adminCount=1`: Domain Admins, Administrators, Account
/// Operators, ... and every group nested into one) and the critical system groups.
const PROTECTED_GROUPS: &str =
    "(&(objectClass=group)(|(adminCount=1)(isCriticalSystemObject=TRUE)))";

/// The domain head attributes that name its well-known containers (DN-Binary values).
const WELL_KNOWN_ATTRIBUTES: [&str; 2] = ["wellKnownObjects", "otherWellKnownObjects"];

/// A container a `wellKnownObjects` (or `otherWellKnownObjects`) value names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NamedContainer {
    /// `Users`, from the GUID; the container's own name when gwb does not know the GUID.
    name: String,
    dn: Dn,
    attribute: &'static str,
}

/// What the directory says about its own places: the naming contexts and the well-known
/// containers of the domain. Read once per run by [`Directory::system_objects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemObjects {
    domain: Dn,
    configuration: Dn,
    schema: Dn,
    naming_contexts: Vec<Dn>,
    well_known: Vec<NamedContainer>,
}

/// A managed OU gwb refuses to work in, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeOu {
    /// The managed OU, as the rules file names it.
    pub ou: String,
    /// Why it is unsafe, e.g. `is in the configuration partition CN=Configuration,DC=…`.
    pub reason: String,
    /// The domain partition, for the advice.
    pub domain: String,
}

impl UnsafeOu {
    /// `managed OU `…` is not safe for gwb: it …`.
    pub fn problem(&self) -> String {
        format!(
            "managed OU `{}` is not safe for gwb: it {}",
            self.ou, self.reason
        )
    }

    /// What to do instead.
    pub fn advice(&self) -> String {
        format!(
            "create an OU for gwb, e.g. OU=Cloud Groups,{}, and list it in managed_ous (gwb \
             creates, changes and deletes groups in its managed OUs, so they must hold nothing \
             of AD's own)",
            self.domain
        )
    }
}

impl fmt::Display for UnsafeOu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.problem(), self.advice())
    }
}

/// Every unsafe managed OU of a rules file (at least one), one line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnsafeScope(pub Vec<UnsafeOu>);

impl fmt::Display for UnsafeScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// A group gwb owns (anchored, in a managed OU) that AD has made a member of protected groups,
/// directly or through nested groups: whoever edits the cloud group's members then controls
/// privileged access in AD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedNesting {
    /// The gwb group's DN.
    pub group: String,
    /// The cloud object id of its anchor.
    pub object_id: String,
    /// The protected groups it is a member of (at any depth), by DN, sorted.
    pub protected_groups: Vec<String>,
}

impl ProtectedNesting {
    /// What is wrong, naming both groups.
    pub fn problem(&self) -> String {
        let groups: Vec<String> = self
            .protected_groups
            .iter()
            .map(|g| format!("`{g}`"))
            .collect();
        format!(
            "gwb group `{}` (Group_{}) is a member of the protected group(s) {} (directly or \
             through nested groups): whoever edits the cloud group's members controls \
             privileged access in AD",
            self.group,
            self.object_id,
            groups.join(", ")
        )
    }

    /// What to do about it.
    pub fn advice(&self) -> &'static str {
        "remove the nesting in AD (take the gwb group out of the protected group, or out of \
         the group that brings it in), or take the cloud group out of gwb's scope"
    }
}

impl fmt::Display for ProtectedNesting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.problem(), self.advice())
    }
}

/// The GUID and DN of a DN-Binary value, `B:32:<hex guid>:<dn>`.
fn dn_binary(value: &str) -> Option<(&str, &str)> {
    let rest = value.strip_prefix("B:").or(value.strip_prefix("b:"))?;
    let (count, rest) = rest.split_once(':')?;
    let count: usize = count.parse().ok()?;
    let hex = rest.get(..count)?;
    let dn = rest.get(count..)?.strip_prefix(':')?;
    Some((hex, dn))
}

fn parse_dn(dn: &str, what: &str) -> Result<Dn, AdError> {
    Dn::parse(dn).map_err(|e| AdError::Data {
        dn: "rootDSE".into(),
        reason: format!("{what}: {e}"),
    })
}

impl SystemObjects {
    /// From discovery's naming contexts and the domain head's well-known object values.
    fn new(discovery: &Discovery, well_known: &[(&'static str, &str)]) -> Result<Self, AdError> {
        let mut naming_contexts = Vec::new();
        for nc in &discovery.naming_contexts {
            naming_contexts.push(parse_dn(nc, "namingContexts")?);
        }
        let well_known = well_known
            .iter()
            .filter_map(|(attribute, value)| {
                let (guid, dn) = dn_binary(value)?;
                let dn = Dn::parse(dn).ok()?;
                let name = WellKnownContainer::by_guid(guid)
                    .map_or_else(|| dn.rdns()[0].value().to_owned(), |c| c.name.to_owned());
                Some(NamedContainer {
                    name,
                    dn,
                    attribute,
                })
            })
            .collect();
        Ok(Self {
            domain: parse_dn(&discovery.default_naming_context, "defaultNamingContext")?,
            configuration: parse_dn(
                &discovery.configuration_naming_context,
                "configurationNamingContext",
            )?,
            schema: parse_dn(&discovery.schema_naming_context, "schemaNamingContext")?,
            naming_contexts,
            well_known,
        })
    }

    /// Why `ou` is unsafe, or `None` when gwb may manage it.
    pub fn check(&self, ou: &Dn) -> Option<UnsafeOu> {
        self.reason(ou).map(|reason| UnsafeOu {
            ou: ou.to_string(),
            reason,
            domain: self.domain.to_string(),
        })
    }

    /// The unsafe ones among `ous`.
    pub fn unsafe_ous(&self, ous: &[Dn]) -> Vec<UnsafeOu> {
        ous.iter().filter_map(|ou| self.check(ou)).collect()
    }

    fn reason(&self, ou: &Dn) -> Option<String> {
        let heads =
            self.naming_contexts
                .iter()
                .chain([&self.domain, &self.configuration, &self.schema]);
        if let Some(head) = heads.clone().find(|nc| *nc == ou) {
            return Some(format!("is the head of the naming context {head}"));
        }
        if ou.is_within(&self.schema) {
            return Some(format!("is in the schema partition {}", self.schema));
        }
        if ou.is_within(&self.configuration) {
            return Some(format!(
                "is in the configuration partition {}",
                self.configuration
            ));
        }
        // The naming context holding `ou` is the deepest head above it.
        let holder = heads
            .filter(|nc| ou.is_within(nc))
            .max_by_key(|nc| nc.depth());
        match holder {
            None => {
                return Some(format!(
                    "is not in the domain partition {} (nor in any naming context this DC holds)",
                    self.domain
                ));
            }
            Some(nc) if *nc != self.domain => {
                return Some(format!(
                    "is in the naming context {nc}, not in the domain partition {}",
                    self.domain
                ));
            }
            Some(_) => {}
        }
        if let Some(place) = system_place(ou) {
            return Some(format!("is {place}"));
        }
        self.well_known
            .iter()
            .find(|c| ou.is_within(&c.dn))
            .map(|c| {
                let inside = if *ou == c.dn { "" } else { "inside " };
                format!(
                    "is {inside}the well-known {} container {} (the domain's {} name it)",
                    c.name, c.dn, c.attribute
                )
            })
    }
}

impl Directory {
    /// Reads what the directory says about its own places: discovery's naming contexts and
    /// the domain head's `wellKnownObjects` and `otherWellKnownObjects` (one entry).
    pub async fn system_objects(
        &mut self,
        discovery: &Discovery,
    ) -> Result<SystemObjects, AdError> {
        let head = self
            .read_entry(&discovery.default_naming_context, &WELL_KNOWN_ATTRIBUTES)
            .await?;
        let values: Vec<(&'static str, &str)> = head
            .iter()
            .flat_map(|entry| {
                WELL_KNOWN_ATTRIBUTES
                    .iter()
                    .flat_map(move |a| text_values(entry, a).into_iter().map(move |v| (*a, v)))
            })
            .collect();
        SystemObjects::new(discovery, &values)
    }

    /// Refuses `managed_ous` when any is unsafe ([`SystemObjects::check`]): an
    /// [`AdError::UnsafeScope`] naming every unsafe OU, why, and what to do.
    pub async fn refuse_unsafe_scope(
        &mut self,
        discovery: &Discovery,
        managed_ous: &[Dn],
    ) -> Result<(), AdError> {
        let unsafe_ous = self
            .system_objects(discovery)
            .await?
            .unsafe_ous(managed_ous);
        if unsafe_ous.is_empty() {
            Ok(())
        } else {
            Err(UnsafeScope(unsafe_ous).into())
        }
    }

    /// The groups under `managed_ous` carrying a `Group_` anchor that are members of a
    /// protected group (`adminCount=1` or `isCriticalSystemObject=TRUE`) at any depth, sorted
    /// by DN, each with every protected group above it.
    ///
    /// Walks down from the protected groups of the domain: one search for them, then one per
    /// level of nesting for the groups whose `memberOf` names a group found so far (equality
    /// on `memberOf`, [`GROUPS_PER_SEARCH`] groups a search). Against Samba that is some tens
    /// of milliseconds whatever the number of groups gwb owns; asking LDAP_MATCHING_RULE_IN_CHAIN
    /// (`memberOf:1.2.840.113556.1.4.1941:=`) of every group in the managed OUs instead took
    /// seconds per thousand groups.
    pub async fn protected_nestings(
        &mut self,
        discovery: &Discovery,
        managed_ous: &[Dn],
        external_id: bool,
    ) -> Result<Vec<ProtectedNesting>, AdError> {
        let domain = &discovery.default_naming_context;
        let mut attrs = vec!["memberOf", "adminDescription"];
        if external_id {
            attrs.push(EXTERNAL_ID_ATTRIBUTE);
        }
        let mut graph = NestingGraph::default();
        let mut frontier = graph.add(
            self.search(domain, Scope::Subtree, PROTECTED_GROUPS, &attrs)
                .await?,
            true,
        );
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for chunk in frontier.chunks(GROUPS_PER_SEARCH) {
                let terms: String = chunk
                    .iter()
                    .map(|dn| format!("(memberOf={})", escape_filter_value(dn)))
                    .collect();
                let filter = format!("(&(objectClass=group)(|{terms}))");
                let found = self.search(domain, Scope::Subtree, &filter, &attrs).await?;
                next.extend(graph.add(found, false));
            }
            frontier = next;
        }
        Ok(graph.nestings(managed_ous))
    }
}

/// Groups per search when walking down from the protected groups (one filter term each).
const GROUPS_PER_SEARCH: usize = 50;

/// A group met while walking down from the protected groups.
#[derive(Debug)]
struct GroupNode {
    dn: String,
    /// Normalised DNs of the groups it is a direct member of.
    member_of: Vec<String>,
    /// The cloud object id of its `Group_` anchor.
    anchor: Option<String>,
    protected: bool,
}

/// The protected groups and every group nested into them, by normalised DN.
#[derive(Debug, Default)]
struct NestingGraph {
    nodes: BTreeMap<String, GroupNode>,
}

impl NestingGraph {
    /// Adds the groups not met before; returns their DNs (the next level to walk down from).
    fn add(&mut self, entries: Vec<ldap3::SearchEntry>, protected: bool) -> Vec<String> {
        let mut added = Vec::new();
        for entry in entries {
            let key = normalize_dn(&entry.dn);
            if self.nodes.contains_key(&key) {
                continue;
            }
            added.push(entry.dn.clone());
            let node = GroupNode {
                member_of: text_values(&entry, "memberOf")
                    .into_iter()
                    .map(normalize_dn)
                    .collect(),
                anchor: entry_anchor(&entry).map(|(id, _)| id),
                dn: entry.dn,
                protected,
            };
            self.nodes.insert(key, node);
        }
        added
    }

    /// For every group, the protected groups above it (itself included when protected), by
    /// normalised DN: propagated down the `memberOf` links until nothing changes (cycles
    /// included).
    fn protected_above(&self) -> BTreeMap<&str, BTreeSet<&str>> {
        let mut above: BTreeMap<&str, BTreeSet<&str>> = self
            .nodes
            .iter()
            .map(|(key, node)| {
                let own = node.protected.then_some(key.as_str());
                (key.as_str(), own.into_iter().collect())
            })
            .collect();
        let mut changed = true;
        while changed {
            changed = false;
            for (key, node) in &self.nodes {
                let inherited: BTreeSet<&str> = node
                    .member_of
                    .iter()
                    .filter_map(|parent| above.get(parent.as_str()))
                    .flatten()
                    .copied()
                    .collect();
                let mine = above.entry(key.as_str()).or_default();
                let before = mine.len();
                mine.extend(inherited);
                changed |= mine.len() != before;
            }
        }
        above
    }

    /// The anchored groups under `managed_ous` with the protected groups above them (not
    /// counting themselves), sorted by DN.
    fn nestings(&self, managed_ous: &[Dn]) -> Vec<ProtectedNesting> {
        let above = self.protected_above();
        let mut nestings: Vec<ProtectedNesting> = self
            .nodes
            .iter()
            .filter_map(|(key, node)| {
                let object_id = node.anchor.clone()?;
                let dn = Dn::parse(&node.dn).ok()?;
                if !managed_ous.iter().any(|ou| dn.is_within(ou)) {
                    return None;
                }
                let protected_groups: Vec<String> = above
                    .get(key.as_str())?
                    .iter()
                    .filter(|p| **p != key.as_str())
                    .map(|p| self.nodes[*p].dn.clone())
                    .collect();
                (!protected_groups.is_empty()).then(|| ProtectedNesting {
                    group: node.dn.clone(),
                    object_id,
                    protected_groups,
                })
            })
            .collect();
        nestings.sort_by_key(|n| normalize_dn(&n.group));
        nestings
    }
}

#[cfg(test)]
#[expect(
    clippy::disallowed_types,
    reason = "ldap3's SearchEntry holds its attributes in HashMaps; the tests only build entries"
)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A group entry with these `memberOf` values and, when `anchor` is set, a `Group_` anchor.
    fn group(dn: &str, member_of: &[&str], anchor: Option<&str>) -> ldap3::SearchEntry {
        let mut attrs = HashMap::new();
        attrs.insert(
            "memberOf".to_owned(),
            member_of.iter().map(|m| (*m).to_owned()).collect(),
        );
        if let Some(id) = anchor {
            attrs.insert("adminDescription".to_owned(), vec![format!("Group_{id}")]);
        }
        ldap3::SearchEntry {
            dn: dn.to_owned(),
            attrs,
            bin_attrs: HashMap::new(),
        }
    }

    /// Every protected group above a gwb group is named, through any path and past a cycle;
    /// a protected gwb group does not name itself, and groups outside the managed OUs or
    /// without an anchor are not reported.
    #[test]
    fn nestings_name_every_protected_group_above_an_owned_group() {
        let admins = "CN=Administrators,CN=Builtin,DC=x";
        let da = "CN=Domain Admins,CN=Users,DC=x";
        let mut graph = NestingGraph::default();
        graph.add(
            vec![
                group(admins, &[], None),
                group(da, &[admins], None),
                group("CN=Stale,OU=Cloud,DC=x", &[], Some("stale")),
            ],
            true,
        );
        graph.add(
            vec![
                group(
                    "CN=Loop A,OU=Corp,DC=x",
                    &[da, "CN=Loop B,OU=Corp,DC=x"],
                    None,
                ),
                group("cn=outside,OU=Corp,DC=x", &[da], Some("outside")),
            ],
            false,
        );
        graph.add(
            vec![
                group("CN=Loop B,OU=Corp,DC=x", &["cn=loop a,ou=corp,dc=x"], None),
                group(
                    "CN=Deep,OU=Cloud,DC=x",
                    &["CN=Loop B,OU=Corp,DC=x"],
                    Some("deep"),
                ),
                group(
                    "CN=Plain,OU=Cloud,DC=x",
                    &["CN=Other,OU=Corp,DC=x"],
                    Some("plain"),
                ),
            ],
            false,
        );
        let nestings = graph.nestings(&[Dn::parse("OU=Cloud,DC=x").expect("dn")]);
        assert_eq!(
            nestings,
            vec![ProtectedNesting {
                group: "CN=Deep,OU=Cloud,DC=x".into(),
                object_id: "deep".into(),
                protected_groups: vec![admins.into(), da.into()],
            }]
        );
    }

    fn discovery(naming_contexts: &[&str]) -> Discovery {
        Discovery {
            naming_contexts: naming_contexts.iter().map(|s| (*s).to_owned()).collect(),
            default_naming_context: "DC=gwb,DC=test".into(),
            schema_naming_context: "CN=Schema,CN=Configuration,DC=gwb,DC=test".into(),
            configuration_naming_context: "CN=Configuration,DC=gwb,DC=test".into(),
            supported_controls: Vec::new(),
            domain_functionality: None,
            forest_functionality: None,
            dns_host_name: None,
            global_catalog_ready: false,
            schema_attributes: Vec::new(),
            capabilities: Default::default(),
            attribute_names: Default::default(),
        }
    }

    fn reason(system: &SystemObjects, ou: &str) -> Option<String> {
        system.check(&Dn::parse(ou).expect("dn")).map(|u| u.reason)
    }

    #[test]
    fn dn_binary_values_give_their_guid_and_dn() {
        assert_eq!(
            dn_binary("B:32:A9D1CA15768811D1ADED00C04FD8D5CD:CN=Users,DC=gwb,DC=test"),
            Some((
                "A9D1CA15768811D1ADED00C04FD8D5CD",
                "CN=Users,DC=gwb,DC=test"
            ))
        );
        assert_eq!(
            dn_binary("B:4:ABCD:OU=a\\:b,DC=x"),
            Some(("ABCD", "OU=a\\:b,DC=x"))
        );
        for bad in [
            "CN=Users,DC=x",
            "B:32:ABCD:CN=x",
            "B:x:AB:CN=x",
            "B:2:ABCN=x",
        ] {
            assert_eq!(dn_binary(bad), None, "{bad}");
        }
    }

    #[test]
    fn naming_contexts_and_well_known_objects_make_ous_unsafe() {
        let system = SystemObjects::new(
            &discovery(&[
                "DC=gwb,DC=test",
                "CN=Configuration,DC=gwb,DC=test",
                "CN=Schema,CN=Configuration,DC=gwb,DC=test",
                "DC=DomainDnsZones,DC=gwb,DC=test",
            ]),
            &[
                (
                    "wellKnownObjects",
                    "B:32:A9D1CA15768811D1ADED00C04FD8D5CD:OU=Moved Users,OU=Corp,DC=gwb,DC=test",
                ),
                (
                    "otherWellKnownObjects",
                    "B:32:00000000000000000000000000000001:CN=Vendor Things,DC=gwb,DC=test",
                ),
                ("wellKnownObjects", "garbage"),
            ],
        )
        .expect("system objects");
        let cases = [
            (
                "OU=Apps,DC=DomainDnsZones,DC=gwb,DC=test",
                "is in the naming context DC=DomainDnsZones,DC=gwb,DC=test, not in the domain \
                 partition DC=gwb,DC=test",
            ),
            (
                "CN=Configuration,DC=gwb,DC=test",
                "is the head of the naming context CN=Configuration,DC=gwb,DC=test",
            ),
            (
                "OU=x,CN=Schema,CN=Configuration,DC=gwb,DC=test",
                "is in the schema partition CN=Schema,CN=Configuration,DC=gwb,DC=test",
            ),
            (
                "CN=Sites,CN=Configuration,DC=gwb,DC=test",
                "is in the configuration partition CN=Configuration,DC=gwb,DC=test",
            ),
            (
                "OU=Cloud,DC=other,DC=example",
                "is not in the domain partition DC=gwb,DC=test (nor in any naming context this \
                 DC holds)",
            ),
            (
                "CN=Builtin,DC=gwb,DC=test",
                "is the well-known Builtin container",
            ),
            (
                "OU=Moved Users,OU=Corp,DC=gwb,DC=test",
                "is the well-known Users container OU=Moved Users,OU=Corp,DC=gwb,DC=test (the \
                 domain's wellKnownObjects name it)",
            ),
            (
                "OU=Sub,OU=Moved Users,OU=Corp,DC=gwb,DC=test",
                "is inside the well-known Users container OU=Moved Users,OU=Corp,DC=gwb,DC=test \
                 (the domain's wellKnownObjects name it)",
            ),
            (
                "CN=Vendor Things,DC=gwb,DC=test",
                "is the well-known Vendor Things container CN=Vendor Things,DC=gwb,DC=test (the \
                 domain's otherWellKnownObjects name it)",
            ),
        ];
        for (ou, expected) in cases {
            assert_eq!(reason(&system, ou).as_deref(), Some(expected), "{ou}");
        }
        assert_eq!(
            reason(&system, "DC=gwb,DC=test").as_deref(),
            Some("is the head of the naming context DC=gwb,DC=test")
        );
        for safe in [
            "OU=Cloud,DC=gwb,DC=test",
            "OU=Groups,OU=Corp,DC=gwb,DC=test",
        ] {
            assert_eq!(reason(&system, safe), None, "{safe}");
        }
    }
}
