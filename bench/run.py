#!/usr/bin/env python3
"""sogen performance benchmark (issues 5 and 12). Not part of the unit tests.

    .venv/bin/python bench/run.py [--quick] [--reps N] [--big-reps N] [--json bench/results.json]

The main input is the whole published API: one page per operation of SuperOffice's official
Swagger (../shared/official/Swagger-v1-2026-07-10.zip, 3,356 pages), written by
../shared/tools/pages-from-swagger. On it the bench measures, each in a fresh subprocess:

  cold     `sogen build` into an empty OUT with every sogen cache cleared
  noop     a rebuild of the same OUT with nothing changed
  onepage  a rebuild after one description line of one page changed (prose: the build patches
           the last one, see generator/build/prose_patch.py)
  onetype  a rebuild after one type cell of one page changed (more than prose: a whole rebuild
           with the caches; reported, no target of its own)
  rss      peak RSS (process tree) of the cold build
  format   the cold build's formatter line (--timings): whole-file black fallbacks must be 0
  import   `import superoffice_webapi` + construct + first call through one agent with an
           httpx.MockTransport (the whole-API client on PYTHONPATH, warm .pyc)
  ref      openapi-python-client (pinned, own venv under bench/.cache/) generating a client from
           our whole-API OUT/openapi.json with its default settings
  scaling  a cold build of 12,000 pages made with ../shared/tools/synth-corpus from the
           whole-API pages (last, so a slow one cannot hold up the rest)

For continuity with the earlier runs it also times cold builds of the synthetic 800- and
3,255-page corpora (synth-corpus from ../shared/corpus/pages; --no-synthetic skips them).
It prints a table with medians, spreads, the targets and PASS/MISS per target; the same figures
go to the JSON file. Everything it creates lives under bench/.cache/ (git-ignored). Standard
library only (runs with the project's venv python; the reference tool gets its own venv).
"""

from __future__ import annotations

import argparse
import ast
import compileall
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SHARED = ROOT.parent / "shared"
CORPUS_SRC = SHARED / "corpus" / "pages"
SYNTH = SHARED / "tools" / "synth-corpus"
PAGES_FROM_SWAGGER = SHARED / "tools" / "pages-from-swagger"
SWAGGER = SHARED / "official" / "Swagger-v1-2026-07-10.zip"

REF_PACKAGE = "openapi-python-client"
REF_VERSION = "0.29.1"  # pinned; bump deliberately (and note it in bench/README.md)

MAIN = "wholeapi"  # the whole published API, from the official Swagger: every scenario
BIG = "wholeapi-12000"  # synth-corpus of MAIN's pages up to 12,000: the scaling point
BIG_PAGES = 12000
SYNTHETIC = {"pages-800": 800, "pages-3255": 3255}  # cold builds only, for continuity
CACHE_NAME = ".sogen-cache"
CORPUS_MARKER = ".bench-corpus.json"
CORPUS_FORMAT = 2  # bump when the corpus preparation below changes
RESULTS_FORMAT = 2  # 1: the 3,255-page synthetic corpus was the main input (before issue 12)

TARGETS = {
    # key: (description, limit, unit)
    "cold_vs_ref": ("cold whole-API build / openapi-python-client time", 0.30, "x"),
    "noop_vs_cold": ("no-change rebuild / cold build", 0.05, "x"),
    "onepage_vs_cold": ("one-page-change rebuild / cold build", 0.10, "x"),
    "scale_big_vs_main": ("cold 12,000 pages / cold whole API", 4.2, "x"),
    "rss_vs_ref": ("peak RSS (process tree) cold build / openapi-python-client", 0.70, "x"),
    "import_first_call": ("import + construct + first call (warm .pyc)", 0.20, "s"),
    "whole_file_fallbacks": ("whole-file formatter fallbacks, cold whole-API build", 0, ""),
}

# Runs one command and reports its wall time and peak memory, three ways:
# - maxrss_kib: resource.getrusage(RUSAGE_CHILDREN).ru_maxrss of this fresh wrapper, i.e. the peak
#   RSS of the LARGEST single process of the tree it waited for (worker processes not added up);
# - tree_rss_kib / tree_pss_kib: the largest sum over the whole process tree (the command and all
#   its descendants, e.g. a ProcessPoolExecutor's workers), sampled from /proc every 0.25 s. RSS
#   counts pages shared by forked workers once per process; PSS shares them out.
WRAPPER = textwrap.dedent("""
    import json, os, resource, subprocess, sys, time
    PAGE = os.sysconf("SC_PAGE_SIZE") // 1024

    def children(pid):
        try:
            out = []
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(c) for c in f.read().split()]
            return out
        except OSError:
            return []

    def tree(root):
        todo, seen = [root], []
        while todo:
            pid = todo.pop()
            seen.append(pid)
            todo += children(pid)
        return seen

    def sample(root):
        rss = pss = 0
        for pid in tree(root):
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    for line in f:
                        if line.startswith("Rss:"):
                            rss += int(line.split()[1])
                        elif line.startswith("Pss:"):
                            pss += int(line.split()[1])
            except OSError:
                try:
                    with open(f"/proc/{pid}/statm") as f:
                        rss += int(f.read().split()[1]) * PAGE
                except OSError:
                    pass
        return rss, pss

    cmd = json.loads(sys.argv[1])
    limit = float(sys.argv[4])
    timed_out = False
    load_before = os.getloadavg()[0]
    peak_rss = peak_pss = 0
    # Every measured run starts with no dirty pages of earlier runs left to write back (the
    # reference writes 6,500 files), so no run is charged for another's writes.
    os.sync()
    with open(sys.argv[2], "wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=sys.argv[3])
        while proc.poll() is None:
            rss, pss = sample(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            if time.perf_counter() - t0 > limit:
                timed_out = True
                for pid in reversed(tree(proc.pid)):  # the command and its workers only
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                proc.wait()
                break
            try:  # returns as soon as the command ends, so the wall time stays exact
                proc.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                pass
        wall = time.perf_counter() - t0
        rc = proc.returncode
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"rc": rc, "wall": wall, "maxrss_kib": ru.ru_maxrss,
                      "tree_rss_kib": max(peak_rss, ru.ru_maxrss), "tree_pss_kib": peak_pss,
                      "user": ru.ru_utime, "sys": ru.ru_stime, "load_before": load_before,
                      "timed_out": timed_out}))
    """)

