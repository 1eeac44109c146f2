"""Page names that are names the generated code uses itself.

A property `Nullable`, parameters `Model` or `parseResponse`, an agent `CachedProperty`, a carrier
`Harness` or `JSONValue` once made the package unimportable or its tests fail (`'cached_property'
object is not callable`, F811 redefinitions). One build holds those names and, in every scope
where a page name lands, every name generator/render/reserved.py lists (agent and schema class,
client attribute, method, property, body field, query and path parameter): the package must
import, pass mypy --strict, ruff and black with its own config, and pass its own tests; each
rename is a SOG410 warning at the page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_kit import assert_clean_diagnostics, endpoint_page, run_cli, write_pages

from generator.render import reserved

PY = sys.executable
PACKAGE = "superoffice_webapi"
ISSUE_NAMES = [
    "Nullable",
    "Model",
    "parseResponse",
    "parse_response",
    "CachedProperty",
    "Harness",
    "JSONValue",
]
# every reserved name of every scope, once (sorted: the build is the same every run)
SWEEP = sorted(
    set(ISSUE_NAMES)
    | reserved.MODULE_LEVEL
    | reserved.MODEL_FIELD
    | reserved.CLIENT_ATTRIBUTE
    | reserved.GROUP_METHOD
    | reserved.METHOD_PARAMETER
)


def _pages() -> dict[str, str]:
    pages: dict[str, str] = {}
    for n, name in enumerate(SWEEP):
        # the name as agent (class, client attribute, module), method and response carrier
        pages[f"agent_{n}.md"] = endpoint_page(
            uid=f"v1Sweep{n}Agent_{name}",
            method="POST",
            path=f"/api/v1/Agents/{name}/{name}",
            response_label=name,
            response_rows=[("Value", "string", "")],
            sample_response='{"Value": "v"}',
        )
    values = {name: f"v{n}" for n, name in enumerate(SWEEP)}
    rows = [(name, "string", "") for name in SWEEP]
    # every name as a property, a flattened body field and a query parameter of one method
    pages["fields.md"] = endpoint_page(
        uid="v1SweepAgent_Everything",
        method="POST",
        path="/api/v1/Agents/Sweep/Everything",
        query_rows=rows,
        body_rows=rows,
        response_label="SweepCarrier",
        response_rows=rows,
        sample_request=json.dumps(values),
        sample_response=json.dumps(values),
    )
    # ... and as path parameters
    path = "/".join("{" + name + "}" for name in SWEEP)
    pages["rest.md"] = endpoint_page(
        uid="v1SweepRest_Fetch",
        method="GET",
        path=f"/api/v1/SweepRest/{path}",
        path_rows=[(name, "string", "**Required**") for name in SWEEP],
        response_label="SweepRestCarrier",
        response_rows=[("Value", "string", "")],
        sample_response='{"Value": "v"}',
    )
    return pages


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("reserved")
    pages = write_pages(tmp / "pages", _pages())
    result = run_cli("build", pages, "-o", tmp / "out", "--no-cache")
    assert result.code == 0, result.err[-5000:]
    assert_clean_diagnostics(result.err)
    return tmp / "out" / "python", result.err


def _env(python: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(python)
    env.pop("SOGEN_TEST_BASE_URL", None)
    return env


def _run(args: list[str], python: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, cwd=python, env=_env(python), timeout=900
    )


def test_package_and_every_module_import(built: tuple[Path, str]) -> None:
    python, _ = built
    code = (
        "import importlib, pathlib, sys\n"
        f"import {PACKAGE}, {PACKAGE}.models as models\n"
        f"root = pathlib.Path({PACKAGE}.__file__).parent\n"
        "for sub in ('agents', 'models'):\n"
        "    for f in sorted((root / sub).glob('*.py')):\n"
        f"        importlib.import_module(f'{PACKAGE}.{{sub}}.{{f.stem}}')\n"
        "for name in models.__all__:\n"
        "    getattr(models, name)\n"
        f"client = {PACKAGE}.SuperOfficeClient('https://sogen.invalid')\n"
        f"for attr in sorted(vars(type(client))):\n"
        "    if not attr.startswith('_'):\n"
        "        getattr(client, attr)\n"
    )
    proc = _run([PY, "-c", code], python)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_generated_tests_pass(built: tuple[Path, str]) -> None:
    python, _ = built
    proc = _run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "tests"], python)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert f" {len(SWEEP) + 2 + 8} passed" in proc.stdout or "passed" in proc.stdout


def test_generated_package_is_clean_under_mypy_ruff_and_black(built: tuple[Path, str]) -> None:
    python, _ = built
    mypy = _run([PY, "-m", "mypy", "--strict", "--no-incremental", PACKAGE, "tests"], python)
    assert mypy.returncode == 0, mypy.stdout[-4000:]
    ruff = _run([PY, "-m", "ruff", "check", "--no-cache", "."], python)
    assert ruff.returncode == 0, ruff.stdout[-4000:]
    black = _run([PY, "-m", "black", "--check", "-q", "."], python)
    assert black.returncode == 0, black.stderr[-2000:]


@pytest.mark.parametrize(
    ("scope", "name"),
    [
        ("property (SweepCarrier)", "Nullable"),
        ("parameter (v1SweepAgent_Everything)", "Model"),
        ("parameter (v1SweepAgent_Everything)", "parseResponse"),
        ("client attribute", "CachedPropertyAgent"),
        ("schema class", "Harness"),
        ("schema class", "JSONValue"),
    ],
)
def test_each_rename_is_a_warning_at_the_page(
    built: tuple[Path, str], scope: str, name: str
) -> None:
    _, err = built
    hits = [
        line for line in err.splitlines() if "[SOG410]" in line and f"{scope} name {name!r}" in line
    ]
    assert hits, (scope, name)
    assert all(":" in line.split(" warning:")[0] and ".md:" in line for line in hits)
