//! The Lua twins: the three example rules written in Lua 5.4 and run through `mlua` in one
//! shared Lua state, the embedded-script engine an organization would otherwise reach for.
//!
//! Each script is loaded once with its configuration and returns its stage function; a call
//! passes the fields that rule needs as arguments. The router reads extension attributes (and
//! the group's label, for its error) lazily through two host functions, as a plugin does.

use std::sync::Arc;

use gwb_model::{
    CloudGroup, DesiredGroup, FilterDecision, Naming, Rule, StageError, Stages, TargetCapabilities,
};
use mlua::{Function, Lua, LuaSerdeExt, MultiValue};

use crate::BenchError;
use crate::native::extension;
use crate::scenario::{ChainEntry, GROUP_FILTER, OU_ROUTER, SAM_NAME};

const GROUP_FILTER_LUA: &str = include_str!("lua/group_filter.lua");
const OU_ROUTER_LUA: &str = include_str!("lua/ou_router.lua");
const SAM_NAME_LUA: &str = include_str!("lua/sam_name.lua");

/// The group a stage call is about, readable by the host functions while the call runs.
struct CurrentGroup(Arc<CloudGroup>);

/// The three Lua twins in chain order, sharing one new Lua state, configured from the scenario.
pub fn chain() -> Result<Vec<Box<dyn Rule>>, BenchError> {
    let lua = Lua::new();
    let lua_error = |plugin: &'static str| move |source| BenchError::Lua { plugin, source };
    let extension = lua
        .create_function(|lua, name: mlua::LuaString| {
            let group = current(lua)?;
            Ok(extension(&group, &name.to_str()?))
        })
        .map_err(lua_error(OU_ROUTER.name))?;
    let label = lua
        .create_function(|lua, ()| Ok(current(lua)?.label()))
        .map_err(lua_error(OU_ROUTER.name))?;
    let filter = load(&lua, &GROUP_FILTER, GROUP_FILTER_LUA, MultiValue::new())?;
    let router = load(
        &lua,
        &OU_ROUTER,
        OU_ROUTER_LUA,
        MultiValue::from_iter([
            mlua::Value::Function(extension),
            mlua::Value::Function(label),
        ]),
    )?;
    let sam_name = load(&lua, &SAM_NAME, SAM_NAME_LUA, MultiValue::new())?;
    let rule = |entry: &ChainEntry, twin| -> Box<dyn Rule> {
        Box::new(LuaRule {
            lua: lua.clone(),
            name: entry.name,
            twin,
        })
    };
    Ok(vec![
        rule(&GROUP_FILTER, Twin::Filter(filter)),
        rule(&OU_ROUTER, Twin::Router(router)),
        rule(&SAM_NAME, Twin::SamName(sam_name)),
    ])
}

/// Runs a script with its config table (and `extra` arguments after it); the script returns its
/// stage function.
fn load(
    lua: &Lua,
    entry: &'static ChainEntry,
    source: &str,
    extra: MultiValue,
) -> Result<Function, BenchError> {
    let lua_error = |source| BenchError::Lua {
        plugin: entry.name,
        source,
    };
    let config: serde_json::Value =
        serde_json::from_str(entry.lua_config_json).map_err(|e| BenchError::Config {
            plugin: entry.name,
            message: e.to_string(),
        })?;
    let mut args = MultiValue::from_iter([lua.to_value(&config).map_err(lua_error)?]);
    args.extend(extra);
    lua.load(source)
        .set_name(format!("{}.lua", entry.name))
        .call(args)
        .map_err(lua_error)
}

fn current(lua: &Lua) -> mlua::Result<Arc<CloudGroup>> {
    lua.app_data_ref::<CurrentGroup>()
        .map(|group| Arc::clone(&group.0))
        .ok_or_else(|| mlua::Error::runtime("a group reader was called outside a stage call"))
}

/// Which rule a Lua function implements, which decides its arguments and answer.
enum Twin {
    /// `filter(display_name, unified, mail_enabled, security_enabled, member_count)`.
    Filter(Function),
    /// `route(display_name) -> ou | nil, message`.
    Router(Function),
    /// `name(display_name, object_id) -> sAMAccountName`.
    SamName(Function),
}

/// One Lua twin behind the [`Rule`] trait.
struct LuaRule {
    /// Keeps the shared state alive (functions hold only a weak reference to it).
    lua: Lua,
    name: &'static str,
    twin: Twin,
}

impl LuaRule {
    fn fault(&self, group: &CloudGroup, error: mlua::Error) -> StageError {
        StageError::Fault(format!(
            "Lua twin of plugin `{}` failed for group {}: {error}",
            self.name,
            group.label()
        ))
    }
}

impl Rule for LuaRule {
    fn name(&self) -> &str {
        self.name
    }

    fn stages(&self) -> Stages {
        match self.twin {
            Twin::Filter(_) => Stages {
                filter: true,
                ..Stages::default()
            },
            Twin::Router(_) | Twin::SamName(_) => Stages {
                naming: true,
                ..Stages::default()
            },
        }
    }

    fn filter(&mut self, group: &Arc<CloudGroup>) -> Result<FilterDecision, StageError> {
        let Twin::Filter(filter) = &self.twin else {
            return Ok(FilterDecision::Write);
        };
        let unified = group
            .group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"));
        let reason: Option<String> = filter
            .call((
                group.display_name.as_deref(),
                unified,
                group.mail_enabled == Some(true),
                group.security_enabled == Some(true),
                group.members.len(),
            ))
            .map_err(|e| self.fault(group, e))?;
        Ok(match reason {
            Some(reason) => FilterDecision::Skip(reason),
            None => FilterDecision::Write,
        })
    }

    fn naming(
        &mut self,
        group: &Arc<CloudGroup>,
        _: &mut DesiredGroup,
        _: TargetCapabilities,
    ) -> Result<Naming, StageError> {
        match &self.twin {
            Twin::Filter(_) => Ok(Naming::default()),
            Twin::Router(route) => {
                self.lua.set_app_data(CurrentGroup(Arc::clone(group)));
                let answer =
                    route.call::<(Option<String>, Option<String>)>(group.display_name.as_deref());
                self.lua.remove_app_data::<CurrentGroup>();
                match answer.map_err(|e| self.fault(group, e))? {
                    (Some(ou), _) => Ok(Naming {
                        parent_dn: Some(ou),
                        ..Naming::default()
                    }),
                    (None, message) => Err(StageError::Rule(message.unwrap_or_default())),
                }
            }
            Twin::SamName(name) => {
                let sam: String = name
                    .call((group.display_name.as_deref(), group.id.as_str()))
                    .map_err(|e| self.fault(group, e))?;
                Ok(Naming {
                    sam_account_name: Some(sam),
                    ..Naming::default()
                })
            }
        }
    }
}
