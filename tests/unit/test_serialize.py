"""The document's YAML and JSON texts.

- YAML (our own writer) loads back to exactly the same data with PyYAML (Python and libyaml
  loaders) and, when the consumer tools are installed, with the JS parsers Node tools use;
- JSON is byte-identical to json.dumps(indent=2, ensure_ascii=False);
- the texts assembled from cached pieces are byte-identical to whole-document texts.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pagekit import REPO, model, page_text

from generator.build.cache import BuildCache
from generator.openapi.emit import emit_openapi
from generator.openapi.serialize import to_json_text, to_texts_cached, to_yaml_text

EXAMPLES = int(os.environ.get("SOGEN_FUZZ_EXAMPLES", "300"))
LOADERS = [yaml.SafeLoader, *([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])]

# Strings some YAML reader could take for something else, or that need care to write.
HOSTILE = [
    # empty, spaces, tabs
    *["", " ", "  ", " lead", "trail ", " both ", "\t", "\tlead", "trail\t", "a\tb", "a  b"],
    # indicators: leading, `: ` and ` #` inside, trailing colon
    *["a: b", "a:", ":a", "a :b", "a:b", "a #b", "a#b", "C#", "#a", "# a", "a # b", "a:\tb"],
    *["-", "- a", "-a", "--", "---", "--- a", "...", "... a", "?", "? a", "?a", ":", ": a"],
    *[",", ",a", "a,", "[", "[a]", "]", "{", "{a: b}", "}", "a[0]", "a{b}", "a]", "a}"],
    *["&a", "*a", "!a", "!!str", "!!binary", "|", "| a", "|-", ">", "> a", ">-", "a|b", "a>"],
    *["'", "'a'", "a'b", '"', '"a"', 'a"b', "%", "%YAML 1.2", "@a", "`a`", "a`"],
    *["<<", "<", "=", "==", "~", "a~", "~a", "$", "$ref", "(a)", "/", "_"],
    # YAML 1.1 and 1.2 bools and nulls
    *["y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off"],
    *["Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "tRUE", "null"],
    *["Null", "NULL", "nULL", "~", "yes ", " no", "y\n", "Nothing", "only", "nullable"],
    # numbers in either version (and things near them)
    *["0", "1", "-1", "+1", "007", "0777", "0o7", "0O7", "0b101", "0x1F", "0X1f", "0xg"],
    *["1.0", "-1.5", "1.", ".5", "-.5", "1e3", "1E3", "1e+3", "1.0e+3", "1.0e-3", "1e"],
    *["1_000", "1__0", "_1", "1_000.5", "+.inf", ".inf", "-.inf", ".Inf", ".INF", ".nan"],
    *[".NaN", ".NAN", "-.NaN", "NaN", "nan", "inf", "Infinity", "-Infinity", "0.", "-0"],
    *["12:30", "12:30:00", "190:20:30", "1:2:3.5", "-1:30", "1:", "+12:30"],
    *["2020-01-01", "2020-1-1", "2020-01-01T10:00:00Z", "2020-01-01 10:00:00.5 +02:00"],
    *["2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "3.0.3", "1.2.3.4", "1..2"],
    # line breaks of all kinds
    *["a\nb", "a\nb\n", "a\n\n", "\nlead", "\n", "\n\n", "a\n b", "a \nb", "a\n\nb", " a\nb"],
    *["a\r\nb", "a\rb", "\r", "a\n ", "a\n#b", "a\n# b", "a\n---\nb", "a\n...\n", "a\n- b"],
    *["a\n  b\n c", "a\n\tb", "a: b\nc: d", "- a\n- b", "|\na", "a\n\n\nb\n", "x\n\n\n"],
    # control and special characters
    *["\x00", "a\x01b", "\x07", "\x1b[0m", "\x7f", "\x80", "\x9f", "\x85", "a\x85b", "\x85\n"],
    *["\u2028", "a\u2029b", "a\n\u2028", "\ufeff", "\ufeffa", "a\ufeff", "\ufffe", "\uffff"],
    *["\u00a0", "\u00a0a\u00a0", "a\u00a0", "\u3000", "\u200b", "a\u200bb", "\u1680", "\u180e"],
    # non-BMP, backslashes, non-ASCII text
    *["😀", "a😀b", "😀\n😀", "\U0010ffff", "\U0001f600:", "\\", "\\n", "a\\", "C:\\path"],
    *["ünïcode", "日本語", "ünïcode\ntext", "Ω: ω", "Ω #"],
    # ordinary text, which should stay plain (see test_ordinary_strings_are_plain)
    *["plain", "/api/v1/Agents/Chat/AddChatMessage", "#/components/schemas/X"],
    *["application/json", "A sentence, with (parens) and `code`.", "Timestamp"],
    # long text
    *["x" * 2000, "a " * 600 + "b", ("line of text " * 20 + "\n") * 30, "k: v " * 300],
]
NUMBERS: list[Any] = [
    *[0, 1, -1, 7, 10**30, -(10**30), 2**63, 2**64 + 1, True, False, None],
    *[0.0, -0.0, 0.1, -0.5, 1e16, 1e-7, 1.5e300, 5e-324, 1.7976931348623157e308, 1 / 3],
    *[123456789.123, 100.0, 1e22, -2.5e-10],
]
SHAPES: list[Any] = [
    *[{}, [], [[]], [{}], {"a": []}, {"a": {}}, [[1, [2, []]]], [[[]]], [[{}]]],
    *[{"a": [{"b": [[{"c": {}}]]}]}, [{"a": 1, "b": [1, 2]}, {"c": {"d": "e\nf"}}]],
    *[[["a\nb", "c\nd\n"], {"k": "a\nb"}], {"a": [["x\ny"]]}, [{"a\nb": "c\nd"}]],
]


def _doc() -> dict:  # type: ignore[type-arg]
    long = "A description long enough to be folded by the YAML emitter " * 4
    pages = [
        page_text(
            front=f"title: POST Agents/T{n}/Do\nuid: v1T{n}Agent_Do",
            h1=f"# POST Agents/T{n}/Do",
            endpoint=f"POST /api/v1/Agents/T{n}/Do",
            description=f"{long} ünïcode {n}\n\nA second paragraph: with `code`.",
        )
        for n in range(5)
    ]
    api, _ = model(*pages)
    return emit_openapi(api, "3.0")


def _hostile_doc() -> dict[str, Any]:
    """Every hostile string as value, key, list item and in nested places."""
    return {
        "values": HOSTILE,
        "keys": {s: s for s in HOSTILE},
        "responses": {code: {"description": code} for code in ("200", "404", "2XX", "default")},
        "numbers": NUMBERS,
        "number_keys": {str(n): n for n in NUMBERS},
        "shapes": SHAPES,
        "nested": [[s, [s], {s: [s, {s: s}]}] for s in HOSTILE],
        "in_maps": [{s: {"v": s}, "w": [s]} for s in HOSTILE],
        "long_keys": {"k" * 2000: 1, "m" * 600 + "\n" + "n": ["x"], "o" * 700: {"p": "q\nr"}},
    }


def _same(loaded: object, data: object) -> None:
    # json.dumps tells 1 from 1.0 from True, and keeps the order of keys
    assert json.dumps(loaded, ensure_ascii=False) == json.dumps(data, ensure_ascii=False)


def _round_trips(data: object) -> None:
    text = to_yaml_text(data)  # type: ignore[arg-type]
    for loader in LOADERS:
        _same(yaml.load(text, Loader=loader), data)


# --- YAML ---------------------------------------------------------------------------------------


def test_hostile_strings_round_trip() -> None:
    _round_trips(_hostile_doc())


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_each_hostile_string_round_trips_alone(text: str) -> None:
    for data in (text, {text: text}, [text], {"k": [text, {text: [text]}]}, [[text]]):
        _round_trips(data)


@pytest.mark.parametrize("value", NUMBERS + SHAPES, ids=range(len(NUMBERS + SHAPES)))
def test_numbers_and_shapes_round_trip(value: object) -> None:
    for data in (value, {"k": value}, [value], {"k": [value]}, [[value]]):
        _round_trips(data)


def test_response_codes_stay_string_keys() -> None:
    text = to_yaml_text({"responses": {"200": {"description": "OK"}, "404": {}}})
    assert text == 'responses:\n  "200":\n    description: OK\n  "404": {}\n'


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "$ref",
        "/api/v1/Agents/Chat/AddChatMessage",
        "application/json",
        "Does the thing, for the (current) user.",
        "Agents are `POST /api/v1/Agents/<Agent>/<Method>`; REST endpoints act on entities.",
        "Values should be encoded so 10 is \"[I:10]\" or 'x'.",
        "Times like 12:30 and C# are fine mid-text",
        "ünïcode text",
        "3.0.3",
        "yes please",
        "x" * 300,
    ],
)
def test_ordinary_strings_are_plain(text: str) -> None:
    assert to_yaml_text({"k": text}) == f"k: {text}\n"
    assert to_yaml_text({text: 1}) == f"{text}: 1\n"


def test_layout() -> None:
    data = {
        "a": {"b": [1, "two", {"c": None, "d": [True, []]}], "e": {}},
        "f": [[1, 2], ["x"]],
        "g": "first line\n  indented\n\nlast\n",
        "h": ["one\ntwo", "#/x"],
    }
    assert to_yaml_text(data) == (
        "a:\n"
        "  b:\n"
        "  - 1\n"
        "  - two\n"
        "  - c: null\n"
        "    d:\n"
        "    - true\n"
        "    - []\n"
        "  e: {}\n"
        "f:\n"
        "- - 1\n"
        "  - 2\n"
        "- - x\n"
        "g: |\n"
        "  first line\n"
        "    indented\n"
        "\n"
        "  last\n"
        "h:\n"
        "- |-\n"
        "  one\n"
        "  two\n"
        '- "#/x"\n'
    )
    _round_trips(data)


def test_floats_keep_their_type() -> None:
    assert to_yaml_text([1e16, -0.0, 0.1, 5e-324]) == "- 1.0e+16\n- -0.0\n- 0.1\n- 5.0e-324\n"
    assert to_yaml_text([float("inf"), float("-inf")]) == "- .inf\n- -.inf\n"


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(TypeError):
        to_yaml_text({"k": {1, 2}})  # type: ignore[dict-item]


# Text that reaches for the awkward parts of YAML: indicators, digits, breaks, controls.
_AWKWARD = list(" -?:,[]{}#&*!|>'\"%@`~=<.+_0123456789eExXoObByYnNtTfF\n\r\t\\")
_AWKWARD += ["\x00", "\x85", "\u2028", "\ufeff", "😀"]
texts = st.text(max_size=40) | st.text(alphabet=st.sampled_from(_AWKWARD), max_size=12)
keys = texts | st.sampled_from(HOSTILE)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
    | st.sampled_from(HOSTILE)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
@given(json_values)
def test_yaml_round_trips_any_json_like_value(data: Any) -> None:
    _round_trips(data)
    _round_trips({"wrapped": data, "list": [data]})


# --- JSON ---------------------------------------------------------------------------------------


def _dumps(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
@given(json_values)
def test_json_is_json_dumps_byte_for_byte(data: Any) -> None:
    assert to_json_text(data) == _dumps(data)
    wrapped = {"a": [data, {"b": data}], "c": data}
    assert to_json_text(wrapped) == _dumps(wrapped)


def test_json_matches_json_dumps_on_documents() -> None:
    for data in (_hostile_doc(), _doc(), json.loads((REPO / "generated/openapi.json").read_text())):
        assert to_json_text(data) == _dumps(data)


def test_json_falls_back_to_json_dumps_for_unusual_values() -> None:
    class Text(str):
        pass

    odd = {"t": (1, [2]), "n": float("nan"), "i": float("-inf"), "s": Text("x"), "k": {1: 2}}
    assert to_json_text(odd) == _dumps(odd)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_json_text({"k": {1, 2}})  # type: ignore[dict-item]


# --- the piece cache ----------------------------------------------------------------------------


def test_pieces_give_the_same_bytes_cold_and_warm(tmp_path: Path) -> None:
    doc = _doc()
    doc["components"]["schemas"]["Odd: name"] = {"description": "a\nb", "enum": ["200", "y"]}
    expected = (to_yaml_text(doc), to_json_text(doc))
    cache = BuildCache(tmp_path / "cache")
    assert to_texts_cached(doc, None) == expected
    assert to_texts_cached(doc, cache) == expected  # cold: pieces are made and stored
    assert to_texts_cached(doc, cache) == expected  # warm: pieces come from the cache
    doc["paths"]["/api/v1/Agents/T0/Do"]["post"]["summary"] = "changed"
    assert to_texts_cached(doc, cache) == (to_yaml_text(doc), to_json_text(doc))
    doc["paths"] = {}
    doc["components"]["schemas"] = {}
    assert to_texts_cached(doc, cache) == (to_yaml_text(doc), to_json_text(doc))
    odd: Any = {"paths": {1: {"a": 1}}, "components": {"schemas": {None: []}}}
    assert to_texts_cached(odd, cache) == (to_yaml_text(odd), to_json_text(odd))


# --- JS parsers ---------------------------------------------------------------------------------
# redocly, Prism and openapi-typescript read the YAML with js-yaml (3 and 4) or `yaml`, both
# YAML 1.2 readers; checked when the consumer tools are already installed (tests/consumers).

_JS_CHECK = r"""
const path = require("path"), fs = require("fs");
const root = path.join(process.argv[2], "node_modules");
const redocly = "@redocly/openapi-core/node_modules";
const loaders = {
  "js-yaml 3": (t) => require(path.join(root, "js-yaml")).safeLoad(t),
  "js-yaml 4": (t) => require(path.join(root, redocly, "js-yaml")).load(t),
  "yaml 1.2": (t) => require(path.join(root, "yaml")).parse(t),
  // merge keys off: with them, that mode takes any "<<" key (even quoted) for a merge
  "yaml 1.1": (t) => require(path.join(root, "yaml")).parse(t, { version: "1.1", merge: false }),
};
function same(a, b) {
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b) || a instanceof Date) return false;
  const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same(a[k], b[k]));
}
const failures = [];
for (const [yamlText, jsonText] of JSON.parse(fs.readFileSync(process.argv[3], "utf8"))) {
  for (const [name, load] of Object.entries(loaders)) {
    let got;
    try { got = load(yamlText); } catch (e) { got = String(e); }
    if (!same(got, JSON.parse(jsonText))) failures.push([name, yamlText, got]);
  }
}
console.log(JSON.stringify(failures.slice(0, 20)));
process.exit(failures.length ? 1 : 0);
"""


def _node_tools() -> Path:
    """The consumer tools' node_modules (installed once per machine by the harness; without
    npm this fails with the harness's message rather than skipping)."""
    from support.consumers import ensure_node_tools

    root = ensure_node_tools()
    needed = ("js-yaml", "yaml", "@redocly/openapi-core/node_modules/js-yaml")
    missing = [n for n in needed if not (root / "node_modules" / n).is_dir()]
    assert not missing, f"YAML parsers missing from the consumer tools: {missing}"
    return root


