//! The emulated directory: groups, users, memberships, and a change log that delta rounds read.

use std::collections::BTreeMap;

use gwb_model::MemberKind;
use serde_json::{Map, Value};

/// Why a tenant could not be loaded or changed.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The tenant file is not valid JSON.
    #[error("the tenant file is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The tenant file lacks a required part or has the wrong shape.
    #[error("the tenant file is malformed: {0}")]
    Shape(String),
    /// An object id is used twice.
    #[error("object id {0} is used twice in the tenant; ids must be unique")]
    DuplicateId(String),
    /// A membership or change names an object that does not exist.
    #[error("no {what} with id {id} exists in the tenant")]
    NotFound {
        /// `group`, `user` or `member`.
        what: &'static str,
        /// The id that was not found.
        id: String,
    },
}

/// An application registration that may ask for tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The application (client) id.
    pub app_id: String,
    /// The client secret, when secret authentication is allowed.
    pub client_secret: Option<String>,
    /// The registered certificate (PEM), when certificate authentication is allowed.
    pub certificate_pem: Option<String>,
}

/// The group properties Exchange Online masters: Graph serves them only from the single-group
/// GET (`GET /groups/{id}?$select=...`), never in a list or in delta, and changing them is no
/// directory change, so delta does not report it.
pub(crate) const EXCHANGE_PROPERTIES: [&str; 2] = ["allowExternalSenders", "hideFromAddressLists"];

/// A group as stored: Graph properties plus direct members.
#[derive(Debug, Clone)]
pub(crate) struct GroupRecord {
    /// Graph properties except `id`, `members` and the [`EXCHANGE_PROPERTIES`].
    pub props: Map<String, Value>,
    /// The [`EXCHANGE_PROPERTIES`] by name; each is `false` until set, as Graph reports a new
    /// Microsoft 365 group's.
    pub exchange: BTreeMap<&'static str, bool>,
    /// Direct members by id.
    pub members: BTreeMap<String, MemberKind>,
    /// True while soft-deleted (restorable).
    pub soft_deleted: bool,
}

/// A user as stored: Graph properties.
#[derive(Debug, Clone)]
pub(crate) struct UserRecord {
    /// Graph properties except `id`.
    pub props: Map<String, Value>,
    /// True while soft-deleted.
    pub soft_deleted: bool,
}

/// Which object a change is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Target {
    /// A group by id.
    Group(String),
    /// A user by id.
    User(String),
}

/// What happened to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    /// Created.
    Created,
    /// Properties changed.
    Updated,
    /// A direct member (by id) was added.
    MemberAdded(String, MemberKind),
    /// A direct member (by id) was removed.
    MemberRemoved(String, MemberKind),
    /// Soft-deleted.
    SoftDeleted,
    /// Restored from soft deletion.
    Restored,
    /// Deleted for good.
    HardDeleted,
}

/// One entry of the change log.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    /// Sequence number, strictly increasing.
    pub seq: u64,
    /// The object.
    pub target: Target,
    /// What happened.
    pub kind: ChangeKind,
}

/// An emulated Entra tenant.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The tenant (directory) id used in token URLs.
    pub(crate) tenant_id: String,
    /// App registrations by app id.
    pub(crate) apps: BTreeMap<String, App>,
    /// Groups by id, including soft-deleted ones.
    pub(crate) groups: BTreeMap<String, GroupRecord>,
    /// Users by id, including soft-deleted ones.
    pub(crate) users: BTreeMap<String, UserRecord>,
    /// Every change since the tenant was loaded, in order.
    pub(crate) log: Vec<Change>,
    /// The sequence number of the last change (0 = as loaded).
    pub(crate) seq: u64,
}

