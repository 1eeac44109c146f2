"""The code generators, linters and fuzzers of issue 13, run for real on an emitted document.

Everything here is installed from the package registries this machine reaches, once per
machine, into cache folders outside the repository (``$SOGEN_TOOL_CACHE``, else
``~/.cache/sogen``):

* PyPI, one venv per tool: openapi-python-client (with mypy, its stubs and the ruff its post
  hooks call), schemathesis, and the runtime libraries of openapi-generator's ``python`` client.
* npm: Spectral and axios sit beside the other Node tools (``tests/support/consumers.py``).
* Debian (``apt-get``, as root): ``golang-go`` for openapi-generator's ``go`` client, and the
  Jackson and Jakarta annotation jars its ``java`` client compiles against. Maven Central is not
  reachable here and Debian has no jackson-datatype-jsr310, so that one module's classes are
  taken from the jar that the openapi-generator-cli wheel (PyPI) bundles.

A tool that cannot be installed raises :class:`ConsumerToolError` with what was tried: the tests
fail with that message, they never skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from tests.support import consumers
from tests.support.consumers import ConsumerToolError

# ---------------------------------------------------------------------------
# Pins.  A venv's folder name hashes its pins, so bumping one gets a fresh install.
# ---------------------------------------------------------------------------
PY_TOOLS: Final[Mapping[str, tuple[str, ...]]] = {
    "openapi-python-client": (
        "openapi-python-client==0.29.1",
        # its output is checked with mypy --strict; its post hooks run `ruff` from PATH
        "mypy==2.4.1",
        "types-python-dateutil==2.9.0.20261122",
        "ruff==0.17.6",
    ),
    "schemathesis": ("schemathesis==4.32.5",),
    # what openapi-generator 7.26's `python` client declares (pyproject.toml), plus its backend
    "openapi-generator-python": (
        "urllib3==2.7.0",
        "python-dateutil==2.9.0.post0",
        "pydantic==2.12.5",
        "typing-extensions==4.15.0",
        "setuptools==80.9.0",
    ),
}
# Debian packages, by what needs them
DEBIAN: Final[Mapping[str, tuple[str, ...]]] = {
    "go": ("golang-go",),
    "java": (
        "libjackson2-databind-java",
        "libjackson2-core-java",
        "libjackson2-annotations-java",
        "libjakarta-annotation-api-java",
    ),
}
JAVA_JARS: Final[tuple[str, ...]] = (
    "/usr/share/java/jackson-databind.jar",
    "/usr/share/java/jackson-core.jar",
    "/usr/share/java/jackson-annotations.jar",
    "/usr/share/java/jakarta-annotation-api.jar",
)
# the one Jackson module Debian lacks; its classes come from the openapi-generator jar
JSR310_PREFIX: Final = "com/fasterxml/jackson/datatype/jsr310/"

PIP_TIMEOUT: Final = 900.0
APT_TIMEOUT: Final = 900.0
BUILD_TIMEOUT: Final = 900.0


def tool_cache() -> Path:
    override = os.environ.get("SOGEN_TOOL_CACHE")
    root = Path(override).expanduser() if override else Path.home() / ".cache" / "sogen"
    root.mkdir(parents=True, exist_ok=True)
    return root.resolve()


def run(
    cmd: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = consumers.TOOL_TIMEOUT,
) -> consumers.Completed:
    """The harness's runner: own process group, hard time limit, output captured."""
    return consumers.run(cmd, cwd=cwd, env=env, timeout=timeout)


# ---------------------------------------------------------------------------
# PyPI tools, one venv each
# ---------------------------------------------------------------------------
def python_tool(name: str) -> Path:
    """The venv of tool ``name`` (see PY_TOOLS), made and filled once per machine."""
    pins = PY_TOOLS[name]
    digest = hashlib.sha256(json.dumps([sys.version_info[:2], pins]).encode()).hexdigest()[:10]
    venv = tool_cache() / f"py-{name}-{digest}"
    marker = venv / ".sogen-install-complete"
    if marker.is_file():
        return venv
    with consumers.file_lock(tool_cache() / f".py-{name}.lock"):
        if marker.is_file():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        steps: list[list[str | Path]] = [
            [sys.executable, "-m", "venv", venv],
            [venv / "bin" / "python", "-m", "pip", "install", "-q", *pins],
        ]
        for cmd in steps:
            ran = run(cmd, timeout=PIP_TIMEOUT)
            if ran.code != 0:
                raise consumers.failure(f"installing {name} from PyPI", cmd, ran.code, ran.output)
        marker.write_text(json.dumps(pins) + "\n")
    return venv


