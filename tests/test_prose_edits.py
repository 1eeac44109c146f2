"""A rebuild after prose-only edits patches the last build (generator/build/prose_patch.py).
Whatever path a build takes, its output and its report must be exactly those of a whole build
from an empty cache: every test here compares the two."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from pagekit import REPO, need_corpus

from generator import pipeline


def _build(pages: Path, out: Path, cache: Path) -> pipeline.Outcome:
    return pipeline.build(pipeline.Options(inputs=[pages], out=out, cache_dir=cache))


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _report(outcome: pipeline.Outcome) -> list[str]:
    return [str(d) for d in outcome.diags]


def _assert_same_as_whole_build(
    pages: Path, out: Path, outcome: pipeline.Outcome, tmp: Path
) -> None:
    whole_out = tmp / f"whole-{len(list(tmp.iterdir()))}"
    whole = _build(pages, whole_out, whole_out.with_suffix(".cache"))
    assert whole.patched == 0
    assert _report(outcome) == _report(whole)
    assert (outcome.operations, outcome.schemas) == (whole.operations, whole.schemas)
    mine, theirs = _tree(out), _tree(whole_out)
    assert sorted(mine) == sorted(theirs)
    differing = [name for name in mine if mine[name] != theirs[name]]
    assert differing == []


def _edit(page: Path, old: str, new: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {page}"
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    dst = tmp_path / "specs"
    shutil.copytree(REPO / "specs", dst)
    return dst


CHAT = "v1ChatAgent_AddChatMessage.md"
PROSE_EDITS = [
    # the operation's description (and so its summary)
    ("Add a new message to a chat session", "Add a new message to a chat session, now"),
    # a query parameter's description ($select's: a shared parameter, so no file changes)
    ("Default = show all fields.", "Default: every field."),
    # a response's description
    ("| 200 | OK |", "| 200 | OK, the message |"),
]


@pytest.mark.parametrize("old, new", PROSE_EDITS)
def test_prose_edit_is_patched_and_equals_a_whole_build(
    specs: Path, tmp_path: Path, old: str, new: str
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _build(specs, out, cache)
    assert not first.failed() and first.patched == 0
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.py")}
    _edit(specs / CHAT, old, new)
    again = _build(specs, out, cache)
    assert again.patched == 1, "the prose edit should have taken the shortcut"
    assert again.notes == ["patched the last build for prose edits in 1 page(s)"]
    assert again.report is not None
    if old == PROSE_EDITS[0][0]:  # the summary is in the README and the chat module
        assert {"python/README.md", "python/superoffice_webapi/agents/chat.py"} <= set(
            again.report.written
        )
    _assert_same_as_whole_build(specs, out, again, tmp_path)
    # files of the other group were kept, not written again
    other = next(p for p in mtimes if p.name == "diagnostics.py")
    assert other.stat().st_mtime_ns == mtimes[other]


def test_successive_prose_edits_keep_patching(specs: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(specs, out, cache)
    page = specs / CHAT
    for n in range(3):
        text = page.read_text(encoding="utf-8")
        text = re.sub(r"^Add a [^\n]*$", f"Add a message ({n})", text, count=1, flags=re.M)
        page.write_text(text, encoding="utf-8")
        outcome = _build(specs, out, cache)
        assert outcome.patched == 1, f"edit {n} was not patched"
    _assert_same_as_whole_build(specs, out, outcome, tmp_path)
    # the cache knows the last edit's page: a whole build after it parses nothing again
    (specs / CHAT).touch()
    assert _build(specs, out, cache).up_to_date


@pytest.mark.parametrize(
    "old, new",
    [
        ("| ChatSessionId | Integer |", "| ChatSessionId | string |"),  # a type
        ("| ReadByCustomer | int32 | Whether", "| ReadByCustomer | int32 | Perhaps whether"),
        (
            "POST /api/v1/Agents/Chat/AddChatMessage\n```",
            "POST /api/v1/Agents/Chat/AddMessage\n```",
        ),
    ],
)
def test_more_than_prose_is_a_whole_build(specs: Path, tmp_path: Path, old: str, new: str) -> None:
    """A type, a schema's property description (shared by every page that describes the
    schema) or a path is more than prose: the build does all the work."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(specs, out, cache)
    _edit(specs / CHAT, old, new)
    again = _build(specs, out, cache)
    assert again.patched == 0
    assert again.notes == [
        f"whole build, not a patch of the last one: {specs / CHAT}: more than prose changed"
    ]
    _assert_same_as_whole_build(specs, out, again, tmp_path)


def test_out_changed_behind_the_builds_back_is_made_again(specs: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(specs, out, cache)
    # a file of a group the edit does not touch, and a model's: both are made again
    for name in ("agents/diagnostics.py", "models/chat_message.py"):
        (out / "python/superoffice_webapi" / name).write_text("# by hand\n", encoding="utf-8")
    _edit(specs / CHAT, *PROSE_EDITS[0])
    again = _build(specs, out, cache)
    assert again.patched == 1
    _assert_same_as_whole_build(specs, out, again, tmp_path)


def test_damaged_saved_state_means_a_whole_build(specs: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(specs, out, cache)
    for pack in (cache / "packs").rglob("*"):
        if pack.is_file():
            pack.write_bytes(pack.read_bytes()[:-7])  # every pack cut short
    _edit(specs / CHAT, *PROSE_EDITS[0])
    again = _build(specs, out, cache)
    assert again.patched == 0
    _assert_same_as_whole_build(specs, out, again, tmp_path)


def test_prose_edits_across_the_corpus_equal_whole_builds(tmp_path: Path) -> None:
    """Edit the operation description of a few random corpus pages at once, several rounds:
    each patched build equals a whole build."""
    corpus = need_corpus() / "pages"
    pages = tmp_path / "pages"
    shutil.copytree(corpus, pages)
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _build(pages, out, cache)
    assert first.patched == 0
    rng = random.Random(5)
    files = sorted(pages.rglob("*.md"))
    patched = 0
    for round_ in range(4):
        for page in rng.sample(files, 3):
            text = page.read_text(encoding="utf-8")
            # the line after the `http` block: the operation's description, where there is one
            m = re.search(r"```http\n[^\n]*\n```\n\n([^\n#|`<][^\n]*)\n", text)
            if m is None:
                continue
            line = m.group(1)
            page.write_text(
                text.replace(line + "\n", f"{line} (edit {round_})\n", 1), encoding="utf-8"
            )
        outcome = _build(pages, out, cache)
        patched += outcome.patched
        _assert_same_as_whole_build(pages, out, outcome, tmp_path)
    assert patched > 0
