# make test: install if needed (.venv at the repo root) with the deploy extra, then run the test suite (CI runs it)
# make install-deploy: the deploy extra (onnx, onnxruntime) into .venv, beside the core install
# make test-fast: the tests that neither train nor run a tool or benchmark (the inner loop)
# make demo: the viewpoint benchmark (L1 vs MDN1/2/3 on synthetic front/back people, 9.1 min on 2 cores),
#            report in work_dirs/viewpoint_benchmark/report.md; make demo-quick: its ~1 minute CI variant
PY := .venv/bin/python
SEEDS ?= 0

.PHONY: install install-deploy test test-fast demo demo-quick
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
