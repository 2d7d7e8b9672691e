"""A run's record: the JSON files a finished plateau or lr-step run leaves (``scores.json``, ``state.json``,
``claims.json``: everything the claims table and the report read), kept in the repository so that the table
survives the machine. The checkpoints stay in the work dir: a machine that lacks them cannot continue a run, so a
run's whole course (plateau, its claims' scores, the lr step, its claims' scores) is :func:`run` in one job, and
a record is saved when a stage has finished, its claims' scores included.

A record lies at ``<records>/<work dir's name>/<regime>/<run>/seed<S>`` (:func:`record_dir`); :func:`restore`
copies a finished record into a work dir that has not finished that run, and the runs then train nothing.
"""
import json
import os
import os.path as osp
import shutil
import time
from typing import Optional

FILES = ('scores.json', 'state.json', 'claims.json')


def record_dir(records: str, work_dir: str, regime: str, model: str, recipe: str, seed: int) -> str:
    """The record of the run (regime, model, recipe, seed) of ``work_dir`` (a plateau or lr-step work dir)."""
    from .plateau import run_dir
    return run_dir(osp.join(records, osp.basename(osp.normpath(work_dir))), regime, model, recipe, seed)


def _finished_state(folder: str, max_iters: int) -> bool:
    from .claims import finished
    path = osp.join(folder, 'state.json')
    return osp.exists(path) and osp.exists(osp.join(folder, 'claims.json')) and finished(json.load(open(path)),
                                                                                          max_iters)


def save(work: str, record: str) -> None:
    """Copy the run's :data:`FILES` from its work folder to its record (a finished run's, claims scored)."""
    os.makedirs(record, exist_ok=True)
    for name in FILES:
        shutil.copyfile(osp.join(work, name), osp.join(record, name))


def restore(record: str, work: str, max_iters: int) -> bool:
    """Copy a finished record into the run's work folder unless that has finished the run itself; whether it
    did."""
    if not _finished_state(record, max_iters) or _finished_state(work, max_iters):
        return False
    os.makedirs(work, exist_ok=True)
    for name in FILES:
        shutil.copyfile(osp.join(record, name), osp.join(work, name))
    return True


def run(job: dict) -> Optional[str]:
    """One run's course, each stage first restored from its record where that has finished (the cached stages
    then train and score nothing, and their records are not written again): trained to its plateau
    (:func:`~.plateau.train_until_plateau`; job keys ``regime, model, recipe, seed, iters, every, max_iters,
    work_dir, size, min_scores, records``), the claims' scores of its last checkpoint (:func:`~.claims.final_scores`),
    the record saved; with ``step`` (dict ``factor, iters, every, step_dir``) the lr step
    (:func:`~.lr_step.train_lr_step`) and its claims' scores, the record saved. Returns the last stage's folder; a
    step whose plateau run was restored without its checkpoints is left out (None), said on stdout."""
    from . import claims, lr_step
    from .plateau import run_dir, train_until_plateau
    key = (job['regime'], job['model'], job['recipe'], job['seed'])
    record, work = record_dir(job['records'], job['work_dir'], *key), run_dir(job['work_dir'], *key)
    restored = restore(record, work, job['max_iters'])
    train_until_plateau((*key, job['iters'], job['every'], job['max_iters'], job['work_dir'], job['size'],
                         job['min_scores']))
    claims.final_scores(*key, job['work_dir'], job['size'])
    if not restored:  # as committed: its state, fitted again here, may differ in the last digit
        save(work, record)
    step = job.get('step')
    if not step:
        return work
    step_record = record_dir(job['records'], step['step_dir'], *key)
    step_work = run_dir(step['step_dir'], *key)
    step_restored = restore(step_record, step_work, job['max_iters'])
    if not step_restored and restored and not osp.exists(osp.join(step_work, 'state.json')):
        print(f'{work}: restored from its record {record} without checkpoints: its lr step cannot be trained here '
              '(to step it, remove its record and work folder, and train it again)', flush=True)
        return None
    lr_step.train_lr_step((*key, step['iters'], step['every'], step['factor'], job['work_dir'], job['max_iters'],
                           step['step_dir'], job['size']))
    claims.final_scores(*key, step['step_dir'], job['size'])
    if not step_restored:
        save(step_work, step_record)
    return step_work


def run_jobs(jobs: list, workers: int) -> None:
    """:func:`run` each job, ``workers`` at a time (:func:`~mmpose_mdn.experiments.processes.run_jobs`)."""
    from . import processes
    for _, work in processes.run_jobs(run, jobs, workers):
        print(f'[{time.strftime("%H:%M:%S")}] done {work}', flush=True)
