"""Shared helpers for the hostile-input tests: corpus access, page mutations, output checks.

Imported as `hostile_kit` (pytest puts this folder on sys.path). Mutations work on bytes so that
invalid UTF-8, NUL bytes and line-ending damage can be expressed; each is a small, deterministic
function of (page bytes, a random.Random), so hypothesis shrinks a failure to a seed.
"""

from __future__ import annotations

import io
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator import cli

REPO = Path(__file__).resolve().parents[2]
CORPUS_PAGES = (REPO / ".." / "shared" / "corpus" / "pages").resolve()

# CI budget per property; SOGEN_FUZZ_EXAMPLES=2000 runs the same properties much longer.
FUZZ_EXAMPLES = int(os.environ.get("SOGEN_FUZZ_EXAMPLES", "0") or 0)


def examples(ci_default: int) -> int:
    """max_examples for one property: the CI default unless SOGEN_FUZZ_EXAMPLES is set."""
    return FUZZ_EXAMPLES if FUZZ_EXAMPLES > 0 else ci_default


# `path:line:col: error|warning: message [SOGnnn]`; `note: see also` lines follow some of them.
LOCATED = re.compile(r"^.+:\d+:\d+: (error|warning): .+ \[SOG\d{3}\]$")
NOTE = re.compile(r"^.+:\d+:\d+: note: see also$")
SUMMARY = re.compile(r"^sogen: \d+ pages, ")


def corpus_pages() -> list[Path]:
    """Every real page, sorted; skips the calling test when the corpus is absent."""
    if not CORPUS_PAGES.is_dir():
        pytest.skip(f"corpus not present at {CORPUS_PAGES}")
    pages = sorted(p for p in CORPUS_PAGES.rglob("*.md") if p.name.lower() != "index.md")
    if not pages:
        pytest.skip("corpus has no pages")
    return pages


def corpus_sample(count: int = 24) -> list[Path]:
    """A fixed, varied subset of the corpus: agent and REST pages, spread over the list."""
    pages = corpus_pages()
    step = max(len(pages) // count, 1)
    return pages[::step][:count]


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*argv: str | Path) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out=out, err=err)
    return CliResult(code, out.getvalue(), err.getvalue())


def assert_clean_diagnostics(err: str) -> None:
    """Every stderr line is a located diagnostic, a note under one, or the summary."""
    assert "Traceback (most recent call last)" not in err, err[-4000:]
    for line in err.splitlines():
        if not line.strip():
            continue
        assert (
            LOCATED.match(line) or NOTE.match(line) or SUMMARY.match(line)
        ), f"unlocated or malformed stderr line: {line!r}"


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder` (not following symlinks): file bytes, or 'dir'/'link -> x'."""
    found: dict[str, bytes | str] = {}
    if not folder.exists() and not folder.is_symlink():
        return found
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            full = Path(root) / name
            rel = full.relative_to(folder).as_posix()
            if full.is_symlink():
                found[rel] = f"link -> {os.readlink(full)}"
            elif full.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = full.read_bytes()
    return found


# --- mutations ---------------------------------------------------------------------------

Mutation = Callable[[bytes, random.Random], bytes]


def _sections(data: bytes) -> list[bytes]:
    """Split before every `## ` heading; the first part is front matter + description."""
    parts = re.split(rb"(?m)^(?=#{2,3} )", data)
    return [p for p in parts if p]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def drop_section(data: bytes, rng: random.Random) -> bytes:
    parts = _sections(data)
    if len(parts) > 1:
        del parts[rng.randrange(len(parts))]
    return b"".join(parts)


def duplicate_section(data: bytes, rng: random.Random) -> bytes:
    parts = _sections(data)
    n = rng.randrange(len(parts))
    parts.insert(n, parts[n])
    return b"".join(parts)


def swap_sections(data: bytes, rng: random.Random) -> bytes:
    parts = _sections(data)
    if len(parts) > 2:
        a, b = rng.sample(range(1, len(parts)), 2)
        parts[a], parts[b] = parts[b], parts[a]
    return b"".join(parts)


