"""generator/render/reserved.py against what the runtime and the templates really use.

The reserved lists are written out; these tests keep them from going stale: every runtime
module's `__all__` is listed, and in a client rendered from the corpus every name the templates
or the runtime bind or use in a scope that page names share (a module's top level, a model's or a
client's class body, a generated method) is reserved there. Page-made names are known from the
context the build made; names with a leading underscore are left out (no page name gets one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pagekit import CORPUS

from generator.diagnostics import Diagnostics
from generator.model.api import build_api
from generator.model.naming import PYTHON_BUILTINS, python_identifier
from generator.pages.parse import parse_page
from generator.pages.reader import decode_page
from generator.render import reserved
from generator.render.client import render_client
from generator.render.context import ClientContext, build_context

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "templates" / "python" / "runtime"
PACKAGE = "superoffice_webapi"


def _all_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


@pytest.mark.parametrize("module", sorted(p.name for p in RUNTIME.glob("*.py")))
def test_every_runtime_export_is_reserved(module: str) -> None:
    exported = _all_of(RUNTIME / module)
    assert exported, module
    assert exported <= reserved.RUNTIME_EXPORTS, sorted(exported - reserved.RUNTIME_EXPORTS)


def test_model_base_attributes_are_reserved_for_fields() -> None:
    tree = ast.parse((RUNTIME / "_codec.py").read_text(encoding="utf-8"))
    base = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Model")
    names = {n.name for n in base.body if isinstance(n, ast.FunctionDef)}
    names |= {n.target.id for n in base.body if isinstance(n, ast.AnnAssign)}  # type: ignore[union-attr]
    public = {n for n in names if not n.startswith("_") or n == "__wire__"}
    assert public and public <= reserved.MODEL_FIELD, sorted(public - reserved.MODEL_FIELD)


def test_identifiers_never_start_with_an_underscore() -> None:
    # what lets the checks below leave private names out
    for name in ("_private", "__init__", "__all__", "_MODULES", "_client"):
        assert not python_identifier(name).startswith("_")
        assert not python_identifier(name, style="pascal").startswith("_")


@pytest.fixture(scope="module")
def rendered() -> tuple[dict[str, str], ClientContext]:
    pages = sorted((CORPUS / "pages").rglob("*.md")) if (CORPUS / "pages").is_dir() else []
    if not pages:
        pytest.skip("corpus not present")
    diags = Diagnostics()
    docs = []
    for path in pages:
        if path.name.lower() == "index.md":
            continue
        text = decode_page(path.read_bytes(), str(path), diags)
        doc = parse_page(text, str(path), diags) if text is not None else None
        if doc is not None:
            docs.append(doc)
    api = build_api(docs, diags)
    files: dict[str, str] = {}
    render_client(api, diags, lambda rel, data: files.__setitem__(rel, data.decode("utf-8")))
    return files, build_context(api, Diagnostics())


def _page_names(ctx: ClientContext) -> set[str]:
    names: set[str] = set()
    for m in ctx.models:
        names |= {m.class_name, m.module} | {f.name for f in m.fields}
    for g in ctx.groups:
        names |= {g.class_name, g.async_class_name, g.attr, g.module}
        for op in g.operations:
            names |= {op.name, f"test_{op.name}"}
            names |= {p.name for p in op.params} | {f.name for f in op.body_fields}
            if op.body_param is not None:
                names.add(op.body_param.name)
    return names


def _module_level(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    body = list(tree.body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports
            body[:0] = node.body
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _names_in(node: ast.AST) -> set[str]:
    """Every name read or written anywhere inside `node` (annotations included)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _class_scope(cls: ast.ClassDef) -> set[str]:
    """What a class body binds or reads in its own scope: its attributes and methods, their
    decorators, defaults and annotations (mypy resolves those in the class scope)."""
    names: set[str] = set()
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
            for part in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if part is not None:
                    names |= _names_in(part)
            for arg in [*node.args.args, *node.args.kwonlyargs]:
                if arg.annotation is not None:
                    names |= _names_in(arg.annotation)
            if node.returns is not None:
                names |= _names_in(node.returns)
        else:
            names |= _names_in(node)
    return names


