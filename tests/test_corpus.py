"""The shared corpus (../shared/corpus) end to end: every page, every table row, every sample.

Skipped cleanly when the corpus folder is absent. The page tables are read here with a small
reader of our own (not generator.pages) so that the generator is checked against an independent
reading of the pages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from pagekit import COUNTS, need_corpus, run_cli
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

Spec = dict[str, Any]


# --- building the corpus once per version -----------------------------------------------------


@dataclass
class Build:
    spec: Spec
    diagnostics: list[dict[str, Any]]


_BUILDS: dict[str, Build] = {}


def _build(version: str, factory: pytest.TempPathFactory) -> Build:
    """Build (and lint) the corpus once per OpenAPI version for the whole module."""
    if version not in _BUILDS:
        corpus = need_corpus()
        out = factory.mktemp(f"corpus{version}")
        result = run_cli("build", corpus / "pages", "-o", out, "--openapi", version, "--no-client")
        assert result.code == 0, result.err
        spec = json.loads((out / "openapi.json").read_text(encoding="utf-8"))
        lint = run_cli("lint", corpus / "pages", "--format", "json")
        assert lint.code == 0, lint.err
        _BUILDS[version] = Build(spec, json.loads(lint.out)["diagnostics"])
    return _BUILDS[version]


@pytest.fixture(scope="module", params=["3.0", "3.1"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Build:
    return _build(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def spec31(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return _build("3.1", tmp_path_factory)


# --- an independent reading of the pages ------------------------------------------------------


@dataclass
class PageTables:
    path: Path
    uid: str
    method: str
    url: str
    path_rows: list[tuple[str, str]] = field(default_factory=list)
    query_rows: list[tuple[str, str]] = field(default_factory=list)
    request_rows: list[tuple[str, str]] = field(default_factory=list)
    response_rows: list[tuple[str, str]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    request_sample: str | None = None
    response_sample: str | None = None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def read_tables(path: Path) -> PageTables:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    uid = re.search(r"^(?:uid|id):\s*(\S+)", text, re.M)
    endpoint = re.search(r"^```http\n([A-Z]+) (\S+)", text, re.M)
    assert uid and endpoint, path
    page = PageTables(path, uid.group(1), endpoint.group(1), endpoint.group(2))
    section = "description"
    header: list[str] = []
    fence: str | None = None
    fence_lines: list[str] = []
    for line in text.split("\n"):
        if fence is not None:
            if line.startswith("```"):
                body = "\n".join(fence_lines)
                if fence == "http!":
                    page.request_sample = page.request_sample or body
                elif fence == "http_":
                    page.response_sample = page.response_sample or body
                fence = None
            else:
                fence_lines.append(line)
            continue
        if line.startswith("```"):
            fence, fence_lines = line[3:].strip(), []
            continue
        stripped = line.strip()
        if stripped == "## Query String Parameters":
            section = "query"
        elif stripped == "## Request Headers":
            section = "headers"
        elif stripped.startswith("## Request Body"):
            section = "request"
        elif re.match(r"^(### )?Response body\b", stripped):
            section = "response_body"
        elif re.match(r"^## Response\b", stripped):
            section = "response"
        elif stripped.startswith("## Sample"):
            section = "samples"
        if not stripped.startswith("|"):
            header = []
            continue
        cells = _cells(stripped)
        if not header:
            header = [c.lower() for c in cells]
            continue
        if set(stripped) <= set("|-: "):
            continue
        if header[0] == "path part":
            page.path_rows.append((cells[0], cells[1]))
        elif header[:2] == ["response", "description"] and section == "response":
            page.codes.append(cells[0])
        elif header[:2] == ["parameter name", "type"] and section == "query":
            page.query_rows.append((cells[0], cells[1]))
        elif header[0] == "property name" and section == "request":
            page.request_rows.append((cells[0], cells[1]))
        elif header[0] == "property name" and section in ("response", "response_body"):
            page.response_rows.append((cells[0], cells[1]))
    return page


def corpus_pages(folder: str = "pages") -> list[Path]:
    return sorted((need_corpus() / folder).rglob("*.md"))


@cache
def all_tables() -> list[PageTables]:
    return [read_tables(p) for p in corpus_pages()]


# our own map of Type cells to (JSON type, format) -- deliberately written out again here
PRIMITIVE = {
    "string": ("string", None),
    "integer": ("integer", "int32"),
    "int32": ("integer", "int32"),
    "boolean": ("boolean", None),
    "bool": ("boolean", None),
    "double": ("number", "double"),
    "date-time": ("string", "date-time"),
    "object": ("object", None),
    "array": ("array", None),
}


def expected_type(cell: str) -> tuple[str, str | None] | str | None:
    """(type, format) for a primitive, the schema name for a carrier, None for an empty cell."""
    if not cell:
        return None
    if cell.lower() in PRIMITIVE:
        return PRIMITIVE[cell.lower()]
    if cell.lower().startswith("enum:"):
        return ("string", "enum")
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", cell), cell
    return cell


# --- reading the emitted spec -----------------------------------------------------------------


def operations(spec: Spec) -> Iterator[tuple[str, str, Spec]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield path, method, op


def op_by_id(spec: Spec) -> dict[str, Spec]:
    """Every page's operation by its uid; a page whose operation was merged into another of
    the same method and path shape (x-sogen-merged, SOG404) finds that one."""
    found = {}
    for _, _, op in operations(spec):
        found[op["operationId"]] = op
        for merged in op.get("x-sogen-merged", []):
            found[merged["operationId"]] = op
    return found


def documented(spec: Spec) -> dict[str, tuple[str, str, str]]:
    """uid -> (method, the spec's template, the page's own template)."""
    found = {}
    for path, method, op in operations(spec):
        found[op["operationId"]] = (method, path, op.get("x-sogen-path", path))
        for merged in op.get("x-sogen-merged", []):
            found[merged["operationId"]] = (method, path, merged["path"])
    return found


def spec_name(page_url: str, template: str, name: str) -> str:
    """The spec's name for path placeholder `name` of the page's template (which can differ
    when the spec writes templates of one shape as one path item, SOG404)."""
    holders = [h.lower() for h in re.findall(r"\{([^{}/]+)\}", page_url)]
    theirs = re.findall(r"\{([^{}/]+)\}", template)
    return theirs[holders.index(name.lower())] if name.lower() in holders else name


def deref(spec: Spec, schema: Spec) -> Spec:
    while "$ref" in schema or (list(schema) in (["allOf"], ["allOf", "description"])):
        if "allOf" in schema:
            schema = schema["allOf"][0]
            continue
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"][schema["$ref"].split("/")[2]][name]
    return schema


def ref_name(schema: Spec) -> str | None:
    """The component a schema refers to, also where a use site adds null (3.0 `allOf` +
    `nullable`, 3.1 `anyOf` with `{type: null}`)."""
    if "allOf" in schema:
        schema = schema["allOf"][0]
    elif "anyOf" in schema:
        refs = [s for s in schema["anyOf"] if "$ref" in s]
        schema = refs[0] if len(refs) == 1 else {}
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else None


def json_type(schema: Spec) -> tuple[str | None, str | None]:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    fmt = "enum" if "enum" in schema else schema.get("format")
    return kind, fmt


def body_schema(spec: Spec, holder: Spec | None) -> Spec | None:
    """The object schema with the properties: through $ref, allOf and array items."""
    if holder is None or "content" not in holder:
        return None
    schema = deref(spec, next(iter(holder["content"].values()))["schema"])
    if json_type(schema)[0] == "array":
        schema = deref(spec, schema.get("items", {}))
    return schema


def success_response(op: Spec) -> Spec | None:
    for code, response in sorted(op["responses"].items()):
        if code.startswith("2") and "content" in response:
            return response  # type: ignore[no-any-return]
    return None


def widened(build: Build, schema_name: str, prop: str) -> bool:
    return any(
        d["code"] == "SOG303" and f"{schema_name}.{prop} " in d["message"]
        for d in build.diagnostics
    )


def check_type(build: Build, schema_name: str, name: str, prop: Spec, cell: str) -> str | None:
    """None when the emitted property has the type the cell says; else what is wrong."""
    want = expected_type(cell)
    if want is None:
        return None  # empty cell: recovered from samples or left open, both are fine
    if isinstance(want, str):
        got = ref_name(prop)
        if got == want or (got is None and not prop and widened(build, schema_name, name)):
            return None
        if widened(build, schema_name, name):
            return None
        return f"{schema_name}.{name}: {cell} emitted as {prop}"
    if json_type(prop) == want:
        return None
    if widened(build, schema_name, name):
        return None
    return f"{schema_name}.{name}: {cell} emitted as {prop}"


# --- the tests --------------------------------------------------------------------------------


def test_build_exits_0_and_each_page_is_one_operation(built: Build) -> None:
    pages = all_tables()
    ids = list(documented(built.spec))
    COUNTS[f"corpus pages / operations (OpenAPI {built.spec['openapi']})"] = (
        f"{len(pages)} / {len(ids)}"
    )
    assert len(ids) == len(set(ids)) == len(pages)
    assert set(ids) == {p.uid for p in pages}
    by_id = op_by_id(built.spec)
    where = documented(built.spec)
    for page in pages:
        method, template, path = where[page.uid]
        assert method == page.method.lower(), page.path
        assert path == page.url.split("?")[0], page.path
        shape = re.sub(r"\{[^{}/]+\}", "{}", path)
        assert re.sub(r"\{[^{}/]+\}", "{}", template) == shape, page.path
        assert by_id[page.uid]["responses"], page.path


def test_spec_passes_openapi_spec_validator(built: Build) -> None:
    version = built.spec["openapi"]
    validator = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    errors = [e.message for e in validator(built.spec).iter_errors()]
    assert errors == []


# every operation may answer these, documented or not (components.responses)
COMMON_RESPONSES = {
    "401": "#/components/responses/Unauthorized",
    "403": "#/components/responses/Forbidden",
    "default": "#/components/responses/Error",
}


def test_response_codes_match_the_pages(built: Build) -> None:
    """The documented codes, each with its description, plus 401, 403 and default; every
    error response has the one error schema."""
    spec = built.spec
    by_id = op_by_id(spec)
    error_schema = spec["components"]["responses"]["Error"]["content"]["application/json"]
    assert deref(spec, error_schema["schema"])["properties"].keys() == {
        "Error", "ErrorType", "ErrorMessage", "ErrorSource"
    }  # fmt: skip
    for page in all_tables():
        op = by_id[page.uid]
        codes = set(page.codes) | set(COMMON_RESPONSES)
        if "x-sogen-merged" in op:  # the merged operations' responses together
            assert codes <= set(op["responses"]), page.path
        else:
            assert sorted(op["responses"]) == sorted(codes), page.path
        for status, ref in COMMON_RESPONSES.items():
            if status not in page.codes:
                assert op["responses"][status] == {"$ref": ref}, page.path
        for status, response in op["responses"].items():
            if status[0] in "45" and "$ref" not in response:
                media = response["content"]["application/json"]
                assert media["schema"] == error_schema["schema"], (page.path, status)
                assert response["description"], (page.path, status)


def _resolve_param(spec: Spec, param: Spec) -> Spec:
    if "$ref" in param:
        return spec["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    return param


def _dotted_row_problem(
    spec: Spec, params: dict[tuple[str, str], Spec], name: str, cell: str
) -> str:
    """A dotted query row (`a.b.c`) is a property of the deepObject parameter `a`, reached
    through nested schemas by its segments (case-insensitively), of its row's value type; a
    segment inside an open carrier (any properties) ends the walk."""
    head, *segments = name.split(".")
    param = params.get((head, "query"))
    if param is None or param.get("style") != "deepObject" or param.get("explode") is not True:
        return f"query parameter {name}: no deepObject parameter {head}"
    schema = deref(spec, param["schema"])
    for n, segment in enumerate(segments):
        if schema.get("additionalProperties") is True and "properties" not in schema:
            return ""  # an open carrier: the pages describe none of its properties
        props = {k.lower(): v for k, v in schema.get("properties", {}).items()}
        prop = props.get(segment.lower())
        if prop is None:
            return f"query parameter {name}: {segment!r} is not a property of {head}"
        if n < len(segments) - 1:
            ref = ref_name(prop)
            if ref is None:
                return f"query parameter {name}: {segment!r} is not an object"
            schema = spec["components"]["schemas"][ref]
            continue
        want = expected_type(cell)
        got = json_type(deref(spec, prop) if ref_name(prop) is None else {"type": "object"})
        if "anyOf" in prop:  # 3.1: the value or null
            got = json_type(next(s for s in prop["anyOf"] if s != {"type": "null"}))
        if isinstance(want, tuple) and want[0] != got[0]:
            return f"query {name} is {cell}, its property is {prop}"
    return ""


def test_every_query_and_path_row_is_a_parameter_with_its_type(built: Build) -> None:
    spec = built.spec
    by_id = op_by_id(spec)
    places = documented(spec)
    problems = []
    checked = 0
    for page in all_tables():
        _, template, own = places[page.uid]
        params = {
            (p["name"], p["in"]): p
            for p in (_resolve_param(spec, x) for x in by_id[page.uid].get("parameters", []))
        }
        for where, rows in (("query", page.query_rows), ("path", page.path_rows)):
            for name, cell in rows:
                checked += 1
                key = spec_name(own, template, name) if where == "path" else name
                if where == "query" and "." in name:  # one row of a query object
                    problem = _dotted_row_problem(spec, params, name, cell)
                    if problem:
                        problems.append(f"{page.path}: {problem}")
                    continue
                param = params.get((key, where))
                if param is None:
                    problems.append(f"{page.path}: {where} parameter {name} missing")
                    continue
                want = expected_type(cell)
                schemas = param["schema"].get("anyOf", [param["schema"]])  # anyOf: merged
                got = [json_type(schema) for schema in schemas]
                if isinstance(want, str):  # a carrier flattened into the query string
                    want = ("string", None)
                if want is not None and want not in got:
                    problems.append(
                        f"{page.path}: {where} {name} is {cell}, emitted {param['schema']}"
                    )
    COUNTS["query and path parameter rows checked"] = str(checked)
    assert problems == []


def test_every_property_row_is_in_its_schema_with_its_type(built: Build) -> None:
    spec = built.spec
    by_id = op_by_id(spec)
    problems: list[str] = []
    checked = 0
    for page in all_tables():
        op = by_id[page.uid]
        targets = (
            ("request", page.request_rows, op.get("requestBody")),
            ("response", page.response_rows, success_response(op)),
        )
        for what, rows, holder in targets:
            if not rows:
                continue
            schema = body_schema(spec, holder)
            if schema is None:
                problems.append(f"{page.path}: {what} table has rows but the {what} has no schema")
                continue
            name = ref_name(next(iter(holder["content"].values()))["schema"]) or "?"  # type: ignore[index]
            if (
                name == "?"
                or json_type(deref(spec, next(iter(holder["content"].values()))["schema"]))[0]
                == "array"
            ):  # type: ignore[index]
                items = deref(spec, next(iter(holder["content"].values()))["schema"]).get(
                    "items", {}
                )  # type: ignore[index]
                name = ref_name(items) or name
            props = schema.get("properties", {})
            for prop_name, cell in rows:
                checked += 1
                prop = props.get(prop_name)
                if prop is None:
                    problems.append(f"{page.path}: {what} property {prop_name} missing from {name}")
                    continue
                problem = check_type(built, name, prop_name, prop, cell)
                if problem:
                    problems.append(f"{page.path}: {problem}")
    COUNTS["property rows checked"] = str(checked)
    assert problems == []


def _sample_body(text: str | None) -> tuple[str, Any] | None:
    """(first line, JSON body) of a sample fence, or None when it has no body."""
    if text is None:
        return None
    lines = text.strip("\n").split("\n")
    blank = next((n for n, ln in enumerate(lines) if not ln.strip()), len(lines))
    body = "\n".join(lines[blank:]).strip()
    if not body:
        return None
    return lines[0], json.loads(body)


def test_every_sample_validates_against_its_operation(spec31: Build) -> None:
    spec = spec31.spec
    registry: Registry = Registry().with_resource(
        "urn:sogen:openapi", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    pointers: dict[str, str] = {}
    for path, method, op in operations(spec):
        base = (
            "urn:sogen:openapi#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
        )
        pointers[op["operationId"]] = base
        for merged in op.get("x-sogen-merged", []):  # its examples are under the same schema
            pointers[merged["operationId"]] = base
    failures: list[str] = []
    validated = no_content = streams = 0
    for page in all_tables():
        op = op_by_id(spec)[page.uid]
        request = _sample_body(page.request_sample)
        if request is not None:
            assert "requestBody" in op, f"{page.path}: sample request has a body, operation none"
            media = next(iter(op["requestBody"]["content"]))
            pointer = f"{pointers[page.uid]}/requestBody/content/{media.replace('/', '~1')}/schema"
            failures += _validate(registry, pointer, request[1], f"{page.path} request")
            validated += 1
        response = _sample_body(page.response_sample)
        if response is not None:
            status = response[0].split()[1]
            declared = op["responses"].get(status)
            assert declared is not None, f"{page.path}: sample status {status} not documented"
            if "content" not in declared:
                # 204 samples print the empty body as `null`; anything else would be lost
                if not (status == "204" and response[1] is None):
                    failures.append(
                        f"{page.path}: sample {status} response has a body, schema none"
                    )
                no_content += 1
                continue
            media = next(iter(declared["content"]))
            if declared["content"][media]["schema"].get("format") == "binary":
                # a stream: the page's JSON sample is a placeholder for its bytes, and the spec
                # gives no example for it
                assert "example" not in declared["content"][media], page.path
                streams += 1
                continue
            pointer = (
                f"{pointers[page.uid]}/responses/{status}/content/{media.replace('/', '~1')}/schema"
            )
            body = response[1]
            if "json" not in media and not isinstance(body, str):
                body = json.dumps(body)  # a stream's sample is its bytes (`99.99`), not JSON
            failures += _validate(registry, pointer, body, f"{page.path} response")
            validated += 1
            if deref(spec, declared["content"][media]["schema"]).get("properties"):
                # the validator is not vacuous: a number is not an object
                assert _validate(registry, pointer, 12345, "self-check"), pointer
    COUNTS["samples validated"] = (
        f"{validated} (plus {no_content} `null` bodies of 204 samples, {streams} streams)"
    )
    assert validated > 0
    assert failures == []


def _validate(registry: Registry, pointer: str, instance: Any, what: str) -> list[str]:
    validator = Draft202012Validator(
        {"$ref": pointer}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{what}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(instance)
    ]


def test_sog303_contradictions_are_counted(spec31: Build) -> None:
    found = [d for d in spec31.diagnostics if d["code"] == "SOG303"]
    pages = sorted({Path(d["path"]).name for d in found})
    COUNTS["SOG303 contradictions"] = f"{len(found)} on {len(pages)} pages {', '.join(pages)}"
    for d in found:
        print(f"  {d['path']}:{d['line']}: {d['message']}")
    for d in found:
        assert d["severity"] == "warning" and d["line"] > 0


# --- older versions ---------------------------------------------------------------------------


def _shape(spec: Spec) -> tuple[Any, ...]:
    ((path, method, op),) = list(operations(spec))
    params = sorted(
        (p["name"], p["in"]) for p in (_resolve_param(spec, x) for x in op.get("parameters", []))
    )
    return (method, path, params, "requestBody" in op, sorted(op["responses"]))


def test_older_pages_build_alone_with_the_current_shape(tmp_path: Path) -> None:
    current = {p.uid: p.path for p in all_tables()}
    older = corpus_pages("older")
    assert older
    compared = 0
    for page in older:
        out = tmp_path / page.stem
        result = run_cli("build", page, "-o", out, "--no-client", "-q")
        assert result.code == 0, f"{page.name}: {result.err}"
        spec = json.loads((out / "openapi.json").read_text(encoding="utf-8"))
        uid = read_tables(page).uid
        if uid in current:
            now = tmp_path / (page.stem + "-current")
            assert run_cli("build", current[uid], "-o", now, "--no-client", "-q").code == 0
            now_spec = json.loads((now / "openapi.json").read_text(encoding="utf-8"))
            assert _shape(spec) == _shape(now_spec), page.name
            compared += 1
    COUNTS["older pages built / compared with a current page"] = f"{len(older)} / {compared}"


def test_sample_values_that_break_their_format_are_reported(built: Build) -> None:
    """The spec ships repaired examples for them (every example validates with its formats:
    tests/consumers/test_toolchains.py); the build says where each page breaks a format."""
    reported = [d for d in built.diagnostics if d["code"] == "SOG306"]
    assert reported and all(d["line"] > 0 and d["severity"] == "warning" for d in reported)
    assert all("is not base64" in d["message"] for d in reported), reported


def _referenced(spec: Spec) -> set[str]:
    """Every `#/components/<kind>/<name>` reachable from the paths and the security lists."""
    found: set[str] = set()
    stack: list[Any] = [spec["paths"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in found:
                found.add(ref)
                _, _, kind, name = ref.split("/")
                stack.append(spec["components"][kind][name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    for requirement in spec.get("security", []):
        found |= {f"#/components/securitySchemes/{name}" for name in requirement}
    return found


def test_no_component_is_unused(built: Build) -> None:
    spec = built.spec
    declared = {
        f"#/components/{kind}/{name}"
        for kind, items in spec["components"].items()
        for name in items
    }
    assert declared - _referenced(spec) == set()
    # the credentials are security schemes, not copies on every operation
    for _, _, op in operations(spec):
        names = {_resolve_param(spec, p)["name"].lower() for p in op.get("parameters", [])}
        assert not names & {"so-apptoken", "x-xsrf-token", "authorization"}, op["operationId"]
