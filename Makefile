# Set-up and the two entry points of the README. Everything installs into $(VENV).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch (an unpinned torch pulls several GB of CUDA wheels). On a GPU machine:
#   make install-test TORCH_SPEC='torch --index-url ...'   or install torch yourself first.
TORCH_SPEC ?= torch==2.13.0
# `make demo` needs the package alone (~0.9 GB); `make test` adds torch, vot-toolkit, got10k and ray (~2 GB).
STAMP := $(VENV)/.installed
STAMP_TEST := $(VENV)/.installed-test

.PHONY: install install-test demo test lint clean browser

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	# compiles the evaluation kernels once (and checks the OpenCV build)
	$(BIN)/odtrack-eval doctor --fix
	touch $(STAMP)

$(STAMP_TEST): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	# vot-toolkit pulls opencv-python, whose cv2 may shadow opencv-contrib's: make the set consistent.
	$(BIN)/odtrack-eval doctor --fix
	touch $(STAMP_TEST)

install: $(STAMP)

install-test: $(STAMP_TEST)

demo: install
	$(BIN)/odtrack-eval demo

# The HTML report is tested in a real headless browser. Without Chromium, `make test` installs it with
# apt-get (as root) and says so; where that is not possible the browser tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "make test: installing Chromium with apt-get (for the browser test of the HTML report)"; \
	  apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; } || \
	  echo "make test: Chromium could not be installed: the browser tests of the HTML report will be skipped"

test: install-test browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
