"""The backend never changes a number: 1 process, 2 processes and a Dask cluster agree."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import compare


def _outputs(out):
    return ((out / "targets.csv").read_bytes(), (out / "attribution.csv").read_bytes(),
            pd.read_parquet(out / "monthly.parquet"))


def test_one_process_two_processes_and_dask_agree(small_comparison, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    one_out, _ = small_comparison
    targets, attribution, monthly = _outputs(one_out)

    two = compare(tmp_path / "two", workers=2)
    assert two.manifest["executor"].startswith("local, 2 processes")
    assert _outputs(tmp_path / "two")[:2] == (targets, attribution)
    pd.testing.assert_frame_equal(_outputs(tmp_path / "two")[2], monthly)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        dask = compare(tmp_path / "dask", workers=None, scheduler=cluster.scheduler_address)
    assert dask.manifest["executor"].startswith("Dask cluster")
    assert _outputs(tmp_path / "dask")[:2] == (targets, attribution)
    pd.testing.assert_frame_equal(_outputs(tmp_path / "dask")[2], monthly)