PROBE_TEMPLATE = """\
import json, sys, time
t0 = time.perf_counter()
import {package}
from {package} import SuperOfficeClient
import httpx
{imports}
t1 = time.perf_counter()
{ok_answer}
def _answer(request):
    status, headers, body = OK_ANSWER
    return httpx.Response(status, headers=headers, content=body)
client = SuperOfficeClient("https://sogen.invalid", transport=httpx.MockTransport(_answer))
t2 = time.perf_counter()
{call_def}
result = _call(client)
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "construct": t2 - t1, "call": t3 - t2, "total": t3 - t0,
                  "modules": len(sys.modules), "result_type": type(result).__name__}}))
"""


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# statistics


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    med = statistics.median(values)
    return {
        "n": len(values),
        "median": med,
        "min": min(values),
        "max": max(values),
        "spread_pct": (100.0 * (max(values) - min(values)) / med) if med else 0.0,
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
        "values": values,
    }


def memory(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """rss_mib: peak RSS summed over the process tree (what the RSS target uses);
    pss_mib: the same with shared pages shared out; largest_process_mib: ru_maxrss."""
    return {
        "rss_mib": summary([r["tree_rss_kib"] / 1024 for r in runs]),
        "pss_mib": summary([r["tree_pss_kib"] / 1024 for r in runs]),
        "largest_process_mib": summary([r["maxrss_kib"] / 1024 for r in runs]),
    }


def fmt_s(s: dict[str, Any], unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    if not s.get("n"):
        return "n/a"
    med = s["median"] * scale
    if s["n"] == 1:
        return f"{med:.{digits}f}{unit} (n=1)"
    return (
        f"{med:.{digits}f}{unit} [{s['min'] * scale:.{digits}f}-{s['max'] * scale:.{digits}f}]"
        f" ±{s['spread_pct']:.0f}% n={s['n']}"
    )


# ---------------------------------------------------------------------------------------------
# corpora


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def count_pages(corpus: Path) -> int:
    return sum(1 for p in corpus.rglob("*.md") if p.name != "index.md")


def cached_corpus(dest: Path, want: dict[str, Any]) -> bool:
    """True when DEST was made from the same inputs (its marker holds every key of WANT)."""
    try:
        have = json.loads((dest / CORPUS_MARKER).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(have, dict) and all(have.get(k) == v for k, v in want.items())


def make_corpus(dest: Path, want: dict[str, Any], cmd: list[str], fix_uids: bool) -> Path:
    """Run CMD + [DEST.tmp] (a tool that writes pages into a new folder given as its last
    argument), write the marker into it and move it to DEST."""
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    log(f"{Path(cmd[1]).name} -> {dest}")
    subprocess.run([*cmd, str(tmp)], check=True, stdout=subprocess.DEVNULL)
    marker = {**want, "pages_written": count_pages(tmp)}
    if fix_uids:
        marker["uids_fixed"] = dedupe_uids(tmp)
    (tmp / CORPUS_MARKER).write_text(json.dumps(marker, indent=2))
    tmp.rename(dest)
    return dest


def prepare_wholeapi(cache: Path) -> Path:
    """bench/.cache/corpora/wholeapi: pages-from-swagger of the official Swagger zip, made once
    (about 2 s) and reused while the tool's hash and the zip's name and size are the same."""
    dest = cache / "corpora" / MAIN
    if not PAGES_FROM_SWAGGER.is_file() or not SWAGGER.is_file():
        sys.exit(f"bench: need {PAGES_FROM_SWAGGER} and {SWAGGER}")
    want = {
        "format": CORPUS_FORMAT,
        "tool": str(PAGES_FROM_SWAGGER),
        "tool_sha256": file_sha256(PAGES_FROM_SWAGGER),
        "swagger": SWAGGER.name,
        "swagger_size": SWAGGER.stat().st_size,
    }
    if cached_corpus(dest, want):
        return dest
    return make_corpus(
        dest, want, [sys.executable, str(PAGES_FROM_SWAGGER), str(SWAGGER)], fix_uids=False
    )


def prepare_synthetic(cache: Path, name: str, source: Path, pages: int) -> Path:
    """bench/.cache/corpora/NAME: synth-corpus of SOURCE up to PAGES pages, made once and reused
    while the marker fits (synth-corpus's hash, the source and, for a corpus made by the bench
    itself, that corpus's marker)."""
    dest = cache / "corpora" / name
    if not SYNTH.is_file():
        sys.exit(f"bench: synth-corpus not found at {SYNTH}")
    if not source.is_dir():
        sys.exit(f"bench: corpus not found at {source}")
    want: dict[str, Any] = {
        "format": CORPUS_FORMAT,
        "pages": pages,
        "source": str(source),
        "tool_sha256": file_sha256(SYNTH),
    }
    if (source / CORPUS_MARKER).is_file():
        want["source_marker"] = json.loads((source / CORPUS_MARKER).read_text())
    if cached_corpus(dest, want):
        return dest
    return make_corpus(
        dest, want, [sys.executable, str(SYNTH), "--pages", str(pages), str(source)], fix_uids=True
    )


_UID = re.compile(r"^uid:[ \t]*(\S+)[ \t]*$", re.M)


def dedupe_uids(root: Path) -> int:
    """Older synth-corpus versions renamed a page's path and file name but not its `uid:` when
    the page's REST entity differs from its uid prefix (v1TicketStatusList_* under
    /api/v1/List/...), so every clone repeated the uid and sogen rightly stopped (SOG401). Give
    each such clone its file stem as uid, the name synth-corpus already made unique; the original
    page keeps its uid. The current synth-corpus gives clones unique uids, so this finds nothing
    (the count goes to the marker as uids_fixed)."""
    groups: dict[str, list[Path]] = {}
    for page in sorted(root.rglob("*.md")):
        m = _UID.search(page.read_text(encoding="utf-8"))
        if m:
            groups.setdefault(m.group(1), []).append(page)
    fixed = 0
    for uid, pages in groups.items():
        if len(pages) < 2:
            continue
        for page in pages:
            if page.stem == uid:
                continue
            text = page.read_text(encoding="utf-8")
            m = _UID.search(text)
            assert m is not None
            page.write_text(text[: m.start(1)] + page.stem + text[m.end(1) :], encoding="utf-8")
            fixed += 1
    return fixed


def description_line(text: str) -> int:
    """Index of the first prose line of a page: outside front matter and fences, not a heading,
    table, list, include or blank line."""
    lines = text.split("\n")
    i = 0
    if lines and lines[0].strip() == "---":
        i = 1
        while i < len(lines) and lines[i].strip() != "---":
            i += 1
        i += 1
    fenced = False
    for j in range(i, len(lines)):
        s = lines[j].strip()
        if s.startswith("```"):
            fenced = not fenced
            continue
        if fenced or not s:
            continue
        if s[0] in "#|-*>[!<" or s.startswith("[!"):
            continue
        if s[0].isalpha():
            return j
    raise ValueError("no description line")


def edit_one_page(corpus: Path, rep: int) -> Path:
    page = sorted(corpus.rglob("*.md"))[0]
    text = page.read_text(encoding="utf-8")
    lines = text.split("\n")
    j = description_line(text)
    line = re.sub(r" \(bench edit \d+\)$", "", lines[j])
    lines[j] = f"{line} (bench edit {rep})"
    page.write_text("\n".join(lines), encoding="utf-8")
    return page


_INT_CELL = re.compile(r"^(\| \w+ \| )(int32|int64)( \|)", re.M)


def edit_one_type(corpus: Path, rep: int) -> Path | None:
    """Toggle the first int32/int64 type cell of the first page that has one: a change of a
    schema, which no prose patch covers."""
    for page in sorted(corpus.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        m = _INT_CELL.search(text)
        if m is not None:
            other = "int64" if m.group(2) == "int32" else "int32"
            text = text[: m.start(2)] + other + text[m.end(2) :]
            page.write_text(text, encoding="utf-8")
            return page
    return None


# ---------------------------------------------------------------------------------------------
# running things


@dataclass
class Sogen:
    cmd: list[str]
    help_text: str
    work: Path
    cache_flag: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def detect(cls, work: Path, snapshot: Path | None) -> Sogen:
        cmd = [sys.executable, "-m", "generator"]
        env: dict[str, str] = {}
        if snapshot is not None:
            env["PYTHONPATH"] = str(snapshot)  # before the editable install on sys.path
        help_text = subprocess.run(
            [*cmd, "build", "--help"],
            capture_output=True,
            text=True,
            cwd=work,
            check=True,
            env={**os.environ, **env},
        ).stdout
        flag = "--cache-dir" if "--cache-dir" in help_text else None
        env["XDG_CACHE_HOME"] = str(work / "xdg-cache")
        env["SOGEN_CACHE_DIR"] = str(work / "sogen-env-cache")
        return cls(cmd, help_text, work, flag, env)

    def cache_dir(self, out: Path) -> Path:
        return self.work / "sogen-cache" / out.name

    def clear_caches(self, corpus: Path, out: Path) -> list[str]:
        """Empty OUT and every place a sogen cache could live; return what existed."""
        found = []
        candidates = [
            out,
            self.cache_dir(out),
            self.work / "cwd" / CACHE_NAME,
            out / CACHE_NAME,
            out.parent / CACHE_NAME,
            corpus / CACHE_NAME,
            corpus.parent / CACHE_NAME,
            Path(self.extra_env["XDG_CACHE_HOME"]),
            Path(self.extra_env["SOGEN_CACHE_DIR"]),
        ]
        for path in candidates:
            if path.exists():
                if path != out:
                    found.append(str(path))
                shutil.rmtree(path)
        return found

    def build_cmd(self, corpus: Path, out: Path) -> list[str]:
        cmd = [*self.cmd, "build", str(corpus), "-o", str(out)]
        if "--timings" in self.help_text:
            cmd.append("--timings")
        if self.cache_flag:
            cmd += [self.cache_flag, str(self.cache_dir(out))]
        return cmd


def snapshot_code(work: Path) -> tuple[Path, dict[str, Any]]:
    """Freeze generator/ and templates/ as they are now. The work tree may be edited while a long
    run goes on; sogen's caches key on its own code, so an edit mid-run would turn a rebuild into
    a cold build. Every sogen run of the bench uses this copy (PYTHONPATH)."""
    snap = work / "snapshot"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("generator", "templates"):
        shutil.copytree(ROOT / name, snap / name, ignore=ignore)
    h = hashlib.sha256()
    for path in sorted(p for p in snap.rglob("*") if p.is_file()):
        h.update(path.relative_to(snap).as_posix().encode())
        h.update(path.read_bytes())
    info: dict[str, Any] = {"path": str(snap), "sha256": h.hexdigest()[:16]}
    # Byte-compiled, as `pip install` does: this machine sets PYTHONDONTWRITEBYTECODE=1, which
    # made every sogen run compile its modules from source again (the reference tool, installed
    # by pip, runs from .pyc files). The hash above covers the sources only.
    info["byte_compiled"] = compileall.compile_dir(str(snap / "generator"), quiet=1)
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # read-only git: never touch the index
    for key, cmd in (
        ("git_head", ["git", "rev-parse", "HEAD"]),
        (
            "git_diff_shortstat",
            ["git", "diff", "HEAD", "--shortstat", "--", "generator", "templates"],
        ),
    ):
        try:
            out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=30)
            info[key] = out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            info[key] = None
    return snap, info


def measure(
    cmd: list[str],
    logfile: Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 3600.0,
) -> dict[str, Any]:
    cwd.mkdir(parents=True, exist_ok=True)
    logfile.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(cmd), str(logfile), str(cwd), str(timeout)],
        capture_output=True,
        text=True,
        env=full_env,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


_STAGES = re.compile(r"^(?:[a-z_]+ \d+\.\d+s\s*)+$", re.M)
_SUMMARY = re.compile(r"^sogen: .*$", re.M)
_FORMATTER = re.compile(r"^formatter fallbacks: .*$", re.M)  # sogen --timings, when it says


def sogen_run(
    sogen: Sogen, corpus: Path, out: Path, label: str, *, cold: bool, timeout: float = 3600.0
) -> dict[str, Any]:
    found: list[str] = []
    if cold:
        found = sogen.clear_caches(corpus, out)
    logfile = sogen.work / "logs" / f"{label}.log"
    r = measure(sogen.build_cmd(corpus, out), logfile, sogen.work / "cwd", sogen.extra_env, timeout)
    text = logfile.read_text(errors="replace")
    stages = {}
    for m in _STAGES.finditer(text):
        for name, secs in re.findall(r"([a-z_]+) (\d+\.\d+)s", m.group(0)):
            stages[name] = float(secs)
    s = _SUMMARY.findall(text)
    r.update(label=label, stages=stages, summary=s[-1] if s else "", log=str(logfile))
    formatter = _FORMATTER.findall(text)
    r["formatter"] = formatter[-1] if formatter else ""
    whole = re.search(r"whole-file: (\d+)", r["formatter"])
    r["whole_file_fallbacks"] = int(whole.group(1)) if whole else None
    if found:
        r["caches_cleared"] = found
    written = re.search(r"(\d+) files written", r["summary"])
    r["files_written"] = int(written.group(1)) if written else 0
    status = "ok" if r["rc"] == 0 else f"FAILED rc={r['rc']}"
    if r.get("timed_out"):
        status = f"TIMED OUT after {timeout:.0f}s (killed)"
    log(
        f"{label}: {r['wall']:.2f}s, tree RSS {r['tree_rss_kib'] / 1024:.0f} MiB "
        f"(largest process {r['maxrss_kib'] / 1024:.0f} MiB), "
        f"{r['files_written']} files written, {status}"
    )
    if r["rc"] != 0 and not r.get("timed_out"):
        tail = "\n".join(text.splitlines()[-15:])
        log(f"{label} failed; last lines of {logfile}:\n{tail}")
    return r


# ---------------------------------------------------------------------------------------------
# import + first call


def probe_script(py_root: Path) -> str:
    packages = [p.parent for p in py_root.glob("*/_client.py")]
    if len(packages) != 1:
        raise RuntimeError(f"cannot find the generated package under {py_root}")
    package = packages[0].name
    tree = ast.parse((py_root / "tests" / "test__client.py").read_text(encoding="utf-8"))
    imports, ok_answer, call_def = [], None, None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith(package + ".") or node.module == "datetime":
                imports.append(ast.unparse(node))
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "OK_ANSWER" for t in node.targets
        ):
            ok_answer = ast.unparse(node)
        elif isinstance(node, ast.FunctionDef) and node.name == "_call":
            call_def = ast.unparse(node)
    if ok_answer is None or call_def is None:
        raise RuntimeError("tests/test__client.py has no OK_ANSWER or _call to copy")
    return PROBE_TEMPLATE.format(
        package=package, imports="\n".join(imports), ok_answer=ok_answer, call_def=call_def
    )


def import_probe(py_root: Path, work: Path, reps: int) -> dict[str, Any]:
    script = probe_script(py_root)
    (work / "probe.py").write_text(script)
    for pyc in py_root.rglob("__pycache__"):
        shutil.rmtree(pyc)
    env = {**os.environ, "PYTHONPATH": str(py_root)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runs = []
    for i in range(reps + 1):
        p = subprocess.run(
            [sys.executable, str(work / "probe.py")],
            capture_output=True,
            text=True,
            env=env,
            cwd=work,
        )
        if p.returncode != 0:
            raise RuntimeError(f"probe failed:\n{p.stderr[-2000:]}")
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
        log(f"import+call #{i}{' (no .pyc yet)' if i == 0 else ''}: {runs[-1]['total']:.3f}s")
    warm = runs[1:]
    return {
        "first_no_pyc": runs[0],
        "total": summary([r["total"] for r in warm]),
        "import": summary([r["import"] for r in warm]),
        "construct": summary([r["construct"] for r in warm]),
        "call": summary([r["call"] for r in warm]),
        "modules": warm[-1]["modules"],
        "script": str(work / "probe.py"),
    }


# ---------------------------------------------------------------------------------------------
# reference: openapi-python-client


def ensure_ref_venv(cache: Path) -> Path:
    venv = cache / f"opc-venv-{REF_VERSION}"
    exe = venv / "bin" / "openapi-python-client"
    marker = venv / ".bench-ok"
    if marker.is_file() and exe.is_file():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    log(f"installing {REF_PACKAGE}=={REF_VERSION} into {venv}")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            f"{REF_PACKAGE}=={REF_VERSION}",
        ],
        check=True,
    )
    marker.write_text(REF_VERSION)
    return venv


