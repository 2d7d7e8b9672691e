"""A job for tests/test_experiments/test_processes.py, in a module of its own so that the spawned processes that
import it import nothing heavy."""
import os

CALLS = []  # what earlier calls in this process left behind


def job(n):
    CALLS.append(n)
    return os.getpid(), list(CALLS), n * n


def threads(n):
    import torch
    return os.getpid(), torch.get_num_threads()
