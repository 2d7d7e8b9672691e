"""The viewpoint benchmark and study as code: :mod:`.runner` trains, tests and analyses one run in-process,
:mod:`.study` defines the study's variants and caches its runs; ``benchmarks/viewpoint_benchmark.py`` and
``benchmarks/viewpoint_study.py`` are their command lines. The maths, the reports and the plots are
:mod:`mmpose_mdn.viewpoint`'s."""