def venv_env(venv: Path, **extra: str) -> dict[str, str]:
    env = consumers.tool_env()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env.update(extra)
    return env


# ---------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------
def _missing_debs(packages: Sequence[str]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return list(packages)
    missing = []
    for package in packages:
        ran = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package],
            capture_output=True,
            text=True,
            check=False,
        )
        if ran.returncode != 0 or "install ok installed" not in ran.stdout:
            missing.append(package)
    return missing


def ensure_debian(what: str) -> None:
    """Install the Debian packages ``what`` needs (DEBIAN) with apt-get, once per machine."""
    packages = DEBIAN[what]
    if not _missing_debs(packages):
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise ConsumerToolError(
            f"{what} needs the Debian packages {' '.join(packages)}: "
            f"run `apt-get install -y {' '.join(packages)}` as root (apt-get "
            f"{'is missing' if apt is None else 'needs root'})"
        )
    env = {**consumers.tool_env(), "DEBIAN_FRONTEND": "noninteractive"}
    with consumers.file_lock(tool_cache() / ".apt.lock"):
        missing = _missing_debs(packages)
        if not missing:
            return
        install: list[str | Path] = [apt, "install", "-y", "-q", "--no-install-recommends"]
        ran = run([*install, *missing], env=env, timeout=APT_TIMEOUT)
        if ran.code != 0:  # maybe the package lists are stale or absent
            run([apt, "update", "-q"], env=env, timeout=APT_TIMEOUT)
            ran = run([*install, *missing], env=env, timeout=APT_TIMEOUT)
        if ran.code != 0 or _missing_debs(missing):
            raise consumers.failure(
                f"installing {' '.join(missing)} from Debian", install, ran.code, ran.output
            )


# ---------------------------------------------------------------------------
# openapi-python-client
# ---------------------------------------------------------------------------
_OPC_HEADER = re.compile(r"^(WARNING parsing .*|Unable to (?:parse|process) .*)$", re.M)


@dataclass(frozen=True)
class OpcResult:
    code: int
    output: str
    package: Path
    warnings: list[str]  # the header line of each warning block

    @property
    def schemas_dropped(self) -> list[str]:
        found = [re.search(r"/components/schemas/(\S+?):?$", w) for w in self.warnings]
        return sorted({m.group(1) for m in found if m})

    @property
    def operations_warned(self) -> list[str]:
        return [w.removeprefix("WARNING parsing ") for w in self.warnings if "parsing" in w]


def openapi_python_client(spec: Path, workdir: Path, package: str = "sogen_opc") -> OpcResult:
    """``openapi-python-client generate`` of ``spec`` into ``workdir/<package>`` (no metadata)."""
    venv = python_tool("openapi-python-client")
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / package
    cmd: list[str | Path] = [
        venv / "bin" / "openapi-python-client",
        "generate",
        "--path",
        spec.resolve(),
        "--output-path",
        out,
        "--meta",
        "none",
        "--overwrite",
    ]
    ran = run(cmd, cwd=workdir, env=venv_env(venv), timeout=BUILD_TIMEOUT)
    text = ran.stdout + ran.stderr
    return OpcResult(ran.code, f"$ {_argv(cmd)}\n{ran.output}", out, _OPC_HEADER.findall(text))


_IMPORT_ALL = """
import importlib, json, pkgutil, sys, traceback
root = importlib.import_module(sys.argv[1])
failed, count = {}, 1
for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
    count += 1
    try:
        importlib.import_module(info.name)
    except BaseException:
        failed[info.name] = traceback.format_exc(limit=-1).strip().splitlines()[-1]
print(json.dumps({"modules": count, "failed": failed}))
"""


