"""Settings from `sogen.toml` or `[tool.sogen]` in pyproject.toml; command-line flags win.

    [tool.sogen]                # or, in sogen.toml, the same keys at top level
    inputs = ["specs"]
    out = "generated"
    package = "superoffice_webapi"
    version = "0.1.0"
    openapi = "3.0"
    templates = "my-templates"  # files here override templates/python/ one by one
    silence = ["SOG304"]        # warnings not to print, count or fail --strict on
    cache_max_mb = 1024         # the build cache is kept under this size
    overwrite_unowned = false   # build may replace files it did not write (else SOG505)
    # operations the client may (or may not) repeat after a dropped connection, as
    # "Group.Method" (ChatAgent.AddChatMessage) or operation id; see README "Retries"
    idempotent = ["ContactAgent.SaveContact"]
    not_idempotent = ["ChatAgent.GetChatMessages"]

    [tool.sogen.contact]        # the spec's info.contact (any of name, url, email)
    name = "SuperOffice developer documentation"
    url = "https://docs.superoffice.com"

    [tool.sogen.license]        # the spec's info.license (name, and url or identifier)
    name = "Proprietary"
    url = "https://example.com/terms"

Relative paths are relative to the file that sets them. A sogen.toml may also hold the keys
under a [tool.sogen] table, as pyproject.toml does.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from generator.diagnostics import CODES, Diagnostics, SourceRef

KEYS = frozenset(
    {"inputs", "out", "package", "version", "openapi", "templates", "contact", "license"}
    | {"silence", "cache_max_mb", "overwrite_unowned", "idempotent", "not_idempotent"}
)
# The fields of the spec's info objects that configuration may give (OpenAPI 3.0 and 3.1)
INFO_FIELDS = {"contact": ("name", "url", "email"), "license": ("name", "url", "identifier")}
_URL = re.compile(r"^https?://[^\s]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
PACKAGE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,60}$")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,4}([a-z0-9.+-]{0,20})$")


@dataclass
class Config:
    source: Path | None = None
    inputs: list[Path] = field(default_factory=list)
    out: Path | None = None
    package: str | None = None
    version: str | None = None
    openapi: str | None = None
    templates: Path | None = None
    # info.contact and info.license: (field, value) pairs in INFO_FIELDS order
    contact: tuple[tuple[str, str], ...] = ()
    license: tuple[tuple[str, str], ...] = ()
    silence: frozenset[str] = frozenset()  # warning codes
    cache_max_mb: int | None = None
    # build replaces files sogen did not write where it now writes one (else SOG505)
    overwrite_unowned: bool = False
    # (operation, idempotent?, where the configuration says so)
    retry_overrides: tuple[tuple[str, bool, SourceRef], ...] = ()


def find_config(start: Path) -> Path | None:
    """sogen.toml in `start`, else a pyproject.toml there with a [tool.sogen] table."""
    candidate = start / "sogen.toml"
    if candidate.is_file():
        return candidate
    pyproject = start / "pyproject.toml"
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            # a broken file that means to configure sogen is reported, not passed over
            return pyproject if "tool.sogen" in text else None
        if isinstance(data.get("tool"), dict) and "sogen" in data["tool"]:
            return pyproject
    return None


def load_config(path: Path | None, diags: Diagnostics) -> Config:
    if path is None:
        return Config()
    where = SourceRef(str(path), 1, 1)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        diags.add("SOG903", f"cannot read configuration: {exc}", where)
        return Config()
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        ref = where.at(int(m.group(1)), int(m.group(2))) if m else where
        diags.add("SOG903", f"configuration is not valid TOML: {exc}", ref)
        return Config()
    nested = path.name == "pyproject.toml" or set(data) == {"tool"}
    table = data.get("tool", {}).get("sogen", {}) if nested else data
    if not isinstance(table, dict):
        diags.add("SOG903", "[tool.sogen] must be a table", where)
        return Config()
    base = path.parent
    config = Config(source=path)
    for key, value in table.items():
        at = _line_of_key(text, key, where)
        if key not in KEYS:
            close = difflib.get_close_matches(key, sorted(KEYS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            diags.add("SOG903", f"unknown configuration key {key!r}{hint}", at)
            continue
        if key in ("idempotent", "not_idempotent"):
            problem = _set_retry_overrides(config, key, value, at)
        else:
            problem = _set(config, key, value, base)
        if problem:
            diags.add("SOG903", f"configuration key {key!r}: {problem}", at)
    return config


def _line_of_key(text: str, key: str, where: SourceRef) -> SourceRef:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*({re.escape(key)}\s*=|\[(tool\.sogen\.)?{re.escape(key)}\])", line):
            return where.at(number, line.index(key) + 1)
    return where


def _set(config: Config, key: str, value: object, base: Path) -> str | None:
    if key == "inputs":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            return "must be a path or a list of paths"
        config.inputs = [base / str(v) for v in items]
        return None
    if key in INFO_FIELDS:
        return _set_info(config, key, value)
    if key == "cache_max_mb":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10**7:
            return "must be a whole number of megabytes (at least 1)"
        config.cache_max_mb = value
        return None
    if key == "silence":
        codes = [value] if isinstance(value, str) else value
        if not isinstance(codes, list) or not all(isinstance(v, str) for v in codes):
            return "must be a code or a list of codes"
        problem = silence_problem(codes)
        if problem:
            return problem
        config.silence = frozenset(codes)
        return None
    if key == "overwrite_unowned":
        if not isinstance(value, bool):
            return "must be true or false"
        config.overwrite_unowned = value
        return None
    if not isinstance(value, str):
        return "must be a string"
    if key == "out":
        config.out = base / value
    elif key == "templates":
        config.templates = base / value
    elif key == "package":
        if not PACKAGE_NAME.match(value):
            return "must be a lower-case Python package name"
        config.package = value
    elif key == "version":
        if not VERSION.match(value):
            return "must be a version such as 1.2.0"
        config.version = value
    elif key == "openapi":
        if value not in ("3.0", "3.1"):
            return 'must be "3.0" or "3.1"'
        config.openapi = value
    return None


def _set_retry_overrides(config: Config, key: str, value: object, at: SourceRef) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return 'must be a list of operations ("Group.Method" or operation ids)'
    flag = key == "idempotent"
    for name in value:
        if any(n == name and f != flag for n, f, _ in config.retry_overrides):
            return f"{name!r} is listed in both idempotent and not_idempotent"
    config.retry_overrides += tuple((str(name), flag, at) for name in value)
    return None


def _set_info(config: Config, key: str, value: object) -> str | None:
    fields = INFO_FIELDS[key]
    if not isinstance(value, dict):
        return f"must be a table with {', '.join(fields)}"
    unknown = sorted(set(value) - set(fields))
    if unknown:
        return f"unknown field {unknown[0]!r} (it takes {', '.join(fields)})"
    pairs: list[tuple[str, str]] = []
    for name in fields:
        given = value.get(name)
        if given is None:
            continue
        if not isinstance(given, str) or not given.strip():
            return f"{name} must be a non-empty string"
        if name == "url" and not _URL.match(given):
            return "url must be an http(s) URL"
        if name == "email" and not _EMAIL.match(given):
            return "email must be an e-mail address"
        pairs.append((name, given))
    if key == "license":
        names = {n for n, _ in pairs}
        if "name" not in names:
            return "a license needs its name"
        if {"url", "identifier"} <= names:
            return "give the license's url or its identifier, not both"
    if key == "contact" and not pairs:
        return "give at least one of name, url, email"
    setattr(config, key, tuple(pairs))
    return None


def silence_problem(codes: list[str]) -> str | None:
    """Why `codes` cannot be silenced, if they cannot: only warnings can (an error means
    nothing usable is written)."""
    for code in codes:
        known = CODES.get(code)
        if known is None:
            close = difflib.get_close_matches(code, sorted(CODES), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            return f"{code!r} is not a sogen diagnostic code{hint}"
        if known[0] != "warning":
            return f"{code} is an error, and only warnings can be silenced"
    return None
