"""Property: whatever wire names a page gives its path, query, header and body parts, the
generated method compiles and sends every one of them under its wire name.

Each example writes one REST PUT page whose parameters and body properties are drawn from a pool
of names that collide after snake-casing (`Id`/`id`/`ID`), with Python keywords and builtins, with
the method's own keyword arguments (`select`, `timeout`, ...) and with the codec helpers the module
imports, and dotted query names (`merged.ticketId`: those of one prefix are one object argument, a
model, sent as dotted pairs). The package is built by the CLI, imported, and called with a
recording transport.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import sys
from pathlib import Path
from typing import Any

import pagekit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

POOL = [
    "Id", "id", "ID", "_id", "id_", "Body", "body", "json", "Json", "select", "Select",
    "language", "culture", "timeout", "max_retries", "maxRetries", "MaxRetries", "self",
    "client", "response", "class", "from", "None", "type", "list", "model", "nullable",
    "encode_body", "parse_response", "datetime", "UNSET", "Unset", "query", "headers",
    "path_params", "time_zone", "TimeZone",
]  # fmt: skip
DOTTED = ["merged.ticketId", "merged.TicketId", "merged.id", "Merged.Id"]
HEADER_POOL = ["X-Id", "X-ID", "x_id", "X-Select", "X-Timeout", "X-Class"]

_counter = [0]


def _unique_ci(names: list[str]) -> list[str]:
    """Wire names within one table are distinct ignoring case (the model merges such rows)."""
    seen: set[str] = set()
    out = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


names = st.lists(st.sampled_from(POOL), min_size=0, max_size=4).map(_unique_ci)
dotted = st.lists(st.sampled_from(DOTTED), max_size=2).map(_unique_ci)
header_names = st.lists(st.sampled_from(HEADER_POOL), max_size=2).map(_unique_ci)


def _table(head: str, rows: list[tuple[str, str, str]]) -> str:
    lines = [head, "", "| Name | Type | Description |", "|---|---|---|"]
    lines += [f"| {n} | {t} | {d} |" for n, t, d in rows]
    return "\n".join(lines) + "\n"


def _page(path: list[str], query: list[str], headers: list[str], body: list[str]) -> str:
    template = "/api/v1/Thing" + "".join(f"/{{{p}}}" for p in path)
    query_section = ""
    if query:
        query_section = _table(
            "## Query String Parameters", [(q, "string", "A query part.") for q in query]
        )
    path_section = ""
    if path:
        path_section = _table("", [(p, "int32", "**Required** A path part.") for p in path])
        path_section = path_section.replace("| Name |", "| Path Part |", 1).lstrip("\n")
    header_section = pagekit.HEADERS_FULL + "".join(
        f"| {h} | A custom header. |\n" for h in headers
    )
    body_section = ""
    if body:
        body_section = _table(
            "## Request Body: thing\n\nThe thing.",
            [(b, "string", "A body property.") for b in body],
        ).replace("| Name |", "| Property Name |", 1)
    title = f"PUT Thing{''.join(f'/{{{p}}}' for p in path)}"
    return pagekit.page_text(
        front=f"title: {title}\nuid: v1Thing_PutThing\ngenerated: true",
        h1=f"# {title}",
        endpoint=f"PUT {template}",
        path_table=path_section,
        query=query_section,
        headers=header_section,
        body=body_section,
    )


class Recorder:
    """Stands in for the transport client: keeps what the method asked it to send."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        raise _Sent


class _Sent(Exception):
    pass


def _method(module: Any) -> tuple[Any, ast.FunctionDef]:
    cls = next(
        getattr(module, n)
        for n in dir(module)
        if n.endswith(("Entity", "Agent", "Api"))
        and not n.startswith("Async")
        and isinstance(getattr(module, n), type)
    )
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    klass = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    func = next(n for n in klass.body if isinstance(n, ast.FunctionDef) and n.name != "__init__")
    return cls, func


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=names, query=names, extra_query=dotted, headers=header_names, body=names)
def test_colliding_wire_names_compile_and_are_all_sent(
    tmp_path: Path,
    path: list[str],
    query: list[str],
    extra_query: list[str],
    headers: list[str],
    body: list[str],
) -> None:
    _counter[0] += 1
    root = tmp_path / f"case{_counter[0]}"
    pages = root / "pages"
    pages.mkdir(parents=True)
    query = _unique_ci(query + extra_query)
    (pages / "v1Thing_PutThing.md").write_text(_page(path, query, headers, body), "utf-8")
    package = f"namingprop{_counter[0]}"
    result = pagekit.run_cli(
        "build", pages, "-o", root / "out", "--no-cache", "--package", package, "-q"
    )
    assert result.code == 0, result.err
    src = root / "out" / "python"
    for module_file in (src / package).rglob("*.py"):
        compile(module_file.read_text("utf-8"), str(module_file), "exec")
    sys.path.insert(0, str(src))
    try:
        agents = src / package / "agents"
        stem = next(p.stem for p in sorted(agents.glob("*.py")) if p.stem != "__init__")
        module = importlib.import_module(f"{package}.agents.{stem}")
        cls, func = _method(module)
        args = func.args
        params = [a.arg for a in args.args[1:] + args.kwonlyargs]
        assert len(params) == len(set(params))
        # a distinct value per argument (per attribute of a query object's model), so a value
        # sent under the wrong wire name shows
        values: dict[str, Any] = {}
        for n, arg in enumerate(args.args[1:] + args.kwonlyargs):
            annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
            model_cls = getattr(module, annotation.split("|")[0].strip(), None)
            if isinstance(model_cls, type) and hasattr(model_cls, "__wire__"):
                attrs = {f.attr: f"v{n}.{k}" for k, f in enumerate(model_cls.__wire__)}
                values[arg.arg] = model_cls(**attrs)
            else:
                values[arg.arg] = f"v{n}"
        recorder = Recorder()
        with contextlib.suppress(_Sent):
            getattr(cls(recorder), func.name)(**values)
        assert len(recorder.calls) == 1
        _, sent = recorder.calls[0]
    finally:
        sys.path.remove(str(src))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]

    # a query object matched to a carrier is sent under the carrier's wire names
    # (`merged.Id` for the page's `merged.id`): model binding reads dotted names regardless of
    # case, as HTTP reads header names, so both are compared case-folded
    def _query_key(name: str) -> str:
        return name.lower() if "." in name else name

    sent_values = {
        **{("path", k): v for k, v in (sent.get("path_params") or {}).items()},
        **{("query", _query_key(k)): v for k, v in (sent.get("query") or {}).items()},
        **{("header", k.lower()): v for k, v in (sent.get("headers") or {}).items()},
        **{("body", k): v for k, v in (sent.get("json") or {}).items()},
    }
    wanted = (
        [("path", p) for p in path]
        + [("query", _query_key(q)) for q in query]
        + [("header", h.lower()) for h in headers]
        + [("body", b) for b in body]
    )
    for key in wanted:
        assert key in sent_values, (key, sent)
    # every wire name got its own argument: no two carry the same value
    got = [sent_values[key] for key in wanted]
    assert len(set(got)) == len(got), (wanted, sent)
