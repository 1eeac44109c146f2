"""The real consumers on sogen's own output, for specs/ and for the shared corpus.

Per input folder, one `sogen build` (OpenAPI 3.0 with the Python client, plus a 3.1 document)
and one prism start; then:

* prism mock: the generated per-operation tests run in live mode against prism serving the
  emitted openapi.yaml.  Prism validates every request against the document and answers from its
  examples and schemas (and validates those too); each test checks the request it sent, that the
  call succeeded (or failed with a documented status) and parsed into its declared type, and that
  prism flagged no violation.  Prism's log must show every operation called, no violation.
* TypeScript: openapi-typescript output and an openapi-generator typescript-fetch client both
  compile under `tsc --strict`.
* redocly: `redocly lint` with the committed redocly.yaml reports nothing (3.0 and 3.1); without
  it, the recommended rules report only the rules redocly.yaml switches off, with reasons.

The corpus and whole-API variants (api2026, api2024: the official Swagger turned into pages by
../shared/tools/pages-from-swagger) are skipped when ../shared is absent; specs/ always runs.
Missing npm (or java) fails these tests with the harness's message; nothing is skipped for it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import consumers
from tests.support.wholeapi import WHOLE_API, whole_api_pages

pytestmark = pytest.mark.consumers

REPO = Path(__file__).resolve().parents[2]
INPUTS = {
    "specs": REPO / "specs",
    "corpus": (REPO / ".." / "shared" / "corpus" / "pages").resolve(),
    # the whole published API, made from the official Swagger (tests/support/wholeapi.py)
    **{name: Path() for name in WHOLE_API},
}
REDOCLY_CONFIG = REPO / "redocly.yaml"
BUILD_TIMEOUT = 600.0
LIVE_TIMEOUT = 900.0
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# The one prism warning a correct exchange can cause: the client always sends
# `Accept: application/json`, and a response without a body (204, or a documented status with no
# content) has no content to match it.  Allowed only when the chosen response has no content.
NO_CONTENT_WARNING = "Unable to find content for application/json"


# --- the build ---------------------------------------------------------------


@dataclass(frozen=True)
class Build:
    name: str
    out: Path  # OpenAPI 3.0 (the default) and the Python client
    out31: Path  # OpenAPI 3.1, document only
    doc: dict[str, Any]

    @property
    def operations(self) -> dict[str, tuple[str, str]]:
        """operationId -> (METHOD, path template), with the operations merged into another of
        the same method and path shape (x-sogen-merged, SOG404): the client has a test for
        each, which calls the one path item."""
        found: dict[str, tuple[str, str]] = {}
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                if method in HTTP_METHODS:
                    found[op["operationId"]] = (method.upper(), path)
                    for merged in op.get("x-sogen-merged", []):
                        found[merged["operationId"]] = (method.upper(), path)
        return found

    @property
    def merged(self) -> dict[str, str]:
        """operationId merged into another -> that operation's id."""
        return {
            merged["operationId"]: op["operationId"]
            for item in self.doc["paths"].values()
            for method, op in item.items()
            if method in HTTP_METHODS
            for merged in op.get("x-sogen-merged", [])
        }

    def response(self, op_id: str, status: str) -> dict[str, Any] | None:
        method, path = self.operations[op_id]
        responses: dict[str, Any] = self.doc["paths"][path][method.lower()]["responses"]
        return responses.get(status)


def _sogen(*args: str | Path) -> None:
    script = Path(sys.executable).parent / "sogen"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "generator"]
    cmd += ["build", *map(str, args)]
    ran = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
    )
    if ran.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {ran.returncode}\n{ran.stdout}\n{ran.stderr}")


