"""Simulated moments are identical on one process or two, and a resumed run replays exactly."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from jobsim.calibration.config import load_config
from jobsim.calibration.evaluator import CheckpointWarning, Evaluator
from jobsim.calibration.simulate import make_spec
from jobsim.calibration.targets import build_targets

POINTS = [(0.014, 0.2), (0.02, 0.3), (0.011, 0.25)]


def _spec(path):
    cfg = load_config(path)
    return make_spec(cfg, build_targets(cfg), persons_per_agent=16000)


def test_one_process_equals_two(tiny):
    spec = _spec(tiny)
    with Evaluator(workers=1, progress=False) as one:
        a = one.moments(spec, POINTS, 2)
    with Evaluator(workers=2, progress=False, batch_size=3) as two:
        b = two.moments(spec, POINTS, 2)
    assert a.shape == (3, 2, spec.n_moments)
    np.testing.assert_array_equal(a, b)  # bit for bit
    assert not np.array_equal(a[:, 0], a[:, 1])  # replications differ
    with Evaluator(workers=1, progress=False) as other:
        c = other.moments(replace(spec, seed=spec.seed + 1), POINTS, 2)
    assert not np.array_equal(a, c)  # another seed, other draws


def test_checkpoint_resume_replays_from_cache(tiny, tmp_path):
    spec = _spec(tiny)
    ckpt = tmp_path / "run.checkpoint"
    with Evaluator(workers=1, checkpoint=ckpt, fingerprint="f1", progress=False,
                   batch_size=2) as ev:
        first = ev.moments(spec, POINTS[:2], 2)
    assert len(list(ckpt.glob("f*/*/r*.json"))) == 4  # one file a task
    with Evaluator(workers=1, checkpoint=ckpt, fingerprint="f1", resume=True,
                   progress=False) as ev:
        again = ev.moments(spec, POINTS, 2)
        assert ev.computed == 2 and ev.reused == 4  # only the new point was simulated
    np.testing.assert_array_equal(again[:2], first)
    with pytest.warns(CheckpointWarning, match="another configuration"):
        other = Evaluator(checkpoint=ckpt, fingerprint="f2", resume=True, progress=False)
    assert other.cache == {}  # never used
    with pytest.warns(CheckpointWarning, match="no checkpoint"):
        Evaluator(checkpoint=tmp_path / "none", fingerprint="f1", resume=True)


def test_interrupted_calibration_resumes_to_the_same_result(make_tiny, tmp_path, monkeypatch):
    from jobsim.calibration import evaluator as evaluator_module
    from jobsim.calibration.cli import run_calibrate

    cfg = make_tiny(global_stage=False, replace={"profile_points = 3": "profile_points = 2",
                                                 "morris_trajectories = 2":
                                                 "morris_trajectories = 0"})
    whole = run_calibrate(cfg, tmp_path / "a" / "fit.toml", workers=1)

    calls = {"n": 0}
    real = evaluator_module.Evaluator._run

    def flaky(self, spec, batch):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the machine went down after three batches
        return real(self, spec, batch)

    out = tmp_path / "b" / "fit.toml"
    monkeypatch.setattr(evaluator_module.Evaluator, "_run", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_calibrate(cfg, out, workers=1)
    assert out.with_name("fit.checkpoint").is_dir() and not out.exists()
    monkeypatch.setattr(evaluator_module.Evaluator, "_run", real)
    resumed = run_calibrate(cfg, out, resume=True, workers=1)
    assert resumed["parameters"] == whole["parameters"]
    assert resumed["objective"] == whole["objective"]
    assert not out.with_name("fit.checkpoint").exists()


def test_checkpoint_folder_is_ours_locked_and_cleared(tiny, tmp_path):
    """A user's folder is never a checkpoint; one writer at a time; a fresh run clears it."""
    from jobsim.errors import OutputError
    from jobsim.store import StoreLocked

    spec = _spec(tiny)
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep")
    for resume in (False, True):
        with pytest.raises(OutputError, match=f"{user}: exists and is not a jobsim store"):
            Evaluator(checkpoint=user, resume=resume, progress=False)
    assert [p.name for p in user.iterdir()] == ["notes.txt"]

    ckpt = tmp_path / "run.checkpoint"
    with Evaluator(workers=1, checkpoint=ckpt, fingerprint="f1", progress=False) as ev:
        ev.moments(spec, POINTS[:1], 1)
        with pytest.raises(StoreLocked, match="another jobsim process is writing"):
            Evaluator(checkpoint=ckpt, fingerprint="f1", resume=True, progress=False)
    assert len(list(ckpt.glob("f*/*/r*.json"))) == 1
    with Evaluator(workers=1, checkpoint=ckpt, fingerprint="f1", progress=False) as ev:
        assert not list(ckpt.glob("f*/*/r*.json"))  # without resume: an earlier run's cleared
        ev.moments(spec, POINTS[:1], 1)
        assert ev.computed == 1


def test_a_dask_cluster_gives_the_same_moments(tiny):
    """The calibration runs on jobsim's one executor: any backend, the same numbers."""
    distributed = pytest.importorskip("dask.distributed")
    from jobsim.executors import DaskExecutor

    spec = _spec(tiny)
    with Evaluator(workers=1, progress=False) as one:
        a = one.moments(spec, POINTS[:2], 2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            DaskExecutor(cluster.scheduler_address) as dask, \
            Evaluator(executor=dask, progress=False, batch_size=3) as ev:
        b = ev.moments(spec, POINTS[:2], 2)
        assert ev.computed == 4
    np.testing.assert_array_equal(a, b)
