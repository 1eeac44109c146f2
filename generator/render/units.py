"""Black on the statements the layout pass could not settle, one statement at a time.

Black lays out each logical line on its own: what it writes for a statement depends on the
statement's tokens, its indentation and the line length, not on the rest of the file (blank
lines aside). So a statement at indentation k, dedented and formatted alone with a line length
of 88 - k, comes out as black would write it in place once indented again: every width black
compares is the indentation plus the text, and both sides move by k. The cost grows with the
statement, not with the file.

The unit is the smallest statement around the unsettled line: its simple statement, or the
compound statement (header and body) when the line is part of a header. It grows to the
enclosing compound statement, up to the top-level statement, when a smaller one cannot be
shown to be safe:

- the statement begins with a string (alone it would be a module docstring);
- its lines cannot be dedented and indented again unchanged (a line with less indentation,
  a tab, a backslash continuation, a line of spaces only);
- a dedented compound statement has more than its header at its own indentation (`else:`,
  `except:`, comments): black's blank lines before those depend on the depth;
- it does not read as one whole statement (its brackets do not pair up), or black rejects it.

Blank lines before and after a unit are left as the layout pass set them. `# fmt:` comments
turn a file over to black whole (`format_units` returns None), as does a top-level statement
black rejects.
"""

from __future__ import annotations

import tokenize
from collections.abc import Callable
from typing import NamedTuple

from generator.render.layout import LINE_LENGTH

# (dedented statement text, line length) -> black's text for it; raises when black rejects it
Formatter = Callable[[str, int], str]

_CONTINUES_AFTER = ("(", "[", "{", ",", "\\")
_CLOSERS = (")", "]", "}")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _previous(lines: list[str], j: int) -> int:
    """The non-blank line before line j, or -1."""
    j -= 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j


def _continues(lines: list[str], j: int) -> bool:
    """Line j goes on with the statement of the line before it, in black's style: it begins
    with a closing bracket, or the line before it ends with an opening one or a comma."""
    if lines[j].lstrip(" ").startswith(_CLOSERS):
        return True
    p = _previous(lines, j)
    return p >= 0 and lines[p].rstrip().endswith(_CONTINUES_AFTER)


def _statement_start(lines: list[str], j: int) -> int:
    while j > 0 and _continues(lines, j):
        j = _previous(lines, j)
    return j


def _logical_end(lines: list[str], start: int) -> tuple[int, bool] | None:
    """(last line of the logical line that begins at `start`, whether it ends with a colon),
    or None when it does not read as one (a closing bracket without its opening one)."""
    rows = iter(lines[start:])

    def readline() -> str:
        row = next(rows, None)
        return "" if row is None else row + "\n"

    depth = 0
    last = ""
    try:
        for tok in tokenize.generate_tokens(readline):
            kind, text = tok.type, tok.string
            if kind == tokenize.OP and text in "([{":
                depth += 1
            elif kind == tokenize.OP and text in ")]}":
                depth -= 1
                if depth < 0:
                    return None
            elif kind == tokenize.NEWLINE:
                return start + tok.start[0] - 1, last == ":"
            elif kind == tokenize.ENDMARKER:
                return None
            if kind not in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
                last = text
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _block_end(lines: list[str], header_end: int, indent: int) -> int:
    """The last line of the block whose header ends on line `header_end`, with the clauses
    (`else:`, `except ...:`) that go on at the header's indentation."""
    end = header_end
    j = header_end + 1
    while j < len(lines):
        line = lines[j]
        if line.strip():
            k = _indent(line)
            if k <= indent and not (k == indent and _continues(lines, j)):
                if k == indent and line.lstrip(" ").startswith(_CLAUSES):
                    end = j  # the clause's header; its body follows, deeper
                else:
                    break
            else:
                end = j
        j += 1
    return end


_CLAUSES = ("else:", "elif ", "except:", "except ", "finally:", "case ")


class Unit(NamedTuple):
    start: int  # first line
    end: int  # last line
    header: bool  # only a compound statement's header, formatted with a body of its own


