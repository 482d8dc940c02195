// ou-router in JavaScript: the same config and answers as the Rust plugins/examples/ou-router.
// A naming-stage plugin that picks the target OU by displayName prefix or regex, or by an
// extension attribute, with a default OU.
//
// `regex` is a JavaScript RegExp here, compiled by the SDK's `rustRegex` (the `u` flag, a leading
// `(?i)` as the `i` flag, lookaround and backreferences refused as in Rust), not Rust's `regex`
// crate: `\d \w \b` are ASCII-only here but Unicode-aware in Rust (rustRegex's comment lists
// the rest). Keep routes to the common subset, as rules/contoso.toml's `^(ENG|DEV|OPS)-` is.

import {
  NamingDecision,
  RuleError,
  asciiLower,
  checkFields,
  definePlugin,
  extension,
  label,
  parseConfig,
  quote,
  rustRegex,
} from "../../sdk/gwb-plugin.js";

const utf8 = new TextEncoder();

/** Rust's `text.get(..prefix.len()).is_some_and(|h| h.eq_ignore_ascii_case(prefix))`, on UTF-8 bytes. */
function startsWithIgnoreCase(text, prefix) {
  const t = utf8.encode(text);
  const p = utf8.encode(prefix);
  if (t.length < p.length) return false;
  // A cut inside a character is no match (Rust's `get` gives None there).
  if (t.length > p.length && (t[p.length] & 0xc0) === 0x80) return false;
  const lower = (b) => (b >= 0x41 && b <= 0x5a ? b + 32 : b);
  return p.every((b, i) => lower(b) === lower(t[i]));
}

function isExtensionName(name) {
  const lower = asciiLower(name);
  const prefix = "extensionattribute";
  if (lower.startsWith(prefix)) {
    const index = lower.slice(prefix.length);
    return /^\+?[0-9]+$/.test(index) && Number(index) >= 1 && Number(index) <= 15;
  }
  return lower.startsWith("extension_") && lower.length > "extension_".length;
}

function compileRegex(n, source) {
  try {
    return rustRegex(source);
  } catch (e) {
    throw new RuleError(`invalid config: route ${n}: invalid regex ${quote(source)}: ${e.message}`);
  }
}

function route(n, raw) {
  checkFields(
    raw,
    { prefix: "string?", regex: "string?", extension_attribute: "string?", equals: "string?", ou: "string" },
    `route ${n}: `,
  );
  const bad = (message) => new RuleError(`invalid config: route ${n}: ${message}`);
  if (raw.ou.trim() === "") throw bad("ou is empty");
  const given = (key) => raw[key] !== undefined && raw[key] !== null;
  if (given("equals") && !given("extension_attribute")) throw bad("equals needs extension_attribute");
  const matchers = ["prefix", "regex", "extension_attribute"].filter(given);
  if (matchers.length !== 1) throw bad("give exactly one of prefix, regex or extension_attribute");
  const ou = raw.ou;
  if (given("prefix")) {
    const prefix = raw.prefix;
    return { ou, matches: (name) => name !== undefined && startsWithIgnoreCase(name, prefix) };
  }
  if (given("regex")) {
    const re = compileRegex(n, raw.regex);
    return { ou, matches: (name) => name !== undefined && re.test(name) };
  }
  const attribute = raw.extension_attribute;
  if (!isExtensionName(attribute)) {
    throw bad(
      `extension_attribute ${quote(attribute)} is neither extensionAttribute1..15 nor extension_<appid>_<name>`,
    );
  }
  const equals = given("equals") ? raw.equals : undefined;
  return {
    ou,
    matches: (_name, group) => {
      const value = extension(group, attribute);
      if (value === undefined) return false;
      return equals === undefined ? value !== "" : value === equals;
    },
  };
}

export const plugin = definePlugin({
  name: "ou-router",
  version: "0.1.0",
  stages: ["naming"],

  /** Validates the routes (each exactly one matcher and a non-empty ou; regexes compile). */
  configure(configJson) {
    const raw = parseConfig(configJson, { default_ou: "string?", routes: "array?" });
    this.routes = (raw.routes ?? []).map((r, i) => route(i + 1, r));
    if (typeof raw.default_ou === "string" && raw.default_ou.trim() === "") {
      throw new RuleError("invalid config: default_ou is empty; remove it or give an OU DN");
    }
    this.defaultOu = raw.default_ou ?? undefined;
  },

  /** The first matching route's OU, else the default; no match and no default is a rule error. */
  naming(group) {
    if (this.routes === undefined) return NamingDecision.keep();
    const name = group.displayName();
    const hit = this.routes.find((r) => r.matches(name, group));
    const ou = hit ? hit.ou : this.defaultOu;
    if (ou === undefined) {
      throw new RuleError(`no route matches group ${label(group)} and no default_ou is configured`);
    }
    return NamingDecision.keep().withParentDn(ou);
  },
});
