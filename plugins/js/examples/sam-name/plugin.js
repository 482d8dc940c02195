// sam-name in JavaScript: the same config, names and error texts as the Rust
// plugins/examples/sam-name. A naming-stage plugin that sets a valid, deterministic
// sAMAccountName of at most 20 characters: prefix + displayName + short hash of the object id.
// The hash is the same 32-bit FNV-1a of the object id's UTF-8 bytes, its low 24 bits as 6
// lower-case hex digits, so a group gets the same name from either. No dialect difference:
// everything kept is ASCII, and lengths count characters (code points), as Rust's `chars()`.

import { NamingDecision, RuleError, definePlugin, parseConfig, quote, quoteChar } from "../../sdk/gwb-plugin.js";

/** The longest sAMAccountName older clients accept, and the most this rule emits. */
const MAX_LEN = 20;
/** Hex digits of the object-id hash that make names unique. */
const HASH_LEN = 6;
/** The longest prefix, so at least a few characters of the displayName remain. */
const MAX_PREFIX_LEN = 8;

const isKept = (c) => /^[A-Za-z0-9_.-]$/.test(c);

/** 32-bit FNV-1a, as the Rust rule computes it. @param {Uint8Array} bytes */
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** `<prefix><displayName, sanitized and cut>-<hash>`, or `<prefix><hash>` when nothing survives. */
function samName(prefix, displayName, objectId) {
  const hash = (fnv1a(new TextEncoder().encode(objectId)) & 0xffffff).toString(16).padStart(HASH_LEN, "0");
  const room = MAX_LEN - prefix.length - HASH_LEN - 1;
  const body = [...(displayName ?? "")]
    .filter(isKept)
    .slice(0, room)
    .join("")
    .replace(/^\.+|\.+$/g, "");
  return body === "" ? `${prefix}${hash}` : `${prefix}${body}-${hash}`;
}

export const plugin = definePlugin({
  name: "sam-name",
  version: "0.1.0",
  stages: ["naming"],

  /** Checks the prefix: at most 8 characters, each allowed in a name. */
  configure(configJson) {
    const prefix = parseConfig(configJson, { prefix: "string?" }).prefix ?? "";
    const chars = [...prefix];
    if (chars.length > MAX_PREFIX_LEN) {
      throw new RuleError(`invalid config: prefix ${quote(prefix)} is longer than ${MAX_PREFIX_LEN} characters`);
    }
    const bad = chars.find((c) => !isKept(c));
    if (bad !== undefined) {
      throw new RuleError(
        `invalid config: prefix ${quote(prefix)} contains ${quoteChar(bad)}; use only A-Z, a-z, 0-9, '-', '_' and '.'`,
      );
    }
    this.prefix = prefix;
  },

  naming(group) {
    return NamingDecision.keep().withSamAccountName(samName(this.prefix ?? "", group.displayName(), group.id()));
  },
});
