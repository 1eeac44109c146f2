"""Command line: arguments, configuration, exit codes and printing. No pipeline logic here.

Exit status: 0 no errors (warnings allowed), 1 errors (or differences, for check), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from generator import pipeline
from generator.config import PACKAGE_NAME, VERSION, Config, find_config, load_config
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

    c = sub.add_parser("check", help="exit 1 if OUT is not exactly what build would write")
    common(c)
    output(c)

    lint = sub.add_parser("lint", help="parse and model only; print diagnostics")
    common(lint)
    lint.add_argument("--format", choices=["text", "json"], default="text")
    lint.add_argument(
        "--dump-model", type=Path, metavar="FILE", help="also write the model as JSON"
    )
    return parser


def _check_names(args: argparse.Namespace) -> str | None:
    """--package and --package-version end up in generated code: refuse anything odd."""
    package = getattr(args, "package", None)
    if package is not None and not PACKAGE_NAME.match(package):
        return f"--package {package!r} is not a lower-case Python package name"
    version = getattr(args, "package_version", None)
    if version is not None and not VERSION.match(version):
        return f"--package-version {version!r} is not a version such as 1.2.0"
    return None


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


def _print_diagnostics(items: list[Diagnostic], args: argparse.Namespace, err: TextIO) -> None:
    for d in items:
        if args.quiet and d.severity != "error":
            continue
        if args.strict and d.severity == "warning":
            d = Diagnostic(d.code, d.message, d.source, "error", d.related)
        print(d.render(), file=err)


def _summary(outcome: pipeline.Outcome, args: argparse.Namespace, extra: str = "") -> str:
    ops, schemas = outcome.operations, outcome.schemas
    errors = len(outcome.diags.errors) + (len(outcome.diags.warnings) if args.strict else 0)
    warnings = 0 if args.strict else len(outcome.diags.warnings)
    seconds = sum(outcome.timings.values())
    text = (
        f"sogen: {outcome.pages} pages, {ops} operations, {schemas} schemas{extra}, "
        f"{errors} errors, {warnings} warnings ({seconds:.2f}s)"
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
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    config_diags = Diagnostics()
    config_path = args.config if args.config is not None else find_config(Path.cwd())
    if args.config is not None and not args.config.is_file():
        print(f"{args.config}: error: configuration file not found [SOG903]", file=err)
        return EXIT_USAGE
    config = load_config(config_path, config_diags)
    if config_diags.errors:
        _print_diagnostics(config_diags.sorted(), args, err)
        return EXIT_USAGE
    problem = _check_names(args)
    if problem:
        print(f"sogen: error: {problem} [SOG903]", file=err)
        return EXIT_USAGE
    options = _options(args, config)
    bar = _ProgressBar(err) if err.isatty() and not args.quiet else None
    options.progress = bar
    try:
        return _run(args, options, out, err, bar)
    except KeyboardInterrupt:
        if bar is not None:
            bar.clear()
        print("sogen: interrupted; the output folder was left as it was", file=err)
        return 130
    except Exception as exc:  # a bug in sogen: say so plainly; OUT is untouched (atomic writes)
        if os.environ.get("SOGEN_DEBUG"):
            raise
        name = type(exc).__name__
        print(
            f"sogen: internal error: {name}: {exc}; the output folder was left as it was. "
            "Set SOGEN_DEBUG=1 for a traceback and please report it. [SOG999]",
            file=err,
        )
        return EXIT_ERRORS


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
    if getattr(args, "dump_model", None) and outcome.api is not None:
        from generator.model.ir import to_json

        text = json.dumps(to_json(outcome.api), indent=2, ensure_ascii=False) + "\n"
        args.dump_model.write_text(text, encoding="utf-8")
    diagnostics = outcome.diags.sorted()
    if args.command == "lint" and args.format == "json":
        print(
            json.dumps(_lint_json(outcome, diagnostics, args), indent=2, ensure_ascii=False),
            file=out,
        )
    else:
        _print_diagnostics(diagnostics, args, err)
    extra = ""
    if outcome.up_to_date:
        extra = ", up to date"
    elif outcome.report is not None:
        extra = f", {len(outcome.report.written)} files written"
        if outcome.report.removed:
            extra += f", {len(outcome.report.removed)} removed"
    failed = outcome.failed(options.strict)
    if args.command == "check" and outcome.difference is not None:
        diff = outcome.difference
        changes = (("added", diff.added), ("changed", diff.changed), ("removed", diff.removed))
        for label, names in changes:
            for name in names:
                print(f"{options.out / name}: {label}", file=out)
        extra = f", {len(diff.added) + len(diff.changed) + len(diff.removed)} files differ"
        failed = failed or bool(diff)
    if not args.quiet or failed:
        print(_summary(outcome, args, extra), file=err)
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
