"""``jobsim validate [CONFIG] --out DIR``: the command's arguments to :func:`run_validate`."""

from __future__ import annotations

import argparse

from jobsim.calibration.config import CalibrationConfigError
from jobsim.calibration.validate import Options, run_validate
from jobsim.scenario import ScenarioError

__all__ = ["main_validate"]


def main_validate(args: argparse.Namespace) -> int:
    """Run the validation; user errors (configuration, fitted file, --out) exit 2."""
    if args.draws < 2 or args.workers < 1:
        raise ScenarioError("--draws must be >= 2 and --workers >= 1")
    try:
        result = run_validate(args.config, args.out, fitted=args.fitted, workers=args.workers,
                              resume=args.resume,
                              options=Options(draws=args.draws,
                                              loyo_draws=min(12, args.draws)),
                              docs=args.docs)
    except (CalibrationConfigError, FileNotFoundError) as exc:
        raise ScenarioError(str(exc)) from exc
    for bar in result["meta"].get("bars", []):
        print(bar)
    print(f"validation written to {args.out}/ (backcast.csv, coverage.csv, bars.json, figures, "
          f"validation.md)" + (f"; page {args.docs}" if args.docs else ""))
    return 0
