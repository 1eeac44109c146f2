"""The consumer-tool harness works end to end on a small hand-written document."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.support import consumers

pytestmark = pytest.mark.consumers

API_KEY = {"X-API-Key": "test-key"}


def _load(spec: Path) -> dict[str, Any]:
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _validator(spec: dict[str, Any], schema_name: str) -> OAS30Validator:
    # A root that carries the components, so the $refs inside them resolve.
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return OAS30Validator(root, format_checker=oas30_format_checker)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # Still in the table: acceptable only as an unreaped zombie of someone else.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _direct_client(base_url: str) -> httpx.Client:
    # trust_env=False: never send the 127.0.0.1 requests through an HTTP proxy.
    return httpx.Client(base_url=base_url, timeout=10, trust_env=False)


# --- redocly ---------------------------------------------------------------


def test_redocly_recommended_fixture_is_clean(node_tools: Path, petstore_spec: Path) -> None:
    result = consumers.redocly_lint(petstore_spec)
    assert (result.errors, result.warnings) == (0, 0), result.output


def test_redocly_reports_errors_on_broken_copy(
    node_tools: Path, petstore_spec: Path, tmp_path: Path
) -> None:
    spec = _load(petstore_spec)
    del spec["paths"]["/pets"]["get"]["responses"]  # responses are required
    spec["paths"]["/pets"]["post"]["security"] = [{"undefinedScheme": []}]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")

    result = consumers.redocly_lint(broken)
    assert result.errors > 0, result.output


# --- prism -----------------------------------------------------------------


def test_prism_mock_serves_and_validates(node_tools: Path, petstore_spec: Path) -> None:
    spec = _load(petstore_spec)
    with consumers.prism_mock(petstore_spec) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        pid = base_url.pid
        assert not _process_gone(pid)
        with _direct_client(base_url) as client:
            listed = client.get("/pets", params={"limit": 2}, headers=API_KEY)
            assert listed.status_code == 200, listed.text
            assert listed.headers["content-type"].startswith("application/json")
            assert "sl-violations" not in listed.headers
            _validator(spec, "PetList").validate(listed.json())

            one = client.get("/pets/7", headers=API_KEY)
            assert one.status_code == 200, one.text
            _validator(spec, "Pet").validate(one.json())

            created = client.post("/pets", json={"name": "Rex", "tag": None}, headers=API_KEY)
            assert created.status_code == 201, created.text
            _validator(spec, "Pet").validate(created.json())

            deleted = client.delete("/pets/7", headers=API_KEY)
            assert deleted.status_code == 204, deleted.text
            assert deleted.content == b""

            # Requests that violate the document must be rejected.
            no_limit = client.get("/pets", headers=API_KEY)
            assert 400 <= no_limit.status_code < 500, no_limit.text
            assert no_limit.status_code != 401
            # Prism answers with the document's own 400 and names the violation in a header.
            violations = json.loads(no_limit.headers["sl-violations"])
            assert any("limit" in v["message"] for v in violations), violations

            bad_body = client.post("/pets", json={"tag": "dog"}, headers=API_KEY)
            assert 400 <= bad_body.status_code < 500, bad_body.text
            assert "name" in bad_body.headers["sl-violations"]

            no_credentials = client.get("/pets", params={"limit": 2})
            assert no_credentials.status_code == 401, no_credentials.text

    assert _process_gone(pid), f"prism (pid {pid}) still running after the context exited"
    assert _group_gone(pid), f"prism's process group {pid} still has members"


def test_prism_mock_is_stopped_when_body_raises(node_tools: Path, petstore_spec: Path) -> None:
    pid = -1
    with pytest.raises(ZeroDivisionError), consumers.prism_mock(petstore_spec) as base_url:
        pid = base_url.pid
        _ = 1 / 0
    assert pid > 0
    assert _process_gone(pid), f"prism (pid {pid}) survived an exception in the with-block"
    assert _group_gone(pid)


def test_prism_failure_carries_output(node_tools: Path, tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist.yaml"
    with (
        pytest.raises(consumers.ConsumerToolError, match="prism") as info,
        consumers.prism_mock(missing, start_timeout=30),
    ):
        pass
    assert "--- output ---" in str(info.value)


# --- TypeScript consumers --------------------------------------------------


def test_openapi_typescript_output_compiles(
    node_tools: Path, petstore_spec: Path, tmp_path: Path
) -> None:
    result = consumers.typescript_types_check(petstore_spec, tmp_path)
    assert result.ok, result.output
    schema = (tmp_path / "schema.d.ts").read_text(encoding="utf-8")
    assert "listPets" in schema and "Pet" in schema


def test_openapi_typescript_check_catches_type_errors(node_tools: Path, tmp_path: Path) -> None:
    # Proves tsc really runs on the output: a .d.ts with an error must fail the check.
    bad = tmp_path / "schema.d.ts"
    bad.write_text("export declare const x: number;\nexport const y: string = 1;\n")
    result = consumers._tsc(consumers._write_tsconfig(tmp_path / "tsconfig.json", [bad.name]))
    assert not result.ok
    assert "error TS" in result.output


def test_openapi_generator_typescript_fetch_compiles(petstore_spec: Path, tmp_path: Path) -> None:
    spec_json = tmp_path / "spec.json"
    spec_json.write_text(json.dumps(_load(petstore_spec)), encoding="utf-8")
    result = consumers.openapi_generator_typescript_fetch(spec_json, tmp_path / "gen")
    assert result.ok, result.output
    assert (tmp_path / "gen" / "ts" / "apis" / "PetsApi.ts").is_file()


# --- harness behaviour -----------------------------------------------------


def test_missing_npm_is_a_clear_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no node, no npm
    monkeypatch.setenv("SOGEN_NODE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(RuntimeError, match=r"npm is required for .* install Node 20"):
        consumers.ensure_node_tools()


def test_tool_env_disables_telemetry_and_update_checks() -> None:
    env = consumers.tool_env()
    assert env["REDOCLY_TELEMETRY"] == "off"
    assert env["NO_UPDATE_NOTIFIER"] == "1"
    assert env["npm_config_update_notifier"] == "false"


def test_cache_folder_is_outside_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOGEN_NODE_CACHE", raising=False)
    repo = Path(__file__).resolve().parents[2]
    folder = consumers.node_cache_dir()
    assert repo not in folder.parents
    assert folder.name.startswith("node-tools-")


def test_half_finished_install_is_not_trusted(
    node_tools: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A copy of a good install without the marker (as if npm was interrupted) must not count.
    fake = tmp_path / "cache"
    fake.mkdir()
    (fake / "node_modules").symlink_to(node_tools / "node_modules")
    monkeypatch.setenv("SOGEN_NODE_CACHE", str(fake))
    assert not consumers._install_complete(fake)
    shutil.copy(node_tools / ".sogen-install-complete", fake / ".sogen-install-complete")
    assert consumers._install_complete(fake)


def test_prism_start_timeout_is_reported(node_tools: Path, petstore_spec: Path) -> None:
    with (
        pytest.raises(consumers.ConsumerToolError, match="did not answer"),
        consumers.prism_mock(petstore_spec, start_timeout=0.05),
    ):
        pass


def test_tool_runs_are_bounded(tmp_path: Path) -> None:
    marker = tmp_path / "late"
    # The grandchild would create the file after 3 s unless the whole group is killed.
    script = f"(sleep 3; touch {marker}) & sleep 30"
    with pytest.raises(consumers.ConsumerToolError, match="timed out after"):
        consumers._run(["sh", "-c", script], timeout=0.5)
    time.sleep(3.5)
    assert not marker.exists()