def break_table(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    rows = [i for i, line in enumerate(lines) if line.lstrip().startswith(b"|")]
    if not rows:
        return data
    i = rng.choice(rows)
    line = lines[i]
    choice = rng.randrange(6)
    if choice == 0:
        lines[i] = line.replace(b"|", b"", rng.randrange(1, 4))  # cells run together
    elif choice == 1:
        lines[i] = line + b" extra | cells | " * rng.randrange(1, 4)
    elif choice == 2:
        del lines[i]  # e.g. the |---| separator: the table stops being a table
    elif choice == 3:
        lines[i] = line.replace(b"|", b"\\|")
    elif choice == 4:
        lines.insert(i, line)  # duplicate row
    else:
        lines[i] = b"| " + b"|" * rng.randrange(1, 40)
    return b"\n".join(lines)


def wrong_fences(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    fences = [i for i, line in enumerate(lines) if line.lstrip().startswith((b"```", b"~~~"))]
    if not fences:
        return data
    i = rng.choice(fences)
    lines[i] = rng.choice(
        [b"", b"~~~", b"````", b"``", b"```js", b"```http", b"```http!", b"```http_", b"    ```"]
    )
    return b"\n".join(lines)


def break_json(data: bytes, rng: random.Random) -> bytes:
    spots = [m.start() for m in re.finditer(rb"[{}\[\]\":,]", data)]
    if not spots:
        return data
    i = rng.choice(spots)
    return data[:i] + rng.choice([b"", b"{", b"]", b'"', b",,", b"\\", b"NaN"]) + data[i + 1 :]


def invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"]) + data[i:]


def nul_bytes(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + b"\0" * rng.randrange(1, 4) + data[i:]


def line_endings(data: bytes, rng: random.Random) -> bytes:
    return rng.choice(
        [data.replace(b"\n", b"\r\n"), data.replace(b"\n", b"\r"), data.replace(b"\n", b"\n\r")]
    )


def huge(data: bytes, rng: random.Random) -> bytes:
    """A page with one part repeated many times (cut at 1 MB to keep CI fast)."""
    parts = _sections(data)
    n = rng.randrange(len(parts))
    parts[n] = parts[n] * rng.randrange(50, 400)
    return b"".join(parts)[: 1024 * 1024]


def deep_json(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([150, 250, 1000, 20000])
    body = (
        b"[" * depth + b"]" * depth
        if rng.random() < 0.5
        else b'{"a":' * depth + b"1" + b"}" * depth
    )
    m = re.search(rb"```http_\n[^\n]*\n", data)
    if m is None:
        return data + b"\n\n## Sample response\n\n```http_\nHTTP/1.1 200 OK\n\n" + body + b"\n```"
    return data[: m.end()] + b"\n" + body + b"\n" + data[m.end() :]


def deep_markdown(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([50, 500, 5000])
    kind = rng.randrange(3)
    if kind == 0:
        block = b"".join(b"  " * min(d, 1000) + b"- item\n" for d in range(depth))
    elif kind == 1:
        block = b">" * depth + b" quoted\n"
    else:
        block = b"* " * depth + b"x\n" + b"1. " * depth + b"y\n"
    i = rng.randrange(len(data) + 1)
    return data[:i] + b"\n" + block + b"\n" + data[i:]


def random_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randrange(1, 20)):
        if not out:
            break
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def splice_text(data: bytes, rng: random.Random) -> bytes:
    """Markdown and template syntax dropped somewhere."""
    junk = rng.choice(
        [
            b"{{ 7*7 }}",
            b"{% raw %}",
            b'"""',
            b"\\",
            b"<see cref=",
            b"<a href='javascript:x'>",
            b"## Response:",
            b"### Response body: ../../x",
            b"| Property Name | Type | Description |\n|---|---|---|\n| ",
            b"---\n",
            b"\xe2\x80\xa8",
            b"&#0;&#xD800;&amp;amp;",
        ]
    )
    i = rng.randrange(len(data) + 1)
    return data[:i] + junk + data[i:]


MUTATIONS: dict[str, Mutation] = {
    "truncate": truncate,
    "drop_section": drop_section,
    "duplicate_section": duplicate_section,
    "swap_sections": swap_sections,
    "break_table": break_table,
    "wrong_fences": wrong_fences,
    "break_json": break_json,
    "invalid_utf8": invalid_utf8,
    "nul_bytes": nul_bytes,
    "line_endings": line_endings,
    "huge": huge,
    "deep_json": deep_json,
    "deep_markdown": deep_markdown,
    "random_bytes": random_bytes,
    "splice_text": splice_text,
}


def mutate(data: bytes, names: list[str], seed: int) -> bytes:
    rng = random.Random(seed)
    for name in names:
        data = MUTATIONS[name](data, rng)
    return data


# --- hand-written hostile pages ------------------------------------------------------------

# Page text that must stay data: it may neither run nor change the generated code's shape.
PAYLOAD = '"""; import os; os.system("x") #'
JINJA = "{{ 7*7 }} {% if true %}jinja-if{% endif %} {# comment #}"
NASTY = (
    f"{PAYLOAD} {JINJA} back\\slash \\n \\u0041 \\ */ /* <script>alert(1)</script> "
    "\x01\x1b[31m Größe ø 日本語 \u202e \u2028 end\\"
)

HEADERS = """\
## Request Headers

| Parameter Name | Description |
|----------------|-------------|
| Authorization  | Supports 'Basic', 'SoTicket' and 'Bearer' schemes. |
| Content-Type | Content-type of the request body: `application/json` |
| Accept         | Content-type(s) you would like the response in: `application/json` |
| SO-Language | Convert string references. |"""


def _table(header: str, rows: list[tuple[str, str, str]]) -> str:
    head = f"| {header} | Type |  Description |\n|----------------|------|--------------|\n"
    return head + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)


def _cell(text: str) -> str:
    """Text safe inside one table cell and one line (the page format's limits, not ours)."""
    return text.replace("|", "\\|").replace("\n", " ").replace("\u2028", " ")


def endpoint_page(
    *,
    uid: str,
    method: str,
    path: str,
    description: str = "Does the thing.",
    path_rows: list[tuple[str, str, str]] | None = None,
    query_rows: list[tuple[str, str, str]] | None = None,
    body_rows: list[tuple[str, str, str]] | None = None,
    response_label: str = "",
    response_rows: list[tuple[str, str, str]] | None = None,
    sample_request: str | None = None,
    sample_response: str | None = None,
) -> str:
    """A page in the current docs layout, from parts; rows are (name, type, description)."""
    title = f"{method} {path.removeprefix('/api/v1/')}"
    parts = [
        f"---\ntitle: {json_quote(title)}\nuid: {json_quote(uid)}\ngenerated: true\n---",
        f"# {title}",
        f"```http\n{method} {path}\n```",
        description + "\n\n\n\n",
    ]
    if path_rows:
        parts.append(
            "| Path Part | Type | Description |\n|-----------|------|-------------|\n"
            + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in path_rows)
        )
    if query_rows:
        parts.append("## Query String Parameters\n\n" + _table("Parameter Name", query_rows))
    parts.append(HEADERS)
    if body_rows is not None:
        names = ", ".join(r[0] for r in body_rows)
        parts.append(
            f"## Request Body: request \n\n{names} \n\n" + _table("Property Name", body_rows)
        )
    parts.append(
        f"## Response:{'' if response_rows else response_label}\n\nOK\n\n"
        "| Response | Description |\n|----------------|-------------|\n| 200 | OK |"
    )
    if response_rows is not None:
        parts.append(
            f"### Response body: {response_label}\n\n" + _table("Property Name", response_rows)
        )
    if sample_request is not None:
        parts.append(
            f"## Sample request\n\n```http!\n{method} {path}\n"
            f"Content-Type: application/json; charset=utf-8\n\n{sample_request}\n```"
        )
    if sample_response is not None:
        parts.append(
            "## Sample response\n\n```http_\nHTTP/1.1 200 OK\n"
            f"Content-Type: application/json; charset=utf-8\n\n{sample_response}\n```"
        )
    return "\n\n".join(parts)


def json_quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    import json

    return json.dumps(text)


LONG = "Very" + "Long" * 70  # 284 characters: longer than a file name may be
# Names that are keywords, builtins, names the generated code uses, start with a digit, hold
# `$`, `-`, spaces or non-ASCII, or collide after snake_case.
HOSTILE_NAMES = [
    "class",
    "from",
    "type",
    "id",
    "self",
    "None",
    "True",
    "1st",
    "$x",
    "a-b",
    "a b",
    "Größe",
    "GetFoo",
    "Get_Foo",
    "select",
    "body",
    "timeout",
    "response",
    "_private",
    "__init__",
    "to_dict",
    LONG,
]


def hostile_specs() -> dict[str, str]:
    """File name -> page text: every hostile name and payload the injection tests check."""
    nasty_json = json_quote(NASTY)
    props = [(n, "String", _cell(f"{n}: {NASTY}")) for n in HOSTILE_NAMES]
    query = [(n, "string", _cell(NASTY)) for n in HOSTILE_NAMES]
    carrier = [(n, "string", _cell(NASTY)) for n in HOSTILE_NAMES]
    pages = {
        "evil_do.md": endpoint_page(
            uid="v1EvilAgent_DoThing",
            method="POST",
            path="/api/v1/Agents/Evil/DoThing",
            description=f"{NASTY}\n\n{NASTY}\n\n```\n{NASTY}\n```",
            query_rows=query,
            body_rows=props,
            response_label="EvilCarrier",
            response_rows=carrier,
            sample_request="{" + ", ".join(f'"{n}": {nasty_json}' for n in ("class", "$x")) + "}",
            sample_response="{"
            + ", ".join(f"{json_quote(n)}: {nasty_json}" for n in HOSTILE_NAMES)
            + "}",
        ),
        "evil_getfoo.md": endpoint_page(
            uid="v1EvilAgent_GetFoo",
            method="POST",
            path="/api/v1/Agents/Evil/GetFoo",
            response_label="GetFoo",
            response_rows=[("Value", "string", "")],
        ),
        "evil_get_foo.md": endpoint_page(
            uid="v1EvilAgent_Get_Foo",
            method="POST",
            path="/api/v1/Agents/Evil/Get_Foo",
            response_label="Get_Foo",
            response_rows=[("Value", "int32", "")],
        ),
        "evil_rest.md": endpoint_page(
            uid="v1Evil_Fetch",
            method="GET",
            path="/api/v1/Evil/{class}/{1d}/{a-b}/{id}/{Größe}/{$x}",
            description=NASTY,
            path_rows=[
                (n, t, _cell(NASTY) + " **Required**")
                for n, t in (
                    ("class", "int32"),
                    ("1d", "string"),
                    ("a-b", "string"),
                    ("id", "int32"),
                    ("Größe", "string"),
                    ("$x", "string"),
                )
            ],
            response_label="None",
            response_rows=[("self", "string", _cell(NASTY)), ("None", "int32", "")],
            sample_request="",
            sample_response='{"self": ' + nasty_json + ', "None": 3}',
        ),
    }
    agents = ["class", "Class", "1x", "Größe", "con", "self", LONG, LONG + "x"]
    for n, agent in enumerate(agents):
        method = "Run" if n % 2 else "from"
        pages[f"agent_{n}.md"] = endpoint_page(
            uid=f"v1{agent}Agent_{method}",
            method="POST",
            path=f"/api/v1/Agents/{agent}/{method}",
            description=f"Agent {agent}: {NASTY}",
            response_label=["Model", "self", LONG, LONG + "x", "con", "Field", "Unset", "aux"][n],
            response_rows=[("Name", "string", _cell(NASTY))],
        )
    # quotes, template syntax and backslashes in what becomes group, method and schema names
    for n, (agent, method) in enumerate(
        [('Q"""Z', 'Run"""x'), ("{{7*7}}", "{%raw%}"), ("B\\s", "M\\x'"), ("Lé", "$top")]
    ):
        pages[f"odd_{n}.md"] = endpoint_page(
            uid=f"v1{agent}Agent_{method}",
            method="POST",
            path=f"/api/v1/Agents/{agent}/{method}",
            description=f"Odd names: {NASTY}",
            body_rows=[("Value", "String", _cell(NASTY))],
            response_rows=[("Name", "string", _cell(NASTY))],
            sample_request='{"Value": ' + nasty_json + "}",
            sample_response='{"Name": ' + nasty_json + "}",
        )
    return pages


def write_pages(folder: Path, pages: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
