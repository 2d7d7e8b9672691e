"""in_fresh_processes: every job in a spawned process of its own, all results yielded; run_jobs: one torch thread a
run, in fresh processes or here."""
import gc
import os

import pytest
import torch
from fresh_process_job import job, threads

from mmpose_mdn.experiments.processes import in_fresh_processes, run_jobs


def test_every_job_runs_alone_in_a_fresh_process():
    done = dict(in_fresh_processes(job, [1, 2, 3], workers=2))
    assert sorted(done) == [1, 2, 3]
    pids = {pid for pid, _, _ in done.values()}
    assert len(pids) == 3 and os.getpid() not in pids  # nothing ran here or twice in one process
    assert all(calls == [n] and square == n * n for n, (_, calls, square) in done.items())


def test_an_error_in_a_job_reaches_the_caller():
    with pytest.raises(TypeError, match="can't multiply sequence"):
        dict(in_fresh_processes(job, ['x'], workers=1))


def test_run_jobs_uses_one_torch_thread_and_gives_the_callers_back():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert dict(run_jobs(threads, [1, 2], workers=1)) == {1: (os.getpid(), 1), 2: (os.getpid(), 1)}
        assert torch.get_num_threads() == 2  # the caller's count, restored (spawned runs use the same wrapper)
    finally:
        torch.set_num_threads(before)



def test_run_jobs_here_leaves_the_callers_objects_out_of_collections():
    """Each dataset build runs gc.collect: in-process runs must not scan the objects that existed before them."""
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        assert dict(run_jobs(lambda _: gc.get_freeze_count(), [1], workers=1))[1] > 0
    finally:
        gc.freeze()  # as the session's conftest leaves it
