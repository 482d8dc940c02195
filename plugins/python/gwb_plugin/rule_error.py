"""`RuleError`, in a module of its own that imports no bindings, so `config` and its unit tests
(plugins/python/unit) load outside a component."""


class RuleError(Exception):
    """An expected rule failure (bad data, a missing route, ...), reported for the group.

    In `configure`, it stops loading the plugin with its message.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
