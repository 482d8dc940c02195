-- ou-router in Lua: picks the target OU by displayName prefix or pattern, or by an extension
-- attribute, with a default OU. Called with the plugin's config table and the host's
-- `extension(name)` and `label()` readers of the current group; returns
-- route(display_name) -> ou | nil, message.
local config, extension, label = ...
local find, lower, sub = string.find, string.lower, string.sub

local routes = {}
for n, r in ipairs(config.routes or {}) do
  assert(r.ou and r.ou ~= "", ("route %d: ou is empty"):format(n))
  local match
  if r.prefix then
    local prefix, len = lower(r.prefix), #r.prefix
    match = function(name) return name ~= nil and lower(sub(name, 1, len)) == prefix end
  elseif r.pattern then
    local pattern = r.pattern
    match = function(name) return name ~= nil and find(name, pattern) ~= nil end
  elseif r.extension_attribute then
    local attribute, equals = r.extension_attribute, r.equals
    if equals then
      match = function() return extension(attribute) == equals end
    else
      match = function()
        local value = extension(attribute)
        return value ~= nil and value ~= ""
      end
    end
  else
    error(("route %d: give exactly one of prefix, pattern or extension_attribute"):format(n))
  end
  routes[n] = { match = match, ou = r.ou }
end
local default_ou = config.default_ou

return function(display_name)
  for i = 1, #routes do
    local r = routes[i]
    if r.match(display_name) then return r.ou end
  end
  if default_ou then return default_ou end
  return nil, "no route matches group " .. label() .. " and no default_ou is configured"
end
