"""The emitted spec for specs/ equals the reviewed golden files, byte for byte.

Regenerate with SOGEN_UPDATE_GOLDEN=1 (then review the diff by eye before committing it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pagekit import REPO, UPDATE_GOLDEN, run_cli

GOLDEN = REPO / "tests" / "golden" / "specs"
# (OpenAPI version, file written by build, golden file name)
CASES = [
    ("3.0", "openapi.yaml", "openapi.yaml"),
    ("3.0", "openapi.json", "openapi.json"),
    ("3.1", "openapi.yaml", "openapi-3.1.yaml"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    outs = {}
    for version in ("3.0", "3.1"):
        out = tmp_path_factory.mktemp(f"specs{version}")
        result = run_cli("build", REPO / "specs", "-o", out, "--openapi", version, "--no-client")
        assert result.code == 0, result.err
        outs[version] = out
    return outs


@pytest.mark.parametrize(("version", "written", "golden"), CASES)
def test_spec_matches_golden(
    built: dict[str, Path], version: str, written: str, golden: str
) -> None:
    actual = (built[version] / written).read_bytes()
    expected_path = GOLDEN / golden
    if UPDATE_GOLDEN:
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_bytes(actual)
    assert expected_path.exists(), f"{expected_path} missing: run with SOGEN_UPDATE_GOLDEN=1"
    assert actual == expected_path.read_bytes(), (
        f"{written} for OpenAPI {version} differs from {expected_path}; if the change is intended, "
        "rerun with SOGEN_UPDATE_GOLDEN=1 and review the diff"
    )


def test_check_accepts_a_fresh_build(built: dict[str, Path]) -> None:
    result = run_cli("check", REPO / "specs", "-o", built["3.0"], "--no-client")
    assert result.code == 0, result.out + result.err


def test_check_reports_a_changed_file(tmp_path: Path) -> None:
    assert run_cli("build", REPO / "specs", "-o", tmp_path, "--no-client").code == 0
    (tmp_path / "openapi.yaml").write_text("changed\n", encoding="utf-8")
    result = run_cli("check", REPO / "specs", "-o", tmp_path, "--no-client")
    assert result.code == 1
    assert f"{tmp_path / 'openapi.yaml'}: changed" in result.out
