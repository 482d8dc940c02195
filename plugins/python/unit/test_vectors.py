"""The Python SDK's Rust imitations against the shared vectors in plugins/sdk-vectors, which
Rust itself checks (plugins/sdk/tests/vectors.rs, the group-filter's rule.rs tests)."""

import json

import pytest
from conftest import vectors

from gwb_plugin import config, text
from gwb_plugin.rule_error import RuleError

TEXT = vectors("text")
REGEX = vectors("regex")
GLOB = vectors("glob")
CONFIG = vectors("config")

_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "array": list,
          "object": dict}


def _ids(cases):
    return [case["why"] for case in cases]


@pytest.mark.parametrize("case", TEXT["strings"], ids=_ids(TEXT["strings"]))
def test_quote_prints_what_rust_debug_prints(case):
    assert text.quote(case["text"]) == case["debug"]


@pytest.mark.parametrize("case", TEXT["chars"], ids=_ids(TEXT["chars"]))
def test_quote_char_prints_what_rust_debug_prints(case):
    assert text.quote_char(case["char"]) == case["debug"]


@pytest.mark.parametrize("case", REGEX["patterns"], ids=_ids(REGEX["patterns"]))
def test_rust_regex_accepts_refuses_and_matches_as_rust(case):
    if case.get("refused"):
        with pytest.raises(ValueError) as refused:
            text.rust_regex(case["pattern"])
        if "port_error" in case:
            assert str(refused.value) == case["port_error"]
        return
    regex = text.rust_regex(case["pattern"])
    assert [t for t in case["matches"] if not regex.search(t)] == []
    assert [t for t in case["rejects"] if regex.search(t)] == []


@pytest.mark.parametrize("case", GLOB["globs"], ids=_ids(GLOB["globs"]))
def test_rust_glob_matches_as_the_rust_group_filter(case):
    regex = text.rust_glob(case["glob"])
    assert [t for t in case["matches"] if not regex.search(t)] == []
    assert [t for t in case["rejects"] if regex.search(t)] == []


def _spec(fields):
    return {
        key: config.Field(_TYPES[kind.rstrip("?")], None) if kind.endswith("?")
        else config.Field(_TYPES[kind])
        for key, kind in fields.items()
    }


@pytest.mark.parametrize("case", CONFIG["cases"], ids=_ids(CONFIG["cases"]))
def test_config_parse_answers_as_pinned(case):
    expected = case["python"]
    spec = _spec(case["fields"])
    where = case.get("where")

    def parse():
        if where is None:
            return config.parse(case["config"], spec)
        return config.fields(json.loads(case["config"]), spec, where)

    if "value" in expected:
        assert parse() == expected["value"]
        return
    with pytest.raises(RuleError) as refused:
        parse()
    if "error" in expected:
        assert refused.value.message == expected["error"]
    else:
        assert refused.value.message.startswith(expected["error_starts_with"])
