"""Results of a run: the monthly table, the plan targets judged, and the manifest.

Outputs are written atomically: everything goes to a temporary folder beside the target,
which is renamed into place only when complete, so a failure leaves no partial output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jobsim import data
from jobsim.errors import OutputError

__all__ = ["Results", "judge_targets", "git_commit", "package_version", "atomic_dir",
           "atomic_write", "check_output_dir", "is_jobsim_output", "mark_output", "MARKER"]

#: Plan targets the model measures, with the monthly column and how it is judged.
MEASURED_TARGETS: dict[str, tuple[str, str]] = {
    "new_urban_jobs": ("new_urban_jobs_cum", "december"),
    "surveyed_urban_unemployment_rate": ("surveyed_unemployment_rate", "average_and_december"),
    "registered_urban_unemployment_rate": ("registered_unemployment_rate", "december"),
    "new_rural_labour_transfer": ("rural_transfer_new_cum", "december"),
    "unemployment_insurance_participants": ("ui_participants", "december"),
}

LABELS = {
    "new_urban_jobs": "城镇新增就业 / new urban jobs",
    "surveyed_urban_unemployment_rate": "城镇调查失业率 / surveyed urban unemployment rate",
    "registered_urban_unemployment_rate": "城镇登记失业率 / registered urban unemployment rate",
    "new_rural_labour_transfer": "新增农村劳动力转移就业 / new rural labour transfer",
    "unemployment_insurance_participants": "失业保险参保 / unemployment-insurance participants",
    "subsidised_vocational_training": "政府补贴性职业技能培训 / subsidised vocational training",
    "youth_internships": "青年见习 / youth internships",
    "full_employment_communities_share": "充分就业社区 / full-employment communities",
    "full_employment_villages_share": "充分就业村 / full-employment villages",
    "graduates_employment_level": "高校毕业生就业水平 / graduates' employment level",
    "poverty_alleviated_migrant_work_volume":
        "脱贫人口务工规模 / poverty-alleviated workers' volume",
    "zero_employment_families": "零就业家庭 / zero-employment families",
}


def package_version() -> str:
    """Installed version of jobsim."""
    try:
        return metadata.version("jobsim")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit() -> str:
    """Commit of the source tree, or 'unknown' outside a checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
        return out.stdout.strip() if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _compare(value: float, target: float, comparison: str) -> bool:
    return value >= target if comparison == ">=" else value <= target


#: Plan targets that are programme outputs: (instrument, output key in its summary).
PROGRAMME_TARGETS: dict[str, tuple[str, str]] = {
    "subsidised_vocational_training": ("vocational_training", "trainings"),
    "youth_internships": ("youth_internship", "internships"),
}


