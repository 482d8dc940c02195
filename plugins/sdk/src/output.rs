//! Short constructors for what stages return.

use crate::{Attribute, AttributeEdit, NamingDecision, RuleError};

impl RuleError {
    /// A rule error with this message (shown to the administrator for the group).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl From<String> for RuleError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl NamingDecision {
    /// Keeps the proposal's cn, parent DN and sAMAccountName.
    pub fn keep() -> Self {
        Self {
            cn: None,
            parent_dn: None,
            sam_account_name: None,
        }
    }

    /// Sets the cn (unescaped; the host escapes DNs).
    pub fn with_cn(mut self, cn: impl Into<String>) -> Self {
        self.cn = Some(cn.into());
        self
    }

    /// Sets the DN of the target OU.
    pub fn with_parent_dn(mut self, parent_dn: impl Into<String>) -> Self {
        self.parent_dn = Some(parent_dn.into());
        self
    }

    /// Sets the sAMAccountName.
    pub fn with_sam_account_name(mut self, sam_account_name: impl Into<String>) -> Self {
        self.sam_account_name = Some(sam_account_name.into());
        self
    }
}

impl AttributeEdit {
    /// Replaces all values of `name` (no values removes the attribute).
    pub fn replace<V: Into<String>>(name: &str, values: impl IntoIterator<Item = V>) -> Self {
        Self::Replace(attribute(name, values))
    }

    /// Adds values to `name`.
    pub fn add<V: Into<String>>(name: &str, values: impl IntoIterator<Item = V>) -> Self {
        Self::Add(attribute(name, values))
    }

    /// Removes values from `name` (no values removes the attribute).
    pub fn remove<V: Into<String>>(name: &str, values: impl IntoIterator<Item = V>) -> Self {
        Self::Remove(attribute(name, values))
    }
}

fn attribute<V: Into<String>>(name: &str, values: impl IntoIterator<Item = V>) -> Attribute {
    Attribute {
        name: name.to_owned(),
        values: values.into_iter().map(Into::into).collect(),
    }
}