@dataclass(frozen=True)
class ImportResult:
    modules: int
    failed: dict[str, str]  # module -> the exception line
    output: str


def import_every_module(python: Path, package: str, path: Path) -> ImportResult:
    """Import ``package`` and each of its modules with ``python``, ``path`` on sys.path."""
    venv = python.parent.parent
    env = venv_env(venv, PYTHONPATH=str(path), PYTHONDONTWRITEBYTECODE="1")
    ran = run([python, "-c", _IMPORT_ALL, package], cwd=path, env=env, timeout=BUILD_TIMEOUT)
    try:
        report = json.loads(ran.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise consumers.failure(f"importing {package}", [python], ran.code, ran.output) from exc
    return ImportResult(int(report["modules"]), dict(report["failed"]), ran.output)


_MYPY_LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+): error: (?P<msg>.*?)  \[(?P<code>[\w-]+)\]$"
)


@dataclass(frozen=True)
class MypyError:
    file: str
    line: int
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class MypyResult:
    code: int
    errors: list[MypyError]
    output: str


def mypy_strict(venv: Path, package: str, cwd: Path) -> MypyResult:
    """``mypy --strict -p package`` with the venv's mypy (its cache under the tool cache)."""
    cache = cwd / ".mypy_cache"  # its own: every run checks a package of the same name
    cmd: list[str | Path] = [
        venv / "bin" / "mypy",
        "--strict",
        "--cache-dir",
        cache,
        "--no-color-output",
        "--show-error-codes",
        "-p",
        package,
    ]
    ran = run(cmd, cwd=cwd, env=venv_env(venv), timeout=BUILD_TIMEOUT)
    errors = [
        MypyError(m["file"], int(m["line"]), m["msg"], m["code"])
        for m in map(_MYPY_LINE.match, ran.stdout.splitlines())
        if m
    ]
    if ran.code not in (0, 1) or (ran.code == 1 and not errors):
        raise consumers.failure("mypy --strict", cmd, ran.code, ran.output)
    return MypyResult(ran.code, errors, f"$ {_argv(cmd)}\n{ran.output}")


# ---------------------------------------------------------------------------
# openapi-generator (python, java, go, typescript-axios)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Generated:
    code: int
    out: Path
    output: str

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.output.splitlines() if " WARN " in line]


def openapi_generator(
    spec_json: Path, generator: str, out: Path, properties: Mapping[str, str], *extra: str
) -> Generated:
    """``openapi-generator generate -g <generator>`` with ``properties`` as additional
    properties and the name mappings the README gives for `_Links` beside `Links`."""
    if shutil.which("java") is None:
        raise ConsumerToolError("java is required for openapi-generator: install a JDK (17+)")
    cli = consumers.ensure_openapi_generator()
    props = ",".join(
        f"{k}={v}" for k, v in {"hideGenerationTimestamp": "true", **properties}.items()
    )
    cmd: list[str | Path] = [
        cli,
        "generate",
        "-i",
        spec_json.resolve(),
        "-g",
        generator,
        "-o",
        out,
        f"--additional-properties={props}",
        *extra,
    ]
    doc = json.loads(spec_json.read_text("utf-8"))
    mappings = consumers.underscore_name_mappings(doc)
    if generator == "go":  # a Go field must start with a capital letter to be exported
        exported = [f"{k}={v[:1].upper()}{v[1:]}" for k, _, v in _pairs(mappings)]
        mappings = ",".join(m for m in (",".join(exported), go_name_mappings(doc)) if m)
    if mappings:
        cmd += ["--name-mappings", mappings]
    ran = run(cmd, cwd=out.parent, timeout=BUILD_TIMEOUT)
    return Generated(ran.code, out, f"$ {_argv(cmd)}\n{ran.output}")


def _pairs(mappings: str) -> list[tuple[str, str, str]]:
    return [m.partition("=") for m in mappings.split(",") if m]


def pip_install_target(venv: Path, project: Path, target: Path) -> consumers.Completed:
    """``pip install --target`` of a generated project, its dependencies from the venv."""
    cmd: list[str | Path] = [
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--target",
        target,
        project,
    ]
    return run(cmd, env=venv_env(venv), timeout=PIP_TIMEOUT)


