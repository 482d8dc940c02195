// Test plugin: for the group whose displayName is `only`, its naming stage throws as `mode` says;
// every other group is named `ok <id>`. Modes: `type-error` (a TypeError from a real mistake),
// `string` (a thrown string, not an Error), `undefined` (`throw undefined`), `rule-error` (an
// expected failure through RuleError).
import { NamingDecision, RuleError, definePlugin, parseConfig } from "../../sdk/gwb-plugin.js";

const MODES = {
  "type-error": (group) => group.noSuchAccessor().length,
  string: () => {
    throw "a thrown string";
  },
  undefined: () => {
    throw undefined;
  },
  "rule-error": (group) => {
    throw new RuleError(`no route for ${group.displayName()}`);
  },
};

export const plugin = definePlugin({
  name: "throws",
  version: "0.1.0",
  stages: ["naming"],
  configure(configJson) {
    const config = parseConfig(configJson, { mode: "string", only: "string" });
    if (!Object.hasOwn(MODES, config.mode)) {
      throw new RuleError(`unknown mode ${JSON.stringify(config.mode)}; the modes are ${Object.keys(MODES).join(", ")}`);
    }
    this.config = config;
  },
  naming(group) {
    if (group.displayName() === this.config.only) MODES[this.config.mode](group);
    return NamingDecision.keep().withCn(`ok ${group.id()}`);
  },
});
