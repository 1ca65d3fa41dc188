# make demo : install everything (system packages, venv, Python packages) and render the demo video
# make test : install the same way and run the whole test suite (with the linters)
# make check: the fast tier: the linters and the tests that run no real-time show
# make corpus: install the real-music corpus for development (make eval runs vj eval on it)
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test check lint install system-deps bench clean corpus eval

demo: $(STAMP)
	$(BIN)/vj demo --out demo-output

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: lint
	$(BIN)/python -m pytest -m "not slow and not corpus" $(PYTEST_ARGS)

# ruff (pyproject.toml) and the import contract: each stage imports only those below it
lint: $(STAMP)
	$(BIN)/ruff check vj tests tools
	$(BIN)/lint-imports

install: $(STAMP)

system-deps:
	sh tools/install-system-deps.sh

$(STAMP): pyproject.toml Makefile tools/install-system-deps.sh
	sh tools/install-system-deps.sh
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then \
		echo "CUDA GPU found: installing a CUDA build of torch"; \
		$(BIN)/python -m pip install 'torch>=2.4,<2.15'; \
	else \
		echo "no CUDA GPU: installing the CPU build torch==2.13.0"; \
		$(BIN)/python -m pip install torch==2.13.0; \
	fi
	$(BIN)/python -m pip install -e '.[test]'
	# musicnn's trained weights (read without TensorFlow; --no-deps keeps TensorFlow out)
	$(BIN)/python -m pip install --no-deps musicnn==0.1.0
	touch $(STAMP)

# the real-music corpus (Debian packages; the audio stays under /usr/share)
corpus:
	sh tools/install-corpus.sh

eval: $(STAMP) corpus
	$(BIN)/vj eval corpus --json eval.json --plot eval-figures

bench: $(STAMP)
	$(BIN)/vj bench audio

clean:
	rm -rf $(VENV) demo-output .pytest_cache
