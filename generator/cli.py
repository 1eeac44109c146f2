"""Command line: arguments, configuration, exit codes and printing. No pipeline logic here.

Exit status: 0 no errors (warnings allowed), 1 errors (or differences, for check), 2 usage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from generator import pipeline
from generator.config import (
    PACKAGE_NAME,
    VERSION,
    Config,
    find_config,
    load_config,
    silence_problem,
)
from generator.diagnostics import Diagnostic, Diagnostics

if TYPE_CHECKING:
    from generator.openapi.emit import OpenApiVersion

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
DEFAULT_INPUTS = [Path("specs")]
DEFAULT_OUT = Path("generated")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sogen",
        description="SuperOffice WebAPI reference pages -> OpenAPI 3 + typed Python client.",
    )
    parser.add_argument("--version", action="version", version=f"sogen {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "paths",
            nargs="*",
            type=Path,
            metavar="PATH",
            help="pages or folders searched recursively for *.md (default: specs)",
        )
        p.add_argument("--config", type=Path, metavar="FILE", help="sogen.toml or pyproject.toml")
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.add_argument("-v", "--verbose", action="store_true", help="also say what was skipped")
        p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
        p.add_argument("--timings", action="store_true", help="print seconds per stage")
        p.add_argument(
            "--cache-dir", type=Path, metavar="DIR", help="build cache (default: ~/.cache/sogen)"
        )
        p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
        p.add_argument(
            "--silence",
            action="append",
            default=[],
            metavar="CODES",
            help="warning codes (comma-separated, repeatable) not to print, count or fail on",
        )

    def output(p: argparse.ArgumentParser) -> None:
        p.add_argument("-o", "--out", type=Path, help="output folder (default: generated)")
        p.add_argument(
            "--openapi", choices=["3.0", "3.1"], help="OpenAPI version (default: 3.0 = 3.0.3)"
        )
        p.add_argument("--no-client", action="store_true", help="emit the OpenAPI files only")
        p.add_argument("--templates", type=Path, metavar="DIR", help="template overrides")
        p.add_argument("--package", help="client package name (default: superoffice_webapi)")
        p.add_argument("--package-version", help="client package version (default: 0.1.0)")

    b = sub.add_parser("build", help="parse pages and write OpenAPI + client into OUT")
    common(b)
    output(b)
    b.add_argument("--dump-model", type=Path, metavar="FILE", help="also write the model as JSON")
    b.add_argument(
        "--overwrite-unowned",
        action="store_true",
        help="replace files sogen did not write where it now writes one (default: refuse)",
    )

    c = sub.add_parser("check", help="exit 1 if OUT is not exactly what build would write")
    common(c)
    output(c)

    lint = sub.add_parser("lint", help="parse and model only; print diagnostics")
    common(lint)
    lint.add_argument("--format", choices=["text", "json"], default="text")
    lint.add_argument(
        "--dump-model", type=Path, metavar="FILE", help="also write the model as JSON"
    )

    cache = sub.add_parser("cache", help="show the build cache's size, or clear it")
    cache.add_argument(
        "action", nargs="?", default="info", choices=["info", "clear"], help="(default: info)"
    )
    cache.add_argument(
        "--cache-dir", type=Path, metavar="DIR", help="build cache (default: ~/.cache/sogen)"
    )
    return parser


def _cache_command(args: argparse.Namespace, out: TextIO) -> int:
    from generator.build.cache import BuildCache, cache_max_bytes, clear, usage

    cache = BuildCache(args.cache_dir)
    if not cache.enabled:
        print(f"{cache.root}: not used (not a folder of this user's alone)", file=out)
        return EXIT_ERRORS
    if args.action == "clear":
        freed = clear(cache)
        print(f"{cache.root}: cleared, {freed / 2**20:.1f} MiB freed", file=out)
        return EXIT_OK
    layers = usage(cache)
    total = sum(u.bytes for u in layers.values())
    limit = cache_max_bytes() / 2**20
    print(f"{cache.root}: {total / 2**20:.1f} MiB of at most {limit:.0f} MiB", file=out)
    for layer, used in layers.items():
        print(f"  {layer:<11} {used.files:>7} files {used.bytes / 2**20:>9.1f} MiB", file=out)
    return EXIT_OK


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sogen")
    except PackageNotFoundError:
        return "unknown"


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Arguments; a flag the command does not know is reported with that command's usage
    (argparse would show only the top-level one)."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        commands = next(
            a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
        ).choices
        commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _check_names(args: argparse.Namespace) -> str | None:
    """--package and --package-version end up in generated code: refuse anything odd."""
    package = getattr(args, "package", None)
    if package is not None and not PACKAGE_NAME.match(package):
        return f"--package {package!r} is not a lower-case Python package name"
    version = getattr(args, "package_version", None)
    if version is not None and not VERSION.match(version):
        return f"--package-version {version!r} is not a version such as 1.2.0"
    problem = silence_problem(_silenced_codes(args))
    if problem:
        return f"--silence: {problem}"
    return None


def _silenced_codes(args: argparse.Namespace) -> list[str]:
    return [c.strip() for given in args.silence for c in given.split(",") if c.strip()]


def _options(args: argparse.Namespace, config: Config) -> pipeline.Options:
    """Flags win over the configuration file, which wins over the defaults."""
    version: OpenApiVersion = (
        "3.1" if (getattr(args, "openapi", None) or config.openapi) == "3.1" else "3.0"
    )
    return pipeline.Options(
        inputs=list(args.paths) or config.inputs or DEFAULT_INPUTS,
        out=getattr(args, "out", None) or config.out or DEFAULT_OUT,
        openapi_version=version,
        strict=args.strict,
        with_client=not getattr(args, "no_client", False),
        package=getattr(args, "package", None) or config.package or "superoffice_webapi",
        version=getattr(args, "package_version", None) or config.version or "0.1.0",
        templates=getattr(args, "templates", None) or config.templates,
        contact=config.contact,
        license=config.license,
        retry_overrides=config.retry_overrides,
        cache_dir=args.cache_dir,
        use_cache=not args.no_cache,
        silence=frozenset(_silenced_codes(args)) | config.silence,
        cache_max_bytes=config.cache_max_mb * 1024 * 1024 if config.cache_max_mb else None,
        overwrite_unowned=getattr(args, "overwrite_unowned", False) or config.overwrite_unowned,
        dump_model=args.dump_model if args.command == "build" else None,
    )


class _ProgressBar:
    """A one-line bar on a terminal; nothing when stderr is a file or pipe."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.shown = False
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.err.write(f"\r{stage:<8} [{bar}] {done}/{total}")
        self.err.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.err.write("\r" + " " * 60 + "\r")
            self.err.flush()


