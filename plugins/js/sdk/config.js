// Reading a plugin's JSON configuration with clear errors (unknown keys are refused). No host
// imports: plugins/js/unit tests it in Node. gwb-plugin.js re-exports checkFields and parseConfig.

import { RuleError } from "./rule-error.js";

const KINDS = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  integer: (v) => Number.isSafeInteger(v),
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
  object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
};

function describeValue(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Checks one JSON object against `fields`: a map of key to type, one of `string`, `number`,
 * `integer`, `boolean`, `array`, `object`, with `?` for an optional key (`"string?"`). Unknown
 * keys, missing required keys and values of another type are refused with a RuleError naming
 * the key, e.g. `invalid config: unknown field "rotues", expected "default_ou" or "routes"`.
 * `where` prefixes the key in messages (e.g. `route 2: `). Returns `value`.
 *
 * @param {unknown} value
 * @param {Record<string, string>} fields
 * @param {string} [where]
 */
export function checkFields(value, fields, where = "") {
  const expected = Object.keys(fields);
  const list = expected.map((k) => JSON.stringify(k));
  const one =
    list.length <= 1 ? list.join("") : `${list.slice(0, -1).join(", ")} or ${list.at(-1)}`;
  if (!KINDS.object(value)) {
    throw new RuleError(`invalid config: ${where}expected an object, found ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) {
      throw new RuleError(
        `invalid config: ${where}unknown field ${JSON.stringify(key)}, ` +
          (expected.length ? `expected ${one}` : "there are no fields"),
      );
    }
  }
  for (const [key, spec] of Object.entries(fields)) {
    const optional = spec.endsWith("?");
    const kind = optional ? spec.slice(0, -1) : spec;
    const check = KINDS[kind];
    if (!check) throw new Error(`checkFields: unknown type ${JSON.stringify(spec)} for ${key}`);
    const v = value[key];
    if (v === undefined || (optional && v === null)) {
      if (!optional) throw new RuleError(`invalid config: ${where}missing field ${JSON.stringify(key)}`);
      continue;
    }
    if (!check(v)) {
      throw new RuleError(
        `invalid config: ${where}${JSON.stringify(key)} must be ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}, found ${describeValue(v)}`,
      );
    }
  }
  return value;
}

/**
 * Parses the plugin's `config` JSON (an empty text is read as `{}`) and checks it with
 * {@link checkFields}. Invalid JSON is a RuleError too.
 *
 * @param {string} configJson
 * @param {Record<string, string>} fields
 */
export function parseConfig(configJson, fields) {
  const text = configJson.trim() === "" ? "{}" : configJson;
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RuleError(`invalid config: ${e instanceof Error ? e.message : String(e)}`);
  }
  return checkFields(value, fields);
}
