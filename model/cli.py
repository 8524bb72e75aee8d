"""Command line: ``jobsim run``, ``compare``, ``calibrate``, ``forecast``.

Errors in the user's input (scenario, parameters, data, flags, output folder) print one clear
message naming file, line and field, exit with status 2, and leave no output folder behind.

How a command reports a user error: raise :class:`jobsim.errors.UserError` (or a subclass:
``ScenarioError``, ``ParameterError``, ``DataError``, ``OutputError``, ...). :func:`main` is
the one place that turns it into ``jobsim: error: ...`` and exit status 2; an ``OSError``
(unreadable file, full disk) is reported the same way. Anything else is a bug and shows its
traceback. Ctrl-C prints one line and exits 130.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import NoReturn

from jobsim.errors import OutputError, UserError
from jobsim.memory import keep_heap

__all__ = ["main"]


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not math.isfinite(value) or value < 1:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 1, not {text!r}")
    return value


def _int_at_least(low: int):  # noqa: ANN202 - an argparse type
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, not {value}")
        return value
    return parse


def _yuan(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of yuan, not {text!r}") from None
    if not math.isfinite(value) or not 0 <= value <= 2.0**53:
        raise argparse.ArgumentTypeError(f"must be a finite number of yuan in [0, 2**53], "
                                         f"not {text!r}")
    return value


_non_negative_int = _int_at_least(0)
_positive_int = _int_at_least(1)


class _Parser(argparse.ArgumentParser):
    """argparse, with a misused flag reported like every other user error: one line, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"jobsim: error: {self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jobsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="simulate one scenario")
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--seed", type=_non_negative_int, default=None)
    run.add_argument("--persons-per-agent", type=_scale, default=None)
    cmp_ = sub.add_parser("compare", help="compare scenarios over replications; HTML report")
    cmp_.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files")
    cmp_.add_argument("--replications", type=_positive_int, default=20)
    cmp_.add_argument("--out", type=Path, required=True, help="output folder")
    cmp_.add_argument("--workers", type=_positive_int, default=None, help="local processes")
    cmp_.add_argument("--scheduler", default=None, help="Dask scheduler address")
    cmp_.add_argument("--seed", type=_non_negative_int, default=None)
    cmp_.add_argument("--persons-per-agent", type=_scale, default=None)
    cmp_.add_argument("--attribution-replications", type=_non_negative_int, default=None,
                      help="replicates that also run one counterfactual per instrument "
                           "(default min(N, 10))")
    cmp_.add_argument("--macro-draws", action=argparse.BooleanOptionalAction, default=True,
                      help="one forecast demand path per replicate (macro uncertainty; on by "
                           "default, --no-macro-draws turns it off)")
    draws = cmp_.add_mutually_exclusive_group()
    draws.add_argument("--parameter-draws", type=Path, default=None, metavar="FITTED",
                       help="draw the calibrated parameters from this fitted parameter file, "
                            "one set per replicate (default: each scenario's own parameter "
                            "file, when it is a fitted one)")
    draws.add_argument("--no-parameter-draws", action="store_true",
                       help="no parameter uncertainty: every replicate uses the scenario's "
                            "parameter set")
    cal = sub.add_parser("calibrate", help="fit parameters to the record (simulated moments)")
    cal.add_argument("config", type=Path, help="calibration TOML file")
    cal.add_argument("--out", type=Path, required=True, help="fitted parameter file to write")
    cal.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    cal.add_argument("--workers", type=_positive_int, default=2)
    val = sub.add_parser("validate", help="backcast the calibrated model against the record")
    val.add_argument("config", type=Path, nargs="?", default=Path("calibration/hunan.toml"))
    val.add_argument("--out", type=Path, required=True, help="output folder")
    val.add_argument("--fitted", type=Path,
                     default=Path("calibration/fitted/hunan_2020.toml"))
    val.add_argument("--docs", type=Path, default=None, help="also write the page here")
    val.add_argument("--draws", type=_positive_int, default=16)
    val.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    val.add_argument("--workers", type=_positive_int, default=2)
    fc = sub.add_parser("forecast", help="forecast and backtest the headline series")
    fc.add_argument("--out", type=Path, required=True, help="output folder")
    fc.add_argument("--include-memory", action="store_true",
                    help="use M-flagged (memory-only) values too")
    fc.add_argument("--seed", type=_non_negative_int, default=0)
    nc = sub.add_parser("nowcast", help="update P(target met) from the year's actual figures")
    nc.add_argument("--actuals", type=Path, required=True, help="actuals CSV (series,period,"
                    "value,unit)")
    nc.add_argument("--out", type=Path, required=True, help="output folder")
    nc.add_argument("--scenario", type=Path, default=Path("scenarios/plan_2021.toml"))
    nc.add_argument("--method", choices=["both", "statistical", "abm"], default="both")
    nc.add_argument("--replications", type=_positive_int, default=100)
    nc.add_argument("--workers", type=_positive_int, default=None, help="local processes")
    nc.add_argument("--seed", type=_non_negative_int, default=None)
    nc.add_argument("--persons-per-agent", type=_scale, default=None)
    nc.add_argument("--top-up", default=None, help="INSTRUMENT=YUAN: re-plan the rest of the "
                    "year with this extra budget")
    nc.add_argument("--no-macro-draws", action="store_true")
    nc.add_argument("--parameter-draws", default="auto", help="fitted parameter file, 'none', "
                    "or 'auto' (the scenario's own fitted set)")
    nc.add_argument("--reuse", type=Path, action="append", default=None, metavar="DIR",
                    help="read finished replications from a compare or nowcast output (repeatable)")
    eff = sub.add_parser("effects", help="gross and net effects of each instrument")
    eff.add_argument("--out", type=Path, required=True, help="markdown file to write")
    eff.add_argument("--replications", type=_positive_int, default=4)
    eff.add_argument("--persons-per-agent", type=_scale, default=500.0)
    eff.add_argument("--seed", type=_non_negative_int, default=20210322)
    eff.add_argument("--csv", type=Path, default=None, help="also write the summary table")
    eff.add_argument("--parameters", type=Path, default=None, help="another parameter file")
    opt = sub.add_parser("optimise", help="the best budget mix for a total budget (robust)")
    opt.add_argument("scenario", type=Path, help="scenario TOML file (its instruments)")
    opt.add_argument("--budget", type=_yuan, required=True, help="total budget (yuan)")
    opt.add_argument("--out", type=Path, required=True, help="output folder")
    opt.add_argument("--evaluations", type=_positive_int, default=None, help="candidates screened")
    opt.add_argument("--seed", type=_non_negative_int, default=None)
    opt.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    opt.add_argument("--bounds", type=Path, default=None, help="bounds and settings TOML")
    opt.add_argument("--workers", type=_positive_int, default=None, help="local processes")
    dash = sub.add_parser("dashboard", help="local web app: move budgets, see P(targets met)")
    dash.add_argument("scenario", type=Path, nargs="?", default=None,
                      help="scenario TOML file (default scenarios/plan_2021.toml)")
    dash.add_argument("--port", type=_positive_int, default=8765)
    dash.add_argument("--host", default="127.0.0.1")
    dash.add_argument("--replications", type=_positive_int, default=20)
    dash.add_argument("--persons-per-agent", type=_scale, default=1000.0)
    return parser


