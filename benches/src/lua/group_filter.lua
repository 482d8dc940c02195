-- group-filter in Lua: skips groups by displayName pattern, group kind and member count.
-- Called with the plugin's config table; returns
-- filter(display_name, unified, mail_enabled, security_enabled, member_count) -> nil | reason.
local config = ...
local find, gsub, lower, sub, concat = string.find, string.gsub, string.lower, string.sub, table.concat

-- `FIN-*` -> `^fin%-.*$`: `*` any run, `?` any one character, everything else literal.
-- Globs ignore ASCII case, so they are lower-cased here and matched against a lower-cased name.
local function glob_to_pattern(glob)
  local escaped = gsub(lower(glob), "[%^%$%(%)%%%.%[%]%+%-]", "%%%0")
  escaped = gsub(escaped, "%*", ".*")
  escaped = gsub(escaped, "%?", ".")
  return "^" .. escaped .. "$"
end

-- A pattern is a glob, or with the prefix `re:` a Lua pattern (the twin of the plugin's regex).
local function compile(texts)
  local compiled = {}
  for i, text in ipairs(texts or {}) do
    if sub(text, 1, 3) == "re:" then
      compiled[i] = { text = text, pattern = sub(text, 4), fold = false }
    else
      compiled[i] = { text = text, pattern = glob_to_pattern(text), fold = true }
    end
  end
  return compiled
end

local include, exclude = compile(config.include), compile(config.exclude)
local kinds, allowed = {}, {}
for i, kind in ipairs(config.kinds or {}) do
  kinds[kind] = true
  allowed[i] = kind
end
local any_kind = #allowed == 0
local allowed_text = concat(allowed, ", ")
local min_members, max_members = config.min_members, config.max_members
if min_members and max_members and min_members > max_members then
  error(("min_members %d is greater than max_members %d"):format(min_members, max_members))
end

local function classify(unified, mail_enabled, security_enabled)
  if unified then return "m365" end
  if security_enabled then
    if mail_enabled then return "mail-enabled-security" end
    return "security"
  end
  return "distribution"
end

local function matches(p, name, lowered)
  return find(p.fold and lowered or name, p.pattern) ~= nil
end

return function(display_name, unified, mail_enabled, security_enabled, member_count)
  local kind = classify(unified, mail_enabled, security_enabled)
  if not any_kind and not kinds[kind] then
    return "group kind " .. kind .. " is not one of the configured kinds [" .. allowed_text .. "]"
  end
  local name = display_name or ""
  local lowered = lower(name)
  for i = 1, #exclude do
    if matches(exclude[i], name, lowered) then
      return 'displayName "' .. name .. '" matches exclude pattern "' .. exclude[i].text .. '"'
    end
  end
  if #include > 0 then
    local hit = false
    for i = 1, #include do
      if matches(include[i], name, lowered) then
        hit = true
        break
      end
    end
    if not hit then
      return 'displayName "' .. name .. '" matches no include pattern'
    end
  end
  if min_members and member_count < min_members then
    return ("the group has %d direct members, fewer than min_members %d"):format(member_count, min_members)
  end
  if max_members and member_count > max_members then
    return ("the group has %d direct members, more than max_members %d"):format(member_count, max_members)
  end
  return nil
end