@pytest.fixture(scope="module", params=sorted(INPUTS))
def build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Build:
    name: str = request.param
    source = whole_api_pages(name, tmp_path_factory) if name in WHOLE_API else INPUTS[name]
    if not source.is_dir():
        if name == "corpus":
            pytest.skip(f"corpus not present at {source}")
        pytest.fail(f"{source} is missing")
    root = tmp_path_factory.mktemp(f"consumers-{name}")
    out, out31 = root / "out", root / "out31"
    _sogen(source, "-o", out, "-q")
    _sogen(source, "-o", out31, "-q", "--openapi", "3.1", "--no-client")
    doc = json.loads((out / "openapi.json").read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.0")
    assert yaml.safe_load((out31 / "openapi.yaml").read_text(encoding="utf-8"))["openapi"] == (
        "3.1.0"
    )
    return Build(name, out, out31, doc)


# --- prism: the generated tests in live mode ---------------------------------


@dataclass(frozen=True)
class LiveRun:
    base_url: str
    pid: int
    code: int
    output: str
    outcomes: dict[tuple[str, str], str]  # (test module, test name) -> passed/failed/...
    prism_log: str


def _junit_outcomes(path: Path) -> dict[tuple[str, str], str]:
    outcomes: dict[tuple[str, str], str] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
        module = case.get("classname", "").rsplit(".", 1)[-1]
        outcomes[(module, case.get("name", ""))] = outcome
    return outcomes


@pytest.fixture(scope="module")
def live(build: Build, node_tools: Path) -> LiveRun:
    client_dir = build.out / "python"
    junit = build.out / "live-junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    with consumers.prism_mock(build.out / "openapi.yaml") as base_url:
        env.update(
            SOGEN_TEST_BASE_URL=base_url,
            PYTHONPATH=str(client_dir),
            PYTHONDONTWRITEBYTECODE="1",
        )
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            str(client_dir / "tests"),
        ]
        ran = subprocess.run(
            cmd,
            cwd=client_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=LIVE_TIMEOUT,
            check=False,
        )
        prism_log = base_url.log.read_text(encoding="utf-8", errors="replace")
        pid = base_url.pid
    output = f"$ SOGEN_TEST_BASE_URL={base_url} {' '.join(cmd)}\n{ran.stdout}\n{ran.stderr}"
    outcomes = _junit_outcomes(junit) if junit.exists() else {}
    return LiveRun(str(base_url), pid, ran.returncode, output, outcomes, prism_log)


def test_every_operation_passes_live_against_prism(build: Build, live: LiveRun) -> None:
    assert live.code == 0, live.output
    operation_tests = {k: v for k, v in live.outcomes.items() if k[0] != "test__client"}
    assert len(operation_tests) == len(build.operations), live.output
    not_passed = {f"{m}::{n}": o for (m, n), o in operation_tests.items() if o != "passed"}
    assert not not_passed, f"{not_passed}\n{live.output}"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RECEIVED = re.compile(r"\[HTTP SERVER\] (\w+) (\S+) \S+\s+info\s+Request received")
_RESPONDING = re.compile(r'> Responding with "(\d{3})"')


@dataclass
class Exchange:
    method: str
    path: str
    lines: list[str]

    @property
    def status(self) -> str | None:
        found = [m.group(1) for line in self.lines if (m := _RESPONDING.search(line))]
        return found[-1] if found else None


def _exchanges(log: str) -> list[Exchange]:
    exchanges: list[Exchange] = []
    for raw in log.splitlines():
        line = _ANSI.sub("", raw)
        m = _RECEIVED.search(line)
        if m:
            exchanges.append(Exchange(m.group(1).upper(), m.group(2), []))
        elif exchanges:
            exchanges[-1].lines.append(line)
    return exchanges


_Route = tuple[re.Pattern[str], int, str]  # the path's pattern, its placeholders, op id
# id(build) -> (build, its routes); the build is kept so that its id is never reused
_ROUTES: dict[int, tuple[Build, dict[tuple[str, int], list[_Route]]]] = {}


def _routes(build: Build) -> dict[tuple[str, int], list[_Route]]:
    """The operations by method and segment count, each path compiled once (the whole API has
    3,000 operations and as many requests: matching every pair afresh took minutes)."""
    known = _ROUTES.get(id(build))
    if known is None:
        index: dict[tuple[str, int], list[_Route]] = {}
        for op_id, (method, path) in build.operations.items():
            if op_id in build.merged:
                continue  # the spec has one operation for it and the one it is merged into
            pattern = re.sub(r"\\\{[^{}]+\\\}", "[^/]+", re.escape(path))
            key = (method, path.count("/"))
            index.setdefault(key, []).append((re.compile(pattern), path.count("{"), op_id))
        known = _ROUTES[id(build)] = (build, index)
    return known[1]


def _operation_of(build: Build, request: str) -> list[str]:
    """The operations a request matches; like OpenAPI, a literal segment beats a placeholder
    (`GET /api/v1/Dash/default` is DefaultDash, not GetDash with id "default")."""
    method, _, path = request.partition(" ")
    matches = [
        (holders, op_id)
        for pattern, holders, op_id in _routes(build).get((method, path.count("/")), [])
        if pattern.fullmatch(path)
    ]
    fewest = min((n for n, _ in matches), default=0)
    return [op_id for n, op_id in matches if n == fewest]


def test_prism_saw_every_operation_and_no_violation(build: Build, live: LiveRun) -> None:
    called: set[str] = set()
    problems: list[str] = []
    exchanges = [e for e in _exchanges(live.prism_log) if e.path != "/"]  # "/": start-up probe
    assert exchanges, live.prism_log
    for exchange in exchanges:
        request = f"{exchange.method} {exchange.path.split('?')[0]}"
        matches = _operation_of(build, request)
        if len(matches) != 1:
            problems.append(f"{request}: matches operations {matches}")
            continue
        called.add(matches[0])
        status = exchange.status
        if status is None:
            problems.append(f"{request}: prism did not answer from the document")
            continue
        response = build.response(matches[0], status)
        for line in exchange.lines:
            if "✖" not in line and "⚠" not in line:
                continue
            if NO_CONTENT_WARNING in line and response is not None and not response.get("content"):
                continue
            problems.append(f"{request} -> {status}: {line.strip()}")
    assert not problems, "\n".join(problems) + "\n--- prism log ---\n" + live.prism_log
    called.update(op_id for op_id, into in build.merged.items() if into in called)
    missing = sorted(set(build.operations) - called)
    assert not missing, f"operations never called against prism: {missing}"


