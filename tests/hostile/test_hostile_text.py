"""Text that is fine on a page and once broke the generated code.

`Ørjan Sæther` in the sample of the operation the client tests use was written into a bytes
literal (`SyntaxError: bytes can only contain ASCII literal characters`); a sample nested 200
deep became a literal Python's parser refuses (`too many nested parentheses`); homoglyphs,
no-break and zero-width spaces in names and descriptions were written raw (ruff RUF001-RUF003).
One build holds all of them: its package must pass ruff (its own config, which checks
RUF001-RUF003, and those rules alone without it), mypy --strict, black and its own tests, with
ASCII identifiers only.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_kit import assert_clean_diagnostics, endpoint_page, run_cli, write_pages

from generator.render.client import _bytes_literal
from generator.render.literals import MAX_LITERAL_DEPTH, docstring_body, py_string, value_literal

PY = sys.executable
PACKAGE = "superoffice_webapi"
NORDIC = "Ørjan Sæther"
# Cyrillic a, Greek o, fullwidth a, no-break space, zero-width space, typographic quotes/dash
ODD = (
    "N\u0430me \u03bf \uff41 no\u00a0break zero\u200bwidth "
    "\u2018q\u2019 \u201cq\u201d \u2013 \u2026"
)
DEEP = 199  # examples.MAX_JSON_DEPTH is 200: the deepest sample the parser takes


def _deep_object(depth: int) -> str:
    return '{"Next": ' * (depth - 1) + '{"Leaf": "x"}' + "}" * (depth - 1)


def _pages(which: str) -> dict[str, str]:
    pages = {
        "nordic.md": endpoint_page(
            uid="v1NordicAgent_Greet",
            method="POST",
            path="/api/v1/Agents/Nordic/Greet",
            description=f"Greets {NORDIC}. {ODD}",
            body_rows=[("FullName", "string", f"Name, e.g. {NORDIC}; {ODD}"), (ODD, "string", ODD)],
            response_label="Greeting",
            response_rows=[("Text", "string", ODD), (f"Odd{ODD}", "string", ODD)],
            sample_request=json.dumps({"FullName": NORDIC, ODD: ODD}, ensure_ascii=False),
            sample_response=json.dumps(
                {"Text": f"Hei {NORDIC} {ODD}", f"Odd{ODD}": "\u00a0"}, ensure_ascii=False
            ),
        ),
        "deep.md": endpoint_page(
            uid="v1DeepAgent_Nest",
            method="POST",
            path="/api/v1/Agents/Deep\u0430\u200bx/Nest",  # Cyrillic a, zero-width space
            query_rows=[(f"q{ODD}", "string", ODD)],
            body_rows=[("Tree", "object", "")],
            response_label="Tree",
            response_rows=[("Next", "object", ""), ("Leaf", "string", "")],
            sample_request='{"Tree": ' + _deep_object(DEEP - 1) + "}",
            sample_response=_deep_object(DEEP),
        ),
    }
    # one build for each, so that each is the operation the client tests (test__client.py) use
    return {f"{which}.md": pages[f"{which}.md"]}


@pytest.fixture(scope="module", params=["nordic", "deep"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("text")
    pages = write_pages(tmp / "pages", _pages(request.param))
    result = run_cli("build", pages, "-o", tmp / "out", "--no-cache")
    assert result.code == 0, result.err[-5000:]
    assert_clean_diagnostics(result.err)
    return tmp / "out" / "python", result.err


def _run(args: list[str], python: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(python)
    env.pop("SOGEN_TEST_BASE_URL", None)
    return subprocess.run(args, capture_output=True, text=True, cwd=python, env=env, timeout=600)


def test_generated_tests_pass_with_the_samples_in_them(built: tuple[Path, str]) -> None:
    python, _ = built
    client_tests = (python / "tests" / "test__client.py").read_text(encoding="utf-8")
    if (python / "tests" / "test_nordic.py").exists():
        assert "nordic.greet" in client_tests and "\\xc3\\x98rjan" in client_tests
    else:
        deep_tests = (python / "tests" / "test_deep_u1072_x.py").read_text(encoding="utf-8")
        assert "json.loads(" in deep_tests and '"Leaf": "x"' in deep_tests
        assert "json.loads(" in client_tests
    proc = _run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], python)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_ruff_mypy_and_black_find_nothing(built: tuple[Path, str]) -> None:
    python, _ = built
    ruff = _run([PY, "-m", "ruff", "check", "--no-cache", "."], python)
    assert ruff.returncode == 0, ruff.stdout[-4000:]
    confusables = _run(
        [
            PY,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "RUF001,RUF002,RUF003",
            ".",
        ],
        python,
    )
    assert confusables.returncode == 0, confusables.stdout[-4000:]
    mypy = _run([PY, "-m", "mypy", "--strict", "--no-incremental", PACKAGE, "tests"], python)
    assert mypy.returncode == 0, mypy.stdout[-4000:]
    black = _run([PY, "-m", "black", "--check", "-q", "."], python)
    assert black.returncode == 0, black.stderr[-2000:]


def test_identifiers_are_ascii_and_text_keeps_its_value(built: tuple[Path, str]) -> None:
    python, _ = built
    strings: list[str] = []
    for path in sorted(python.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = getattr(node, "name", None) or getattr(node, "id", None)
            name = name or getattr(node, "attr", None) or getattr(node, "arg", None)
            if isinstance(name, str):
                assert name.isascii(), (path, name)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.append(node.value)
    # escapes in the source, the page's exact text in the values
    assert any(ODD in s for s in strings)
    if (python / "tests" / "test_nordic.py").exists():
        assert any(NORDIC in s for s in strings)


@pytest.mark.parametrize(
    "data",
    [
        NORDIC.encode(),
        b"",
        b'"',
        b"'\"'",
        b"\\\x00\n\r\t\x7f\xff",
        json.dumps({"a": NORDIC}, ensure_ascii=False).encode(),
    ],
)
def test_bytes_literal_is_ascii_and_round_trips(data: bytes) -> None:
    literal = _bytes_literal(data)
    assert literal.isascii()
    assert ast.literal_eval(literal) == data


def test_deep_values_become_json_text_and_shallow_ones_literals() -> None:
    shallow: object = "x"
    for _ in range(MAX_LITERAL_DEPTH):
        shallow = [shallow]
    deep = [shallow]
    assert not value_literal(shallow).startswith("json.loads(")  # type: ignore[arg-type]
    text = value_literal(deep)  # type: ignore[arg-type]
    assert text.startswith("json.loads(")
    compile(f"import json\nx = {text}\n", "t.py", "exec")
    assert json.loads(ast.literal_eval(text[len("json.loads(") : -1])) == deep


@pytest.mark.parametrize(
    "text", [ODD, NORDIC, "\U0001f600 日本語 Москва", "\u00d7 \u0131 \u017f \u00b4"]
)
def test_strings_and_docstrings_keep_only_ascii_and_accented_latin(text: str) -> None:
    literal = py_string(text)
    assert ast.literal_eval(literal) == text
    allowed = set(NORDIC) | set("ÅåÄäÖöÜüÉéÈèÑñÇç")
    for out in (literal, docstring_body(text, 4)):
        assert all(ch.isascii() or ch in allowed for ch in out), out
