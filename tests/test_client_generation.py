"""The generated client, end to end: build, pip install, run its tests, type-check and lint it.

Runs for specs/ and for the shared corpus (skipped when ../shared/corpus is absent).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from tests.support import consumers
from tests.support.wholeapi import WHOLE_API, whole_api_pages

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "pages"
PY = sys.executable


def _inputs(name: str, factory: pytest.TempPathFactory) -> Path:
    if name == "specs":
        return ROOT / "specs"
    if name in WHOLE_API:
        return whole_api_pages(name, factory)
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


@pytest.fixture(scope="module", params=["specs", "corpus", *WHOLE_API])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build once per input and pip-install the client into a private folder."""
    source = _inputs(str(request.param), tmp_path_factory)
    out = tmp_path_factory.mktemp(f"client-{request.param}")
    assert main(["build", str(source), "-o", str(out), "-q"]) == 0
    site = out / "site"
    subprocess.run(
        [PY, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target",
         str(site), str(out / "python")],
        check=True,
    )  # fmt: skip
    return out


def _env(site: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(site)
    env.pop("SOGEN_TEST_BASE_URL", None)
    return env


def _operation_count(out: Path) -> int:
    return len(re.findall(r'"operationId":', (out / "openapi.json").read_text()))


def test_generated_tests_pass_with_one_test_per_operation(built: Path) -> None:
    result = subprocess.run(
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(built / "python" / "tests")],
        capture_output=True,
        text=True,
        env=_env(built / "site"),
        cwd=built,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    passed = int(re.search(r"(\d+) passed", result.stdout).group(1))  # type: ignore[union-attr]
    operations = _operation_count(built)
    tests = sum(
        len(re.findall(r"^def test_", p.read_text(), re.M))
        for p in (built / "python" / "tests").glob("test_*.py")
        if p.name != "test__client.py"
    )
    assert tests == operations  # exactly one generated test per operation
    assert passed >= operations + 5  # plus auth, errors, retries, async, lazy import


def test_generated_package_is_clean_under_mypy_strict(built: Path) -> None:
    result = subprocess.run(
        [PY, "-m", "mypy", "--strict", "--no-incremental", "superoffice_webapi", "tests"],
        capture_output=True,
        text=True,
        cwd=built / "python",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Success: no issues found" in result.stdout


def test_generated_package_is_clean_under_pyright_standard(built: Path) -> None:
    """The other checker users run (VS Code's Pylance is pyright): 0 errors, standard mode."""
    config = built / "pyrightconfig.json"
    config.write_text(
        json.dumps(
            {
                # relative to this file: pyright ignores an absolute path here and then
                # checks the whole folder, the installed dependencies included
                "include": ["python/superoffice_webapi"],
                "typeCheckingMode": "standard",
                "pythonVersion": "3.11",
                "extraPaths": [str(built / "site")],
            }
        )
    )
    ran = subprocess.run(
        [str(consumers.node_bin("pyright")), "-p", str(config), "--outputjson",
         "--pythonpath", PY, "--threads"],  # the whole API's 2,500 modules: every core
        capture_output=True, text=True, cwd=built, timeout=1800,
    )  # fmt: skip
    report = json.loads(ran.stdout)
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert not errors, json.dumps(errors[:20], indent=2)
    assert report["summary"]["filesAnalyzed"] >= 10


def test_generated_package_is_clean_under_ruff_and_black(built: Path) -> None:
    ruff = subprocess.run(
        [PY, "-m", "ruff", "check", "--no-cache", "."], capture_output=True, text=True,
        cwd=built / "python",
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout[-3000:]
    black = subprocess.run(
        [PY, "-m", "black", "--check", "-q", "."], capture_output=True, text=True,
        cwd=built / "python",
    )  # fmt: skip
    assert black.returncode == 0, black.stderr[-3000:]


PER_CALL = {"self", "select", "language", "culture", "time_zone", "max_retries", "timeout"} | {
    "idempotent",
    "deadline",
    "max_response_bytes",
}


def test_readme_reference_shows_every_argument_of_every_method(built: Path) -> None:
    """Each method's line in the package README names all its own keyword arguments."""
    import ast

    readme = (built / "python" / "README.md").read_text(encoding="utf-8")
    sections = dict(
        re.findall(r"^### `client\.(\w+)` .*?\n\n(.*?)(?=^### |\Z)", readme, re.M | re.S)
    )
    package = built / "python" / "superoffice_webapi" / "agents"
    checked = 0
    for module in sorted(package.glob("*.py")):
        if module.name == "__init__.py":
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        sync = [
            c for c in tree.body if isinstance(c, ast.ClassDef) and not c.name.startswith("Async")
        ]
        lines = {
            m.group(1): m.group(0)
            for m in re.finditer(r"^- `(\w+)\((.*)$", sections[module.stem], re.M)
        }
        for cls in sync:
            for method in cls.body:
                if not isinstance(method, ast.FunctionDef) or method.name.startswith("_"):
                    continue
                line = lines[method.name]
                assert "(, " not in line and ", ..." not in line, line
                for arg in method.args.kwonlyargs:
                    if arg.arg not in PER_CALL:
                        assert f"{arg.arg}: " in line, (method.name, arg.arg, line)
                checked += 1
    assert checked == _operation_count(built)


def test_what_installing_leaves_in_the_package_folder_is_ignored(built: Path) -> None:
    """The fixture pip-installed OUT/python: its leftovers are in the package's .gitignore."""
    import fnmatch

    ignored = (built / "python" / ".gitignore").read_text().split()
    manifest = json.loads((built / ".sogen-manifest.json").read_text())["files"]
    ours = {Path(f).parts[1] for f in manifest if f.startswith("python/")}
    leftovers = [p for p in (built / "python").iterdir() if p.name not in ours]
    assert leftovers, "installing leaves build/ and *.egg-info behind (else this checks nothing)"
    for path in leftovers:
        name = path.name + ("/" if path.is_dir() else "")
        assert any(fnmatch.fnmatch(name, pattern) for pattern in ignored), name


def test_importing_the_package_loads_no_agent_or_model_module(built: Path) -> None:
    code = """
import sys, superoffice_webapi
mods = [m for m in sys.modules if m.startswith(("superoffice_webapi.agents.",
                                                  "superoffice_webapi.models."))]
assert mods == [], mods
client = superoffice_webapi.SuperOfficeClient("https://sogen.invalid")
first = sorted(k for k in dir(type(client)) if not k.startswith("_")
               and k not in ("base_url", "close"))[0]
getattr(client, first)
agents = [m for m in sys.modules if m.startswith("superoffice_webapi.agents.")]
assert len(agents) == 1, agents
print("ok", first, agents[0])
"""
    result = subprocess.run(
        [PY, "-c", code], capture_output=True, text=True, env=_env(built / "site"), cwd=built
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")


def test_select_given_as_a_list_is_one_comma_joined_parameter(built: Path) -> None:
    """`select=["name", "contactId"]` sends `$select=name,contactId` once, as the API expects
    (not the parameter twice), from the sync and the async client."""
    code = """
import asyncio, httpx
from superoffice_webapi import AsyncSuperOfficeClient, SuperOfficeClient
sent = []
def handler(request):
    sent.append(request.url.query.decode())
    return httpx.Response(204)
name = sorted(k for k in dir(SuperOfficeClient) if not k.startswith("_")
              and k not in ("base_url", "close", "with_options"))[0]
sync = SuperOfficeClient("https://sogen.invalid", transport=httpx.MockTransport(handler))
group = getattr(sync, name)
method = sorted(m for m in dir(group) if not m.startswith("_"))[0]
try:
    getattr(group, method)(select=["name", "contactId"])
except Exception:
    pass
async def main():
    client = AsyncSuperOfficeClient("https://sogen.invalid",
                                    transport=httpx.MockTransport(handler))
    try:
        await getattr(getattr(client, name), method)(select=["name", "contactId"])
    except Exception:
        pass
asyncio.run(main())
print(sent)
"""
    result = subprocess.run(
        [PY, "-c", code], capture_output=True, text=True, env=_env(built / "site"), cwd=built
    )
    assert result.returncode == 0, result.stderr
    queries = eval(result.stdout)  # a list of str, printed above
    assert len(queries) == 2, queries
    for query in queries:
        assert "$select=name%2CcontactId" in query and query.count("$select") == 1, query


def test_credentials_never_reach_repr_or_errors(built: Path) -> None:
    code = """
import httpx
from superoffice_webapi import SuperOfficeClient, BasicAuth, APIStatusError
def handler(request):
    return httpx.Response(500, json={"ErrorMessage": "boom"})
auth = BasicAuth("user", "hunter2secret")
client = SuperOfficeClient("https://sogen.invalid", auth=auth, max_retries=0,
                           transport=httpx.MockTransport(handler), app_token="apptoken123")
texts = [repr(auth), repr(client), str(auth)]
try:
    client._transport.request("GET", "/api/v1/Anything")
except APIStatusError as exc:
    texts += [str(exc), repr(exc)]
assert len(texts) == 5
assert not any("hunter2secret" in t or "apptoken123" in t for t in texts), texts
print("ok")
"""
    result = subprocess.run(
        [PY, "-c", code], capture_output=True, text=True, env=_env(built / "site"), cwd=built
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_build_is_byte_identical_across_runs(tmp_path: Path) -> None:
    outs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        assert main(["build", str(ROOT / "specs"), "-o", str(out), "-q"]) == 0
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*") if p.is_file())
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel


BINARY_PAGE = """---
title: GET Blob/{id}/Content
uid: v1BlobEntity_GetContent
---

# GET Blob/{id}/Content

```http
GET /api/v1/Blob/{blobId}/Content
```

Download the content of a blob.

| Path Part | Type | Description |
|-----------|------|-------------|
| blobId | int32 | The blob. **Required** |

## Request Headers

| Parameter Name | Description |
|----------------|-------------|
| Accept         | Content-type(s) you would like the response in: `image/png` |

## Response:binary

OK

| Response | Description |
|----------------|-------------|
| 200 | OK |

### Response body: binary
"""


def test_binary_download_asks_for_its_media_type_and_returns_bytes(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "blob.md").write_text(BINARY_PAGE)
    out = tmp_path / "out"
    assert main(["build", str(tmp_path / "pages"), "-o", str(out), "-q"]) == 0
    code = """
import httpx
from superoffice_webapi import SuperOfficeClient
seen = []
def handler(request):
    seen.append(request)
    return httpx.Response(200, content=b"\\x89PNG", headers={"Content-Type": "image/png"})
client = SuperOfficeClient("https://sogen.invalid", transport=httpx.MockTransport(handler))
data = client.blob_entity.get_content(blob_id=7)
assert data == b"\\x89PNG", data
assert seen[0].url.path == "/api/v1/Blob/7/Content", seen[0].url
assert seen[0].headers["Accept"] == "application/octet-stream", seen[0].headers["Accept"]
print("ok")
"""
    env = dict(os.environ, PYTHONPATH=str(out / "python"))
    result = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
