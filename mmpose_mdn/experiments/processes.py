"""Experiment runs, each in a fresh process."""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
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