def java_classpath() -> list[Path]:
    """The jars openapi-generator's ``java``/``native`` client compiles against: Debian's
    Jackson and Jakarta annotations, and the jsr310 module out of the openapi-generator jar."""
    ensure_debian("java")
    jars = [Path(j) for j in JAVA_JARS]
    missing = [j for j in jars if not j.is_file()]
    if missing:
        raise ConsumerToolError(f"the Debian packages {DEBIAN['java']} left no {missing}")
    return [*jars, _jsr310_classes()]


def _jsr310_classes() -> Path:
    import openapi_generator_cli  # installed by ensure_openapi_generator

    consumers.ensure_openapi_generator()
    jar = Path(openapi_generator_cli.__file__).parent / "openapi-generator.jar"
    digest = hashlib.sha256(str(jar.stat().st_size).encode() + jar.name.encode()).hexdigest()
    folder = tool_cache() / f"jsr310-{consumers.PINS['openapi-generator-cli']}-{digest[:8]}"
    marker = folder / ".sogen-complete"
    if marker.is_file():
        return folder
    with consumers.file_lock(tool_cache() / ".jsr310.lock"):
        if not marker.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            with zipfile.ZipFile(jar) as zf:
                names = [n for n in zf.namelist() if n.startswith(JSR310_PREFIX)]
                if not names:
                    raise ConsumerToolError(f"{jar} holds no {JSR310_PREFIX} classes")
                zf.extractall(folder, names)
            marker.write_text("ok\n")
    return folder


_JAVAC_ERROR = re.compile(r"^(?P<file>\S+\.java):(?P<line>\d+): error: (?P<msg>.*)$", re.M)


@dataclass(frozen=True)
class JavacResult:
    code: int
    errors: list[tuple[str, int, str]]  # file (relative), line, message
    output: str


def javac(sources: Path, classes: Path) -> JavacResult:
    """Compile every .java file under ``sources`` (warnings off; errors are what count)."""
    files = sorted(str(p.relative_to(sources)) for p in sources.rglob("*.java"))
    argfile = classes.parent / "javac-sources.txt"
    argfile.write_text("\n".join(files) + "\n")
    cp = os.pathsep.join(map(str, java_classpath()))
    cmd: list[str | Path] = [
        "javac",
        "-nowarn",
        "-Xmaxerrs",
        "10000",
        "-encoding",
        "UTF-8",
        "-d",
        classes,
        "-cp",
        cp,
        f"@{argfile}",
    ]
    ran = run(cmd, cwd=sources, timeout=BUILD_TIMEOUT)
    found = [(m["file"], int(m["line"]), m["msg"]) for m in _JAVAC_ERROR.finditer(ran.output)]
    return JavacResult(ran.code, found, f"$ {_argv(cmd)}\n{ran.output}")


@dataclass(frozen=True)
class GoResult:
    build: consumers.Completed
    vet: consumers.Completed | None
    patched: list[str] = field(default_factory=list)  # files given a missing "time" import

    @property
    def output(self) -> str:
        vet = self.vet.output if self.vet else "(not run: the build failed)"
        return f"--- go build ./... ---\n{self.build.output}\n--- go vet ./... ---\n{vet}"


def go_env(home: Path) -> dict[str, str]:
    """Offline Go: no module proxy (none is reachable here), the local toolchain only."""
    cache = tool_cache()
    return {
        **consumers.tool_env(),
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOTOOLCHAIN": "local",
        "GOCACHE": str(cache / "go-build"),
        "GOPATH": str(home / "gopath"),
        "GO111MODULE": "on",
    }


_GO_REQUIRE = re.compile(r"^require\s*\((.*?)\)|^require\s+(\S+)", re.M | re.S)


def go_requirements(module: Path) -> list[str]:
    text = (module / "go.mod").read_text("utf-8")
    found: list[str] = []
    for block, single in _GO_REQUIRE.findall(text):
        found += [ln.split()[0] for ln in block.splitlines() if ln.strip()] if block else [single]
    return found


