"""Input the parsers accept but later stages cannot carry: symlink loops, numbers too long to
print, NaN and Infinity, enums with a value twice. Each is a located diagnostic at the page, never
SOG999, and nothing it holds reaches the output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hostile_kit import assert_clean_diagnostics, endpoint_page, run_cli, write_pages

THING = {
    "uid": "v1ProbeAgent_DoIt",
    "method": "POST",
    "path": "/api/v1/Agents/Probe/DoIt",
    "response_label": "Thing",
    "response_rows": [("Value", "int32", ""), ("Kind", "string", "")],
}


def _build(pages: Path, out: Path) -> tuple[int, str]:
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert_clean_diagnostics(result.err)
    assert "SOG999" not in result.err, result.err
    return result.code, result.err


def _lines(err: str, code: str) -> list[str]:
    return [line for line in err.splitlines() if f"[{code}]" in line]


def test_md_symlink_loop_is_an_error_at_the_link(tmp_path: Path) -> None:
    pages = write_pages(tmp_path / "pages", {"ok.md": endpoint_page(**THING)})  # type: ignore[arg-type]
    os.symlink("b.md", pages / "a.md")
    os.symlink("a.md", pages / "b.md")
    os.symlink("loop.md", pages / "loop.md")  # a link to itself
    os.symlink("sub", pages / "sub")  # a folder link into its own folder: never entered
    code, err = _build(pages, tmp_path / "out")
    assert code == 1
    loops = _lines(err, "SOG110")
    assert {line.split(":", 1)[0] for line in loops} == {
        str(pages / name) for name in ("a.md", "b.md", "loop.md")
    }
    assert all(line.startswith(f"{pages}/") and ":1:1: error:" in line for line in loops)
    assert not (tmp_path / "out").exists()


def test_symlink_loop_given_as_the_input(tmp_path: Path) -> None:
    os.symlink("self.md", tmp_path / "self.md")
    os.symlink("selfdir", tmp_path / "selfdir")
    for target in ("self.md", "selfdir"):
        code, err = _build(tmp_path / target, tmp_path / "out")
        assert code == 1
        assert _lines(err, "SOG110") and not _lines(err, "SOG901"), err


def test_front_matter_key_too_long_to_print_is_a_warning(tmp_path: Path) -> None:
    page = endpoint_page(**THING)  # type: ignore[arg-type]
    page = page.replace("generated: true", "generated: true\n? 0x" + "f" * 5000 + "\n: 1")
    pages = write_pages(tmp_path / "pages", {"ok.md": page})
    code, err = _build(pages, tmp_path / "out")
    assert code == 0, err
    (warning,) = _lines(err, "SOG111")
    assert warning.startswith(f"{pages / 'ok.md'}:5:1: warning:"), warning
    assert (tmp_path / "out" / "openapi.json").is_file()


@pytest.mark.parametrize(
    ("body", "code", "token"),
    [
        ('{"Value": ' + "9" * 5000 + ', "Kind": "x"}', "SOG307", "9" * 5000),
        ('{"Value": -' + "1" * 101 + "}", "SOG307", "-" + "1" * 101),
        ('{"Kind": "NaN", "Value": NaN}', "SOG301", "NaN"),
        ('{"Value": 1,\n "Kind": Infinity}', "SOG301", "Infinity"),
        ("[1, -Infinity]", "SOG301", "-Infinity"),
        ('{"Value": 1e400}', "SOG307", "1e400"),
    ],
)
def test_sample_numbers_no_json_tool_carries_are_located_and_dropped(
    tmp_path: Path, body: str, code: str, token: str
) -> None:
    page = endpoint_page(**THING, sample_response=body)  # type: ignore[arg-type]
    pages = write_pages(tmp_path / "pages", {"ok.md": page})
    status, err = _build(pages, tmp_path / "out")
    assert status == 0, err
    (warning,) = _lines(err, code)
    _, line, col, _ = warning.split(":", 3)
    text = page.split("\n")[int(line) - 1]
    assert text[int(col) - 1 :].startswith(token), (warning, text)
    spec = (tmp_path / "out" / "openapi.json").read_text(encoding="utf-8")
    json.loads(spec, parse_constant=lambda c: pytest.fail(f"{c} in openapi.json"))
    assert "9" * 200 not in spec and "1" * 101 not in spec
    tests = (tmp_path / "out" / "python" / "tests" / "test_probe.py").read_text("utf-8")
    assert "nan" not in tests.lower() and "inf" not in tests.lower()


def test_nan_in_a_sample_request_never_reaches_the_generated_tests(tmp_path: Path) -> None:
    import subprocess
    import sys

    page = endpoint_page(
        **THING,  # type: ignore[arg-type]
        body_rows=[("Amount", "double", ""), ("Name", "string", "")],
        sample_request='{"Amount": NaN, "Name": "x"}',
        sample_response='{"Value": Infinity, "Kind": "y"}',
    )
    pages = write_pages(tmp_path / "pages", {"ok.md": page})
    status, err = _build(pages, tmp_path / "out")
    assert status == 0 and len(_lines(err, "SOG301")) == 2, err
    python = tmp_path / "out" / "python"
    env = {**os.environ, "PYTHONPATH": str(python)}
    env.pop("SOGEN_TEST_BASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True,
        text=True,
        cwd=python,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]


@pytest.mark.parametrize(
    ("cell", "expected", "dropped"),
    [
        ("Enum: A, A, B", ["A", "B"], "'A' listed twice"),
        ("Enum: A, , B", ["A", "B"], "an empty value"),
        ("Enum: x, y, x, y, ,", ["x", "y"], "'x', 'y' listed twice and an empty value"),
    ],
)
def test_enum_values_twice_or_empty_are_dropped_with_a_warning_at_the_row(
    tmp_path: Path, cell: str, expected: list[str], dropped: str
) -> None:
    page = endpoint_page(
        **{**THING, "response_rows": [("Kind", cell, "")]},  # type: ignore[arg-type]
        query_rows=[("Mode", cell, "")],
    )
    pages = write_pages(tmp_path / "pages", {"ok.md": page})
    status, err = _build(pages, tmp_path / "out")
    assert status == 0, err
    warnings = _lines(err, "SOG409")
    assert len(warnings) == 2, err
    lines = page.split("\n")
    for warning in warnings:
        assert dropped in warning, warning
        _, line, _, _ = warning.split(":", 3)
        assert cell in lines[int(line) - 1]
    spec = json.loads((tmp_path / "out" / "openapi.json").read_text(encoding="utf-8"))
    found: list[list[str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "enum" in node and node.get("type") == "string" and "online" not in node["enum"]:
                found.append(node["enum"])  # not the servers' tenant-kind variable
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert len(found) == 2 and all(values == expected for values in found), found


@pytest.mark.parametrize("depth", [199, 5000])
def test_arrays_nested_deep_in_a_sample_give_a_shallow_valid_spec(
    tmp_path: Path, depth: int
) -> None:
    """A schema typed from a sample of arrays in arrays stops at a bounded depth (any JSON
    below): a spec 200 levels deep overflowed the validator (SOG501 at a file never written)."""
    page = endpoint_page(
        uid="v1DeepAgent_Nest",
        method="POST",
        path="/api/v1/Agents/Deep/Nest",
        body_rows=[("List", "array", "")],
        response_label="R",
        response_rows=[("X", "string", "")],
        sample_request='{"List": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}",
    )
    out = tmp_path / "out"
    code, err = _build(write_pages(tmp_path / "pages", {"p.md": page}), out)
    assert code == 0, err
    assert "SOG501" not in err
    spec = json.loads((out / "openapi.json").read_text())
    schema = spec["components"]["schemas"]["NestRequest"]["properties"]["List"]
    levels = 0
    while isinstance(schema, dict) and "items" in schema:
        schema, levels = schema["items"], levels + 1
    assert 1 <= levels <= 20