def _print_diagnostics(
    items: list[Diagnostic], args: argparse.Namespace, err: TextIO, silence: frozenset[str]
) -> None:
    for d in items:
        if d.severity == "warning" and d.code in silence:
            continue
        if args.strict and d.severity == "warning":
            d = Diagnostic(d.code, d.message, d.source, "error", d.related)
        if args.quiet and d.severity != "error":
            continue  # quiet hides warnings, never errors
        print(d.render(), file=err)


def _summary(
    outcome: pipeline.Outcome, args: argparse.Namespace, silence: frozenset[str], extra: str = ""
) -> str:
    ops, schemas = outcome.operations, outcome.schemas
    shown = [w for w in outcome.diags.warnings if w.code not in silence]
    errors = len(outcome.diags.errors) + (len(shown) if args.strict else 0)
    warnings = 0 if args.strict else len(shown)
    seconds = sum(outcome.timings.values())
    quiet: dict[str, int] = {}
    for w in outcome.diags.warnings:
        if w.code in silence:
            quiet[w.code] = quiet.get(w.code, 0) + 1
    warnings_text = f"{warnings} warnings"
    if quiet:
        codes = ", ".join(f"{code} {n}" for code, n in sorted(quiet.items()))
        warnings_text += f", {sum(quiet.values())} silenced ({codes})"
    text = (
        f"sogen: {outcome.pages} pages, {ops} operations, {schemas} schemas{extra}, "
        f"{errors} errors, {warnings_text} ({seconds:.2f}s)"
    )
    if args.timings:
        text += "\n" + "  ".join(f"{k} {v:.3f}s" for k, v in outcome.timings.items())
        if outcome.formatting is not None:
            text += "\n" + outcome.formatting.describe()
    return text


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        status = _main(argv, out, err)
        out.flush()  # here, where a reader gone away can still be handled
        return status
    except BrokenPipeError:
        # the reader went away (`sogen check | head`): nobody is left to tell
        _quiet_stdout()
        return EXIT_ERRORS


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _main(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    parser = _parser()
    try:
        args = _parse(parser, argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    if args.command == "cache":
        return _cache_command(args, out)
    config_diags = Diagnostics()
    config_path = args.config if args.config is not None else find_config(Path.cwd())
    if args.config is not None and not args.config.is_file():
        print(f"{args.config}: error: configuration file not found [SOG903]", file=err)
        return EXIT_USAGE
    config = load_config(config_path, config_diags)
    if config_diags.errors:
        _print_diagnostics(config_diags.sorted(), args, err, frozenset())
        return EXIT_USAGE
    problem = _check_names(args)
    if problem:
        print(f"sogen: error: {problem} [SOG903]", file=err)
        return EXIT_USAGE
    options = _options(args, config)
    if options.templates is not None and not options.templates.is_dir():
        print(f"{options.templates}: error: templates folder does not exist [SOG904]", file=err)
        return EXIT_USAGE
    bar = _ProgressBar(err) if err.isatty() and not args.quiet else None
    options.progress = bar
    try:
        with _terminate_as_interrupt():
            return _run(args, options, out, err, bar)
    except KeyboardInterrupt as exc:
        if bar is not None:
            bar.clear()
        how = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"sogen: {how}; {_out_state(options)}", file=err)
        return 143 if isinstance(exc, Terminated) else 130
    except BrokenPipeError:
        raise  # not a bug: the reader of our output went away
    except Exception as exc:  # a bug in sogen: say so plainly, and truly what became of OUT
        if os.environ.get("SOGEN_DEBUG"):
            raise
        name = type(exc).__name__
        print(
            f"sogen: internal error: {name}: {exc}; {_out_state(options)}. "
            "Set SOGEN_DEBUG=1 for a traceback and please report it. [SOG999]",
            file=err,
        )
        return EXIT_ERRORS


def _out_state(options: pipeline.Options) -> str:
    """What became of OUT, truly: a build swaps it in whole or not at all (atomic writes)."""
    if options.out_replaced:
        return "the output folder had already been written"
    return "the output folder was left as it was"


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that a build throws its staging folder away."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops sogen as Ctrl-C does (OUT as it was, no staging folder left), when
    sogen runs as the program (its handler unset) in the main thread. Forked workers that
    inherit the handler die of the signal as before."""
    main_pid = os.getpid()

    def stop(signum: int, frame: object) -> None:
        if os.getpid() != main_pid:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated

    try:
        installed = signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        if installed:
            signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        installed = False
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(
    args: argparse.Namespace,
    options: pipeline.Options,
    out: TextIO,
    err: TextIO,
    bar: _ProgressBar | None,
) -> int:
    if args.command == "lint":
        outcome = pipeline.model(options)
    elif args.command == "check":
        outcome = pipeline.check(options)
    else:
        outcome = pipeline.build(options)
    if bar is not None:
        bar.clear()
    if args.verbose:
        for skipped in outcome.skipped:
            print(f"{skipped}: note: not an endpoint page; skipped", file=err)
        for note in outcome.notes:
            print(f"sogen: note: {note}", file=err)
    if args.command == "lint" and args.dump_model and outcome.api is not None:
        pipeline.dump_model(outcome.api, args.dump_model, outcome.diags)  # build did its own
    diagnostics = outcome.diags.sorted()
    if args.command == "lint" and args.format == "json":
        print(
            json.dumps(_lint_json(outcome, diagnostics, args), indent=2, ensure_ascii=False),
            file=out,
        )
    else:
        _print_diagnostics(diagnostics, args, err, options.silence)
    extra = ""
    if outcome.up_to_date:
        extra = ", up to date"
    elif outcome.report is not None:
        extra = f", {len(outcome.report.written)} files written"
        if outcome.report.removed:
            extra += f", {len(outcome.report.removed)} removed"
    failed = outcome.failed(options.strict, options.silence)
    if args.command == "check" and outcome.difference is not None:
        diff = outcome.difference
        changes = (
            ("added", diff.added),
            ("changed", diff.changed),
            ("removed", diff.removed),
            ("missing (sogen build restores it)", diff.missing),
        )
        for label, names in changes:
            for name in names:
                print(f"{options.out / name}: {label}", file=out)
        extra = f", {sum(len(names) for _, names in changes)} files differ"
        failed = failed or bool(diff)
    if not args.quiet or failed:
        print(_summary(outcome, args, options.silence, extra), file=err)
    return EXIT_ERRORS if failed else EXIT_OK


def _lint_json(
    outcome: pipeline.Outcome, diagnostics: list[Diagnostic], args: argparse.Namespace
) -> dict[str, object]:
    return {
        "diagnostics": [
            {
                "path": d.source.path if d.source else None,
                "line": d.source.line if d.source else None,
                "col": d.source.col if d.source else None,
                "severity": "error" if args.strict else d.severity,
                "code": d.code,
                "message": d.message,
                "related": [str(r) for r in d.related],
            }
            for d in diagnostics
        ],
        "model": _model_json(outcome),
    }


def _model_json(outcome: pipeline.Outcome) -> object:
    from generator.model.ir import to_json

    return to_json(outcome.api) if outcome.api is not None else None