def judge_targets(monthly: pd.DataFrame, plan: str = "hunan_2021",
                  programmes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Each plan target with the simulated value of its last year and whether it is met.

    Programme-output targets (trainings, internships) are read from ``programmes`` (the
    instruments' summaries); a scenario without the instrument delivers zero.
    """
    targets = data.plan_targets(plan)
    last_year = monthly["month"].str[:4].iloc[-1]
    year = monthly[monthly["month"].str.startswith(last_year)]
    out: dict[str, Any] = {}
    for _, row in targets.iterrows():
        name = row["indicator"]
        entry: dict[str, Any] = {
            "label": LABELS.get(name, name),
            "target": row["target_model_units"] if pd.notna(row["target_model_units"]) else None,
            "comparison": row["comparison"],
            "year": int(last_year),
        }
        if name in MEASURED_TARGETS and year["month"].iloc[-1].endswith("-12"):
            col, how = MEASURED_TARGETS[name]
            dec = float(year[col].iloc[-1])
            entry["value"] = dec
            met = _compare(dec, entry["target"], row["comparison"])
            if how == "average_and_december":
                avg = float(year[col].mean())
                entry["annual_average"] = avg
                met = met and _compare(avg, entry["target"], row["comparison"])
            entry["met"] = bool(met)
        elif name in PROGRAMME_TARGETS and programmes is not None:
            kind, key = PROGRAMME_TARGETS[name]
            value = float(programmes.get(kind, {}).get(key, 0.0))
            entry["value"] = value
            entry["met"] = bool(_compare(value, entry["target"], row["comparison"]))
        else:
            entry["value"] = None
            entry["met"] = None
            entry["why_not_measured"] = (
                "the horizon does not end in December" if name in MEASURED_TARGETS
                else "not measured by the core model (programme outputs: instruments)"
            )
        out[name] = entry
    return out


@dataclass(frozen=True)
class Results:
    """One run: monthly indicators, targets judged, and the manifest that reproduces it."""

    monthly: pd.DataFrame
    manifest: dict[str, Any]
    targets: dict[str, Any] = field(default_factory=dict)
    programmes: dict[str, Any] = field(default_factory=dict)
    attribution: pd.DataFrame | None = None

    def summary(self) -> str:
        """A short text table of the headline indicators and targets."""
        cols = ["month", "new_urban_jobs_cum", "surveyed_unemployment_rate",
                "registered_unemployment_rate", "urban_employed", "urban_unemployed",
                "natural_attrition"]
        table = self.monthly[cols].copy()
        for c in cols[1:]:
            table[c] = table[c].round(2 if "rate" in c else 0)
        lines = [table.to_string(index=False), ""]
        for name, t in self.targets.items():
            if t.get("met") is None:
                continue
            lines.append(f"{t['label']}: {t['value']:,.2f} (target {t['comparison']} "
                         f"{t['target']:,.2f}) -> {'met' if t['met'] else 'NOT met'}")
        if self.attribution is not None and len(self.attribution):
            table = self.attribution.copy()
            for c in ("spending_yuan", "participants", "attributable_new_urban_jobs",
                      "cost_per_job_yuan", "delta_urban_employed", "cost_per_employed_yuan"):
                table[c] = table[c].round(0)
            table["delta_surveyed_rate_pp"] = table["delta_surveyed_rate_pp"].round(3)
            lines += ["", "attribution (scenario minus scenario without the instrument):",
                      table.to_string(index=False)]
        return "\n".join(lines)

    def save(self, out: Path | str) -> Path:
        """Write monthly.csv, summary.json and manifest.json atomically into ``out``."""
        with atomic_dir(Path(out)) as tmp:
            self.monthly.to_csv(tmp / "monthly.csv", index=False, float_format="%.6f")
            (tmp / "summary.json").write_text(
                json.dumps({"targets": self.targets, "programmes": self.programmes}, indent=2,
                           ensure_ascii=False, default=_json_default) + "\n",
                encoding="utf-8")
            if self.attribution is not None:
                self.attribution.to_csv(tmp / "attribution.csv", index=False,
                                        float_format="%.6f")
            (tmp / "manifest.json").write_text(
                json.dumps(self.manifest, indent=2, ensure_ascii=False, default=str) + "\n",
                encoding="utf-8")
        return Path(out)


def _json_default(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


def atomic_write(path: Path, content: str | bytes, *, durable: bool = False) -> None:
    """Write ``content`` to ``path`` through a temporary file and a rename (no partial file).

    The one atomic file writer of jobsim. ``durable`` also flushes the file to disk before the
    rename (stores meant to survive a crash, such as the resumable compare store).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: The file that marks a folder as written by jobsim (and so replaceable by jobsim).
MARKER = ".jobsim-output"


def is_jobsim_output(folder: Path) -> bool:
    """Whether ``folder`` carries jobsim's marker (a ``manifest.json`` alone is not enough)."""
    return (Path(folder) / MARKER).is_file()


def mark_output(folder: Path | str) -> None:
    """Put jobsim's marker into ``folder`` (a folder jobsim has just written in full)."""
    atomic_write(Path(folder) / MARKER,
                 json.dumps({"written_by": "jobsim", "version": package_version()}) + "\n")


def check_output_dir(target: Path | str) -> Path:
    """Fail now, before any work, if jobsim may not create or replace the folder ``target``.

    Allowed: a path that does not exist (in a folder jobsim can write to), an empty folder, or a
    folder jobsim made itself (it holds :data:`MARKER`). Anything else, a file or a user's
    folder (even one that holds a ``manifest.json``), raises :class:`OutputError`.
    """
    target = Path(target)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputError(f"{target}: --out must be a folder, and this is a file or a link; "
                          "choose another --out")
    if target.is_dir():
        try:
            foreign = not is_jobsim_output(target) and any(target.iterdir())
        except OSError as exc:
            raise OutputError(f"{target}: cannot read the --out folder ({exc.strerror})") from None
        if foreign:
            raise OutputError(f"{target}: exists, is not empty and is not a jobsim output folder "
                              f"(no {MARKER} marker); jobsim never replaces such a folder; "
                              "choose another --out")
    parent = target.parent
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"{target}: {probe} is a file, so --out cannot be created there")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{target}: no permission to write in {probe}; choose another --out")
    return target


class atomic_dir:  # noqa: N801 - used as a context manager, named like one
    """Build a directory in a temporary sibling and move it into place on success.

    The folder gets jobsim's :data:`MARKER`. An existing target is replaced only if it is
    empty or carries the marker (see :func:`check_output_dir`), so a typo in ``--out`` cannot
    delete a user's folder.
    """

    def __init__(self, target: Path) -> None:
        self.target = Path(target)

    def __enter__(self) -> Path:
        check_output_dir(self.target)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.",
                                             dir=self.target.parent))
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot create the output folder "
                              f"({exc.strerror or exc})") from None
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        try:
            mark_output(self.tmp)
            os.chmod(self.tmp, 0o755)  # mkdtemp makes 0700; outputs are shared folders
            check_output_dir(self.target)  # again: the folder may have changed meanwhile
            if self.target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.old.",
                                            dir=self.target.parent))
                os.replace(self.target, old)
                os.replace(self.tmp, self.target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(self.tmp, self.target)
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
