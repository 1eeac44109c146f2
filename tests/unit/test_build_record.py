"""The build record (generator/build/record.py): a typed record that survives its JSON, and a
malformed one is no record at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.build.record import BuildRecord, BuildSummary, written_states
from generator.diagnostics import Diagnostic, SourceRef


def _record() -> BuildRecord:
    warning = Diagnostic("SOG105", "title says GET", SourceRef("p.md", 1, 1), "warning",
                         (SourceRef("q.md", 2, 3),))  # fmt: skip
    summary = BuildSummary(2, 2, 3, [warning], ["notes.md"])
    return BuildRecord(
        "f" * 64, {"openapi.yaml": (10, 20, "a" * 64)}, summary, {"p.md": (1, 2, "k")}, "c", 5
    )


def test_a_record_survives_its_json() -> None:
    record = _record()
    assert BuildRecord.from_json(record.to_json()) == record


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("fingerprint"),
        lambda d: d.update(files={"openapi.yaml": [10, "20", "a"]}),
        lambda d: d.update(files=[]),
    ],
)
def test_a_malformed_record_is_none(breakage: object) -> None:
    data = json.loads(_record().to_json())
    breakage(data)  # type: ignore[operator]
    assert BuildRecord.from_json(json.dumps(data).encode()) is None


def test_a_malformed_summary_or_page_list_is_dropped_alone() -> None:
    data = json.loads(_record().to_json())
    data["extra"]["diagnostics"] = [["SOG105"]]
    data["pages"] = {"p.md": "?"}
    record = BuildRecord.from_json(json.dumps(data).encode())
    assert record is not None and record.summary is None and record.pages == {}
    assert record.files == _record().files


def test_written_states_take_kept_files_from_the_last_record(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"abc")
    states = written_states(tmp_path, {"a": "s1", "b": "s2"}, {"b": (7, 8)})
    assert states is not None
    assert states["a"][0] == 3 and states["a"][2] == "s1" and states["b"] == (7, 8, "s2")
    assert written_states(tmp_path, {"gone": "s"}, {}) is None


def test_output_unchanged_by_size_and_mtime(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"abc")
    states = written_states(tmp_path, {"a": "s"}, {})
    assert states is not None
    record = BuildRecord("f", states, None)
    assert record.output_unchanged(tmp_path)
    (tmp_path / "a").write_bytes(b"abcd")
    assert not record.output_unchanged(tmp_path)