impl Tenant {
    /// An empty tenant with the given directory id.
    pub fn new(tenant_id: impl Into<String>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            apps: BTreeMap::new(),
            groups: BTreeMap::new(),
            users: BTreeMap::new(),
            log: Vec::new(),
            seq: 0,
        }
    }

    /// Loads a tenant file: `{"tenantId", "applications": [{"appId", "clientSecret"?,
    /// "certificatePem"?}], "users": [<Graph user>], "groups": [<Graph group + "members":
    /// [ids]>]}`. A `deletedDateTime` marks a soft-deleted object.
    pub fn from_json(text: &str) -> Result<Self, TenantError> {
        let doc: Value = serde_json::from_str(text)?;
        let tenant_id = doc
            .get("tenantId")
            .and_then(Value::as_str)
            .ok_or_else(|| TenantError::Shape("`tenantId` (a string) is missing".into()))?;
        let mut tenant = Self::new(tenant_id);
        for app in array(&doc, "applications")? {
            let text = |key: &str| app.get(key).and_then(Value::as_str).map(str::to_owned);
            let app_id = text("appId")
                .ok_or_else(|| TenantError::Shape("an application has no `appId`".into()))?;
            tenant.register_app(App {
                app_id,
                client_secret: text("clientSecret"),
                certificate_pem: text("certificatePem"),
            });
        }
        for user in array(&doc, "users")? {
            let (id, props) = split_id(user, "user")?;
            let soft_deleted = is_deleted(&props);
            tenant.insert_user(id, props, soft_deleted)?;
        }
        let mut memberships = Vec::new();
        for group in array(&doc, "groups")? {
            let (id, mut props) = split_id(group, "group")?;
            if let Some(members) = props.remove("members") {
                let ids = members.as_array().ok_or_else(|| {
                    TenantError::Shape(format!("`members` of group {id} is not an array"))
                })?;
                for member in ids {
                    let member = member.as_str().ok_or_else(|| {
                        TenantError::Shape(format!("a member of group {id} is not an id string"))
                    })?;
                    memberships.push((id.clone(), member.to_owned()));
                }
            }
            let soft_deleted = is_deleted(&props);
            tenant.insert_group(id, props, soft_deleted)?;
        }
        for (group, member) in memberships {
            let kind = tenant.kind_of(&member)?;
            if let Some(record) = tenant.groups.get_mut(&group) {
                record.members.insert(member, kind);
            }
        }
        Ok(tenant)
    }

    /// The tenant (directory) id.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// Registers (or replaces) an application allowed to ask for tokens.
    pub fn register_app(&mut self, app: App) {
        self.apps.insert(app.app_id.clone(), app);
    }

    /// The sequence number of the last change.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Number of groups (live and soft-deleted).
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Ids of the live (not soft-deleted) groups, sorted.
    pub fn live_group_ids(&self) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, g)| !g.soft_deleted)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The direct member ids of a group, sorted.
    pub fn members_of(&self, group: &str) -> Result<Vec<String>, TenantError> {
        Ok(self.group(group)?.members.keys().cloned().collect())
    }

    /// Creates a group from Graph properties (must contain `id`; `members` is ignored).
    pub fn create_group(&mut self, group: Value) -> Result<(), TenantError> {
        let (id, mut props) = split_id(&group, "group")?;
        props.remove("members");
        self.insert_group(id.clone(), props, false)?;
        self.record(Target::Group(id), ChangeKind::Created);
        Ok(())
    }

    /// Sets (or, with `null`, clears) properties of a group. `allowExternalSenders` and
    /// `hideFromAddressLists` (booleans) are Exchange Online's: a change of only those is no
    /// directory change, so delta does not report it (a full round sees it).
    pub fn update_group(&mut self, id: &str, changes: Value) -> Result<(), TenantError> {
        let Value::Object(mut changes) = changes else {
            return Err(TenantError::Shape(
                "group changes must be a JSON object".into(),
            ));
        };
        let exchange = take_exchange(id, &mut changes)?;
        let directory_change = exchange.is_empty() || !changes.is_empty();
        let record = self.group_mut(id)?;
        record.exchange.extend(exchange);
        for (key, value) in changes {
            record.props.insert(key, value);
        }
        if directory_change {
            self.record(Target::Group(id.to_owned()), ChangeKind::Updated);
        }
        Ok(())
    }

    /// Adds a direct member (user or group) to a group; adding an existing member is a no-op.
    pub fn add_member(&mut self, group: &str, member: &str) -> Result<(), TenantError> {
        let kind = self.kind_of(member)?;
        let record = self.group_mut(group)?;
        if record.members.insert(member.to_owned(), kind).is_none() {
            self.record(
                Target::Group(group.to_owned()),
                ChangeKind::MemberAdded(member.to_owned(), kind),
            );
        }
        Ok(())
    }

    /// Removes a direct member from a group; removing a non-member is a no-op.
    pub fn remove_member(&mut self, group: &str, member: &str) -> Result<(), TenantError> {
        let record = self.group_mut(group)?;
        if let Some(kind) = record.members.remove(member) {
            self.record(
                Target::Group(group.to_owned()),
                ChangeKind::MemberRemoved(member.to_owned(), kind),
            );
        }
        Ok(())
    }

    /// Soft-deletes a group (restorable; delta reports `@removed` reason `changed`).
    pub fn soft_delete_group(&mut self, id: &str) -> Result<(), TenantError> {
        let record = self.group_mut(id)?;
        record.soft_deleted = true;
        record
            .props
            .insert("deletedDateTime".into(), Value::String(now_iso()));
        self.record(Target::Group(id.to_owned()), ChangeKind::SoftDeleted);
        Ok(())
    }

    /// Restores a soft-deleted group.
    pub fn restore_group(&mut self, id: &str) -> Result<(), TenantError> {
        let record = self.group_mut(id)?;
        record.soft_deleted = false;
        record.props.insert("deletedDateTime".into(), Value::Null);
        self.record(Target::Group(id.to_owned()), ChangeKind::Restored);
        Ok(())
    }

    /// Deletes a group for good (delta reports `@removed` reason `deleted`); it also leaves
    /// every group it was a member of.
    pub fn hard_delete_group(&mut self, id: &str) -> Result<(), TenantError> {
        self.group(id)?;
        self.leave_all_groups(id);
        self.groups.remove(id);
        self.record(Target::Group(id.to_owned()), ChangeKind::HardDeleted);
        Ok(())
    }

    /// Creates a user from Graph properties (must contain `id`).
    pub fn create_user(&mut self, user: Value) -> Result<(), TenantError> {
        let (id, props) = split_id(&user, "user")?;
        self.insert_user(id.clone(), props, false)?;
        self.record(Target::User(id), ChangeKind::Created);
        Ok(())
    }

    /// Sets (or, with `null`, clears) properties of a user.
    pub fn update_user(&mut self, id: &str, changes: Value) -> Result<(), TenantError> {
        let Value::Object(changes) = changes else {
            return Err(TenantError::Shape(
                "user changes must be a JSON object".into(),
            ));
        };
        let record = self
            .users
            .get_mut(id)
            .ok_or_else(|| TenantError::NotFound {
                what: "user",
                id: id.to_owned(),
            })?;
        for (key, value) in changes {
            record.props.insert(key, value);
        }
        self.record(Target::User(id.to_owned()), ChangeKind::Updated);
        Ok(())
    }

    /// Deletes a user for good; it also leaves every group.
    pub fn hard_delete_user(&mut self, id: &str) -> Result<(), TenantError> {
        if self.users.remove(id).is_none() {
            return Err(TenantError::NotFound {
                what: "user",
                id: id.to_owned(),
            });
        }
        self.leave_all_groups(id);
        self.record(Target::User(id.to_owned()), ChangeKind::HardDeleted);
        Ok(())
    }

    /// Refuses an id that a group or user already has.
    fn check_new_id(&self, id: &str) -> Result<(), TenantError> {
        if self.groups.contains_key(id) || self.users.contains_key(id) {
            return Err(TenantError::DuplicateId(id.to_owned()));
        }
        Ok(())
    }

    /// Inserts a group without logging a change (loading and generating); its
    /// [`EXCHANGE_PROPERTIES`] move out of `props`, the unset ones `false`.
    pub(crate) fn insert_group(
        &mut self,
        id: String,
        mut props: Map<String, Value>,
        soft_deleted: bool,
    ) -> Result<(), TenantError> {
        self.check_new_id(&id)?;
        let mut exchange: BTreeMap<&'static str, bool> = EXCHANGE_PROPERTIES
            .iter()
            .map(|name| (*name, false))
            .collect();
        exchange.extend(take_exchange(&id, &mut props)?);
        self.groups.insert(
            id,
            GroupRecord {
                props,
                exchange,
                members: BTreeMap::new(),
                soft_deleted,
            },
        );
        Ok(())
    }

    /// Inserts a user without logging a change (loading and generating).
    pub(crate) fn insert_user(
        &mut self,
        id: String,
        props: Map<String, Value>,
        soft_deleted: bool,
    ) -> Result<(), TenantError> {
        self.check_new_id(&id)?;
        self.users.insert(
            id,
            UserRecord {
                props,
                soft_deleted,
            },
        );
        Ok(())
    }

    /// The member kind of an existing object.
    pub(crate) fn kind_of(&self, id: &str) -> Result<MemberKind, TenantError> {
        if self.users.contains_key(id) {
            Ok(MemberKind::User)
        } else if self.groups.contains_key(id) {
            Ok(MemberKind::Group)
        } else {
            Err(TenantError::NotFound {
                what: "member",
                id: id.to_owned(),
            })
        }
    }

    /// Removes `member` from every group it is in, logging each removal.
    fn leave_all_groups(&mut self, member: &str) {
        let containing: Vec<(String, MemberKind)> = self
            .groups
            .iter_mut()
            .filter_map(|(id, g)| g.members.remove(member).map(|kind| (id.clone(), kind)))
            .collect();
        for (group, kind) in containing {
            self.record(
                Target::Group(group),
                ChangeKind::MemberRemoved(member.to_owned(), kind),
            );
        }
    }

    /// Appends a change to the log.
    fn record(&mut self, target: Target, kind: ChangeKind) {
        self.seq += 1;
        self.log.push(Change {
            seq: self.seq,
            target,
            kind,
        });
    }

    /// A group by id.
    fn group(&self, id: &str) -> Result<&GroupRecord, TenantError> {
        self.groups.get(id).ok_or_else(|| TenantError::NotFound {
            what: "group",
            id: id.to_owned(),
        })
    }

    /// A group by id, for changing it.
    fn group_mut(&mut self, id: &str) -> Result<&mut GroupRecord, TenantError> {
        self.groups
            .get_mut(id)
            .ok_or_else(|| TenantError::NotFound {
                what: "group",
                id: id.to_owned(),
            })
    }
}