def test_prism_is_stopped_afterwards(live: LiveRun) -> None:
    try:
        os.kill(live.pid, 0)
    except ProcessLookupError:
        return
    stat = Path(f"/proc/{live.pid}/stat")
    state = stat.read_text().rsplit(")", 1)[1].split()[0] if stat.exists() else "Z"
    assert state == "Z", f"prism (pid {live.pid}) still running"


# --- TypeScript --------------------------------------------------------------


def test_openapi_typescript_output_compiles_strict(
    build: Build, node_tools: Path, tmp_path: Path
) -> None:
    result = consumers.typescript_types_check(build.out / "openapi.yaml", tmp_path)
    assert result.ok, result.output
    schema = (tmp_path / "schema.d.ts").read_text(encoding="utf-8")
    for op_id in build.operations:
        assert op_id in schema, f"{op_id} missing from openapi-typescript output"


def test_openapi_generator_typescript_fetch_compiles_strict(build: Build, tmp_path: Path) -> None:
    result = consumers.openapi_generator_typescript_fetch(build.out / "openapi.json", tmp_path)
    assert result.ok, result.output
    apis = list((tmp_path / "ts" / "apis").glob("*.ts"))
    assert len(apis) > 1, result.output  # index.ts and at least one API class


# --- redocly -----------------------------------------------------------------


def _switched_off_rules() -> dict[str, str]:
    """Rule -> the comment that justifies it, for every rule redocly.yaml turns off or down."""
    config = yaml.safe_load(REDOCLY_CONFIG.read_text(encoding="utf-8"))
    rules: dict[str, object] = config.get("rules") or {}
    lines = REDOCLY_CONFIG.read_text(encoding="utf-8").splitlines()
    reasons: dict[str, str] = {}
    for rule in rules:
        index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{rule}:"))
        comment: list[str] = []
        while index > 0 and lines[index - 1].strip().startswith("#"):
            index -= 1
            comment.insert(0, lines[index].strip().lstrip("#").strip())
        reasons[rule] = " ".join(comment)
    return reasons


def test_redocly_config_justifies_each_rule() -> None:
    config = yaml.safe_load(REDOCLY_CONFIG.read_text(encoding="utf-8"))
    assert config["extends"] == ["recommended"]
    for rule, reason in _switched_off_rules().items():
        assert len(reason) > 40, f"{rule} in {REDOCLY_CONFIG} needs a comment saying why"


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_redocly_lint_is_clean_with_committed_config(
    build: Build, node_tools: Path, version: str
) -> None:
    spec = (build.out if version == "3.0" else build.out31) / "openapi.yaml"
    result = consumers.redocly_lint(spec, REDOCLY_CONFIG)
    assert (result.errors, result.warnings) == (0, 0), result.output


def test_redocly_reports_only_the_justified_rules(
    build: Build, node_tools: Path, tmp_path: Path
) -> None:
    """Without redocly.yaml, plain `recommended` finds only what redocly.yaml switches off."""
    config = tmp_path / "recommended.yaml"
    config.write_text("extends:\n  - recommended\n", encoding="utf-8")
    cmd = [
        str(consumers.node_bin("redocly")),
        "lint",
        str(build.out / "openapi.yaml"),
        "--format=json",
        "--max-problems=100000",  # the default 100 would hide the rest
        f"--config={config}",
    ]
    ran = subprocess.run(
        cmd,
        cwd=tmp_path,
        env=consumers.tool_env(),
        capture_output=True,
        text=True,
        timeout=consumers.TOOL_TIMEOUT,
        check=False,
    )
    report = json.loads(ran.stdout)
    problems = report["problems"]
    assert len(problems) == report["totals"]["errors"] + report["totals"]["warnings"]
    unjustified = [p for p in problems if p["ruleId"] not in _switched_off_rules()]
    assert not unjustified, json.dumps(unjustified, indent=2)


def test_paths_are_documented_templates_one_per_shape(build: Build) -> None:
    """No trailing slash or empty segment is made up, and templates equal but for parameter
    names are one path item (SOG404), as OpenAPI requires."""
    paths = list(build.doc["paths"])
    assert not [p for p in paths if p.endswith("/") or "//" in p]
    shapes = [re.sub(r"\{[^{}]+\}", "{}", p) for p in paths]
    assert len(set(shapes)) == len(shapes)
