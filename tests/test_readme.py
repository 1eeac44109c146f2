"""The README's reference tables say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from generator.diagnostics import CODES
from generator.model.types import TYPE_MAP

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_diagnostic_code_is_documented_with_its_severity() -> None:
    rows = dict(re.findall(r"^\| (SOG\d{3}) \| (error|warning) \|", README, re.M))
    assert set(rows) == set(CODES)
    for code, (severity, _) in CODES.items():
        assert rows[code] == severity, code


def test_every_type_cell_of_the_type_map_is_documented() -> None:
    table = README.split("## Type mapping", 1)[1].split("\n## ", 1)[0]
    documented = {cell.lower() for cell in re.findall(r"`([^`]+)`", table)}
    missing = [name for name in TYPE_MAP if name not in documented]
    assert missing == []


def test_quickstart_has_exactly_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quickstart, re.S)
    assert len(blocks) == 2
    assert all(len(b.strip().splitlines()) == 1 for b in blocks)
    assert "sogen build specs" in blocks[0] and "pytest" in blocks[1]
