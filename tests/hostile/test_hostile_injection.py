"""Page text is data: hostile descriptions, names and samples never change the generated code.

One build of hand-written hostile pages (hostile_kit.hostile_specs) is checked for: valid Python
with the expected top-level shape, the payload present only as escaped text, Jinja syntax left
unevaluated, unique identifiers with SOG406 warnings naming both pages, and a package that passes
mypy --strict, ruff, black and its own generated tests.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_kit import (
    HOSTILE_NAMES,
    JINJA,
    assert_clean_diagnostics,
    hostile_specs,
    run_cli,
    write_pages,
)

from generator.render.literals import docstring_body, py_literal

PY = sys.executable
PACKAGE = "superoffice_webapi"
RUNTIME = {"_auth.py", "_codec.py", "_errors.py", "_http.py"}
TOP_LEVEL = (
    ast.ImportFrom,
    ast.Import,
    ast.Assign,
    ast.AnnAssign,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("injection")
    pages = write_pages(tmp / "pages", hostile_specs())
    result = run_cli("build", pages, "-o", tmp / "out", "--no-cache")
    assert result.code == 0, result.err[-5000:]
    assert_clean_diagnostics(result.err)
    return tmp / "out", result.err


def _python_files(out: Path) -> list[Path]:
    return sorted((out / "python").rglob("*.py"))


def test_every_generated_file_parses_and_has_only_expected_top_level_statements(
    built: tuple[Path, str],
) -> None:
    out, _ = built
    files = _python_files(out)
    assert len(files) > 20
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        body = tree.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the module docstring
        for node in body:
            if isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks of imports only
                assert all(isinstance(n, ast.Import | ast.ImportFrom) for n in node.body), path
                continue
            assert isinstance(node, TOP_LEVEL), (path, ast.dump(node)[:200])
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names]
                assert "os" not in names or path.name == "conftest.py", (path, names)
            if isinstance(node, ast.Attribute):
                assert node.attr != "system", path
            if isinstance(node, ast.Name):
                assert node.id not in ("eval", "exec", "__import__"), path


def test_payload_stays_text_and_jinja_is_not_evaluated(built: tuple[Path, str]) -> None:
    out, _ = built
    agents = out / "python" / PACKAGE / "agents"
    evil = (agents / "evil.py").read_text(encoding="utf-8")
    assert 'os.system("x")' in evil  # present, as docstring text
    assert "{{ 7*7 }}" in evil and "{% if true %}jinja-if{% endif %}" in evil
    for path in [*agents.glob("*.py"), *(out / "python" / PACKAGE / "models").glob("*.py")]:
        assert not re.search(r"(?<![\w.])49(?![\w.])", path.read_text(encoding="utf-8")), path
    spec = (out / "openapi.json").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in spec or "{{ 7*7 }}".replace(" ", "") in spec
    assert "\u202e" not in "".join(p.read_text(encoding="utf-8") for p in _python_files(out))


def test_samples_with_the_payload_become_string_literals(built: tuple[Path, str]) -> None:
    out, _ = built
    tests = (out / "python" / "tests" / "test_evil.py").read_text(encoding="utf-8")
    tree = ast.parse(tests)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert any(isinstance(s, str) and 'os.system("x")' in s for s in strings)


@pytest.mark.parametrize(
    "text",
    ['"""; import os #', 'end"', "back\\", "\\n\\x00", "\x00\x1b\u2028\u202e", JINJA, "*/ <!--"],
)
def test_literal_and_docstring_escaping_round_trips(text: str) -> None:
    assert ast.literal_eval(py_literal(text)) == text
    doc = docstring_body(text, 4)
    module = ast.parse(f'def f() -> None:\n    """{doc}\n    """\n')
    assert len(module.body) == 1 and len(module.body[0].body) == 1  # type: ignore[attr-defined]


def test_hostile_names_become_unique_identifiers(built: tuple[Path, str]) -> None:
    out, _ = built
    model = (out / "python" / PACKAGE / "models" / "evil_carrier.py").read_text(encoding="utf-8")
    tree = ast.parse(model)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "EvilCarrier")
    fields = [n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)]  # type: ignore[union-attr]
    assert len(fields) == len(set(fields)) >= len(HOSTILE_NAMES)
    for name in fields:
        assert name.isidentifier() and name.isascii() and not name[0].isdigit()
        assert name not in ("class", "from", "None", "True", "self", "type", "id")
    agents = out / "python" / PACKAGE / "agents"
    modules = sorted(p.stem for p in agents.glob("*.py"))
    assert "class_" in modules and "class_agent" in modules and "con_" in modules
    assert all(len(m) <= 110 for m in modules)


def test_each_collision_warns_naming_both_pages(built: tuple[Path, str]) -> None:
    _, err = built
    lines = err.splitlines()
    warnings = [(n, line) for n, line in enumerate(lines) if "[SOG406]" in line]
    kinds = {"method", "schema class", "property", "parameter", "client attribute"}
    for kind in kinds:
        assert any(kind in line for _, line in warnings), (kind, err)
    for n, line in warnings:
        assert lines[n + 1].endswith(": note: see also"), line
    method = next(line for _, line in warnings if "method" in line)
    index = lines.index(method)
    pages = {lines[index].split(":", 1)[0], lines[index + 1].split(":", 1)[0]}
    assert {Path(p).name for p in pages} == {"evil_getfoo.md", "evil_get_foo.md"}


def _env(out: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(out / "python")
    env.pop("SOGEN_TEST_BASE_URL", None)
    return env


def test_generated_tests_pass(built: tuple[Path, str]) -> None:
    out, _ = built
    proc = subprocess.run(
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True,
        text=True,
        cwd=out / "python",
        env=_env(out),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_generated_package_is_clean_under_mypy_ruff_and_black(built: tuple[Path, str]) -> None:
    out, _ = built
    cwd = out / "python"
    mypy = subprocess.run(
        [PY, "-m", "mypy", "--strict", "--no-incremental", PACKAGE, "tests"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    assert mypy.returncode == 0, mypy.stdout[-4000:]
    ruff = subprocess.run(
        [PY, "-m", "ruff", "check", "--no-cache", "."], capture_output=True, text=True, cwd=cwd
    )
    assert ruff.returncode == 0, ruff.stdout[-4000:]
    black = subprocess.run(
        [PY, "-m", "black", "--check", "-q", "."], capture_output=True, text=True, cwd=cwd
    )
    assert black.returncode == 0, black.stderr[-2000:]