_OPC_SCHEMA = re.compile(r"^Unable to (?:parse|process) schema (\S+?):?$", re.M)
_OPC_OPERATION = re.compile(r"^WARNING parsing ", re.M)


def reference(
    cache: Path, work: Path, spec: Path, reps: int, args_timeout: float
) -> dict[str, Any]:
    venv = ensure_ref_venv(cache)
    exe = str(venv / "bin" / "openapi-python-client")
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = work / "opc-out"
    cfg = work / "opc-config.yaml"
    cfg.write_text("post_hooks: []\n")
    # default first; then the documented minimal workarounds, only if the default fails
    attempts = [
        ("default", []),
        ("--meta none", ["--meta", "none"]),
        ("--config post_hooks: []", ["--config", str(cfg)]),
    ]
    result: dict[str, Any] = {"tool": f"{REF_PACKAGE}=={REF_VERSION}", "attempts": []}
    for name, extra in attempts:
        cmd = [
            exe,
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(out),
            "--overwrite",
            *extra,
        ]
        runs = []
        for i in range(reps):
            shutil.rmtree(out, ignore_errors=True)
            logfile = work / "logs" / f"opc-{name.split()[0].strip('-')}-{i}.log"
            r = measure(cmd, logfile, work / "cwd", env, args_timeout)
            text = logfile.read_text(errors="replace")
            r["warnings"] = text.count("Unable to ")  # two per skipped schema, mostly
            r["schemas_skipped"] = len(set(_OPC_SCHEMA.findall(text)))
            r["operations_warned"] = len(_OPC_OPERATION.findall(text))
            r["endpoints_dropped"] = text.count("Endpoint will not be generated")
            r["log"] = str(logfile)
            log(
                f"openapi-python-client ({name}) #{i}: {r['wall']:.2f}s, "
                f"tree RSS {r['tree_rss_kib'] / 1024:.0f} MiB, rc={r['rc']}, "
                f"{r['warnings']} schema warnings"
            )
            if r["rc"] != 0 or not out.is_dir():
                why = "\n".join(text.splitlines()[-25:])
                log(f"openapi-python-client ({name}) failed:\n{why}")
                result["attempts"].append({"settings": name, "rc": r["rc"], "why": why})
                break
            runs.append(r)
        else:
            files = sum(1 for p in out.rglob("*") if p.is_file())
            result.update(
                settings=name,
                command=" ".join(cmd),
                wall=summary([r["wall"] for r in runs]),
                **memory(runs),
                warnings=runs[-1]["warnings"],
                schemas_skipped=runs[-1]["schemas_skipped"],
                operations_warned=runs[-1]["operations_warned"],
                endpoints_dropped=runs[-1]["endpoints_dropped"],
                files=files,
                runs=runs,
            )
            result["attempts"].append({"settings": name, "rc": 0})
            return result
    result["failed"] = True
    return result


