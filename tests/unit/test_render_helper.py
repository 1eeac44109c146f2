"""The render helper process (generator/build/render_helper.py): files it makes are byte for byte
those the build makes itself, and a helper that fails costs nothing but time."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from pagekit import REPO

from generator.build import render_helper as helper
from generator.build.cache import BuildCache, PackMemo
from generator.diagnostics import Diagnostics
from generator.pipeline import Options, model
from generator.render import client


def _render(tmp: Path, helper_ok: bool) -> tuple[dict[str, bytes], list[str]]:
    outcome = model(Options(inputs=[REPO / "specs"], use_cache=False))
    assert outcome.api is not None
    files: dict[str, bytes] = {}
    diags = Diagnostics()
    memo = PackMemo(BuildCache(tmp / f"cache-{helper_ok}"), "rendered")
    client.render_client(
        outcome.api,
        diags,
        files.__setitem__,
        memo=memo,
        helper_ok=(lambda: True) if helper_ok else None,
    )
    return files, [str(d) for d in diags]


@pytest.fixture
def slow_parent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every job may go to a helper, and this process makes its files slowly, so the helper
    (a fresh interpreter, not slowed) takes most of them. Counts the jobs the helper made."""
    monkeypatch.setattr(helper, "HELPER_MIN_JOBS", 1)
    real_render = client.FileRenderer.render

    def slow(self: client.FileRenderer, *args: object, **kwargs: object) -> None:
        if args and str(args[0]).endswith(("model.py.jinja", "group.py.jinja")):
            time.sleep(0.4)
        real_render(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(client.FileRenderer, "render", slow)
    made: list[int] = []
    real_ready = helper.RenderHelper.ready

    def counted(
        self: helper.RenderHelper,
    ) -> list[tuple[int, list[bytes | None], list[object], object]]:
        done = real_ready(self)
        made.extend(k for k, _, _, _ in done)
        return done  # type: ignore[return-value]

    monkeypatch.setattr(helper.RenderHelper, "ready", counted)
    return made


def test_files_made_by_the_helper_equal_the_builds_own(
    tmp_path: Path, slow_parent: list[int]
) -> None:
    alone, alone_diags = _render(tmp_path, helper_ok=False)
    assert slow_parent == []
    helped, helped_diags = _render(tmp_path, helper_ok=True)
    assert slow_parent, "the helper made none of the files"
    assert helped == alone
    assert helped_diags == alone_diags


def test_a_helper_that_fails_changes_nothing(
    tmp_path: Path, slow_parent: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(module: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.buffer.read(); sys.exit(3)"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    monkeypatch.setattr("generator.build.workers.start_module", broken)
    alone, _ = _render(tmp_path, helper_ok=False)
    helped, _ = _render(tmp_path, helper_ok=True)
    assert slow_parent == []
    assert helped == alone


def test_render_reports_its_progress_to_the_end(tmp_path: Path) -> None:
    """The progress bar moves during the render too, not only while pages are parsed."""
    from generator.pipeline import build

    seen: list[tuple[str, int, int]] = []
    options = Options(
        inputs=[REPO / "specs"],
        out=tmp_path / "out",
        use_cache=False,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert not build(options).failed()
    render = [(done, total) for stage, done, total in seen if stage == "render"]
    assert render and render[-1][0] == render[-1][1] > 1
    assert [done for done, _ in render] == sorted(done for done, _ in render)
