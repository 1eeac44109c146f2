"""Command line: arguments, exit codes and printing. No pipeline logic lives here.

Exit status: 0 no errors (warnings allowed), 1 errors (or differences, for check), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generator import pipeline
from generator.diagnostics import Diagnostic
from generator.model.ir import to_json

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


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
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.add_argument("-v", "--verbose", action="store_true", help="also say what was skipped")
        p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
        p.add_argument("--timings", action="store_true", help="print seconds per stage")

    def output(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-o",
            "--out",
            type=Path,
            default=Path("generated"),
            help="output folder (default: generated)",
        )
        p.add_argument(
            "--openapi",
            choices=["3.0", "3.1"],
            default="3.0",
            help="OpenAPI version to emit (default: 3.0 = 3.0.3)",
        )
        p.add_argument("--no-client", action="store_true", help="emit the OpenAPI files only")

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


def _options(args: argparse.Namespace) -> pipeline.Options:
    return pipeline.Options(
        inputs=list(args.paths) or [Path("specs")],
        out=getattr(args, "out", Path("generated")),
        openapi_version=getattr(args, "openapi", "3.0"),
        strict=args.strict,
        with_client=not getattr(args, "no_client", False),
    )


def _print_diagnostics(items: list[Diagnostic], args: argparse.Namespace, err: TextIO) -> None:
    for d in items:
        if args.quiet and d.severity != "error":
            continue
        if args.strict and d.severity == "warning":
            d = Diagnostic(d.code, d.message, d.source, "error", d.related)
        print(d.render(), file=err)


def _summary(outcome: pipeline.Outcome, args: argparse.Namespace, extra: str = "") -> str:
    api = outcome.api
    ops = len(api.operations()) if api else 0
    schemas = len(api.schemas) if api else 0
    errors = len(outcome.diags.errors) + (len(outcome.diags.warnings) if args.strict else 0)
    warnings = 0 if args.strict else len(outcome.diags.warnings)
    seconds = sum(outcome.timings.values())
    text = (
        f"sogen: {outcome.pages} pages, {ops} operations, {schemas} schemas{extra}, "
        f"{errors} errors, {warnings} warnings ({seconds:.2f}s)"
    )
    if args.timings:
        text += "\n" + "  ".join(f"{k} {v:.3f}s" for k, v in outcome.timings.items())
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
    options = _options(args)
    try:
        return _run(args, options, out, err)
    except KeyboardInterrupt:
        print("sogen: interrupted; nothing was written", file=err)
        return 130


def _run(args: argparse.Namespace, options: pipeline.Options, out: TextIO, err: TextIO) -> int:
    if args.command == "lint":
        outcome = pipeline.model(options)
    elif args.command == "check":
        outcome = pipeline.check(options)
    else:
        outcome = pipeline.build(options)
    if args.verbose:
        for skipped in outcome.skipped:
            print(f"{skipped}: note: not an endpoint page; skipped", file=err)
    if getattr(args, "dump_model", None) and outcome.api is not None:
        text = json.dumps(to_json(outcome.api), indent=2, ensure_ascii=False) + "\n"
        args.dump_model.write_text(text, encoding="utf-8")
    diagnostics = outcome.diags.sorted()
    if args.command == "lint" and args.format == "json":
        payload = {
            "diagnostics": [
                {
                    "path": d.source.path if d.source else None,
                    "line": d.source.line if d.source else None,
                    "col": d.source.col if d.source else None,
                    "severity": "error" if args.strict else d.severity,
                    "code": d.code,
                    "message": d.message,
                }
                for d in diagnostics
            ],
            "model": to_json(outcome.api) if outcome.api is not None else None,
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False), file=out)
    else:
        _print_diagnostics(diagnostics, args, err)
    extra = ""
    if outcome.report is not None:
        extra = f", {len(outcome.report.written)} files written"
        if outcome.report.removed:
            extra += f", {len(outcome.report.removed)} removed"
    failed = outcome.failed(options.strict)
    if args.command == "check" and outcome.difference is not None:
        diff = outcome.difference
        for label, names in (
            ("added", diff.added),
            ("changed", diff.changed),
            ("removed", diff.removed),
        ):
            for name in names:
                print(f"{options.out / name}: {label}", file=out)
        extra = f", {len(diff.added) + len(diff.changed) + len(diff.removed)} files differ"
        failed = failed or bool(diff)
    if not args.quiet or failed:
        print(_summary(outcome, args, extra), file=err)
    return EXIT_ERRORS if failed else EXIT_OK