# ---------------------------------------------------------------------------------------------
# main


def cold_summary(name: str, pages: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    fallbacks: list[int | None] = [r.get("whole_file_fallbacks") for r in runs]
    counts = [n for n in fallbacks if n is not None]
    return {
        "corpus": name,
        "pages": pages,
        "wall": summary([r["wall"] for r in runs]),
        **memory(runs),
        "ms_per_page": summary([1000 * r["wall"] / pages for r in runs]),
        "stages": {
            k: statistics.median(r["stages"].get(k, 0.0) for r in runs) for k in runs[-1]["stages"]
        },
        "summary": runs[-1]["summary"],
        "formatter": runs[-1].get("formatter", ""),
        "whole_file_fallbacks": max(counts) if len(counts) == len(fallbacks) else None,
        "rc": [r["rc"] for r in runs],
        "timed_out": any(r.get("timed_out") for r in runs),
    }


def rebuild_summary(runs: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "wall": summary([r["wall"] for r in runs]),
        "stages": runs[-1]["stages"],
        "files_written": [r["files_written"] for r in runs],
        **extra,
    }


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="sogen benchmark (issues 5, 12); see bench/README.md")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="one repetition everywhere (a smoke run, figures are noisy)",
    )
    ap.add_argument("--reps", type=int, default=3, help="repetitions per measurement (default 3)")
    ap.add_argument(
        "--cold-reps",
        type=int,
        default=None,
        help="repetitions of the cold whole-API and synthetic builds (default: --reps)",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=3600,
        help="seconds before one build or reference run is killed (default 3600)",
    )
    ap.add_argument(
        "--big-timeout",
        type=float,
        default=1800,
        help="seconds before the 12,000-page build is killed (default 1800); "
        "a killed build is a lower bound: MISS if even that misses, else n/a",
    )
    ap.add_argument(
        "--big-reps",
        type=int,
        default=1,
        help="repetitions of the 12,000-page cold build (default 1)",
    )
    ap.add_argument(
        "--import-reps",
        type=int,
        default=7,
        help="warm repetitions of import + first call (default 7)",
    )
    ap.add_argument(
        "--json",
        type=Path,
        default=BENCH / "results.json",
        help="where to write the results (default bench/results.json)",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=BENCH / ".cache",
        help="corpora, reference venv and work folders (default bench/.cache)",
    )
    ap.add_argument("--no-reference", action="store_true", help="skip openapi-python-client")
    ap.add_argument("--no-big", action="store_true", help="skip the 12,000-page build")
    ap.add_argument(
        "--no-synthetic",
        action="store_true",
        help="skip the cold builds of the synthetic 800/3,255-page corpora (continuity figures)",
    )
    ap.add_argument(
        "--live-code",
        action="store_true",
        help="run the work tree's generator/ instead of a snapshot taken at the start",
    )
    ap.add_argument(
        "--report", type=Path, metavar="JSON", help="print the table of an earlier run and exit"
    )
    args = ap.parse_args()
    if args.quick:
        args.reps = args.big_reps = 1
        args.import_reps = 3
    if args.cold_reps is None:
        args.cold_reps = args.reps
    return args


