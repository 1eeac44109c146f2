"""The layout pass must write exactly what black writes, for the shapes the templates produce."""

from __future__ import annotations

import keyword
import os

import black
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.formatting import tidy_header
from generator.render.layout import (
    Unsettled,
    _fast_tokens,
    _slow_tokens,
    normalize_blank_lines,
    settle,
)
from generator.render.literals import py_literal

MODE = black.Mode(target_versions={black.mode.TargetVersion.PY311})
EXAMPLES = int(os.environ.get("SOGEN_FUZZ_EXAMPLES", "150"))

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,40}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and not keyword.iskeyword(n.lower())
)
keys = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=25,
)


def _black(source: str) -> str:
    return black.format_str(tidy_header(source), mode=MODE)


def _check(source: str) -> None:
    settled, ok = settle(tidy_header(source))
    if ok:
        assert normalize_blank_lines(settled) == _black(source)


@settings(max_examples=EXAMPLES, deadline=None)
@given(value=json_values, status=st.integers(100, 599))
def test_respond_and_assert_statements(value: object, status: int) -> None:
    lit = py_literal(value)  # type: ignore[arg-type]
    _check(
        "def test_x(harness: Harness) -> None:\n"
        f"    harness.respond({status}, {lit})\n"
        f"    assert result.to_dict() == {lit}\n"
        f"    assert [item.to_dict() for item in result] == {lit}\n"
        f"    assert result == {lit}\n"
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(value=json_values, model=names, attr=names, method=names)
def test_call_arguments_and_checks(value: object, model: str, attr: str, method: str) -> None:
    lit = py_literal(value)  # type: ignore[arg-type]
    _check(
        "def test_x(harness: Harness) -> None:\n"
        "    with harness.client() as client:\n"
        f"        result = client.{attr.lower()}.{method.lower()}(\n"
        f"            {attr.lower()}_arg={model}.from_dict({lit}),\n"
        f"            other=[{model}.from_dict({lit}), {lit}],\n"
        "        )\n"
        "    harness.check(\n"
        '        "POST",\n'
        f'        "/api/v1/Agents/{attr}/{method}",\n'
        "        [],\n"
        f"        json_body={lit},\n"
        "        has_json=True,\n"
        "    )\n"
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(cls=names, attr=names, wire=names, depth=st.integers(0, 3))
def test_codec_lines(cls: str, attr: str, wire: str, depth: int) -> None:
    codec = f"model(lambda: {cls})"
    for _ in range(depth):
        codec = f"list_of({codec})"
    _check(
        "class A:\n"
        "    def m(self) -> None:\n"
        f"        return parse_response(response, nullable({codec}))\n"
        "\n"
        "\n"
        "@dataclass(kw_only=True)\n"
        "class B(Model):\n"
        '    """Doc."""\n'
        "\n"
        "    __wire__: ClassVar[tuple[Field, ...]] = (\n"
        f"        Field({py_literal(attr)}, {py_literal(wire)}, nullable({codec})),\n"
        f"        Field({py_literal(wire)}, {py_literal(attr)}, nullable({codec})),\n"
        "    )\n"
    )


@given(module=names, classes=st.lists(names, min_size=1, max_size=4, unique=True))
@settings(max_examples=EXAMPLES, deadline=None)
def test_imports(module: str, classes: list[str]) -> None:
    _check(f"from superoffice_webapi.models.{module.lower()} import {', '.join(sorted(classes))}\n")


def test_blank_lines_follow_black() -> None:
    source = (
        '"""Module."""\n\nfrom __future__ import annotations\n\n\nimport httpx\n\n'
        '__all__ = ["A"]\n\n\n\n\nclass A:\n    """Doc.\n\n    More.\n    """\n'
        "    def __init__(self) -> None:\n        self.x = 1\n    def f(\n        self,\n"
        "    ) -> None:\n        pass\nX = 1\n"
    )
    settled, ok = settle(tidy_header(source))
    assert ok
    assert normalize_blank_lines(settled) == _black(source)


@given(cls=names)
@settings(max_examples=EXAMPLES, deadline=None)
def test_loader_functions(cls: str) -> None:
    _check(
        f"def _load_{cls}() -> type[{cls}]:\n"
        f"    from superoffice_webapi.models.{cls.lower()} import {cls}\n"
        "\n"
        f"    return {cls}\n"
    )


_PIECES = [
    *"abrRBuUfFjx_1059.eE+-=:,()[]{}\"'\\ #<|é\t",
    *("rb", "B", "0", "007", "10", "1.5", "1e5", "1E-5", ".5", "5.", "1j", "1_0", '"s"', "'s'"),
    *('b"x"', '"""', "'''", '"a\\"b"', "==", "...", ":=", "->", "-=", "x.y", "  "),
]
# lines made of pieces of tokens: mostly what the fast reader reads, sometimes what it must not
line_text = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@given(text=line_text | st.builds(py_literal, json_values))
@settings(max_examples=EXAMPLES * 4, deadline=None)
def test_fast_tokens_agree_with_tokenize(text: str) -> None:
    """The fast reader either reads a line exactly as tokenize does, or leaves it to it."""
    try:
        fast = _fast_tokens(text)
    except Unsettled:
        with pytest.raises(Unsettled):
            _slow_tokens(text)
        return
    if fast is not None:
        assert fast == _slow_tokens(text)


@given(cls=names, name=names)
@settings(max_examples=EXAMPLES, deadline=None)
def test_long_annotated_fields_and_parameters(cls: str, name: str) -> None:
    # black parenthesises a long `name: list[X] | Unset | None = UNSET`: the default of a
    # field when the rest then fits, else the annotation (always, for a parameter)
    field_line = f"    {name.lower()}: list[{cls}Item] | Unset | None = UNSET\n"
    _check(f"class A:\n{field_line}")
    _check(
        "class A:\n    def f(\n        self,\n        *,\n"
        f"    {field_line.rstrip()},\n        select: str | None = None,\n    ) -> None:\n"
        "        pass\n"
    )


def test_long_annotated_line_of_another_shape_is_left_to_black() -> None:
    line = "    values: list[" + "A" * 80 + "] | None = field(default_factory=list)\n"
    assert not settle(tidy_header(f"class A:\n{line}"))[1]


@pytest.mark.parametrize("item", ["GetAvailableFieldsItemOperationInfosItem", "SetSelected" * 5])
def test_long_unset_fields_and_parameters_are_settled_as_black_writes_them(item: str) -> None:
    for source in (
        f"class A:\n    operation_infos: list[{item}] | Unset | None = UNSET\n",
        "class A:\n    def f(\n        self,\n        *,\n"
        f"        selectable_mdo_list: list[{item}] | Unset | None = UNSET,\n"
        "    ) -> None:\n        pass\n",
    ):
        settled, ok = settle(tidy_header(source))
        assert ok
        assert normalize_blank_lines(settled) == _black(source)
