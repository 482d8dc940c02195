// {{name}}: a gwb rule plugin (naming stage) that puts its `cn_prefix` in front of every
// group's cn. Written by `gwb plugin new`; README.md has the build command and the loop.
// The SDK is imported from the gwb checkout by a relative path: update it if either moves.

import { NamingDecision, RuleError, definePlugin, label, parseConfig, quote } from {{sdk}};

// The longest cn AD accepts, in characters.
const MAX_CN = 64;

export const plugin = definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  stages: ["naming"],

  configure(configJson) {
    // The plugin's `config` table in the rules file; an unknown key is refused by name.
    const config = parseConfig(configJson, { cn_prefix: "string" });
    if (config.cn_prefix === "") throw new RuleError("invalid config: cn_prefix must not be empty");
    this.cnPrefix = config.cn_prefix;
  },

  naming(group, proposal) {
    const cn = this.cnPrefix + proposal.cn();
    const length = [...cn].length;
    if (length > MAX_CN) {
      // An expected failure: reported for this group, the run goes on.
      throw new RuleError(
        `the cn ${quote(cn)} of group ${label(group)} would be ${length} characters long; ` +
          `AD allows ${MAX_CN} (shorten cn_prefix)`,
      );
    }
    return NamingDecision.keep().withCn(cn);
  },
});
