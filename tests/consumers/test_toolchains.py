"""Issue 13's toolchains on sogen's spec: what users run on an OpenAPI document.

For the corpus (../shared/corpus/pages) and the whole published API (api2026; api2024 for the
cheap checks), each built once per session (3.0 and 3.1, no client):

* openapi-python-client 0.29.1: no warning about the spec, every module imports, and the
  output passes `mypy --strict` but for the errors of its own templates (OPC_TEMPLATE_ERRORS).
* openapi-generator 7.26: the `python` client installs and imports; `java` (library `native`)
  compiles with javac; `go` passes `go build` and `go vet`; `typescript-axios` passes
  `tsc --strict`.
* Spectral's `spectral:oas` ruleset: no error, and each warning's rule is in the README's
  table with the reason it stays.
* Schemathesis against Prism serving the spec: no failure that is the spec's fault
  (MOCK_FAULTS lists the prism ones); the whole API on a fixed sample of operations.
* Every example in the document validates against its schema (3.0 and 3.1 rules, formats
  included).

How each tool is installed, and why so: tests/support/toolchains.py. Nothing skips for a
missing tool: it is installed, or the test fails saying why. Only a missing ../shared skips.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import (
    OAS30Validator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from tests.support import consumers, toolchains
from tests.support.wholeapi import WHOLE_API, whole_api_pages

pytestmark = pytest.mark.consumers

REPO = Path(__file__).resolve().parents[2]
CORPUS = (REPO / ".." / "shared" / "corpus" / "pages").resolve()
README = REPO / "README.md"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# what each check runs on: generators and compilers cost minutes on the whole API, so they run
# on the corpus and the 2026 API; the linters and the example check on both whole APIs
FULL = ["corpus", "api2026"]
ALL = ["corpus", *sorted(WHOLE_API)]


@dataclass(frozen=True)
class Spec:
    name: str
    out: Path  # openapi.json / openapi.yaml, OpenAPI 3.0
    out31: Path  # OpenAPI 3.1
    doc: dict[str, Any]
    doc31: dict[str, Any]

    @property
    def operation_ids(self) -> list[str]:
        return sorted(
            op["operationId"]
            for item in self.doc["paths"].values()
            for method, op in item.items()
            if method in HTTP_METHODS
        )


_SPECS: dict[str, Spec] = {}


def _sogen(*args: str | Path) -> None:
    script = Path(sys.executable).parent / "sogen"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "generator"]
    cmd += ["build", *map(str, args), "-q", "--no-client"]
    ran = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    if ran.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {ran.returncode}\n{ran.stdout}\n{ran.stderr}")


@pytest.fixture(scope="session")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Spec]:
    """Input name -> its built spec, each built once per session."""

    def get(name: str) -> Spec:
        if name not in _SPECS:
            if name in WHOLE_API:
                source = whole_api_pages(name, tmp_path_factory)
            elif not CORPUS.is_dir():
                pytest.skip(f"corpus not present at {CORPUS}")
            else:
                source = CORPUS
            root = tmp_path_factory.mktemp(f"toolchains-{name}")
            out, out31 = root / "out", root / "out31"
            _sogen(source, "-o", out)
            _sogen(source, "-o", out31, "--openapi", "3.1")
            _SPECS[name] = Spec(
                name,
                out,
                out31,
                json.loads((out / "openapi.json").read_text("utf-8")),
                json.loads((out31 / "openapi.json").read_text("utf-8")),
            )
        return _SPECS[name]

    return get


def _listing(items: list[str], limit: int = 40) -> str:
    shown = "\n".join(f"  {i}" for i in items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"{len(items)}:\n{shown}{more}"


# --- openapi-python-client -----------------------------------------------------------------

# mypy --strict errors inside openapi-python-client 0.29.1's own templates, whatever the spec:
# (error code, file pattern, message pattern, why it is the template's).  Empty while none is
# seen; an entry must name what in the template causes it.
OPC_TEMPLATE_ERRORS: list[tuple[str, str, str, str]] = [
    (
        "arg-type",
        r"(^|/)client\.py$",
        r'^Argument 1 to "__a?exit__" of "(Async)?Client" has incompatible type',
        "client.py.jinja's __exit__/__aexit__ take `*args: Any, **kwargs: Any` and pass them on"
        " to httpx's typed __exit__; the same in every client it writes, whatever the spec",
    ),
    (
        "misc",
        r"_patch_[a-z0-9_]+\.py$",
        r"^Parameterized generics cannot be used with class or instance checks$",
        "endpoint_module.py.jinja picks among a body's media types with `isinstance(body, T)`"
        " and writes `list[JsonPatchOperation]` for an array body (RFC 6902 JSON Patch beside"
        " the merge-patch object): a TypeError at run time too, which the spec cannot avoid but"
        " by dropping one of the two bodies the server takes",
    ),
]


def _template_error(error: toolchains.MypyError) -> bool:
    return any(
        error.code == code and re.search(files, error.file) and re.search(message, error.message)
        for code, files, message, _why in OPC_TEMPLATE_ERRORS
    )


@dataclass(frozen=True)
class OpcRun:
    result: toolchains.OpcResult
    workdir: Path


@pytest.fixture(scope="module", params=FULL)
def opc(
    request: pytest.FixtureRequest,
    specs: Callable[[str], Spec],
    tmp_path_factory: pytest.TempPathFactory,
) -> OpcRun:
    spec = specs(request.param)
    workdir = tmp_path_factory.mktemp(f"opc-{spec.name}")
    result = toolchains.openapi_python_client(spec.out / "openapi.json", workdir)
    assert result.code == 0 and result.package.is_dir(), result.output
    return OpcRun(result, workdir)


def test_openapi_python_client_has_no_warning(opc: OpcRun) -> None:
    result = opc.result
    assert not result.warnings, (
        f"openapi-python-client warnings {_listing(result.warnings)}\n"
        f"schemas it left out {_listing(result.schemas_dropped)}\n\n{result.output[-6000:]}"
    )


def test_openapi_python_client_modules_import(opc: OpcRun) -> None:
    venv = toolchains.python_tool("openapi-python-client")
    imported = toolchains.import_every_module(venv / "bin" / "python", "sogen_opc", opc.workdir)
    assert imported.modules > 3, imported.output
    failed = [f"{m}: {e}" for m, e in sorted(imported.failed.items())]
    assert not failed, f"modules that do not import {_listing(failed)}"


def test_openapi_python_client_output_passes_mypy_strict(opc: OpcRun) -> None:
    venv = toolchains.python_tool("openapi-python-client")
    result = toolchains.mypy_strict(venv, "sogen_opc", opc.workdir)
    left = [e for e in result.errors if not _template_error(e)]
    kinds = Counter(e.code for e in left)
    assert not left, f"mypy --strict errors {dict(kinds)} {_listing([str(e) for e in left])}"
    # mypy ran: a failing exit is explained by the (excused) errors it listed
    assert result.code == 0 or (result.code == 1 and result.errors), result.output


# --- openapi-generator: python ---------------------------------------------------------------


def test_openapi_generator_python_installs_and_imports(
    specs: Callable[[str], Spec], tmp_path: Path, name: str
) -> None:
    spec = specs(name)
    generated = toolchains.openapi_generator(
        spec.out / "openapi.json", "python", tmp_path / "py", {"packageName": "sogen_oag"}
    )
    assert generated.code == 0, generated.output
    venv = toolchains.python_tool("openapi-generator-python")
    target = tmp_path / "site"
    installed = toolchains.pip_install_target(venv, generated.out, target)
    assert installed.code == 0, installed.output
    assert (target / "sogen_oag" / "__init__.py").is_file(), installed.output
    imported = toolchains.import_every_module(venv / "bin" / "python", "sogen_oag", target)
    failed = [f"{m}: {e}" for m, e in sorted(imported.failed.items())]
    assert not failed, f"modules that do not import {_listing(failed)}"
    assert imported.modules > 3, imported.output


# --- openapi-generator: java (native) ----------------------------------------------------------

# `native` (java.net.http, no HTTP library to find); no jackson-databind-nullable (not in Debian:
# openApiNullable=false), Jakarta annotations (Debian's jakarta.annotation-api 2.1 has
# @Nullable/@Nonnull/@Generated), no Swagger annotations (annotationLibrary=none)
JAVA_OPTIONS = {
    "library": "native",
    "openApiNullable": "false",
    "useJakartaEe": "true",
    "annotationLibrary": "none",
}


def test_openapi_generator_java_native_compiles(
    specs: Callable[[str], Spec], tmp_path: Path, name: str
) -> None:
    spec = specs(name)
    generated = toolchains.openapi_generator(
        spec.out / "openapi.json", "java", tmp_path / "java", JAVA_OPTIONS
    )
    assert generated.code == 0, generated.output
    sources = generated.out / "src" / "main" / "java"
    assert sources.is_dir(), generated.output
    result = toolchains.javac(sources, tmp_path / "classes")
    problems = [f"{f}:{line}: {msg}" for f, line, msg in result.errors]
    assert not problems, f"javac errors {_listing(problems)}\n{result.output[-3000:]}"
    assert result.code == 0, result.output[-6000:]


# --- openapi-generator: go ---------------------------------------------------------------------


def test_openapi_generator_go_builds_and_vets(
    specs: Callable[[str], Spec], tmp_path: Path, name: str
) -> None:
    spec = specs(name)
    generated = toolchains.openapi_generator(
        spec.out / "openapi.json", "go", tmp_path / "go", {"packageName": "sogen"}
    )
    assert generated.code == 0, generated.output
    result = toolchains.go_build_and_vet(generated.out)
    assert result.build.code == 0, result.output[-8000:]
    assert result.vet is not None and result.vet.code == 0, result.output[-8000:]


# --- openapi-generator: typescript-axios -------------------------------------------------------


def test_openapi_generator_typescript_axios_compiles_strict(
    specs: Callable[[str], Spec], tmp_path: Path, name: str, node_tools: Path
) -> None:
    spec = specs(name)
    generated, compiled = toolchains.typescript_axios_check(spec.out / "openapi.json", tmp_path)
    assert generated.code == 0, generated.output
    assert (generated.out / "api.ts").is_file(), generated.output
    errors = [ln for ln in compiled.output.splitlines() if ": error TS" in ln]
    assert compiled.ok, f"tsc errors {_listing(errors)}\n{compiled.output[-3000:]}"


# --- Spectral ------------------------------------------------------------------------------------


def _readme_spectral_rules() -> dict[str, str]:
    """Rule -> reason, from the README's table of the spectral:oas warnings left."""
    text = README.read_text("utf-8")
    start = text.index("<!-- spectral-warnings -->")
    end = text.index("<!-- /spectral-warnings -->", start)
    rules: dict[str, str] = {}
    for line in text[start:end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            rules[cells[0].strip("`")] = cells[-1]
    return rules


@pytest.fixture(scope="module", params=ALL)
def spectral(
    request: pytest.FixtureRequest,
    specs: Callable[[str], Spec],
    tmp_path_factory: pytest.TempPathFactory,
    node_tools: Path,
) -> toolchains.SpectralResult:
    spec = specs(request.param)
    return toolchains.spectral_lint(spec.out / "openapi.yaml", tmp_path_factory.mktemp("spectral"))


def _spectral_line(p: dict[str, Any]) -> str:
    return f"{p['code']}: {'.'.join(map(str, p.get('path', [])))}: {p['message']}"


def test_spectral_oas_reports_no_error(spectral: toolchains.SpectralResult) -> None:
    errors = spectral.of("error")
    kinds = Counter(p["code"] for p in errors)
    assert (
        not errors
    ), f"spectral:oas errors {dict(kinds)} {_listing(list(map(_spectral_line, errors)))}"


def test_spectral_oas_warnings_are_the_readmes(spectral: toolchains.SpectralResult) -> None:
    listed = _readme_spectral_rules()
    for rule, reason in listed.items():
        assert len(reason) > 30, f"README: spectral rule {rule} needs its reason"
    unlisted = [p for p in spectral.of("warning") if p["code"] not in listed]
    kinds = Counter(p["code"] for p in unlisted)
    assert not unlisted, (
        f"spectral:oas warnings the README does not list {dict(kinds)} "
        f"{_listing(list(map(_spectral_line, unlisted)))}"
    )


# --- Schemathesis against Prism --------------------------------------------------------------

# Prism cannot check credentials (it accepts any Authorization header), so schemathesis's
# `ignored_auth` check would fail on every operation: it is not run. Each request carries Basic
# credentials, as the security scheme asks.
ST_EXCLUDED_CHECKS = ("ignored_auth",)
ST_HEADERS = ("Authorization: Basic dXNlcjpwYXNzd29yZA==",)
ST_EXAMPLES = 5
# the whole API: every 10th operation by operationId (deterministic; about 335 operations)
ST_SAMPLE_EVERY = 10
# failures that are Prism's, not the spec's: (check code, pattern of schemathesis's block, why)
MOCK_FAULTS: list[tuple[str, str, str]] = [
    (
        "ST202|ST103",
        r"(?:Request query must have required property '(?P<q>\w+)'.*[?&](?i:(?P=q))=(?:['&]|$)"
        r"|\[422\] Unprocessable Content:.*curl -X [A-Z]+ [^\n]*[?&]\w+='$)",
        "Prism takes a required query parameter sent empty (`?name=`) for a missing one (422);"
        " an empty string is a valid `type: string`",
    ),
]


MOCK_FAULTS.append(
    (
        "ST201",
        r"Invalid component: parameter `\w+` in query - .* at /properties/\w+/properties/",
        "Prism reads no `deepObject` query parameter whose schema is a `$ref`: an invalid member"
        " of a query object (`mergedTicketEntity`) is not checked",
    )
)
MOCK_FAULTS.append(
    (
        "ST202",
        r"\[422\].*Content-Type: application/merge-patch\+json",
        "Prism checks a request body against the first media type of the same `+json` suffix:"
        " a merge-patch object is checked against the JSON Patch array (`Request body must be"
        " array`)",
    )
)
# 3.0 has no null type: a nullable reference is `anyOf` of the $ref and a schema that is only
# null (`enum: [null]`, generator-friendly and valid to redocly and Spectral). Prism 5.14 then
# checks nothing in that body, so an invalid one is accepted (ST201): the mock's fault where the
# body's schema holds such a branch, the spec's anywhere else.
NULL_BRANCH_SKIPS = "ST201"


def _null_branch_bodies(doc: dict[str, Any]) -> set[str]:
    """`METHOD /path` of the operations whose request body schema reaches an `enum: [null]`."""
    schemas = doc["components"]["schemas"]
    memo: dict[str, bool] = {}

    def reaches(node: Any, seen: frozenset[str]) -> bool:
        if isinstance(node, list):
            return any(reaches(n, seen) for n in node)
        if not isinstance(node, dict):
            return False
        if node.get("enum") == [None]:
            return True
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[1]
            if name in seen:
                return False
            if name not in memo:
                memo[name] = reaches(schemas[name], seen | {name})
            return memo[name]
        return any(reaches(v, seen) for v in node.values())

    found = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody") if isinstance(op, dict) else None
            if body and reaches(body.get("content"), frozenset()):
                found.add(f"{method.upper()} {path}")
    return found


def _mock_fault(failure: toolchains.StFailure, null_bodies: set[str] = frozenset()) -> bool:  # type: ignore[assignment]
    if failure.code == NULL_BRANCH_SKIPS and failure.operation in null_bodies:
        return True
    return any(
        re.fullmatch(codes, failure.code) and re.search(pattern, failure.detail, re.S | re.M)
        for codes, pattern, _why in MOCK_FAULTS
    )


@pytest.mark.parametrize("name", FULL)
def test_schemathesis_against_prism_finds_no_spec_fault(
    specs: Callable[[str], Spec], tmp_path: Path, name: str, node_tools: Path
) -> None:
    spec = specs(name)
    ids = spec.operation_ids
    sample = ids if name == "corpus" else ids[::ST_SAMPLE_EVERY]
    with consumers.prism_mock(spec.out / "openapi.yaml") as base_url:
        result = toolchains.schemathesis_run(
            spec.out / "openapi.yaml",
            base_url,
            tmp_path,
            max_examples=ST_EXAMPLES,
            operation_ids=None if sample is ids else sample,
            exclude_checks=ST_EXCLUDED_CHECKS,
            headers=ST_HEADERS,
        )
    assert result.tested == len(sample), result.output[-4000:]
    null_bodies = _null_branch_bodies(spec.doc)
    spec_faults = [f for f in result.failures if not _mock_fault(f, null_bodies)]
    kinds = Counter(f"{f.code} {f.title}" for f in spec_faults)
    first = "\n\n".join(f.detail[:1500] for f in spec_faults[:3])
    assert (
        not spec_faults
    ), f"schemathesis failures {dict(kinds)} {_listing(list(map(str, spec_faults)))}\n\n{first}"


# --- every example validates against its schema -------------------------------------------------


def _examples(doc: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(JSON pointer of the schema, example value) for every example in the document: of
    media types, parameters and headers (`example`, `examples`) and of schemas themselves."""

    def esc(part: str) -> str:
        return part.replace("~", "~0").replace("/", "~1")

    def schema(node: Any, ptr: str) -> Iterator[tuple[str, Any]]:
        if not isinstance(node, dict):
            return
        if "example" in node:
            yield ptr, node["example"]
        if isinstance(node.get("examples"), list):  # 3.1: a JSON Schema keyword
            for value in node["examples"]:
                yield ptr, value
        for key, sub in (node.get("properties") or {}).items():
            yield from schema(sub, f"{ptr}/properties/{esc(key)}")
        for key in ("items", "additionalProperties", "not"):
            yield from schema(node.get(key), f"{ptr}/{key}")
        for key in ("allOf", "anyOf", "oneOf"):
            for i, sub in enumerate(node.get(key) or []):
                yield from schema(sub, f"{ptr}/{key}/{i}")

    def holder(node: Any, ptr: str) -> Iterator[tuple[str, Any]]:
        """A media type, parameter or header: its schema and its own examples."""
        if not isinstance(node, dict) or "schema" not in node:
            return
        if "example" in node:
            yield f"{ptr}/schema", node["example"]
        for ex in (node.get("examples") or {}).values():
            if "$ref" in ex:
                ex = doc["components"]["examples"][ex["$ref"].rsplit("/", 1)[-1]]
            if "value" in ex:
                yield f"{ptr}/schema", ex["value"]
        yield from schema(node["schema"], f"{ptr}/schema")

    def content(node: Any, ptr: str) -> Iterator[tuple[str, Any]]:
        for media, entry in ((node or {}).get("content") or {}).items():
            yield from holder(entry, f"{ptr}/content/{esc(media)}")
        for key, header in ((node or {}).get("headers") or {}).items():
            yield from holder(header, f"{ptr}/headers/{esc(key)}")

    components = doc.get("components") or {}
    for key, sub in (components.get("schemas") or {}).items():
        yield from schema(sub, f"#/components/schemas/{esc(key)}")
    for key, sub in (components.get("parameters") or {}).items():
        yield from holder(sub, f"#/components/parameters/{esc(key)}")
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            base = f"#/paths/{esc(path)}/{method}"
            for i, param in enumerate(op.get("parameters") or []):
                yield from holder(param, f"{base}/parameters/{i}")
            yield from content(op.get("requestBody"), f"{base}/requestBody")
            for status, response in (op.get("responses") or {}).items():
                yield from content(response, f"{base}/responses/{status}")


def _invalid_examples(doc: dict[str, Any]) -> tuple[int, list[str]]:
    if doc["openapi"].startswith("3.0"):
        validator_cls: Any = OAS30Validator
        checker, draft = oas30_format_checker, DRAFT4
    else:
        validator_cls, checker, draft = OAS31Validator, oas31_format_checker, DRAFT202012
    uri = "urn:sogen:spec"
    registry: Registry[Any] = Registry().with_resource(
        uri, Resource.from_contents(doc, default_specification=draft)
    )
    count, failures = 0, []
    for ptr, value in _examples(doc):
        count += 1
        validator = validator_cls({"$ref": uri + ptr}, registry=registry, format_checker=checker)
        error: Any = next(iter(validator.iter_errors(value)), None)
        if error is not None:
            where = "/".join(map(str, error.absolute_path))
            failures.append(f"{ptr} at /{where}: {error.message[:200]}")
    return count, failures


@pytest.mark.parametrize("version", ["3.0", "3.1"])
@pytest.mark.parametrize("name", ALL)
def test_every_example_validates_against_its_schema(
    specs: Callable[[str], Spec], name: str, version: str
) -> None:
    spec = specs(name)
    doc = spec.doc if version == "3.0" else spec.doc31
    count, failures = _invalid_examples(doc)
    assert count > 0
    assert not failures, f"examples that do not validate {_listing(failures)}"


def test_the_example_check_is_not_vacuous() -> None:
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "paths": {},
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "properties": {
                        "n": {"type": "integer", "example": "text"},
                        "b": {"type": "string", "format": "byte", "example": "not base64!"},
                        "ok": {"type": "string", "nullable": True, "example": None},
                    },
                }
            }
        },
    }
    count, failures = _invalid_examples(doc)
    assert count == 3
    assert [f.split(" at ")[0] for f in failures] == [
        "#/components/schemas/A/properties/n",
        "#/components/schemas/A/properties/b",
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The generator checks that take `name` directly run on FULL."""
    if "name" in metafunc.fixturenames and not any(
        m.name == "parametrize" and "name" in m.args[0] for m in metafunc.definition.iter_markers()
    ):
        metafunc.parametrize("name", FULL)