def main() -> int:
    args = parse_args()
    if args.report:
        return report(args.report)
    cache = args.cache.resolve()
    work = cache / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.time()
    load = os.getloadavg()[0]
    if load > 0.5:
        log(
            f"warning: load average is {load:.2f} before starting; other work on this machine "
            "will inflate the figures (each measurement records its load_before)"
        )

    corpora = {MAIN: prepare_wholeapi(cache)}
    if not args.no_synthetic:
        for name, n in SYNTHETIC.items():
            corpora[name] = prepare_synthetic(cache, name, CORPUS_SRC, n)
    if not args.no_big:
        corpora[BIG] = prepare_synthetic(cache, BIG, corpora[MAIN], BIG_PAGES)
    pages = {name: count_pages(c) for name, c in corpora.items()}
    # the whole-API scenarios run on a private copy, so the edits never touch the cached corpus
    main_corpus = work / MAIN
    shutil.copytree(corpora[MAIN], main_corpus)
    snapshot, code = (None, {"path": None}) if args.live_code else snapshot_code(work)
    sogen = Sogen.detect(work, snapshot)
    log(f"sogen: {' '.join(sogen.cmd)}; cache option: {sogen.cache_flag or 'none'}")

    results: dict[str, Any] = {
        "format": RESULTS_FORMAT,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_at_start": os.getloadavg(),
        },
        "reps": args.reps,
        "corpora": {
            name: json.loads((c / CORPUS_MARKER).read_text())
            | {"path": str(c), "pages": pages[name]}
            for name, c in corpora.items()
        },
        "sogen_cache_option": sogen.cache_flag,
        "code": code,
        "cold": {},
    }

    # 1. cold whole-API builds: the cold figure, peak RSS and the formatter line
    cold: dict[str, list[dict[str, Any]]] = {}
    out_main = work / f"out-{MAIN}"
    cold[MAIN] = [
        sogen_run(sogen, main_corpus, out_main, f"cold-{MAIN}-{i}", cold=True, timeout=args.timeout)
        for i in range(args.cold_reps)
    ]
    results["cold"][MAIN] = cold_summary(MAIN, pages[MAIN], cold[MAIN])
    write_json(args.json, results, quiet=True)
    if any(r["rc"] != 0 for r in cold[MAIN]) or not (out_main / "openapi.json").is_file():
        log("a cold whole-API build failed; see the logs above. Stopping.")
        write_json(args.json, results)
        return 1
    spec = work / f"openapi-{MAIN}.json"
    shutil.copy(out_main / "openapi.json", spec)

    # 2. import + first call through the whole-API client
    try:
        results["import"] = import_probe(out_main / "python", work, args.import_reps)
    except RuntimeError as exc:
        log(f"import probe failed: {exc}")
        results["import"] = {"error": str(exc)}

    # 3. reference tool on our own whole-API openapi.json
    if not args.no_reference:
        results["reference"] = reference(cache, work, spec, args.reps, args.timeout)
        write_json(args.json, results, quiet=True)

    # 4. rebuilds of the whole-API OUT: nothing changed, one page's prose, one page's type
    noop = [
        sogen_run(sogen, main_corpus, out_main, f"noop-{i}", cold=False) for i in range(args.reps)
    ]
    results["noop"] = rebuild_summary(noop)
    onepage = []
    for i in range(args.reps):
        page = edit_one_page(main_corpus, i + 1)
        onepage.append(sogen_run(sogen, main_corpus, out_main, f"onepage-{i}", cold=False))
    results["onepage"] = rebuild_summary(onepage, page=str(page.relative_to(main_corpus)))
    onetype = []
    typed = None
    for i in range(args.reps):
        typed = edit_one_type(main_corpus, i + 1)
        if typed is None:
            break
        onetype.append(sogen_run(sogen, main_corpus, out_main, f"onetype-{i}", cold=False))
    if onetype and typed is not None:
        results["onetype"] = rebuild_summary(onetype, page=str(typed.relative_to(main_corpus)))
    write_json(args.json, results, quiet=True)

    # 5. cold builds of the synthetic corpora (continuity with the runs before issue 12), then
    #    the 12,000-page point last, so a slow one cannot hold up the rest. Both come after the
    #    rebuilds: a cold build clears the caches the rebuilds use.
    later = [name for name in SYNTHETIC if name in corpora]
    if BIG in corpora:
        later.append(BIG)
    for name in later:
        out = work / f"out-{name}"
        big = name == BIG
        reps, limit = (args.big_reps, args.big_timeout) if big else (args.cold_reps, args.timeout)
        cold[name] = [
            sogen_run(sogen, corpora[name], out, f"cold-{name}-{i}", cold=True, timeout=limit)
            for i in range(reps)
        ]
        shutil.rmtree(out, ignore_errors=True)  # keep the disk tidy
        results["cold"][name] = cold_summary(name, pages[name], cold[name])
        write_json(args.json, results, quiet=True)
    results["caches_seen"] = sorted(
        {c for runs in cold.values() for r in runs for c in r.get("caches_cleared", [])}
    )
    results["targets"] = targets(results)
    results["budgets"] = budgets(results)
    results["bench_seconds"] = time.time() - started
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    print_table(results)
    write_json(args.json, results)
    return 0


