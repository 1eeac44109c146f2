"""Install and drive the real OpenAPI consumer tools against a generated document.

The tools (redocly, prism, openapi-typescript, tsc, openapi-generator) are what
users will point at sogen's output, so the tests run them for real instead of
trusting our own validator.  Node tools are installed once per machine into a
cache folder outside the repository; openapi-generator comes from PyPI (the
wheel bundles the jar, so generation never downloads anything).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

# ---------------------------------------------------------------------------
# Pins.  Every version the harness installs lives here; the npm ones also name
# the cache folder, so bumping a pin gets a fresh install automatically.
# ---------------------------------------------------------------------------
PINS: Final[Mapping[str, str]] = {
    # npm
    "@redocly/cli": "2.77.0",
    # 5.14.2 is the newest prism whose engines allow Node 20 (5.15+ need Node 24).
    "@stoplight/prism-cli": "5.14.2",
    "openapi-typescript": "7.13.0",
    # openapi-typescript 7 peers on typescript ^5; 7.x is the Go port.
    "typescript": "5.9.3",
    # the generated Python client is also checked with pyright (standard mode)
    "pyright": "1.1.414",
    # issue 13's toolchains (tests/support/toolchains.py): the spectral:oas ruleset, and the
    # runtime library openapi-generator's typescript-axios client compiles against
    "@stoplight/spectral-cli": "6.16.3",
    "axios": "1.21.1",
    # PyPI (installed into the running venv)
    "openapi-generator-cli": "7.26.0",
}
NPM_TOOLS: Final[tuple[str, ...]] = (
    "@redocly/cli",
    "@stoplight/prism-cli",
    "openapi-typescript",
    "typescript",
    "pyright",
    "@stoplight/spectral-cli",
    "axios",
)
PYPI_TOOLS: Final[tuple[str, ...]] = ("openapi-generator-cli",)

# prism-cli 5.14.2 depends on its siblings with caret ranges that now resolve to
# 5.16.x, which require Node 24; hold them at the last Node-20 builds.
NPM_OVERRIDES: Final[Mapping[str, str]] = {
    "@stoplight/prism-core": "5.8.0",
    "@stoplight/prism-http": "5.12.0",
    "@stoplight/prism-http-server": "5.12.2",
}

# Executables that must exist under node_modules/.bin for an install to count.
_NODE_BINS: Final[tuple[str, ...]] = (
    "redocly",
    "prism",
    "openapi-typescript",
    "tsc",
    "pyright",
    "spectral",
)

# Time limits (seconds).  Generous for a cold machine, but always finite.
NPM_INSTALL_TIMEOUT: Final = 900.0
PIP_INSTALL_TIMEOUT: Final = 600.0
LOCK_TIMEOUT: Final = NPM_INSTALL_TIMEOUT + 120.0
TOOL_TIMEOUT: Final = 300.0
PRISM_START_TIMEOUT: Final = 60.0
PRISM_STOP_GRACE: Final = 5.0

_MARKER: Final = ".sogen-install-complete"


class ConsumerToolError(RuntimeError):
    """A consumer tool could not be installed or run; the message carries its output."""


@dataclass(frozen=True)
class LintResult:
    errors: int
    warnings: int
    output: str

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.warnings == 0


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    output: str


class MockBaseUrl(str):
    """Base URL of a running prism mock (``http://127.0.0.1:<port>``).

    It is a plain ``str`` for callers; ``pid`` and ``log`` are there so tests
    can prove the process is gone afterwards and show prism's request log
    (``log`` exists only inside the ``with`` block).
    """

    pid: int
    log: Path

    def __new__(cls, url: str, pid: int, log: Path) -> MockBaseUrl:
        self = super().__new__(cls, url)
        self.pid = pid
        self.log = log
        return self


# ---------------------------------------------------------------------------
# Environment and subprocess helpers
# ---------------------------------------------------------------------------
def tool_env() -> dict[str, str]:
    """Environment for every tool run: no telemetry, no update checks, no colour."""
    env = dict(os.environ)
    env.update(
        {
            "REDOCLY_TELEMETRY": "off",
            "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
            "NO_UPDATE_NOTIFIER": "1",
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
            # Colour codes would only make the captured output harder to read.
            "FORCE_COLOR": "0",
        }
    )
    # Node warns when NO_COLOR and FORCE_COLOR are both set; FORCE_COLOR=0 suffices.
    env.pop("NO_COLOR", None)
    return env


def _decode(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _kill_group(proc: subprocess.Popen[str] | subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the child's process group, SIGKILL it after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    # The leader is reaped; make sure no straggler of its group survives either.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


class _Completed(NamedTuple):
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + ("\n--- stderr ---\n" + self.stderr if self.stderr else "")


def _run(
    cmd: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    timeout: float = TOOL_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> _Completed:
    """Run ``cmd`` with a hard time limit and capture its output.

    The child gets its own process group so that a timeout also kills the
    grandchildren (npm scripts, the JVM behind the openapi-generator wrapper).
    """
    argv = [str(c) for c in cmd]
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env) if env is not None else tool_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise ConsumerToolError(f"cannot execute {argv[0]}: {exc}") from exc
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(proc, PRISM_STOP_GRACE)
        rest_out, rest_err = proc.communicate()
        partial = _decode(exc.stdout) + (rest_out or "") + _decode(exc.stderr) + (rest_err or "")
        raise ConsumerToolError(
            f"timed out after {timeout:.0f}s: {' '.join(argv)}\n--- output ---\n{partial}"
        ) from exc
    except BaseException:
        _kill_group(proc, PRISM_STOP_GRACE)  # e.g. Ctrl-C: leave nothing behind
        raise
    finally:
        # Also stray children that outlive a normal exit of the leader.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return _Completed(proc.returncode, out, err)


def _fail(what: str, cmd: Sequence[str | Path], code: int, output: str) -> ConsumerToolError:
    argv = " ".join(str(c) for c in cmd)
    return ConsumerToolError(f"{what} failed (exit {code}): {argv}\n--- output ---\n{output}")


# for the other harness modules (tests/support/toolchains.py)
Completed = _Completed
run = _run
failure = _fail


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Exclusive fcntl lock so concurrent pytest processes install only once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with path.open("a+") as fh:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise ConsumerToolError(
                        f"gave up after {timeout:.0f}s waiting for install lock {path}"
                    ) from exc
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


file_lock = _file_lock


# ---------------------------------------------------------------------------
# Node tools
# ---------------------------------------------------------------------------
def _npm_pins() -> dict[str, str]:
    return {name: PINS[name] for name in NPM_TOOLS}


def _install_record() -> dict[str, dict[str, str]]:
    """What an install contains; hashed into the folder name and stored in the marker."""
    return {"tools": _npm_pins(), "overrides": dict(NPM_OVERRIDES)}


def _pins_fingerprint() -> str:
    payload = json.dumps(_install_record(), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def node_cache_dir() -> Path:
    """Where the Node tools live: ``$SOGEN_NODE_CACHE`` or a per-pins user cache folder."""
    override = os.environ.get("SOGEN_NODE_CACHE")
    if override:
        return Path(override).expanduser().resolve()
    return Path.home() / ".cache" / "sogen" / f"node-tools-{_pins_fingerprint()}"


def _require_node() -> tuple[str, str]:
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm is None or node is None:
        missing = " and ".join(n for n, p in (("npm", npm), ("node", node)) if p is None)
        raise RuntimeError(
            "npm is required for the consumer-tool tests (redocly, prism, openapi-typescript, "
            f"tsc) but {missing} was not found on PATH: install Node 20 (with npm) and re-run"
        )
    return npm, node


def _install_complete(root: Path) -> bool:
    marker = root / _MARKER
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    bins = root / "node_modules" / ".bin"
    return recorded == _install_record() and all((bins / b).exists() for b in _NODE_BINS)


def ensure_node_tools() -> Path:
    """Return a folder whose ``node_modules/.bin`` holds redocly, prism, openapi-typescript, tsc.

    Installs once per machine.  The marker file is written only after a
    successful install, so an interrupted install is redone from scratch.
    """
    npm, _node = _require_node()
    root = node_cache_dir()
    if _install_complete(root):
        return root
    with _file_lock(root / ".install.lock"):
        # Another process may have finished while we waited for the lock.
        if _install_complete(root):
            return root
        (root / _MARKER).unlink(missing_ok=True)
        shutil.rmtree(root / "node_modules", ignore_errors=True)
        package = {
            "name": "sogen-consumer-tools",
            "version": "0.0.0",
            "private": True,
            "description": "Generated by tests/support/consumers.py; safe to delete.",
            "dependencies": _npm_pins(),
            "overrides": dict(NPM_OVERRIDES),
        }
        (root / "package.json").write_text(json.dumps(package, indent=2) + "\n")
        cmd = [npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error"]
        ran = _run(cmd, cwd=root, timeout=NPM_INSTALL_TIMEOUT)
        if ran.code != 0:
            raise _fail(f"npm install into {root}", cmd, ran.code, ran.output)
        bins = root / "node_modules" / ".bin"
        missing = [b for b in _NODE_BINS if not (bins / b).exists()]
        if missing:
            raise ConsumerToolError(
                f"npm install into {root} did not produce {missing}\n--- output ---\n{ran.output}"
            )
        marker_tmp = root / (_MARKER + ".tmp")
        marker_tmp.write_text(json.dumps(_install_record(), sort_keys=True))
        marker_tmp.replace(root / _MARKER)  # atomic: the marker is either whole or absent
    return root


def node_bin(name: str) -> Path:
    """Path of an installed Node tool executable (installing the tools if needed)."""
    path = ensure_node_tools() / "node_modules" / ".bin" / name
    if not path.exists():
        raise ConsumerToolError(f"{name} is not installed under {path.parent}")
    return path


# ---------------------------------------------------------------------------
# redocly
# ---------------------------------------------------------------------------
def redocly_lint(spec: Path, config: Path | None = None) -> LintResult:
    """``redocly lint`` with the ``recommended`` ruleset unless ``config`` is given."""
    redocly = node_bin("redocly")
    with tempfile.TemporaryDirectory(prefix="sogen-redocly-") as tmp:
        if config is None:
            # An explicit config keeps any redocly.yaml lying around from leaking in.
            config = Path(tmp) / "redocly.yaml"
            config.write_text("extends:\n  - recommended\n")
        cmd: list[str | Path] = [
            redocly,
            "lint",
            spec.resolve(),
            "--format=json",
            f"--config={config.resolve()}",
        ]
        ran = _run(cmd, cwd=Path(tmp))
    return _parse_redocly_json(cmd, ran)


def _parse_redocly_json(cmd: Sequence[str | Path], ran: _Completed) -> LintResult:
    # stdout is only the JSON report; notices (e.g. Node deprecation) go to stderr.
    try:
        report = json.loads(ran.stdout)
        totals = report["totals"]
        errors, warnings = int(totals["errors"]), int(totals["warnings"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _fail(
            f"redocly lint (no readable JSON report: {exc})", cmd, ran.code, ran.output
        ) from exc
    if ran.code != 0 and errors == 0:
        raise _fail("redocly lint (non-zero exit without errors)", cmd, ran.code, ran.output)
    return LintResult(errors=errors, warnings=warnings, output=ran.output)


# ---------------------------------------------------------------------------
# prism
# ---------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Never route the local probe through an HTTP(S)_PROXY from the environment.
_DIRECT: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers(base_url: str) -> bool:
    try:
        with _DIRECT.open(base_url + "/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP status (prism says 404 for "/") means it is serving
    except (urllib.error.URLError, OSError):
        return False


def _start_prism(
    prism: Path, spec: Path, log_dir: Path, start_timeout: float
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start prism and wait until it answers; on any failure it is stopped again."""
    attempts = 3  # the free port can be taken between probing and prism binding it
    for attempt in range(1, attempts + 1):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = log_dir / f"prism-{attempt}.log"
        cmd = [str(prism), "mock", str(spec.resolve()), "-h", "127.0.0.1", "-p", str(port)]
        with log_path.open("wb") as log:  # a file, not a pipe: prism can never block on it
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=tool_env(),
                start_new_session=True,  # own process group, so we can kill all of it
            )
        try:
            deadline = time.monotonic() + start_timeout
            while proc.poll() is None and not _answers(base_url):
                if time.monotonic() > deadline:
                    raise ConsumerToolError(
                        f"prism did not answer on {base_url} within {start_timeout:.0f}s: "
                        f"{' '.join(cmd)}\n--- output ---\n{_read_log(log_path)}"
                    )
                time.sleep(0.25)
            if proc.poll() is None:
                return proc, base_url, log_path
            output = _read_log(log_path)
            if "EADDRINUSE" in output and attempt < attempts:
                continue  # lost the port race; try another one
            raise ConsumerToolError(
                f"prism exited with {proc.returncode} before serving: "
                f"{' '.join(cmd)}\n--- output ---\n{output}"
            )
        except BaseException:
            _kill_group(proc, PRISM_STOP_GRACE)
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _read_log(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def prism_mock(spec: Path, *, start_timeout: float = PRISM_START_TIMEOUT) -> Iterator[MockBaseUrl]:
    """Run ``prism mock`` on 127.0.0.1 for the duration of the ``with`` block.

    Yields the base URL (a ``str``; see :class:`MockBaseUrl`).  The server is
    always stopped on exit, also when the block raises; its log file is
    removed then too.
    """
    prism = node_bin("prism")
    log_dir = Path(tempfile.mkdtemp(prefix="sogen-prism-"))
    try:
        proc, base_url, log_path = _start_prism(prism, spec, log_dir, start_timeout)
        try:
            yield MockBaseUrl(base_url, proc.pid, log_path)
        finally:
            _kill_group(proc, PRISM_STOP_GRACE)
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# TypeScript consumers
# ---------------------------------------------------------------------------
def _write_tsconfig(path: Path, include: list[str]) -> Path:
    # Own tsconfig: no inherited settings, no ambient @types from parent folders.
    tsconfig = {
        "compilerOptions": {
            "target": "ES2020",
            "module": "ES2020",
            "moduleResolution": "node",
            "lib": ["dom", "es2020"],
            "strict": True,
            "noEmit": True,
            "skipLibCheck": False,
            "types": [],
            "forceConsistentCasingInFileNames": True,
        },
        "include": include,
    }
    path.write_text(json.dumps(tsconfig, indent=2) + "\n")
    return path


def _tsc(tsconfig: Path) -> CheckResult:
    cmd: list[str | Path] = [
        node_bin("tsc"),
        "-p",
        tsconfig,
        "--strict",
        "--noEmit",
        "--pretty",
        "false",
    ]
    ran = _run(cmd, cwd=tsconfig.parent)
    return CheckResult(ok=ran.code == 0, output=f"$ {' '.join(map(str, cmd))}\n{ran.output}\n")


def tsc_strict(folder: Path, include: list[str], exclude: Sequence[str] = ()) -> CheckResult:
    """``tsc --strict --noEmit`` over ``include`` under ``folder`` with the harness's own
    tsconfig (written to ``folder/tsconfig.sogen.json``)."""
    tsconfig = _write_tsconfig(folder / "tsconfig.sogen.json", include)
    if exclude:
        config = json.loads(tsconfig.read_text())
        config["exclude"] = list(exclude)
        tsconfig.write_text(json.dumps(config, indent=2) + "\n")
    return _tsc(tsconfig)


def typescript_types_check(spec: Path, workdir: Path) -> CheckResult:
    """openapi-typescript -> ``workdir/schema.d.ts``, then ``tsc --strict --noEmit`` on it."""
    workdir.mkdir(parents=True, exist_ok=True)
    out_file = workdir / "schema.d.ts"
    cmd: list[str | Path] = [node_bin("openapi-typescript"), spec.resolve(), "-o", out_file]
    ran = _run(cmd, cwd=workdir)
    log = f"$ {' '.join(map(str, cmd))}\n{ran.output}\n"
    if ran.code != 0 or not out_file.exists():
        return CheckResult(ok=False, output=log)
    result = _tsc(_write_tsconfig(workdir / "tsconfig.json", ["schema.d.ts"]))
    return CheckResult(ok=result.ok, output=log + result.output)


def _venv_script(name: str) -> Path:
    return Path(sys.executable).parent / name


def ensure_openapi_generator() -> Path:
    """Install the pinned ``openapi-generator-cli`` wheel into this venv; return its script."""
    name = "openapi-generator-cli"
    pin = PINS[name]
    script = _venv_script(name)

    def installed() -> bool:
        importlib.invalidate_caches()
        try:
            return importlib.metadata.version(name) == pin and script.exists()
        except importlib.metadata.PackageNotFoundError:
            return False

    if installed():
        return script
    with _file_lock(Path(sys.prefix) / ".sogen-pip-install.lock"):
        if installed():
            return script
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            f"{name}=={pin}",
        ]
        ran = _run(cmd, timeout=PIP_INSTALL_TIMEOUT)
        if ran.code != 0 or not installed():
            raise _fail(f"installing {name}=={pin}", cmd, ran.code, ran.output)
    return script


