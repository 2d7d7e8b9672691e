"""Experiment runs, each with one torch thread: in fresh spawned processes, or one after another in this one."""
import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from functools import partial
from typing import Callable, Iterable, Iterator, Tuple


def in_a_fresh_process(fn: Callable, job):
    """``fn(job)`` in a newly spawned process of its own, which ends with the call."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context('spawn')) as pool:
        return pool.submit(fn, job).result()


def in_fresh_processes(fn: Callable, jobs: Iterable, workers: int) -> Iterator[Tuple[object, object]]:
    """Yield (job, ``fn(job)``) as each finishes, ``workers`` at once, every call in a fresh spawned process (no
    torch state shared between runs; ``fn`` and the jobs must pickle).

    One single-worker pool a job: a shared pool with ``max_tasks_per_child=1`` spawns a replacement for every
    worker that ends, even when no job is left, and waits for it to start (seconds of imports) before it shuts
    down. Not a ``multiprocessing.Pool``: its daemonic workers cannot start the dataloaders' worker processes."""
    with ThreadPoolExecutor(workers) as threads:
        futures = {threads.submit(in_a_fresh_process, fn, job): job for job in jobs}
        for future in as_completed(futures):
            yield futures[future], future.result()


def with_one_torch_thread(fn: Callable, job):
    """``fn(job)`` with torch on one thread, the caller's thread count restored afterwards."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fn(job)
    finally:
        torch.set_num_threads(threads)


def run_jobs(fn: Callable, jobs: Iterable, workers: int) -> Iterator[Tuple[object, object]]:
    """Yield (job, ``fn(job)``) with one torch thread a run (two runs on two cores: twice the throughput; more
    threads a run oversubscribe them): ``workers`` > 1 at once in fresh processes (:func:`in_fresh_processes`),
    one worker in this process, one job after another.

    In this process the objects that exist before the runs (the imports, the caller's state) are left out of garbage
    collections from then on (``gc.freeze``): every dataset an mmengine Runner builds runs a full collection, about
    0.4 s over a heap holding torch and mmpose, and a run builds several."""
    one_thread = partial(with_one_torch_thread, fn)
    if workers > 1:
        yield from in_fresh_processes(one_thread, jobs, workers)
    else:
        gc.freeze()
        for job in jobs:
            yield job, one_thread(job)