def _optimise(args: argparse.Namespace) -> int:
    from jobsim.optimise.cli import run_optimise

    run_optimise(args.scenario, args.budget, args.out, evaluations=args.evaluations,
                 seed=args.seed, resume=args.resume, bounds=args.bounds, workers=args.workers)
    return 0


def _dashboard(args: argparse.Namespace) -> int:
    from jobsim.dashboard.cli import run_dashboard

    return run_dashboard(args)


def _run(args: argparse.Namespace) -> int:
    from jobsim.results import check_output_dir
    from jobsim.runner import run_scenario
    from jobsim.scenario import check_scale, load_scenario

    check_output_dir(args.out)  # before the simulation, not after it
    loaded = load_scenario(args.scenario)
    if args.persons_per_agent is not None:
        check_scale(args.persons_per_agent, loaded.params, "--persons-per-agent")
    results = run_scenario(loaded, seed=args.seed, persons_per_agent=args.persons_per_agent)
    out = results.save(args.out)
    print(f"scenario {loaded.spec.scenario.name}: seed {results.manifest['seed']}, "
          f"{results.manifest['persons_per_agent']:g} persons per agent")
    print(results.summary())
    print(f"\nresults written to {out}/ (monthly.csv, summary.json, manifest.json)")
    return 0


def _forecast(args: argparse.Namespace) -> int:
    from jobsim.forecast.runner import run_forecast

    # run_forecast checks the folder before any work and writes it whole, with the marker.
    written = run_forecast(args.out, include_memory=args.include_memory, seed=args.seed)
    print(f"forecast written to {args.out}/: {', '.join(map(str, written))}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from jobsim.compare.cli import run_compare

    run_compare(scenarios=args.scenarios, out=args.out, replications=args.replications,
                workers=args.workers, scheduler=args.scheduler, seed=args.seed,
                persons_per_agent=args.persons_per_agent,
                attribution_replications=args.attribution_replications,
                macro_draws=args.macro_draws,
                parameter_draws=(False if args.no_parameter_draws else
                                 args.parameter_draws or True),
                command="jobsim " + " ".join(sys.argv[1:] if args.argv is None else args.argv))
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from jobsim.calibration.cli import run_calibrate
    from jobsim.calibration.config import CalibrationConfigError
    from jobsim.calibration.fitted import meta_path

    out = Path(args.out)
    if out.is_dir() or out.is_symlink():
        raise OutputError(f"{out}: --out names the fitted parameter file to write, and this "
                          "is a folder or a link; choose another --out")
    if out.exists() and not meta_path(out).is_file():
        raise OutputError(f"{out}: exists and is not a fitted file written by jobsim calibrate "
                          f"(no {meta_path(out).name} beside it); jobsim never overwrites "
                          "such a file; choose another --out")
    try:
        run_calibrate(args.config, args.out, resume=args.resume, workers=args.workers)
    except CalibrationConfigError as exc:  # only the configuration's own errors: a numpy or
        raise UserError(str(exc)) from exc  # scipy ValueError is a bug and keeps its traceback
    return 0


def _validate(args: argparse.Namespace) -> int:
    from jobsim.calibration.validate_cli import main_validate

    return main_validate(args)


def _nowcast(args: argparse.Namespace) -> int:
    from jobsim.nowcast.cli import main_args

    return main_args(args)


def _effects(args: argparse.Namespace) -> int:
    from jobsim.effects_report import run as run_effects

    return run_effects(args)


COMMANDS = {"run": _run, "compare": _compare, "calibrate": _calibrate, "forecast": _forecast,
            "effects": _effects, "nowcast": _nowcast,
            "optimise": _optimise, "dashboard": _dashboard,
            "validate": _validate}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jobsim`` console script."""
    args = _parser().parse_args(argv)
    args.argv = argv
    keep_heap()  # large runs: keep numpy's freed temporaries instead of re-faulting them
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        return _fail(str(exc))
    except OSError as exc:  # a file the user named or a folder to write: not a bug of ours
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")
    except KeyboardInterrupt:
        print("jobsim: interrupted; no output was written (finished replications are kept: "
              "run the same command again to resume)", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    """Print a user error (every line of it) and return exit status 2."""
    lines = message.splitlines() or [""]
    text = "\n".join([f"jobsim: error: {lines[0]}", *(f"  {x}" for x in lines[1:])])
    print(text, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
