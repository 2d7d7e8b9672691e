"""Experiments as code: runners that train and score in-process, cache their runs, and assemble their reports;
the scripts under ``benchmarks/`` are their command lines. Imported by those scripts, not by ``mmpose_mdn``."""
