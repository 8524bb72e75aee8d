"""The one resume cache (jobsim.store): checked files, one writer, removal of its own folder only.

Compare's task store, the calibration's checkpoint and optimise's evaluations are this store
with their own payloads; their own tests damage their files. Here: what they share.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from jobsim.errors import OutputError
from jobsim.store import ResultStore, StoreLocked, Unusable


def _numbers(payload):
    if not (isinstance(payload, list) and all(isinstance(v, float) for v in payload)):
        raise Unusable("not a list of numbers")
    return payload


@pytest.fixture()
def store(tmp_path):
    warned: list[str] = []
    s = ResultStore(tmp_path / "store", "test/1", warn=warned.append, what="stored thing")
    s.save("a/r0000-x.json", {"seed": 1}, [1.5, float("nan")])
    return s, warned


def test_a_saved_payload_reads_back_exactly(store):
    s, warned = store
    got = s.load("a/r0000-x.json", {"seed": 1}, _numbers)
    assert got[0] == 1.5 and np.isnan(got[1]) and warned == []
    assert s.load("a/r0001-x.json", {"seed": 1}, _numbers) is None  # absent: silent
    assert warned == [] and [p.name for p in s.files()] == ["r0000-x.json"]


@pytest.mark.parametrize(("content", "why"), [
    (b"[" * 100000, "not valid JSON"),  # deeper than json can parse: RecursionError
    (b"\xff\xfe", "unreadable"),
    (b"{}", "not a jobsim result file"),
])
def test_a_corrupt_file_is_reported_and_treated_as_absent(store, content, why):
    s, warned = store
    (s.root / "a" / "r0000-x.json").write_bytes(content)
    assert s.load("a/r0000-x.json", {"seed": 1}, _numbers) is None
    assert len(warned) == 1 and "stored thing not used, it is recomputed" in warned[0]
    assert why in warned[0]


def test_another_task_another_format_or_shape_is_not_used(store, tmp_path):
    s, warned = store
    assert s.load("a/r0000-x.json", {"seed": 2}, _numbers) is None
    assert "another task's result" in warned[-1]
    other = ResultStore(s.root, "test/2", warn=warned.append)
    assert other.load("a/r0000-x.json", {"seed": 1}, _numbers) is None
    assert "file format 'test/1', not 'test/2'" in warned[-1]
    assert s.load("a/r0000-x.json", {"seed": 1}, lambda p: p["moments"]) is None
    assert "wrong shape" in warned[-1]
    path = s.root / "a" / "r0000-x.json"
    obj = json.loads(path.read_text())
    obj["payload"][0] = 3.0
    path.write_text(json.dumps(obj))
    assert s.load("a/r0000-x.json", {"seed": 1}, _numbers) is None
    assert "checksum mismatch" in warned[-1]


def test_one_writer_at_a_time(store):
    s, _ = store
    s.lock()
    try:
        with pytest.raises(StoreLocked, match="another jobsim process is writing"):
            ResultStore(s.root, "test/1").lock("--out x")
    finally:
        s.unlock()
    ResultStore(s.root, "test/1").lock().unlock()


def test_remove_deletes_only_a_folder_a_store_made(store, tmp_path):
    s, _ = store
    s.remove()
    assert not s.root.exists()
    s.remove()  # nothing there: nothing to do
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep")
    with pytest.raises(OutputError, match="is not a jobsim store"):
        ResultStore(user, "test/1").remove()
    assert (user / "notes.txt").read_text() == "keep"


def test_optimise_evaluations_are_checked(tmp_path):
    """The optimise store is the same store: a damaged evaluation is recomputed, not a crash."""
    from jobsim.optimise.evaluate import OUTCOMES
    from jobsim.optimise.search import EvalStore
    from jobsim.optimise.space import Mix

    evals = EvalStore(tmp_path / "opt")
    out = {k: np.array([1.0, 2.0]) for k in OUTCOMES}
    evals.save("k1", Mix(budgets=(1.0,), starts=(0,)), 1000.0, out, 0.5)
    back = evals.load("k1")
    assert all(np.array_equal(back[k], out[k]) for k in OUTCOMES)
    path = evals.path("k1")
    obj = json.loads(path.read_text())
    del obj["payload"]["outcomes"][OUTCOMES[0]]
    path.write_text(json.dumps(obj))
    assert evals.load("k1") is None
    path.write_text("[" * 100000)
    assert evals.load("k1") is None


def test_clear_keeps_the_lock_and_needs_it(store):
    s, _ = store
    with pytest.raises(RuntimeError, match="lock"):
        s.clear()
    s.lock()
    try:
        s.clear()
        assert s.files() == [] and (s.root / ".lock").is_file()
        with pytest.raises(StoreLocked):
            ResultStore(s.root, "test/1").lock()  # still held
    finally:
        s.unlock()


def test_check_refuses_a_file_or_a_users_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="is a file or a link"):
        ResultStore(tmp_path / "f", "test/1").check()
    ResultStore(tmp_path / "new", "test/1").check()  # absent: fine
    (tmp_path / "empty").mkdir()
    ResultStore(tmp_path / "empty", "test/1").check()  # empty: fine
