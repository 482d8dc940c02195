// The one place that says which contract the JavaScript SDK, its types and every JS plugin are
// built against: the released, frozen folder (see wit/README.md) and its world.
import { fileURLToPath } from "node:url";

/** The WIT folder of the contract, `gwb:rules@1.1.0`. */
export const WIT_DIR = fileURLToPath(new URL("../../wit/gwb-rules@1.1.0", import.meta.url));
/** The world every rule plugin of this SDK implements: `plugin` and `plugin-facts`. */
export const WORLD = "rule-plugin-with-facts";
