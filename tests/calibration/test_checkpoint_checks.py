"""A calibration checkpoint is checked before use: every injected corruption is detected.

Each case damages a valid checkpoint in one way (#15: tampered values, NaN, short columns,
another replicate's entry copied over, wrong types, truncation, binary junk, another
fingerprint ...). A resumed evaluator must warn, use nothing it cannot verify, recompute, and
end with exactly the moments of a fresh run; it never crashes.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from jobsim.calibration.config import load_config
from jobsim.calibration.evaluator import CheckpointWarning, Evaluator
from jobsim.calibration.simulate import make_spec
from jobsim.calibration.targets import build_targets

POINTS = [(0.014, 0.2), (0.02, 0.3)]


def _entry(blob: dict, i: int = 0) -> tuple[str, dict]:
    key = sorted(blob["tasks"])[i]
    return key, blob["tasks"][key]


def _double(b):
    _entry(b)[1]["values"][0] *= 2


def _nan(b):
    _entry(b)[1]["values"][1] = float("nan")


def _short(b):
    _entry(b)[1]["values"].pop()


def _copy_other_replicate(b):
    (k0, _), (_, e1) = _entry(b, 0), _entry(b, 1)
    b["tasks"][k0] = {**e1}  # another replicate's entry under this key


def _swap_keys(b):
    (k0, e0), (k1, e1) = _entry(b, 0), _entry(b, 1)
    b["tasks"][k0], b["tasks"][k1] = e1, e0


def _theta(b):
    _entry(b)[1]["theta"][0] = (0.5).hex()


def _replicate_type(b):
    _entry(b)[1]["replicate"] = "0"


def _values_type(b):
    _entry(b)[1]["values"] = {"a": 1}


def _spec_text(b):
    skey = next(iter(b["specs"]))
    b["specs"][skey] = b["specs"][skey].replace("seed=11", "seed=12")


def _fingerprint(b):
    b["fingerprint"] = "another"


def _no_checksum(b):
    b.pop("checksum")


def _format(b):
    b["format"] = "something-else/1"


def _tasks_list(b):
    b["tasks"] = []


def _state_type(b):
    b["state"] = 3


def _entry_checksum(b):
    _entry(b)[1]["checksum"] = "0" * 64


DICT_CASES = [_double, _nan, _short, _copy_other_replicate, _swap_keys, _theta, _replicate_type,
              _values_type, _spec_text, _fingerprint, _no_checksum, _format, _tasks_list,
              _state_type, _entry_checksum]


def _resave(b: dict, keep_checksum: bool) -> str:
    """Re-serialise; optionally recompute the file checksum so only entry checks can catch it."""
    from jobsim.calibration import evaluator as ev_mod

    if keep_checksum and "checksum" in b:
        body = {k: v for k, v in b.items() if k != "checksum"}
        b["checksum"] = ev_mod._digest(body)
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
    ckpt = folder / "good.checkpoint.json"
    with Evaluator(workers=1, checkpoint=ckpt, fingerprint="f", progress=False) as ev:
        fresh = ev.moments(spec, POINTS, 2)
    return spec, ckpt.read_bytes(), fresh


def _resume(tmp_path, spec, content: bytes):
    path = tmp_path / "bad.checkpoint.json"
    path.write_bytes(content)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Evaluator(workers=1, checkpoint=path, fingerprint="f", resume=True,
                       progress=False) as ev:
            got = ev.moments(spec, POINTS, 2)
            computed = ev.computed
    return got, computed, [w for w in caught if issubclass(w.category, CheckpointWarning)]


@pytest.mark.parametrize("damage", DICT_CASES, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("rehash", [False, True], ids=["as_is", "file_checksum_redone"])
def test_damaged_checkpoint_is_detected_and_recomputed(setup, tmp_path, damage, rehash):
    spec, good, fresh = setup
    blob = json.loads(good)
    damage(blob)
    got, computed, caught = _resume(tmp_path, spec, _resave(blob, rehash).encode())
    assert caught, "no warning"
    assert computed >= 1  # something was recomputed, not taken on trust
    np.testing.assert_array_equal(got, fresh)


@pytest.mark.parametrize("case", sorted(BYTE_CASES))
def test_corrupt_file_is_detected_and_recomputed(setup, tmp_path, case):
    spec, good, fresh = setup
    content = BYTE_CASES[case] if case != "truncated" else good[: len(good) // 2]
    got, computed, caught = _resume(tmp_path, spec, content)
    assert caught and computed == fresh.shape[0] * fresh.shape[1]
    np.testing.assert_array_equal(got, fresh)


def test_intact_checkpoint_is_used_silently(setup, tmp_path):
    spec, good, fresh = setup
    got, computed, caught = _resume(tmp_path, spec, good)
    assert not caught and computed == 0
    np.testing.assert_array_equal(got, fresh)
