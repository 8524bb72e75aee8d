"""Command line: ``jobsim run``, ``jobsim forecast``.

Errors in the user's input (scenario, parameters, data) print one clear message naming file
and field, exit with status 2, and leave no output folder behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.data import DataError
from model.params import ParameterError
from model.scenario import ScenarioError

__all__ = ["main"]


def _positive_float(text: str) -> float:
    value = float(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate one scenario")
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--seed", type=_non_negative_int, default=None)
    run.add_argument("--persons-per-agent", type=_positive_float, default=None)
    fc = sub.add_parser("forecast", help="forecast and backtest the headline series")
    fc.add_argument("--out", type=Path, required=True, help="output folder")
    fc.add_argument("--include-memory", action="store_true",
                    help="use M-flagged (memory-only) values too")
    fc.add_argument("--seed", type=_non_negative_int, default=0)
    return parser


def _run(args: argparse.Namespace) -> int:
    from model.runner import run_scenario
    from model.scenario import load_scenario

    loaded = load_scenario(args.scenario)
    results = run_scenario(loaded, seed=args.seed, persons_per_agent=args.persons_per_agent)
    out = results.save(args.out)
    print(f"scenario {loaded.spec.scenario.name}: seed {results.manifest['seed']}, "
          f"{results.manifest['persons_per_agent']:g} persons per agent")
    print(results.summary())
    print(f"\nresults written to {out}/ (monthly.csv, summary.json, manifest.json)")
    return 0


def _forecast(args: argparse.Namespace) -> int:
    from model.forecast.runner import run_forecast

    written = run_forecast(args.out, include_memory=args.include_memory, seed=args.seed)
    print(f"forecast written to {args.out}/: {', '.join(map(str, written))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jobsim`` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        return _forecast(args)
    except (ScenarioError, ParameterError, DataError, FileExistsError) as exc:
        print(f"jobsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