def _unreserved(found: set[str], allowed: frozenset[str], page: set[str]) -> list[str]:
    return sorted(
        n
        for n in found - allowed - page - PYTHON_BUILTINS
        if not n.startswith("_") and n not in ("self", "cls")
    )


def _trees(files: dict[str, str], prefix: str) -> list[tuple[str, ast.Module]]:
    return [
        (rel, ast.parse(text))
        for rel, text in sorted(files.items())
        if rel.startswith(prefix) and rel.endswith(".py")
    ]


def test_module_level_names_of_every_generated_module_are_reserved_for_classes(
    rendered: tuple[dict[str, str], ClientContext],
) -> None:
    files, ctx = rendered
    page = _page_names(ctx)
    trees = _trees(files, "python/")
    assert len(trees) > 100
    for rel, tree in trees:
        if "/_" in rel and rel.rsplit("/", 1)[1] in {
            "_auth.py",
            "_codec.py",
            "_errors.py",
            "_http.py",
        }:
            continue  # the runtime itself: what it exports is checked above
        # test functions (`test_x`) are lower case: never a class name
        names = {n for n in _module_level(tree) if not n.startswith("test_")}
        missing = _unreserved(names, reserved.MODULE_LEVEL, page)
        assert not missing, (rel, missing)


def test_model_class_bodies_use_only_names_reserved_for_fields(
    rendered: tuple[dict[str, str], ClientContext],
) -> None:
    files, ctx = rendered
    page = _page_names(ctx)
    for rel, tree in _trees(files, f"python/{PACKAGE}/models/"):
        if rel.endswith("__init__.py"):
            assert not _unreserved(_module_level(tree), reserved.MODELS_PACKAGE, page), rel
            continue
        assert not _unreserved(
            _module_level(tree), reserved.MODEL_MODULE | reserved.RUNTIME_EXPORTS, page
        ), rel
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            missing = _unreserved(_class_scope(cls), reserved.MODEL_FIELD, page)
            assert not missing, (rel, missing)


def test_group_methods_use_only_names_reserved_for_methods_and_parameters(
    rendered: tuple[dict[str, str], ClientContext],
) -> None:
    files, ctx = rendered
    page = _page_names(ctx)
    for rel, tree in _trees(files, f"python/{PACKAGE}/agents/"):
        module_names = _module_level(tree)
        assert not _unreserved(module_names, reserved.GROUP_MODULE | reserved.RUNTIME_EXPORTS, page)
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            missing = _unreserved(_class_scope(cls), reserved.GROUP_METHOD | {"__init__"}, page)
            assert not missing, (rel, missing)
            for method in (
                n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            ):
                if method.name == "__init__":
                    continue
                missing = _unreserved(_names_in(method), reserved.METHOD_PARAMETER, page)
                assert not missing, (rel, method.name, missing)


def test_client_class_bodies_use_only_names_reserved_for_attributes(
    rendered: tuple[dict[str, str], ClientContext],
) -> None:
    files, ctx = rendered
    page = _page_names(ctx)
    tree = ast.parse(files[f"python/{PACKAGE}/_client.py"])
    assert not _unreserved(
        _module_level(tree), reserved.CLIENT_MODULE | reserved.RUNTIME_EXPORTS, page
    )
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    assert len(classes) == 2
    for cls in classes:
        missing = _unreserved(_class_scope(cls), reserved.CLIENT_ATTRIBUTE, page)
        assert not missing, missing


def test_test_modules_bind_only_names_reserved_for_classes(
    rendered: tuple[dict[str, str], ClientContext],
) -> None:
    files, ctx = rendered
    page = _page_names(ctx)
    for rel, tree in _trees(files, "python/tests/"):
        names = {n for n in _module_level(tree) if not n.startswith("test_")}
        missing = _unreserved(names, reserved.TEST_MODULES | reserved.RUNTIME_EXPORTS, page)
        assert not missing, (rel, missing)
