# Every target installs what it needs: a fresh clone needs only Python 3.10+.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install test lint notebooks benchmark sample clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $@

# Unit tests, then every notebook in quick mode through nbval (offline: the shipped sample).
test: install
	ESC50_QUICK=1 MPLBACKEND=Agg $(PY) -m pytest -q

lint: install
	$(PY) -m ruff check esc50 tests benchmarks scripts

# The main job: fetch ESC-50 if needed, then run every notebook in full and keep its outputs.
notebooks: install
	$(PY) -m esc50 download
	cd notebooks && for nb in [0-9][0-9]_*.ipynb; do \
		ESC50_QUICK=0 ../$(PY) -m jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout=-1 "$$nb" || exit 1; \
	done

# Feature speed, the baselines and leakage demo, YAMNet (zero-shot, head), every model's
# 5-fold results (reused when results/ already has them for the current configuration, from any
# machine; FRESH=1 retrains: hours on a CPU) and the ensembles of them, then real recordings and
# predict speed.
benchmark: install
	$(PY) benchmarks/features.py
	$(PY) benchmarks/baselines.py
	$(PY) benchmarks/transfer.py $(if $(FRESH),--fresh)
	$(PY) benchmarks/models.py $(if $(FRESH),--fresh)
	$(PY) benchmarks/predict.py

# Rebuild the shipped sample from a full copy of the data (maintainers only).
sample: install
	$(PY) scripts/make_sample.py

clean:
	rm -rf $(VENV) .pytest_cache figures/quick