def targets(res: dict[str, Any]) -> dict[str, Any]:
    def med(*keys: str) -> float | None:
        node: Any = res
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                return None
            node = node[k]
        return node.get("median") if isinstance(node, dict) else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a and b else None

    cold = med("cold", MAIN, "wall")
    values = {
        "cold_vs_ref": ratio(cold, med("reference", "wall")),
        "noop_vs_cold": ratio(med("noop", "wall"), cold),
        "onepage_vs_cold": ratio(med("onepage", "wall"), cold),
        "scale_big_vs_main": ratio(med("cold", BIG, "wall"), cold),
        "rss_vs_ref": ratio(med("cold", MAIN, "rss_mib"), med("reference", "rss_mib")),
        "import_first_call": med("import", "total"),
        "whole_file_fallbacks": res.get("cold", {}).get(MAIN, {}).get("whole_file_fallbacks"),
    }
    big_killed = bool(res.get("cold", {}).get(BIG, {}).get("timed_out"))
    out = {}
    for key, (desc, limit, unit) in TARGETS.items():
        v = values[key]
        lower_bound = key == "scale_big_vs_main" and big_killed
        verdict = "n/a" if v is None else ("PASS" if v <= limit else "MISS")
        if lower_bound and verdict == "PASS":
            verdict = "n/a"  # killed before it finished: the ratio is only a lower bound
        out[key] = {
            "description": desc,
            "value": v,
            "limit": limit,
            "unit": unit,
            "lower_bound": lower_bound,
            "verdict": verdict,
        }
    return out


