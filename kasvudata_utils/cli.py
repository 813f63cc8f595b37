"""The ``kasvudata`` command line (SPEC §4).

Each command lives in its own module under ``kasvudata_utils/commands/`` with a
``register(subparsers)`` function that adds its parser and sets ``func``.
Exit codes: 0 success, 2 bad input (one line on stderr, no traceback),
1 internal error.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from kasvudata_utils.errors import InputError

# Module names under kasvudata_utils.commands, in the order shown by --help.
COMMANDS = ("areas", "data", "statfin", "indicators", "shift_share", "reports", "workshop", "insights", "disclosure")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors are bad input too: exit 2, one line
        self.exit(2, f"kasvudata: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kasvudata", description="KasvuDATA: regional business analytics and co-learning "
                                                   "workshops for Northern Ostrobothnia.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"kasvudata_utils.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kasvudata_utils.commands.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        rc = args.func(args)
        return int(rc or 0)
    except InputError as exc:
        print(f"kasvudata: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kasvudata: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # internal error: one line, traceback only on request
        if os.environ.get("KASVUDATA_DEBUG"):
            raise
        print(f"kasvudata: internal error: {type(exc).__name__}: {exc} (set KASVUDATA_DEBUG=1 for details)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