/// The array under `key` of the tenant file (absent = empty).
fn array<'a>(doc: &'a Value, key: &str) -> Result<&'a [Value], TenantError> {
    match doc.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(TenantError::Shape(format!("`{key}` is not an array"))),
    }
}

/// Splits an object into its `id` and the other properties.
fn split_id(obj: &Value, what: &str) -> Result<(String, Map<String, Value>), TenantError> {
    let Value::Object(props) = obj else {
        return Err(TenantError::Shape(format!("a {what} is not a JSON object")));
    };
    let mut props = props.clone();
    match props.remove("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok((id, props)),
        _ => Err(TenantError::Shape(format!("a {what} has no `id` string"))),
    }
}

/// Removes the [`EXCHANGE_PROPERTIES`] from `props` and returns the ones given (booleans).
fn take_exchange(
    id: &str,
    props: &mut Map<String, Value>,
) -> Result<BTreeMap<&'static str, bool>, TenantError> {
    let mut taken = BTreeMap::new();
    for name in EXCHANGE_PROPERTIES {
        match props.remove(name) {
            None => {}
            Some(Value::Bool(value)) => {
                taken.insert(name, value);
            }
            Some(_) => {
                return Err(TenantError::Shape(format!(
                    "`{name}` of group {id} is not a boolean"
                )));
            }
        }
    }
    Ok(taken)
}

