# munseo: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng tesseract-ocr-script-hang tesseract-ocr-script-hant tesseract-ocr-osd fonts-unfonts-core fonts-baekmuk fonts-noto-cjk fonts-nanum postgresql redis-server poppler-utils chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_DIR ?= demo-data

.PHONY: demo test test-fast bench lint system-deps install clean

## Install what is missing (Debian packages, then the virtualenv); fast when all is there.
install: system-deps $(STAMP)

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev,kiwi]'
	touch $(STAMP)

## The main job on demo data: generate documents, train and activate a model, start the server,
## upload the documents through the API, print the URL, an admin token and a summary.
## A second run reuses what the first made. Ctrl+C stops the server.
demo: install
	$(BIN)/munseo demo --dir $(DEMO_DIR)

## The whole suite, slow tests included (PostgreSQL is started by the tests themselves).
test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

bench: install
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_ocr_real.py
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_classify.py
	$(BIN)/python benchmarks/bench_classify_real.py
	$(BIN)/python benchmarks/bench_label_agreement.py
	$(BIN)/python benchmarks/bench_calibration.py
	$(BIN)/python benchmarks/bench_training_folder.py
	$(BIN)/python benchmarks/bench_service.py
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_learning.py
	$(BIN)/python benchmarks/bench_search.py
	$(BIN)/python benchmarks/bench_duplicates.py
	$(BIN)/python benchmarks/bench_similar.py

lint: install
	$(BIN)/ruff check munseo tests benchmarks
	$(BIN)/ruff format --check munseo tests benchmarks

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
