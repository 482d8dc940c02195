// The gwb rule-plugin SDK for JavaScript: define a plugin with `definePlugin` and export the
// result as `plugin`; build it with `node plugins/js/build.mjs <entry.js>` (see ../README.md).
//
//     import { definePlugin, FilterDecision } from "../../sdk/gwb-plugin.js";
//     export const plugin = definePlugin({
//       name: "skip-empty", version: "1.0.0", stages: ["filter"],
//       filter(group) {
//         return group.memberCount() === 0
//           ? FilterDecision.skip("the group has no members")
//           : FilterDecision.write();
//       },
//     });
//
// The types of the contract (CloudGroup, Proposal, ...) are generated from the WIT folder by
// build.mjs into plugins/target/js/types/. build.mjs exports `plugin` as `gwb:rules/plugin` and
// its stages with the group's facts as `gwb:rules/plugin-facts` (contract 1.1, which the host
// calls them through); both call the same stage code with the same {@link CloudGroup}.

import { log as hostLog } from "gwb:rules/log@1.1.0";

import { RuleError } from "./rule-error.js";

// The pure helpers live in modules that import nothing from the host, so their unit tests run
// in Node without the component (plugins/js/unit); they are part of this SDK's API.
export { RuleError } from "./rule-error.js";
export { checkFields, parseConfig } from "./config.js";
export { quote, quoteChar, rustGlob, rustRegex } from "./rust-text.js";

/** Logging through the host, tagged there with the plugin and the group being processed. */
export const log = Object.freeze({
  /** @param {string} message */
  trace: (message) => hostLog("trace", String(message)),
  /** @param {string} message */
  debug: (message) => hostLog("debug", String(message)),
  /** @param {string} message */
  info: (message) => hostLog("info", String(message)),
  /** Something looks wrong but the rule carried on. @param {string} message */
  warn: (message) => hostLog("warn", String(message)),
  /** @param {string} message */
  error: (message) => hostLog("error", String(message)),
});

/** The filter stage's answers. */
export const FilterDecision = Object.freeze({
  /** Write this group back (later plugins may still skip it). */
  write: () => ({ tag: "write" }),
  /** Do not write this group back; `reason` is shown in reports. @param {string} reason */
  skip: (reason) => ({ tag: "skip", val: String(reason) }),
});

/**
 * The naming stage's answer. Each field left out keeps the proposal's value:
 * `NamingDecision.keep().withParentDn("OU=Finance,DC=contoso,DC=com")`.
 */
export class NamingDecision {
  /** Keeps the proposal's cn, parent DN and sAMAccountName. */
  static keep() {
    return new NamingDecision();
  }

  constructor() {
    /** @type {string | undefined} */
    this.cn = undefined;
    /** @type {string | undefined} */
    this.parentDn = undefined;
    /** @type {string | undefined} */
    this.samAccountName = undefined;
  }

  /** Sets the cn (unescaped; the host escapes DNs). @param {string} cn */
  withCn(cn) {
    this.cn = String(cn);
    return this;
  }

  /** Sets the DN of the target OU. @param {string} parentDn */
  withParentDn(parentDn) {
    this.parentDn = String(parentDn);
    return this;
  }

  /** Sets the sAMAccountName. @param {string} samAccountName */
  withSamAccountName(samAccountName) {
    this.samAccountName = String(samAccountName);
    return this;
  }
}

function attribute(name, values) {
  return { name: String(name), values: Array.from(values ?? [], String) };
}

/** The mapping stage's edits of the proposed attributes. */
export const AttributeEdit = Object.freeze({
  /** Replaces all values of `name` (no values removes the attribute). */
  replace: (name, values) => ({ tag: "replace", val: attribute(name, values) }),
  /** Adds values to `name` (values already present are kept once). */
  add: (name, values) => ({ tag: "add", val: attribute(name, values) }),
  /** Removes values from `name` (no values removes the attribute). */
  remove: (name, values) => ({ tag: "remove", val: attribute(name, values) }),
});

// ---- the group -----------------------------------------------------------------------------

/**
 * A cloud group as read from Microsoft Graph, lent for one stage call. Read-only. The facts most
 * rules read (id, displayName, mailEnabled, securityEnabled, whether it is a Microsoft 365 group,
 * onPremisesSyncEnabled, the member count) come with the call; every other accessor asks the host
 * and copies only what it returns. Optional values are `undefined` when absent.
 */
export class CloudGroup {
  #facts;
  #host;