def _unit_at(lines: list[str], j: int, i: int) -> Unit | None:
    """The statement line j belongs to: only its header when that is where line i is, or
    None when it does not read as a statement."""
    start = _statement_start(lines, j)
    found = _logical_end(lines, start)
    if found is None:
        return None
    end, header = found
    if header and not start <= i <= end:
        end = _block_end(lines, end, _indent(lines[start]))
        header = False  # the whole compound statement
    return None if end < j else Unit(start, end, header)


def _outer(lines: list[str], start: int) -> int:
    """A line of the statement that encloses the one beginning on line `start`, or -1."""
    indent = _indent(lines[start])
    j = start - 1
    while j >= 0 and (not lines[j].strip() or _indent(lines[j]) >= indent):
        j -= 1
    return j


def _dedent_safe(lines: list[str], unit: Unit) -> bool:
    """Can the unit's lines lose their common indentation and get it back unchanged?"""
    indent = _indent(lines[unit.start])
    pad = " " * indent
    found = _logical_end(lines, unit.start)
    header_end = found[0] if found and found[1] else unit.end
    for j in range(unit.start, unit.end + 1):
        line = lines[j]
        if not line:
            continue
        if not line.startswith(pad) or not line.strip() or "\t" in line or line.endswith("\\"):
            return False
        if j > header_end and _indent(line) <= indent:
            return False  # a clause or a comment at the statement's own depth
    return True


def _unit(lines: list[str], i: int) -> Unit | None:
    """The smallest safe unit around line i, or None."""
    j = i
    while j >= 0:
        found = _unit_at(lines, j, i)
        if found is not None:
            first = lines[found.start].lstrip(" ")
            if (
                found.start <= i <= found.end
                and not first.startswith(("'", '"'))
                and (_indent(lines[found.start]) == 0 or _dedent_safe(lines, found))
            ):
                return found
            j = _outer(lines, found.start)
        else:
            j = _outer(lines, j)
    return None


def _top_level(lines: list[str], i: int) -> Unit | None:
    """The whole top-level statement around line i, or None."""
    j = i
    while j >= 0 and (not lines[j].strip() or _indent(lines[j]) > 0 or _continues(lines, j)):
        j -= 1
    if j < 0 or lines[j].startswith(("'", '"')):
        return None  # alone, a string statement would be the module's docstring
    found = _unit_at(lines, j, -1)
    if found is None or not found.start <= i <= found.end:
        return None
    return found


_STUB = "    pass"


def _format(lines: list[str], unit: Unit, black: Formatter) -> list[str]:
    """The unit's lines as black writes them. A header gets `pass` for a body: black lays
    out the header's logical line on its own, whatever the body."""
    indent = _indent(lines[unit.start])
    pad = " " * indent
    text = "\n".join(line[indent:] for line in lines[unit.start : unit.end + 1]) + "\n"
    if unit.header:
        text += _STUB + "\n"
    out = black(text, LINE_LENGTH - indent).rstrip("\n").split("\n")
    if unit.header:
        if out[-1] != _STUB:
            raise ValueError("black did not keep the body apart")
        out.pop()
    return [pad + line if line else line for line in out]


def format_units(lines: list[str], wanted: list[int], black: Formatter) -> int | None:
    """Format with `black`, in place, the statements around lines `wanted` (indexes, in
    order); how many statements it formatted, or None when only black on the whole file will
    do (`lines` is then as it was)."""
    units: list[Unit] = []
    for i in wanted:
        if units and units[-1].start <= i <= units[-1].end:
            continue  # already in the last statement
        unit = _unit(lines, i) or _top_level(lines, i)
        if unit is None:
            return None
        while units and units[-1].end >= unit.start:  # statements nest: keep the outer one
            if units.pop().start < unit.start:
                return None  # they overlap without nesting: something was misread
        units.append(unit)
    done: list[str] = []
    at = 0  # the first line not yet in done
    for unit in units:
        if unit.start < at:
            if unit.end < at:
                continue  # inside a top-level statement formatted whole below
            return None
        try:
            new = _format(lines, unit, black)
        except Exception:  # black raises many types: try the whole top-level statement
            top = _top_level(lines, unit.start)
            if top is None or top == unit or top.start < at:
                return None
            unit = top
            try:
                new = _format(lines, unit, black)
            except Exception:
                return None
        done.extend(lines[at : unit.start])
        done.extend(new)
        at = unit.end + 1
    done.extend(lines[at:])
    lines[:] = done
    return len(units)
