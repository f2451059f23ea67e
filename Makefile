# One entry point for tooling. Every target installs what is missing and skips work already done.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY310 := $(shell scripts/find-python310.sh)
UV := $(shell command -v uv 2>/dev/null || echo "$(PY310) -m uv")
VENV := .venv
BIN := $(VENV)/bin
SB := $(BIN)/supportbot
RASA := $(BIN)/rasa

# Offline and quiet by design: the defaults every process shares live in defaults.env.
include defaults.env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' defaults.env)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run test test-fast lint typecheck pytest ingest index train db validate story-test eval bench clean deploy-check

help:
	@echo "make run    install, build what is missing (index, Rasa model, demo orders) and start supportbot"
	@echo "make test   install and run every test (lint, types, unit, Rasa data and stories, browser)"
	@echo "make test-fast   the unit tests that need no model, Rasa or browser (under a minute)"
	@echo "make train | index | ingest | eval | bench | lint | typecheck | clean"

$(VENV)/.installed: pyproject.toml uv.lock
	@test -n "$(PY310)" || { echo "Python 3.10 is required" >&2; exit 1; }
	@command -v uv >/dev/null || $(PY310) -m uv --version >/dev/null 2>&1 || $(PY310) -m pip install --quiet uv
	$(UV) sync --frozen --python $(PY310)
	@touch $@

install: $(VENV)/.installed

ingest: install
	$(SB) ingest

index: install
	$(SB) index

train: install
	$(SB) train

db: install
	$(SB) orders migrate
	$(SB) orders seed --if-empty

run: install index train db
	scripts/run.sh

lint: install
	$(BIN)/ruff check bot api actions nlu_components rasa_server tools tests
	$(BIN)/ruff format --check bot api actions nlu_components rasa_server tools tests

typecheck: install
	$(BIN)/mypy bot api actions nlu_components rasa_server tools

# deploy/ checked without a cluster or a Docker daemon: the Kubernetes manifests against the API
# schemas of Kubernetes 1.31 (kubernetes-validate), the compose file against the Compose spec
# (check-jsonschema). Both run from PyPI in throwaway environments, pinned.
K8S_VERSION := 1.31.0
deploy-check: install
	$(UV) tool run --from "kubernetes-validate==1.37.0" kubernetes-validate --strict --quiet -k $(K8S_VERSION) \
		deploy/kubernetes/config.yaml deploy/kubernetes/data-stores.yaml deploy/kubernetes/supportbot.yaml
	$(UV) tool run --from "check-jsonschema==0.39.0" check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml

validate: install
	$(RASA) data validate --fail-on-warnings

story-test: train
	$(RASA) test core --model models/rasa/supportbot.tar.gz --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out results/stories

pytest: install index
	$(BIN)/pytest

test: lint typecheck deploy-check validate story-test pytest

test-fast: install
	$(BIN)/pytest -m "not slow and not browser"

# answers and dialogs start their own action server and Rasa (about a minute each) with the trained model.
eval: install index train
	$(SB) eval retrieval
	$(SB) eval nlu
	$(SB) eval answers --split all
	$(SB) eval dialogs --split all

bench: install index
	$(SB) bench search

clean:
	rm -rf models/* results .pytest_cache .mypy_cache .ruff_cache
	@touch models/.gitkeep