/// True when `deletedDateTime` is set.
fn is_deleted(props: &Map<String, Value>) -> bool {
    matches!(props.get("deletedDateTime"), Some(Value::String(_)))
}

/// The current time as Graph's ISO 8601 text (seconds, `Z`).
pub(crate) fn now_iso() -> String {
    let secs = gwb_model::clock::system_clock()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    iso_from_unix(secs)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDThh:mm:ssZ` (proleptic Gregorian, UTC).
pub(crate) fn iso_from_unix(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iso_dates_are_civil_utc() {
        assert_eq!(iso_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_from_unix(1_709_251_199), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn loads_members_of_both_kinds_and_logs_changes() {
        let mut tenant = Tenant::from_json(
            &json!({
                "tenantId": "t1",
                "users": [{"id": "u1"}],
                "groups": [
                    {"id": "g1", "displayName": "A", "members": ["u1", "g2"]},
                    {"id": "g2", "displayName": "B", "deletedDateTime": "2024-01-01T00:00:00Z"}
                ]
            })
            .to_string(),
        )
        .unwrap();
        assert_eq!(tenant.members_of("g1").unwrap(), ["g2", "u1"]);
        assert_eq!(tenant.groups["g1"].members["g2"], MemberKind::Group);
        assert_eq!(tenant.live_group_ids(), ["g1"]);
        tenant.remove_member("g1", "u1").unwrap();
        tenant.remove_member("g1", "u1").unwrap();
        assert_eq!(tenant.seq(), 1);
        assert!(matches!(
            tenant.add_member("g1", "nobody"),
            Err(TenantError::NotFound { what: "member", .. })
        ));
    }

    #[test]
    fn exchange_settings_live_apart_and_changing_only_them_is_no_directory_change() {
        let mut tenant = Tenant::new("t1");
        tenant
            .create_group(
                json!({"id": "m", "groupTypes": ["Unified"], "hideFromAddressLists": true}),
            )
            .unwrap();
        let record = &tenant.groups["m"];
        assert_eq!(
            record.exchange,
            [
                ("allowExternalSenders", false),
                ("hideFromAddressLists", true)
            ]
            .into()
        );
        assert!(!record.props.contains_key("hideFromAddressLists"));
        assert_eq!(tenant.seq(), 1);
        tenant
            .update_group("m", json!({"allowExternalSenders": true}))
            .unwrap();
        assert!(tenant.groups["m"].exchange["allowExternalSenders"]);
        assert_eq!(tenant.seq(), 1, "delta does not see Exchange's settings");
        tenant
            .update_group(
                "m",
                json!({"displayName": "M", "hideFromAddressLists": false}),
            )
            .unwrap();
        assert!(!tenant.groups["m"].exchange["hideFromAddressLists"]);
        assert_eq!(tenant.seq(), 2);
        assert!(matches!(
            tenant.update_group("m", json!({"allowExternalSenders": "yes"})),
            Err(TenantError::Shape(_))
        ));
    }

    #[test]
    fn example_tenant_loads() {
        let tenant = Tenant::from_json(include_str!("../tenants/example.json")).unwrap();
        assert_eq!(tenant.group_count(), 13);
        assert_eq!(tenant.live_group_ids().len(), 12);
        assert_eq!(tenant.users.len(), 10);
        let engineering = tenant
            .groups
            .values()
            .find(|g| g.props["displayName"] == "Engineering")
            .unwrap();
        assert!(
            engineering
                .members
                .values()
                .any(|k| *k == MemberKind::Group)
        );
    }
}
