// The SDK's expected-failure error, in a module of its own (no host imports) so the pure helpers
// and their unit tests can use it outside a component. gwb-plugin.js re-exports it.

/**
 * An expected rule failure (bad data, a missing route, ...): throw it from a stage and the host
 * reports its message for that group, which is not a crash. From `configure` it stops loading.
 */
export class RuleError extends Error {
  /** @param {string} message what went wrong, in words an administrator understands */
  constructor(message) {
    super(message);
    this.name = "RuleError";
  }
}
