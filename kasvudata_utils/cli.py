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

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError

# Module names under kasvudata_utils.commands, in the order shown by --help.
COMMANDS = ("areas", "data", "statfin", "indicators", "shift_share", "similar", "reports", "workshop", "insights",
            "research", "disclosure")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors are bad input too: exit 2, one line
        self.exit(2, f"kasvudata: error: {' '.join(str(message).split())}\n")  # a CR/LF typed in a value too


def build_parser() -> argparse.ArgumentParser:
    """The ``kasvudata`` argument parser with one subcommand for each module of :data:`COMMANDS` that exists."""
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
    for p in sub.choices.values():  # every command accepts named custom areas (areas.load_groups)
        if not any("--groups" in a.option_strings for a in p._actions):
            p.add_argument("--groups", metavar="FILE", help="YAML file of named custom areas, e.g. "
                                                            "'Oulunkaari ja Koillismaa: SK173+SK178'")
    return parser


def main(argv=None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``) and return the exit code: 0, 1 or 2."""
    parser = build_parser()
    raw = sys.argv[1:] if argv is None else list(argv)
    nul = next((a for a in raw if "\x00" in str(a)), None)
    if nul is not None:  # a path with a NUL byte would surface as "ValueError: embedded null byte"
        print(f"kasvudata: error: argument {str(nul)[:60]!r} contains a NUL byte: expected plain text",
              file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        if getattr(args, "groups", None):
            areas.load_groups(args.groups)
            # report kernels and app servers started by this command read the same groups
            os.environ[areas.GROUPS_ENV] = os.path.abspath(args.groups)
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
        print(f"kasvudata: internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:500]} "
              "(set KASVUDATA_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
