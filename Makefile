# Set-up and the two entry points of the README. Everything installs into $(VENV).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch (an unpinned torch pulls several GB of CUDA wheels). On a GPU machine:
#   make install TORCH_SPEC='torch --index-url ...'   or install torch yourself first.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: install demo test lint clean browser

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	# vot-toolkit pulls opencv-python, which shadows opencv-contrib's cv2: make the set consistent.
	$(BIN)/odtrack-eval doctor --fix
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/odtrack-eval demo

# The HTML report is tested in a real headless browser; without root or apt the test skips and says so.
browser:
	-@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1) || \
	  echo "chromium could not be installed: the browser test of the HTML report will be skipped"

test: install browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