def budgets(res: dict[str, Any]) -> dict[str, float] | None:
    """The ratio targets as absolute figures, taking the cold build at its own target."""
    ref = res.get("reference", {})
    if "wall" not in ref:
        return None
    cold = TARGETS["cold_vs_ref"][1] * ref["wall"]["median"]
    return {
        "cold_s": cold,
        "noop_s": TARGETS["noop_vs_cold"][1] * cold,
        "onepage_s": TARGETS["onepage_vs_cold"][1] * cold,
        "big_s": TARGETS["scale_big_vs_main"][1] * cold,
        "rss_mib": TARGETS["rss_vs_ref"][1] * ref["rss_mib"]["median"],
    }


def report(path: Path) -> int:
    """Print the table of an earlier run's JSON again."""
    res = json.loads(path.read_text())
    if res.get("format") != RESULTS_FORMAT:
        print(
            f"bench: {path} was written by an earlier bench (its main input was the synthetic "
            "3,255-page corpus); print it with that version's bench/run.py --report",
            file=sys.stderr,
        )
        return 2
    res["targets"] = targets(res)
    res["budgets"] = budgets(res)
    print_table(res)
    return 0


def corpus_title(name: str, pages: int) -> str:
    if name == MAIN:
        return f"whole API, {pages:,} pages"
    if name == BIG:
        return f"{pages:,} pages (synth-corpus of the whole API)"
    return f"synthetic {pages:,} pages (continuity)"


