"""Experiment runs, each in a fresh process."""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Iterable, Iterator, Tuple


def in_fresh_processes(fn: Callable, jobs: Iterable, workers: int) -> Iterator[Tuple[object, object]]:
    """Yield (job, ``fn(job)``) as each finishes, ``workers`` at once, every call in a fresh spawned process (no
    torch state shared between runs; ``fn`` and the jobs must pickle).

    Not a ``multiprocessing.Pool``: its daemonic workers cannot start the dataloaders' worker processes."""
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context('spawn'), max_tasks_per_child=1) as pool:
        futures = {pool.submit(fn, job): job for job in jobs}
        for future in as_completed(futures):
            yield futures[future], future.result()