def underscore_name_mappings(spec: dict[str, Any]) -> str:
    """openapi-generator's name mappings for wire names it would make equal: it drops leading
    underscores, so the entities that carry both `_Links` (HAL) and `Links` get two `links`
    members. The README gives this option to users of its generators."""
    found: set[str] = set()
    for schema in (spec.get("components") or {}).get("schemas", {}).values():
        names = set(schema.get("properties") or {})
        found |= {n for n in names if n.startswith("_") and n.lstrip("_") in names}
    return ",".join(f"{n}=underscore{n.lstrip('_')}" for n in sorted(found))


def openapi_generator_typescript_fetch(spec_json: Path, workdir: Path) -> CheckResult:
    """Generate a typescript-fetch client into ``workdir/ts`` and compile it with strict tsc."""
    if shutil.which("java") is None:
        raise RuntimeError("java is required for openapi-generator: install a JDK (17+)")
    generator = ensure_openapi_generator()
    workdir.mkdir(parents=True, exist_ok=True)
    out_dir = workdir / "ts"
    cmd: list[str | Path] = [
        generator,
        "generate",
        "-i",
        spec_json.resolve(),
        "-g",
        "typescript-fetch",
        "-o",
        out_dir,
    ]
    mappings = underscore_name_mappings(json.loads(spec_json.read_text(encoding="utf-8")))
    if mappings:
        cmd += ["--name-mappings", mappings]
    ran = _run(cmd, cwd=workdir)
    log = f"$ {' '.join(map(str, cmd))}\n{ran.output}\n"
    if ran.code != 0 or not out_dir.is_dir():
        return CheckResult(ok=False, output=log)
    result = _tsc(_write_tsconfig(out_dir / "tsconfig.sogen.json", ["**/*.ts"]))
    return CheckResult(ok=result.ok, output=log + result.output)


__all__ = [
    "NPM_OVERRIDES",
    "NPM_TOOLS",
    "PINS",
    "PYPI_TOOLS",
    "CheckResult",
    "Completed",
    "ConsumerToolError",
    "LintResult",
    "MockBaseUrl",
    "ensure_node_tools",
    "ensure_openapi_generator",
    "failure",
    "file_lock",
    "free_port",
    "node_bin",
    "node_cache_dir",
    "openapi_generator_typescript_fetch",
    "prism_mock",
    "redocly_lint",
    "run",
    "tool_env",
    "tsc_strict",
    "typescript_types_check",
]
