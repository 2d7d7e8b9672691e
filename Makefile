# make test: install if needed (.venv at the repo root), then run the test suite
PY := .venv/bin/python

.PHONY: install test
install:
	bash tools/install.sh

test: install
	$(PY) -m pytest tests
