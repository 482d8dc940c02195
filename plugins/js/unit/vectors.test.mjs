// The JS SDK's Rust imitations against the shared vectors in plugins/sdk-vectors, which Rust
// itself checks (plugins/sdk/tests/vectors.rs, the group-filter's rule.rs tests). Runs in Node
// (`node --test plugins/js/unit`): the modules under test import nothing from the host.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { checkFields, parseConfig } from "../sdk/config.js";
import { RuleError } from "../sdk/rule-error.js";
import { quote, quoteChar, rustGlob, rustRegex } from "../sdk/rust-text.js";

const vectors = (name) =>
  JSON.parse(readFileSync(new URL(`../../sdk-vectors/${name}.json`, import.meta.url), "utf8"));

describe("quote prints what Rust's {:?} prints", () => {
  const { strings, chars } = vectors("text");
  for (const c of strings) test(c.why, () => assert.equal(quote(c.text), c.debug));
  for (const c of chars) test(`char: ${c.why}`, () => assert.equal(quoteChar(c.char), c.debug));
});

/** Asserts `regex` matches every text of the case's `matches` and none of its `rejects`. */
function assertAnswers(regex, { matches, rejects }) {
  assert.deepEqual(matches.filter((t) => !regex.test(t)), [], "texts it must match");
  assert.deepEqual(rejects.filter((t) => regex.test(t)), [], "texts it must not match");
}

describe("rustRegex accepts, refuses and matches as Rust's regex", () => {
  for (const c of vectors("regex").patterns) {
    test(c.why, () => {
      if (c.refused) {
        assert.throws(
          () => rustRegex(c.pattern),
          (e) => e instanceof SyntaxError && (c.port_error === undefined || e.message === c.port_error),
        );
        return;
      }
      assertAnswers(rustRegex(c.pattern), c);
    });
  }
});

describe("rustGlob matches as the Rust group-filter", () => {
  for (const c of vectors("glob").globs) {
    test(c.why, () => assertAnswers(rustGlob(c.glob), c));
  }
});

describe("parseConfig answers as pinned", () => {
  for (const c of vectors("config").cases) {
    test(c.why, () => {
      const expected = c.js;
      const parse = () =>
        c.where === undefined
          ? parseConfig(c.config, c.fields)
          : checkFields(JSON.parse(c.config), c.fields, `${c.where}: `);
      if ("value" in expected) {
        const value = parse();
        const fields = Object.fromEntries(Object.keys(c.fields).map((k) => [k, value[k] ?? null]));
        assert.deepEqual(fields, expected.value);
        assert.deepEqual(Object.keys(value).filter((k) => !(k in c.fields)), []);
        return;
      }
      assert.throws(parse, (e) => {
        assert.ok(e instanceof RuleError, `a RuleError, not ${e}`);
        if ("error" in expected) assert.equal(e.message, expected.error);
        else assert.ok(e.message.startsWith(expected.error_starts_with), e.message);
        return true;
      });
    });
  }
});
