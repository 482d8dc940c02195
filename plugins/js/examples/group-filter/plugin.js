// group-filter in JavaScript: the same config, answers and error texts as the Rust
// plugins/examples/group-filter. A filter-stage plugin that skips groups by displayName pattern,
// group kind and member count, with a reason reports show; it reads memberCount() only when a
// bound is set.
//
// Patterns: a glob (`*`, `?`, case ignored) is the SDK's `rustGlob`, the same anchored pattern
// as in Rust; a `re:` pattern is a RegExp from the SDK's `rustRegex`, whose comment lists the
// dialect differences from Rust's `regex` (`\d \w \b` are ASCII-only here): keep `re:` patterns
// to the common core, as rules/contoso.toml's are.
// Config: JSON has one number type, so a whole float such as `min_members = 2.0` is read as 2
// here, where Rust refuses it; write counts as integers.

import {
  FilterDecision,
  RuleError,
  definePlugin,
  groupKind,
  parseConfig,
  quote,
  rustGlob,
  rustRegex,
} from "../../sdk/gwb-plugin.js";

// The kinds as the configuration names them, in the Rust enum's order.
const KINDS = {
  microsoft365: "m365",
  security: "security",
  "mail-enabled-security": "mail-enabled-security",
  distribution: "distribution",
};
const U32_MAX = 0xffffffff;

function strings(key, values) {
  for (const v of values ?? []) {
    if (typeof v !== "string") throw new RuleError(`invalid config: ${key} must be a list of strings, not ${JSON.stringify(v)}`);
  }
  return values ?? [];
}

function patterns(key, texts) {
  return strings(key, texts).map((text) => {
    if (!text.startsWith("re:")) return { text, regex: rustGlob(text) };
    try {
      return { text, regex: rustRegex(text.slice(3)) };
    } catch (e) {
      throw new RuleError(`invalid config: ${key} pattern ${quote(text)} is invalid: ${e.message}`);
    }
  });
}

function count(key, value) {
  if (value !== undefined && value !== null && !(value >= 0 && value <= U32_MAX)) {
    throw new RuleError(`invalid config: ${key} must be an integer from 0 to ${U32_MAX}, not ${value}`);
  }
  return value ?? undefined;
}

export const plugin = definePlugin({
  name: "group-filter",
  version: "0.1.0",
  stages: ["filter"],

  /** Compiles the patterns and checks the kinds and that min_members ≤ max_members. */
  configure(configJson) {
    const raw = parseConfig(configJson, {
      include: "array?",
      exclude: "array?",
      kinds: "array?",
      min_members: "integer?",
      max_members: "integer?",
    });
    const allowed = Object.values(KINDS);
    for (const k of strings("kinds", raw.kinds)) {
      if (!allowed.includes(k)) {
        throw new RuleError(
          `invalid config: kinds: unknown variant \`${k}\`, expected one of ${allowed.map((a) => `\`${a}\``).join(", ")}`,
        );
      }
    }
    const min = count("min_members", raw.min_members);
    const max = count("max_members", raw.max_members);
    if (min !== undefined && max !== undefined && min > max) {
      throw new RuleError(`invalid config: min_members ${min} is greater than max_members ${max}`);
    }
    this.include = patterns("include", raw.include);
    this.exclude = patterns("exclude", raw.exclude);
    this.kinds = raw.kinds ?? [];
    this.min = min;
    this.max = max;
  },

  filter(group) {
    const reason = this.skipReason(group);
    return reason === undefined ? FilterDecision.write() : FilterDecision.skip(reason);
  },

  /** `undefined` to write the group, or the reason to skip it (kind, exclude, include, counts). */
  skipReason(group) {
    const kind = KINDS[groupKind(group)];
    if (this.kinds.length > 0 && !this.kinds.includes(kind)) {
      return `group kind ${kind} is not one of the configured kinds [${this.kinds.join(", ")}]`;
    }
    const name = group.displayName() ?? "";
    const excluded = this.exclude.find((p) => p.regex.test(name));
    if (excluded) return `displayName ${quote(name)} matches exclude pattern ${quote(excluded.text)}`;
    if (this.include.length > 0 && !this.include.some((p) => p.regex.test(name))) {
      return `displayName ${quote(name)} matches no include pattern`;
    }
    if (this.min === undefined && this.max === undefined) return undefined;
    const members = group.memberCount();
    if (this.min !== undefined && members < this.min) {
      return `the group has ${members} direct members, fewer than min_members ${this.min}`;
    }
    if (this.max !== undefined && members > this.max) {
      return `the group has ${members} direct members, more than max_members ${this.max}`;
    }
    return undefined;
  },
});