def add_missing_time_imports(module: Path) -> list[str]:
    """openapi-generator's go templates import "time" only for models; an API file whose one
    use of it is a `date-time` response (`*time.Time`) fails with `undefined: time`. Add it."""
    patched = []
    for path in sorted(module.glob("*.go")):
        text = path.read_text("utf-8")
        if re.search(r"\btime\.Time\b", text) and not re.search(r'^\s*"time"$', text, re.M):
            new = text.replace("import (\n", 'import (\n\t"time"\n', 1)
            if new != text:
                path.write_text(new, "utf-8")
                patched.append(path.name)
    return patched


def go_name_mappings(spec: dict[str, Any]) -> str:
    """The go generator gives each optional field `X` a method `HasX`; a schema that also has a
    property `HasX` (ErpSyncDefaultValue: FirstSyncDefaultValue and HasFirstSyncDefaultValue)
    gets a field and a method of one name. Map such properties to `<name>Flag`."""
    found: set[str] = set()
    for schema in (spec.get("components") or {}).get("schemas", {}).values():
        names = set(schema.get("properties") or {})
        found |= {n for n in names if n.startswith("Has") and n[3:] in names}
    return ",".join(f"{n}={n}Flag" for n in sorted(found))


def go_build_and_vet(module: Path) -> GoResult:
    """``go build ./...`` and ``go vet ./...`` of a generated module, offline. The generated
    tests (`test/`, which need github.com/stretchr/testify) are not part of the client."""
    ensure_debian("go")
    go = shutil.which("go") or "/usr/bin/go"
    shutil.rmtree(module / "test", ignore_errors=True)
    needs = go_requirements(module)
    if needs:
        raise ConsumerToolError(
            f"the generated go client requires modules {needs}; no Go module proxy is "
            "reachable from this machine"
        )
    patched = add_missing_time_imports(module)
    env = go_env(module.parent)
    build = run([go, "build", "./..."], cwd=module, env=env, timeout=BUILD_TIMEOUT)
    vet = (
        run([go, "vet", "./..."], cwd=module, env=env, timeout=BUILD_TIMEOUT)
        if build.code == 0
        else None
    )
    return GoResult(build, vet, patched)


def typescript_axios_check(
    spec_json: Path, workdir: Path
) -> tuple[Generated, consumers.CheckResult]:
    """typescript-axios into ``workdir/ts`` (axios from the Node tools), then strict tsc."""
    node_modules = consumers.ensure_node_tools() / "node_modules"
    if not (node_modules / "axios" / "package.json").is_file():
        raise ConsumerToolError(f"axios is not installed under {node_modules}")
    out = workdir / "ts"
    workdir.mkdir(parents=True, exist_ok=True)
    generated = openapi_generator(spec_json, "typescript-axios", out, {"supportsES6": "true"})
    if generated.code != 0:
        return generated, consumers.CheckResult(False, generated.output)
    (out / "node_modules").symlink_to(node_modules, target_is_directory=True)
    return generated, consumers.tsc_strict(out, ["**/*.ts"], exclude=["node_modules"])


# ---------------------------------------------------------------------------
# Spectral
# ---------------------------------------------------------------------------
SPECTRAL_SEVERITY: Final = {0: "error", 1: "warning", 2: "info", 3: "hint"}


@dataclass(frozen=True)
class SpectralResult:
    problems: list[dict[str, Any]]
    output: str

    def of(self, severity: str) -> list[dict[str, Any]]:
        return [p for p in self.problems if SPECTRAL_SEVERITY[int(p["severity"])] == severity]