def _js_cases() -> list[Any]:
    # JS numbers are doubles: only integers they hold exactly (JS also puts integer-like keys
    # first, so the check ignores the order of keys; the Python tests check it)
    safe_numbers = [n for n in NUMBERS if not isinstance(n, int) or abs(n) < 2**53]
    doc = _hostile_doc()
    doc["numbers"] = safe_numbers
    doc["number_keys"] = {str(n): n for n in safe_numbers}
    cases: list[Any] = [doc, *HOSTILE, *safe_numbers, *SHAPES]
    cases += [{"k": s} for s in HOSTILE] + [[s] for s in HOSTILE] + [[[s]] for s in HOSTILE]
    cases += [{"k": [{"l": s}]} for s in HOSTILE] + [{"k": v} for v in safe_numbers + SHAPES]
    return cases


def test_js_yaml_parsers_read_the_same_data(tmp_path: Path) -> None:
    root = _node_tools()
    cases = [[to_yaml_text(c), json.dumps(c, ensure_ascii=False)] for c in _js_cases()]
    (tmp_path / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    (tmp_path / "check.js").write_text(_JS_CHECK, encoding="utf-8")
    ran = subprocess.run(
        ["node", str(tmp_path / "check.js"), str(root), str(tmp_path / "cases.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout[:4000] + ran.stderr[:2000]
