# make test: install if needed (.venv at the repo root) with the deploy extra, then run the test suite (CI runs it)
# make install-deploy: the deploy extra (onnx, onnxruntime) into .venv, beside the core install
# make test-fast: the tests that neither train nor run a tool or benchmark (the inner loop)
# make demo: the viewpoint benchmark (L1 vs MDN1/2/3 on synthetic front/back people, 9.1 min on 2 cores),
#            report in work_dirs/viewpoint_benchmark/report.md; make demo-quick: its ~1 minute CI variant
# make plateau: the claims table at the plateau (33 runs, about 20-25 core-hours on this 2-core machine; cached and
#            resumable, so run it again to continue), report in benchmarks/results/plateau.md; then each finished run
#            continued 2000 iterations after a final lr step (x 0.1), report in benchmarks/results/plateau_lr_step.md;
#            both write the README's claims tables (its sections plateau-claims, lr-step-ap, lr-step-claims)
# make plateau-report: both reports and the README's tables without training (seconds): from the committed records
#            of the finished runs, and on a machine with runs under way, their curves so far (the committed
#            reports: a fresh clone's)
PY := .venv/bin/python
SEEDS ?= 0

.PHONY: install install-deploy test test-fast demo demo-quick plateau plateau-report
install:
	bash tools/install.sh

install-deploy: .venv/.mmpose-mdn-deploy
.venv/.mmpose-mdn-deploy: requirements/deploy.txt | install
	$(PY) -m pip install -q -r requirements/deploy.txt
	touch $@

test: install install-deploy
	$(PY) -m pytest tests

test-fast: install
	$(PY) -m pytest tests -m 'not slow'

demo: install
	$(PY) benchmarks/viewpoint_benchmark.py --seeds $(SEEDS)

demo-quick: install
	$(PY) benchmarks/viewpoint_benchmark.py --quick --work-dir work_dirs/viewpoint_benchmark_quick

PLATEAU := benchmarks/plateau.py --claims --seeds 101 102 103 --iters 2000 --every 1000 --max-iters 24000 \
	--min-scores 8 --lr-step 0.1 --step-iters 2000 --step-every 500 --jobs 2 \
	--report benchmarks/results/plateau.md --step-report benchmarks/results/plateau_lr_step.md --readme README.md

plateau: install
	OMP_NUM_THREADS=1 $(PY) $(PLATEAU)

plateau-report: install
	OMP_NUM_THREADS=1 $(PY) $(PLATEAU) --report-only