  /**
   * The group of a stage call: with the facts that came with it (`plugin-facts`, contract 1.1),
   * or, when none did (`plugin`, 1.0), with the facts read from the host. Made by the SDK.
   */
  constructor(facts, host) {
    this.#facts = facts ?? {
      id: host.id(),
      displayName: host.displayName(),
      mailEnabled: host.mailEnabled(),
      securityEnabled: host.securityEnabled(),
      unified: host.groupTypes().some((t) => asciiLower(t) === "unified"),
      onPremisesSyncEnabled: host.onPremisesSyncEnabled(),
      memberCount: host.memberCount(),
    };
    this.#host = host;
  }

  /** `id`: the group's object id (a GUID string). Always present. @returns {string} */
  id() { return this.#facts.id; }
  /** `displayName`. @returns {string | undefined} */
  displayName() { return this.#facts.displayName; }
  /** `mailEnabled`. @returns {boolean | undefined} */
  mailEnabled() { return this.#facts.mailEnabled; }
  /** `securityEnabled`. @returns {boolean | undefined} */
  securityEnabled() { return this.#facts.securityEnabled; }
  /** Whether `groupTypes` contains `Unified` (any case): a Microsoft 365 group. @returns {boolean} */
  isUnified() { return this.#facts.unified; }
  /** `onPremisesSyncEnabled`: true (synced from AD now), false (was synced), undefined (never). */
  onPremisesSyncEnabled() { return this.#facts.onPremisesSyncEnabled; }
  /** The number of direct members. @returns {number} */
  memberCount() { return this.#facts.memberCount; }
  /** `description`. */
  description() { return this.#host.description(); }
  /** `mail`: the primary SMTP address. */
  mail() { return this.#host.mail(); }
  /** `mailNickname`. */
  mailNickname() { return this.#host.mailNickname(); }
  /** `groupTypes`, e.g. `["Unified", "DynamicMembership"]`. @returns {string[]} */
  groupTypes() { return this.#host.groupTypes(); }
  /** `proxyAddresses`: `SMTP:` marks the primary address, `smtp:` secondary ones. @returns {string[]} */
  proxyAddresses() { return this.#host.proxyAddresses(); }
  /** `visibility`: `Public`, `Private`, `HiddenMembership` or undefined. */
  visibility() { return this.#host.visibility(); }
  /** `onPremisesSecurityIdentifier`. */
  onPremisesSecurityIdentifier() { return this.#host.onPremisesSecurityIdentifier(); }
  /** `onPremisesSamAccountName`. */
  onPremisesSamAccountName() { return this.#host.onPremisesSamAccountName(); }
  /** `securityIdentifier`: the cloud SID. */
  securityIdentifier() { return this.#host.securityIdentifier(); }
  /** `createdDateTime` as ISO 8601 text. */
  createdDateTime() { return this.#host.createdDateTime(); }
  /** `deletedDateTime` as ISO 8601 text. */
  deletedDateTime() { return this.#host.deletedDateTime(); }
  /** Graph beta `writebackConfiguration`, when the host was told to read it. */
  writebackConfiguration() { return this.#host.writebackConfiguration(); }
  /** One of `onPremisesExtensionAttributes.extensionAttribute1` .. `15`; `index` is 1..15. @param {number} index */
  extensionAttribute(index) { return this.#host.extensionAttribute(index); }
  /** All set `onPremisesExtensionAttributes`, keyed `extensionAttribute<N>`. */
  extensionAttributes() { return this.#host.extensionAttributes(); }
  /** One directory extension attribute by its full name `extension_<appid>_<name>`. @param {string} name */
  directoryExtension(name) { return this.#host.directoryExtension(name); }
  /** All directory extension attributes of the group. */
  directoryExtensions() { return this.#host.directoryExtensions(); }
  /** Direct members from position `start`, at most `count` of them (copied only when asked for). */
  members(start, count) { return this.#host.members(start, count); }
}

// ---- group helpers -------------------------------------------------------------------------

/**
 * The group's kind, from the facts (groupTypes, mailEnabled and securityEnabled), classified as
 * the host does: `"microsoft365"`, `"mail-enabled-security"`, `"security"` or `"distribution"`.
 * @param {CloudGroup} group
 */
export function groupKind(group) {
  if (group.isUnified()) return "microsoft365";
  if (group.securityEnabled() === true) {
    return group.mailEnabled() === true ? "mail-enabled-security" : "security";
  }
  return "distribution";
}

/**
 * An extension attribute by name: `extensionAttribute1`..`15` (any case) or a directory
 * extension `extension_<appid>_<name>`; `undefined` when unset or the name is neither.
 */
export function extension(group, name) {
  const lower = asciiLower(name);
  const prefix = "extensionattribute";
  if (lower.startsWith(prefix)) {
    const index = lower.slice(prefix.length);
    // Rust's u8 parsing: digits only (a leading `+` too), no spaces.
    if (!/^\+?[0-9]+$/.test(index)) return undefined;
    const i = Number(index);
    return i >= 1 && i <= 15 ? group.extensionAttribute(i) : undefined;
  }
  if (lower.startsWith("extension_")) return group.directoryExtension(name);
  return undefined;
}

/** `"<displayName>" (<id>)`, or `(<id>)` without a displayName, for messages. */
export function label(group) {
  const name = group.displayName();
  return name === undefined ? `(${group.id()})` : `"${name}" (${group.id()})`;
}

/** Lower-cases ASCII letters only, as Rust's `to_ascii_lowercase` (String.toLowerCase is Unicode-aware). */
export function asciiLower(text) {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

// ---- the export ----------------------------------------------------------------------------

const STAGES = ["filter", "naming", "mapping"];

/**
 * Where {@link definePlugin}'s result keeps its `gwb:rules/plugin-facts` export, which build.mjs
 * exports from the component as `pluginFacts`.
 */
export const PLUGIN_FACTS = Symbol.for("gwb:rules/plugin-facts");

const DEFAULTS = {
  filter: () => FilterDecision.write(),
  naming: () => NamingDecision.keep(),
  mapping: () => [],
};

/** The text of a thrown value that is not a RuleError, for the log and the rule error. */
function describeThrown(thrown) {
  if (thrown instanceof Error) {
    const head = `${thrown.name}: ${thrown.message}`;
    const stack = typeof thrown.stack === "string" && thrown.stack.trim() ? thrown.stack.trim() : "";
    return stack
      ? { short: `${head} (its stack is in the log)`, long: `${head}\n${stack}` }
      : { short: head, long: head };
  }
  let text;
  try {
    text = typeof thrown === "string" ? JSON.stringify(thrown) : String(thrown);
  } catch {
    text = Object.prototype.toString.call(thrown);
  }
  const kind = thrown === null ? "null" : typeof thrown;
  const short = `a non-Error value was thrown (${kind}): ${text}`;
  return { short, long: short };
}

/**
 * Runs one entry point. A RuleError becomes the WIT rule error; anything else thrown (an Error
 * of any other kind, or a string, number, undefined, ...) is logged at error level with its
 * stack or value and also becomes a rule error naming it, instead of trapping the component.
 */
function guard(what, call) {
  try {
    return call();
  } catch (thrown) {
    if (thrown instanceof RuleError) throw new Error(thrown.message);
    const { short, long } = describeThrown(thrown);
    try {
      log.error(`uncaught exception in ${what}: ${long}`);
    } catch {
      // The log is best effort; the rule error below still says what happened.
    }
    throw new Error(`uncaught exception in ${what}: ${short}`);
  }
}

/**
 * Builds the `plugin` export from a definition (and, under {@link PLUGIN_FACTS}, the same stages
 * with the group's facts, which build.mjs exports as `plugin-facts`):
 *
 * - `name`, `version`: what `describe` reports;
 * - `stages`: the stages implemented, e.g. `["naming"]`; the host calls only these;
 * - `configure(configJson)`: optional; gets the `config` table as JSON text (`{}` when absent)
 *   and may keep what it needs on `this` (the definition); throw a RuleError to refuse it;
 * - `filter(group)`, `naming(group, proposal)`, `mapping(group, proposal)`: the stages, called
 *   with `this` the definition and `group` a {@link CloudGroup}. A stage listed but not written does nothing (write, keep the
 *   proposal, no edits).
 *
 * Every entry point is guarded: see {@link RuleError} and the README on uncaught exceptions.
 */
export function definePlugin(definition) {
  const { name, version, stages } = definition;
  if (typeof name !== "string" || name === "") throw new Error("definePlugin: give a `name`");
  if (typeof version !== "string" || version === "") throw new Error("definePlugin: give a `version`");
  if (!Array.isArray(stages)) {
    throw new Error(`definePlugin: give \`stages\`, a list of ${STAGES.join(", ")}`);
  }
  for (const stage of stages) {
    if (!STAGES.includes(stage)) {
      throw new Error(`definePlugin: unknown stage ${JSON.stringify(stage)}; the stages are ${STAGES.join(", ")}`);
    }
  }
  for (const stage of STAGES) {
    if (typeof definition[stage] === "function" && !stages.includes(stage)) {
      throw new Error(`definePlugin: ${stage} is written but not listed in \`stages\`, so the host would never call it`);
    }
  }
  const stage = (s) => (typeof definition[s] === "function" ? definition[s] : DEFAULTS[s]);
  const flags = Object.fromEntries(STAGES.map((s) => [s, stages.includes(s)]));
  // The stages with the group's facts (`plugin-facts`), or without (`plugin`: facts undefined).
  const withFacts = {
    filter: (facts, host) =>
      guard("filter", () => stage("filter").call(definition, new CloudGroup(facts, host))),
    naming: (facts, host, proposal) =>
      guard("naming", () => stage("naming").call(definition, new CloudGroup(facts, host), proposal)),
    mapping: (facts, host, proposal) =>
      guard("mapping", () =>
        Array.from(stage("mapping").call(definition, new CloudGroup(facts, host), proposal)),
      ),
  };
  return {
    describe: () => ({ name, version, stages: { ...flags } }),
    configure: (configJson) =>
      guard("configure", () => {
        if (typeof definition.configure === "function") definition.configure(configJson);
      }),
    filter: (host) => withFacts.filter(undefined, host),
    naming: (host, proposal) => withFacts.naming(undefined, host, proposal),
    mapping: (host, proposal) => withFacts.mapping(undefined, host, proposal),
    [PLUGIN_FACTS]: withFacts,
  };
}
