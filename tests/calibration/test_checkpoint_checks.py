"""A calibration checkpoint is checked before use: every injected corruption is detected.

The checkpoint is jobsim's one resume cache (:mod:`jobsim.store`): one file per finished task.
Each case damages one task's file of a valid checkpoint in one way (#15: tampered values, NaN,
short columns, another replicate's file copied over, two files swapped, wrong types,
truncation, binary junk, another fingerprint ...). A resumed evaluator must warn, use nothing
it cannot verify, recompute, and end with exactly the moments of a fresh run; it never crashes.
"""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest
from jobsim.calibration.config import load_config
from jobsim.calibration.evaluator import CheckpointWarning, Evaluator
from jobsim.calibration.simulate import make_spec
from jobsim.calibration.targets import build_targets

POINTS = [(0.014, 0.2), (0.02, 0.3)]


def _double(b, other):
    b["payload"]["moments"][0] *= 2


def _nan(b, other):
    b["payload"]["moments"][1] = float("nan")


def _short(b, other):
    b["payload"]["moments"].pop()


def _copy_other_replicate(b, other):
    b.clear()
    b.update(other)  # another replicate's file under this one's name


def _theta(b, other):
    b["task"]["theta"][0] = (0.5).hex()


def _replicate_type(b, other):
    b["task"]["replicate"] = str(b["task"]["replicate"])


def _values_type(b, other):
    b["payload"]["moments"] = {"a": 1}


def _moment_type(b, other):
    b["payload"]["moments"][0] = str(b["payload"]["moments"][0])


def _spec_text(b, other):
    b["task"]["spec"] = b["task"]["spec"].replace("seed=11", "seed=12")


def _fingerprint(b, other):
    b["task"]["fingerprint"] = "another"


def _no_checksum(b, other):
    b.pop("checksum")


def _extra_key(b, other):
    b["note"] = "added"


def _format(b, other):
    b["format"] = "something-else/1"


def _payload_list(b, other):
    b["payload"] = []


def _task_type(b, other):
    b["task"] = 3


def _checksum(b, other):
    b["checksum"] = "0" * 64


DICT_CASES = [_double, _nan, _short, _copy_other_replicate, _theta, _replicate_type,
              _values_type, _moment_type, _spec_text, _fingerprint, _no_checksum, _extra_key,
              _format, _payload_list, _task_type, _checksum]
#: Damage that only the checksum can see, so a recomputed checksum undoes it: a value edited and
#: re-checksummed is a valid file (a checksum anyone can recompute guards against accidents,
#: not forgery), and a zeroed checksum recomputed is the original file.
CHECKSUM_ONLY = {_double, _nan, _checksum}


def _resave(b: dict, rehash: bool) -> str:
    """Re-serialise; optionally recompute the checksum so only the other checks can catch it."""
    from jobsim.store import _checksum as checksum

    if rehash and {"task", "payload", "checksum"} <= set(b):
        b["checksum"] = checksum(b["task"], b["payload"])
    return json.dumps(b)


BYTE_CASES = {
    "empty": b"",
    "truncated": None,  # filled in from the valid file
    "binary": bytes(range(256)) * 4,
    "latin1": "{\"format\": \"caf\xe9\"}".encode("latin-1"),
    "json_list": b"[]",
    "json_object": b"{}",
    "json_number": b"42",
    "deep": b"[" * 100000,
}


def _files(folder):
    return sorted(folder.glob("f*/*/r*.json"))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    import importlib.util
    from pathlib import Path

    where = Path(__file__).with_name("conftest.py")
    loader = importlib.util.spec_from_file_location("_tiny_conftest", where)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    write_tiny = module.write_tiny
    folder = tmp_path_factory.mktemp("ckpt")
    cfg = load_config(write_tiny(folder))
    spec = make_spec(cfg, build_targets(cfg), persons_per_agent=16000)
    ckpt = folder / "good.checkpoint"
    with Evaluator(workers=1, checkpoint=ckpt, fingerprint="f", progress=False) as ev:
        fresh = ev.moments(spec, POINTS, 2)
    assert len(_files(ckpt)) == fresh.shape[0] * fresh.shape[1]
    return spec, ckpt, fresh


def _resume(tmp_path, spec, good, damage=None):
    """Resume from a copy of ``good`` whose first task file ``damage(path)`` has changed."""
    path = tmp_path / "bad.checkpoint"
    shutil.copytree(good, path)
    if damage is not None:
        damage(_files(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Evaluator(workers=1, checkpoint=path, fingerprint="f", resume=True,
                       progress=False) as ev:
            got = ev.moments(spec, POINTS, 2)
            computed = ev.computed
    return got, computed, [w for w in caught if issubclass(w.category, CheckpointWarning)]


CASES = [pytest.param(damage, rehash, id=f"{damage.__name__.strip('_')}-"
                                         f"{'checksum_redone' if rehash else 'as_is'}")
         for rehash in (False, True) for damage in DICT_CASES
         if not (rehash and damage in CHECKSUM_ONLY)]


@pytest.mark.parametrize(("damage", "rehash"), CASES)
def test_damaged_checkpoint_is_detected_and_recomputed(setup, tmp_path, damage, rehash):
    spec, good, fresh = setup

    def edit(files):
        blob = json.loads(files[0].read_text(encoding="utf-8"))
        damage(blob, json.loads(files[1].read_text(encoding="utf-8")))
        files[0].write_text(_resave(blob, rehash), encoding="utf-8")

    got, computed, caught = _resume(tmp_path, spec, good, edit)
    assert caught, "no warning"
    assert "not used, it is recomputed" in str(caught[0].message)
    assert computed == 1  # the damaged task was recomputed, not taken on trust
    np.testing.assert_array_equal(got, fresh)


def test_swapped_files_are_detected_and_recomputed(setup, tmp_path):
    spec, good, fresh = setup

    def swap(files):
        a, b = files[0].read_bytes(), files[1].read_bytes()
        files[0].write_bytes(b)
        files[1].write_bytes(a)

    got, computed, caught = _resume(tmp_path, spec, good, swap)
    assert len(caught) == 2 and computed == 2
    np.testing.assert_array_equal(got, fresh)


@pytest.mark.parametrize("case", sorted(BYTE_CASES))
def test_corrupt_file_is_detected_and_recomputed(setup, tmp_path, case):
    spec, good, fresh = setup

    def corrupt(files):
        for f in files:
            content = BYTE_CASES[case] if case != "truncated" else f.read_bytes()[:40]
            f.write_bytes(content)

    got, computed, caught = _resume(tmp_path, spec, good, corrupt)
    assert len(caught) == fresh.shape[0] * fresh.shape[1]
    assert computed == fresh.shape[0] * fresh.shape[1]
    np.testing.assert_array_equal(got, fresh)


def test_intact_checkpoint_is_used_silently(setup, tmp_path):
    spec, good, fresh = setup
    got, computed, caught = _resume(tmp_path, spec, good)
    assert not caught and computed == 0
    np.testing.assert_array_equal(got, fresh)
