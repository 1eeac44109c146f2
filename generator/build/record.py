"""The record of the last build of one OUT folder, as the next build reads it.

It says what the output depended on (`fingerprint`), what was written (each file's size,
mtime and sha256), what the build reported (`summary`, replayed when nothing changed), and
what it knew of each page it read (size, mtime and key: a page found as recorded is not read
again). It is kept as JSON in the cache; reading checks every field, and anything malformed is
no record at all (the build then does the work)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from generator.diagnostics import Diagnostic, SourceRef

# (size, mtime_ns, sha256 or key)
FileState = tuple[int, int, str]


@dataclass(frozen=True)
class BuildSummary:
    """What a build reported besides its files."""

    pages: int
    operations: int
    schemas: int
    diagnostics: list[Diagnostic]
    skipped: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "operations": self.operations,
            "schemas": self.schemas,
            "diagnostics": [_diag_to_json(d) for d in self.diagnostics],
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, value: object) -> BuildSummary | None:
        if not isinstance(value, dict):
            return None
        try:
            diagnostics, skipped = value["diagnostics"], value["skipped"]
            if not isinstance(diagnostics, list) or not isinstance(skipped, list):
                return None
            return cls(
                int(str(value.get("pages", 0))),
                int(str(value["operations"])),
                int(str(value["schemas"])),
                [_diag_from_json(d) for d in diagnostics],
                [str(p) for p in skipped],
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class BuildRecord:
    fingerprint: str
    files: dict[str, FileState]  # by name in OUT: size, mtime_ns, sha256
    summary: BuildSummary | None
    pages: dict[str, FileState] = field(default_factory=dict)  # by page: size, mtime_ns, key
    pages_code: str = ""  # the generator the page keys were made by
    started_ns: int = 0  # when that build first looked at the pages

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "fingerprint": self.fingerprint,
                "files": {rel: list(state) for rel, state in self.files.items()},
                "extra": self.summary.to_json() if self.summary is not None else None,
                "pages": {page: list(state) for page, state in self.pages.items()},
                "pages_code": self.pages_code,
                "started_ns": self.started_ns,
            }
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> BuildRecord | None:
        try:
            value = json.loads(data)
        except ValueError:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("fingerprint"), str):
            return None
        files = _states(value.get("files"))
        if files is None:
            return None
        started = value.get("started_ns")
        return cls(
            value["fingerprint"],
            files,
            BuildSummary.from_json(value.get("extra")),
            _states(value.get("pages")) or {},
            str(value.get("pages_code", "")),
            started if isinstance(started, int) else 0,
        )

    def output_unchanged(self, out: Path) -> bool:
        """OUT still holds exactly the files of the record, by size and mtime."""
        root = str(out)
        for rel, (size, mtime, _) in self.files.items():
            try:
                st = os.stat(os.path.join(root, rel))  # str paths: this runs for every file
            except (OSError, ValueError):
                return False
            if (st.st_size, st.st_mtime_ns) != (size, mtime):
                return False
        return True


def written_states(
    out: Path, hashes: dict[str, str], kept: dict[str, tuple[int, int]]
) -> dict[str, FileState] | None:
    """What a record keeps of the files a build left in OUT: `hashes` the sha256 of each;
    `kept` the size and mtime of those found as the last record has them (not looked at
    again), the others as they are now. None when one of them is gone."""
    states: dict[str, FileState] = {}
    root = str(out)
    for rel, sha in hashes.items():
        known = kept.get(rel)
        if known is None:
            try:
                st = os.stat(os.path.join(root, rel))
            except OSError:
                return None
            known = (st.st_size, st.st_mtime_ns)
        states[rel] = (known[0], known[1], sha)
    return states


def _states(value: object) -> dict[str, FileState] | None:
    """`{name: [size, mtime_ns, text]}`, every entry checked; None when not that shape."""
    if not isinstance(value, dict):
        return None
    states: dict[str, FileState] = {}
    for name, state in value.items():
        if not isinstance(state, list) or len(state) != 3:
            return None
        size, mtime, text = state
        if not (isinstance(size, int) and isinstance(mtime, int) and isinstance(text, str)):
            return None
        states[str(name)] = (size, mtime, text)
    return states


def _diag_to_json(d: Diagnostic) -> list[object]:
    where = [d.source.path, d.source.line, d.source.col] if d.source else None
    related = [[r.path, r.line, r.col] for r in d.related]
    return [d.code, d.message, where, d.severity, related]


def _diag_from_json(item: object) -> Diagnostic:
    if not isinstance(item, list) or len(item) != 5:
        raise ValueError("not a stored diagnostic")
    code, message, where, severity, related = item
    if not isinstance(related, list):
        raise ValueError("not a stored diagnostic")
    return Diagnostic(
        str(code),
        str(message),
        _ref_from_json(where) if where else None,
        "error" if severity == "error" else "warning",
        tuple(_ref_from_json(r) for r in related),
    )


def _ref_from_json(item: object) -> SourceRef:
    if not isinstance(item, list) or len(item) != 3:
        raise ValueError("not a stored place")
    return SourceRef(str(item[0]), int(item[1]), int(item[2]))
