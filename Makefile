# Two commands a user needs: `make demo` and `make test`. Both create the environment if missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda's runtime Python (python3.12 on Amazon Linux 2023), so handlers run locally on the
# interpreter they run on in AWS; any python3 >= 3.11 otherwise.
LAMBDA_PYTHON := 3.12
PYTHON ?= $(shell for c in python$(LAMBDA_PYTHON) $$(pyenv root 2>/dev/null)/versions/$(LAMBDA_PYTHON)*/bin/python$(LAMBDA_PYTHON) python3; do \
	[ -x "$$(command -v $$c 2>/dev/null)" ] && "$$(command -v $$c)" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$c; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help env demo test synth up bench clean

help:
	@echo "make demo   train, deploy to the embedded emulator, predict over HTTP and Kinesis"
	@echo "make test   the test suite (unit, infra, e2e)"
	@echo "make up     slipway local up: the app on the emulator until Ctrl-C"
	@echo "make synth  npx cdk synth (aws-cdk@2)"
	@echo "make bench  benchmarks against same-run baselines -> bench/results/"

$(BIN)/.installed: pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "no python3 >= 3.11 found" >&2; exit 1; }
	@echo "creating $(VENV) with $(PYTHON) ($$($(PYTHON) -V))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# What runs later must not wait on PyPI: the Lambda runtimes' own packages (boto3, awslambdaric)
	@# for the sandboxes, and the trainer's environment on the training image's Python.
	$(BIN)/python -m slipway.local.runtimes python3.12 python3.13
	$(BIN)/python -m slipway.sagemaker.interpreter
	@touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

env: $(BIN)/.installed node_modules/.installed

demo: env
	$(BIN)/slipway demo

test: env
	$(BIN)/python -m pytest

up: env
	$(BIN)/slipway local up

bench: env
	$(BIN)/python -m bench

synth: env
	PATH="$(CURDIR)/$(BIN):$$PATH" npx --no-install cdk synth --quiet

clean:
	rm -rf .slipway cdk.out