def print_table(res: dict[str, Any]) -> None:
    rows: list[tuple[str, str]] = []
    for name, c in res["cold"].items():
        stages = "  ".join(f"{k} {v:.1f}" for k, v in c["stages"].items())
        killed = "  (KILLED at the time limit: a lower bound)" if c.get("timed_out") else ""
        failed = "" if all(rc == 0 for rc in c["rc"]) or killed else f"  FAILED rc={c['rc']}"
        rows.append(
            (f"cold build, {corpus_title(name, c['pages'])}", fmt_s(c["wall"]) + killed + failed)
        )
        rows.append(("  per page", fmt_s(c["ms_per_page"], "ms", digits=1)))
        rows.append(("  peak RSS, process tree", fmt_s(c["rss_mib"], " MiB", digits=0)))
        rows.append(("  peak PSS, process tree", fmt_s(c["pss_mib"], " MiB", digits=0)))
        rows.append(
            ("  peak RSS, largest process", fmt_s(c["largest_process_mib"], " MiB", digits=0))
        )
        if stages:
            rows.append(("  stages (s, median)", stages))
        if c.get("formatter"):
            rows.append(("  formatter", c["formatter"].removeprefix("formatter ")))
    for key, title, note in (
        ("noop", "no-change rebuild, whole API", ""),
        ("onepage", "one-page-change rebuild, whole API", ""),
        ("onetype", "one-type-change rebuild, whole API", " (no target)"),
    ):
        if key in res:
            r = res[key]
            rows.append((title, fmt_s(r["wall"]) + f"  files written {r['files_written']}{note}"))
    imp = res.get("import", {})
    if "total" in imp:
        rows.append(("import + first call (warm)", fmt_s(imp["total"], digits=3)))
        rows.append(
            (
                "  import / construct / call",
                " / ".join(f"{imp[k]['median']:.3f}s" for k in ("import", "construct", "call"))
                + f"  ({imp['modules']} modules)",
            )
        )
        rows.append(("  first run, no .pyc", f"{imp['first_no_pyc']['total']:.3f}s"))
    elif "error" in imp:
        rows.append(("import + first call", "FAILED (see the JSON)"))
    ref = res.get("reference")
    if ref and not ref.get("failed"):
        rows.append((f"{ref['tool']} ({ref['settings']})", fmt_s(ref["wall"])))
        rows.append(("  peak RSS, process tree", fmt_s(ref["rss_mib"], " MiB", digits=0)))
        rows.append(("  peak PSS, process tree", fmt_s(ref["pss_mib"], " MiB", digits=0)))
        rows.append(
            ("  peak RSS, largest process", fmt_s(ref["largest_process_mib"], " MiB", digits=0))
        )
        rows.append(("  schema warnings / files", f"{ref['warnings']} / {ref['files']}"))
        if "schemas_skipped" in ref:
            rows.append(
                (
                    "  left out of its client",
                    f"{ref['schemas_skipped']} schemas, {ref['endpoints_dropped']} endpoints "
                    f"({ref['operations_warned']} operations with warnings)",
                )
            )
    elif ref:
        rows.append((ref["tool"], "FAILED (see attempts in the JSON)"))
    width = max(len(a) for a, _ in rows)
    print()
    print(
        f"sogen benchmark  (python {res['machine']['python']}, {res['machine']['cpus']} cpus,"
        f" reps {res['reps']}; median [min-max] ±spread)"
    )
    for a, b in rows:
        print(f"  {a:<{width}}  {b}")
    print()
    print("targets")
    for t in res["targets"].values():
        if t["value"] is None:
            v = "n/a"
        elif t["unit"]:
            v = f"{t['value']:.3f}{t['unit']}"
        else:
            v = f"{t['value']}"
        if t.get("lower_bound") and t["value"] is not None:
            v = ">" + v
        print(f"  {t['verdict']:<4}  {t['description']:<58} {v:>10}  (<= {t['limit']}{t['unit']})")
    budget = res.get("budgets")
    if budget:
        print()
        print(
            f"absolute budgets once the cold build meets its target "
            f"(0.3 x reference = {budget['cold_s']:.2f}s):"
        )
        print(
            f"  no-change rebuild <= {budget['noop_s']:.2f}s, one-page rebuild <= "
            f"{budget['onepage_s']:.2f}s, 12,000 pages <= {budget['big_s']:.1f}s, "
            f"peak RSS <= {budget['rss_mib']:.0f} MiB"
        )
    print()


def write_json(path: Path, results: dict[str, Any], quiet: bool = False) -> None:
    """Also called after each phase, so a long run that is stopped keeps what it measured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if not quiet:
        log(f"results written to {path}")


if __name__ == "__main__":
    sys.exit(main())