def spectral_lint(spec: Path, workdir: Path) -> SpectralResult:
    """``spectral lint`` with the ``spectral:oas`` ruleset (all its rules, as shipped)."""
    workdir.mkdir(parents=True, exist_ok=True)
    ruleset = workdir / ".spectral.yaml"
    ruleset.write_text('extends: ["spectral:oas"]\n')
    report = workdir / "spectral.json"
    cmd: list[str | Path] = [
        consumers.node_bin("spectral"),
        "lint",
        spec.resolve(),
        "--ruleset",
        ruleset,
        "--format",
        "json",
        "--output",
        report,
        "--fail-severity",
        "error",
    ]
    ran = run(cmd, cwd=workdir, timeout=BUILD_TIMEOUT)
    try:
        problems = json.loads(report.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise consumers.failure(
            "spectral lint (no JSON report)", cmd, ran.code, ran.output
        ) from exc
    if not isinstance(problems, list) or (ran.code not in (0, 1)):
        raise consumers.failure("spectral lint", cmd, ran.code, ran.output)
    return SpectralResult(problems, f"$ {_argv(cmd)}\n{ran.output}")


# ---------------------------------------------------------------------------
# Schemathesis against prism
# ---------------------------------------------------------------------------
_ST_BLOCK = re.compile(r"^_{3,} (?P<op>[A-Z]+ \S+) _{3,}$", re.M)
_ST_CHECK = re.compile(r"^- (?P<code>ST\d+) (?P<title>.+)$", re.M)


@dataclass(frozen=True)
class StFailure:
    operation: str  # METHOD /path
    code: str  # ST202 ...
    title: str
    detail: str  # the block schemathesis prints for the operation

    def __str__(self) -> str:
        return f"{self.operation}: {self.code} {self.title}"


@dataclass(frozen=True)
class StResult:
    code: int
    tested: int
    failures: list[StFailure]
    output: str


def schemathesis_run(
    spec: Path,
    base_url: str,
    workdir: Path,
    *,
    max_examples: int,
    operation_ids: Sequence[str] | None = None,
    exclude_checks: Sequence[str] = (),
    headers: Sequence[str] = (),
) -> StResult:
    """``schemathesis run`` (examples and fuzzing phases, deterministic, every check but
    ``exclude_checks``) against ``base_url``; ``operation_ids`` limits the operations."""
    venv = python_tool("schemathesis")
    workdir.mkdir(parents=True, exist_ok=True)
    cmd: list[str | Path] = [
        venv / "bin" / "schemathesis",
        "run",
        spec.resolve(),
        "--url",
        base_url,
        "--max-examples",
        str(max_examples),
        "--phases",
        "examples,fuzzing",
        "--generation-deterministic",
        "--checks",
        "all",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "20",
        "--workers",
        "2",
        "--no-color",
    ]
    if exclude_checks:
        cmd += ["--exclude-checks", ",".join(exclude_checks)]
    for header in headers:
        cmd += ["-H", header]
    for op_id in operation_ids or ():
        cmd += ["--include-operation-id", op_id]
    env = venv_env(venv, SCHEMATHESIS_TELEMETRY="false", HOME=str(workdir))
    ran = run(cmd, cwd=workdir, env=env, timeout=BUILD_TIMEOUT)
    text = ran.stdout
    tested_m = re.search(r"^\s+Tested: (\d+)", text, re.M)
    if tested_m is None:
        raise consumers.failure("schemathesis run (no summary)", cmd, ran.code, ran.output)
    failures: list[StFailure] = []
    heads = list(_ST_BLOCK.finditer(text))
    summary = text.find("=" * 10 + " SUMMARY")
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else (summary if summary > 0 else None)
        block = text[head.end() : end]
        for check in _ST_CHECK.finditer(block):
            failures.append(StFailure(head["op"], check["code"], check["title"], block.strip()))
    return StResult(ran.code, int(tested_m.group(1)), failures, f"$ {_argv(cmd)}\n{ran.output}")


def _argv(cmd: Sequence[str | Path]) -> str:
    return " ".join(str(c) for c in cmd)


__all__ = [
    "DEBIAN",
    "PY_TOOLS",
    "GoResult",
    "ImportResult",
    "JavacResult",
    "MypyResult",
    "OpcResult",
    "SpectralResult",
    "StFailure",
    "StResult",
    "ensure_debian",
    "go_build_and_vet",
    "import_every_module",
    "java_classpath",
    "javac",
    "mypy_strict",
    "openapi_generator",
    "openapi_python_client",
    "pip_install_target",
    "python_tool",
    "schemathesis_run",
    "spectral_lint",
    "typescript_axios_check",
]
