"""Templates equal but for parameter names, through the whole build: the spec has one path item,
the client sends each page's documented path, and a prose edit of a merged page is patched to
exactly what a whole build makes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pagekit import rest_page

from generator import pipeline

PAGES = {
    "User/v1User_GetUser.md": rest_page(
        "v1User_GetUser", "GET", "User/{id}", {"id": "int32"}, sample='"by id"'
    ),
    "User/v1User_GetUserFromName.md": rest_page(
        "v1User_GetUserFromName", "GET", "User/{userName}", {"userName": "string"},
        sample='"by name"',
    ),
    "User/v1User_DeleteUserFromName.md": rest_page(
        "v1User_DeleteUserFromName", "DELETE", "User/{userName}", {"userName": "string"}
    ),
    "Batch/v1Batch_UpdateBatchTask.md": rest_page(
        "v1Batch_UpdateBatchTask", "PUT", "BatchTask/{Id}", {"Id": "int32"}
    ),
    "Batch/v1Batch_GetBatchTaskInfosByState.md": rest_page(
        "v1Batch_GetBatchTaskInfosByState", "GET", "BatchTask/{state}", {"state": "string"}
    ),
}  # fmt: skip
DOCUMENTED = {
    "/api/v1/User/{id}",
    "/api/v1/User/{userName}",
    "/api/v1/BatchTask/{Id}",
    "/api/v1/BatchTask/{state}",
}


def _build(pages: Path, out: Path, cache: Path) -> pipeline.Outcome:
    outcome = pipeline.build(pipeline.Options(inputs=[pages], out=out, cache_dir=cache))
    assert not outcome.failed(), [str(d) for d in outcome.diags]
    return outcome


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    root = tmp_path / "pages"
    for rel, text in PAGES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_the_client_sends_the_documented_paths(pages: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = _build(pages, out, tmp_path / "cache")
    # GET User/{id} (merged into GET User/{userName}, the template two pages use) and
    # GET BatchTask/{state} (named {Id} in the spec)
    assert [d.code for d in outcome.diags if d.code == "SOG404"] == ["SOG404"] * 2
    spec = json.loads((out / "openapi.json").read_text(encoding="utf-8"))
    assert sorted(spec["paths"]) == ["/api/v1/BatchTask/{Id}", "/api/v1/User/{userName}"]
    merged = spec["paths"]["/api/v1/User/{userName}"]["get"]["x-sogen-merged"]
    assert merged == [{"operationId": "v1User_GetUser", "path": "/api/v1/User/{id}"}]
    client = out / "python"
    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted(client.rglob("*.py")))
    sent = set(re.findall(r'"(/api/v1/[^"]*)"', code))
    assert sent >= DOCUMENTED
    assert not [p for p in sent if p.endswith("/") or "//" in p]
    # each method sends its own path: the generated tests check method and path on the wire
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SOGEN_TEST"))}
    env["PYTHONPATH"] = str(client)
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=client, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (client / "tests").glob("test_*.py"))
    assert len(re.findall(r"^def test_", tests, re.M)) >= 5
    for expected in ("/api/v1/User/1", "/api/v1/User/sample-user-name", "/api/v1/BatchTask/1"):
        assert f'"{expected}"' in tests  # what the mock transport requires on the wire
    assert not re.search(r'"/api/v1/[^"]*/"', tests)


@pytest.mark.parametrize(
    "page",
    [
        "User/v1User_GetUserFromName.md",
        "User/v1User_GetUser.md",
        "Batch/v1Batch_GetBatchTaskInfosByState.md",
    ],
)
def test_prose_edit_of_a_merged_page_equals_a_whole_build(
    pages: Path, tmp_path: Path, page: str
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(pages, out, cache)
    target = pages / page
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace(" operation.", " operation, edited.", 1), encoding="utf-8")
    again = _build(pages, out, cache)
    assert again.patched == 1, again.notes
    whole_out = tmp_path / "whole"
    whole = _build(pages, whole_out, tmp_path / "whole-cache")
    assert whole.patched == 0
    assert [str(d) for d in again.diags] == [str(d) for d in whole.diags]
    mine, theirs = _tree(out), _tree(whole_out)
    assert sorted(mine) == sorted(theirs)
    assert [name for name in mine if mine[name] != theirs[name]] == []
    assert b"edited." in mine["openapi.yaml"]
