"""Command line: ``jobsim run``, ``compare``, ``calibrate``, ``forecast``.

Errors in the user's input (scenario, parameters, data) print one clear message naming file
and field, exit with status 2, and leave no output folder behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.data import DataError
from model.memory import keep_heap
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
    cmp_ = sub.add_parser("compare", help="compare scenarios over replications; HTML report")
    cmp_.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files")
    cmp_.add_argument("--replications", type=int, default=20)
    cmp_.add_argument("--out", type=Path, required=True, help="output folder")
    cmp_.add_argument("--workers", type=int, default=None, help="local processes")
    cmp_.add_argument("--scheduler", default=None, help="Dask scheduler address")
    cmp_.add_argument("--seed", type=_non_negative_int, default=None)
    cmp_.add_argument("--persons-per-agent", type=_positive_float, default=None)
    cmp_.add_argument("--attribution-replications", type=_non_negative_int, default=None,
                      help="replicates that also run one counterfactual per instrument "
                           "(default min(N, 10))")
    cmp_.add_argument("--macro-draws", action="store_true",
                      help="one forecast demand path per replicate (macro uncertainty)")
    cmp_.add_argument("--parameter-draws", type=Path, default=None,
                      help="fitted parameter file: one draw of its calibrated parameters per "
                           "replicate (parameter uncertainty)")
    cal = sub.add_parser("calibrate", help="fit parameters to the record (simulated moments)")
    cal.add_argument("config", type=Path, help="calibration TOML file")
    cal.add_argument("--out", type=Path, required=True, help="fitted parameter file to write")
    cal.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    cal.add_argument("--workers", type=int, default=2)
    val = sub.add_parser("validate", help="backcast the calibrated model against the record")
    val.add_argument("config", type=Path, nargs="?", default=Path("calibration/hunan.toml"))
    val.add_argument("--out", type=Path, required=True, help="output folder")
    val.add_argument("--fitted", type=Path,
                     default=Path("calibration/fitted/hunan_2020_dynamic.toml"))
    val.add_argument("--docs", type=Path, default=None, help="also write the page here")
    val.add_argument("--draws", type=int, default=16)
    val.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    val.add_argument("--workers", type=int, default=2)
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


def _compare(args: argparse.Namespace) -> int:
    from model.compare.cli import run_compare

    run_compare(scenarios=args.scenarios, out=args.out, replications=args.replications,
                workers=args.workers, scheduler=args.scheduler, seed=args.seed,
                persons_per_agent=args.persons_per_agent,
                attribution_replications=args.attribution_replications,
                macro_draws=args.macro_draws, parameter_draws=args.parameter_draws)
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from calibration.cli import run_calibrate

    try:
        run_calibrate(args.config, args.out, resume=args.resume, workers=args.workers)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from exc
    return 0


def _validate(args: argparse.Namespace) -> int:
    from calibration.validate_cli import main_validate

    return main_validate(args)


COMMANDS = {"run": _run, "compare": _compare, "calibrate": _calibrate, "forecast": _forecast,
            "validate": _validate}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jobsim`` console script."""
    args = _parser().parse_args(argv)
    keep_heap()  # large runs: keep numpy's freed temporaries instead of re-faulting them
    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, ParameterError, DataError, FileExistsError) as exc:
        print(f"jobsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
