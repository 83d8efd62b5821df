"""Thin argparse front: parses, calls a command module, prints.

Each subcommand lives in ``edge_juggler/commands/<name>.py`` with ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; heavy imports stay inside
``run`` so ``edge-juggler --help`` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from edge_juggler.errors import InputError

COMMANDS = (
    "demo",
    "info",
    "record",
    "simulate",
    "analyze",
    "calibrate",
    "classify",
    "train",
    "coach",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edge-juggler",
        description="Juggling coach and edge-vision test bench (depth/colour tracking + "
        "INT8 OpenVINO classifier). SOURCE is a path or synthetic:N, kinect:0, webcam:0.",
    )
    from edge_juggler import __version__

    parser.add_argument("--version", action="version", version=f"edge-juggler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"edge_juggler.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"edge_juggler.commands.{name}":
                raise
            continue  # command not built yet
        p = sub.add_parser(name, help=mod.HELP, description=mod.__doc__)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    from edge_juggler.capture.base import warnings_to_stderr

    warnings_to_stderr()  # skipped frames, truncated files: one line each on stderr
    try:
        return int(args._run(args) or 0)
    except InputError as exc:
        print(f"edge-juggler: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("edge-juggler: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
