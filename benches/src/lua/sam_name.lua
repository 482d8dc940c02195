-- sam-name in Lua: a deterministic, valid sAMAccountName of at most 20 characters from a
-- prefix, the displayName and a short FNV-1a hash of the object id. Called with the plugin's
-- config table; returns name(display_name, object_id) -> sAMAccountName.
local config = ...
local byte, find, format, gsub, sub = string.byte, string.find, string.format, string.gsub, string.sub

local MAX_LEN, HASH_LEN, MAX_PREFIX_LEN = 20, 6, 8
local prefix = config.prefix or ""
if #prefix > MAX_PREFIX_LEN then
  error(("prefix %q is longer than %d characters"):format(prefix, MAX_PREFIX_LEN))
end
if find(prefix, "[^%w%-_%.]") then
  error(("prefix %q contains characters other than A-Z, a-z, 0-9, '-', '_' and '.'"):format(prefix))
end
local room = MAX_LEN - #prefix - HASH_LEN - 1

return function(display_name, object_id)
  local h = 0x811c9dc5
  for i = 1, #object_id do
    h = ((h ~ byte(object_id, i)) * 0x01000193) & 0xffffffff
  end
  local hash = format("%06x", h & 0xffffff)
  -- Keep ASCII letters, digits, '-', '_' and '.'; every byte of a non-ASCII character goes.
  local body = sub((gsub(display_name or "", "[^%w%-_%.]", "")), 1, room)
  body = gsub((gsub(body, "^%.+", "")), "%.+$", "")
  if body == "" then return prefix .. hash end
  return prefix .. body .. "-" .. hash
end
