"""Entry point of the ``secours`` command: parse, dispatch, and turn errors into exit codes.

Exit codes: 0 success; 1 a drill failed or the run broke; 2 a usage or input error (one line on
stderr, no traceback).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from secours.cli import bench, broker, checks, contract, drill, fault, procedures, run, topics, world
from secours.errors import SecoursError, UsageError
from secours.resources import package_version

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"secours: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="secours", description="Simulator of EU customs IT systems and their fallback procedures.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    parser.add_argument("--version", action="version", version=f"secours {package_version() or '(not installed)'}")
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="{drill,run,fault,bench,broker,topics,world,contract,procedures,checks}",
        parser_class=_Parser,
    )
    drill.register(sub)
    run.register(sub)
    fault.register(sub)
    bench.register(sub)
    broker.register(sub)
    topics.register(sub)
    world.register(sub)
    contract.register(sub)
    procedures.register(sub)
    checks.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiokafka").setLevel(max(level, logging.ERROR if args.verbose == 0 else level))
    # A TERM (kill, a CI timeout) stops as Ctrl-C does: the clean-up runs, and the broker and the
    # child processes secours started are stopped too instead of being left running.
    signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background by a shell, which ignores Ctrl-C for it: the TERM turned into
        # a SIGINT would then do nothing, and the process would outlive its kill.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"secours: {exc}", file=sys.stderr)
        return 2
    except SecoursError as exc:
        print(f"secours: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head(1) and closed early: not an error of ours
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
