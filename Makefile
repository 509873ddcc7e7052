# The shop's commands. Each target creates .venv and installs what it needs on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAGE ?= dev

.PHONY: help dev dev-reset test lint fmt bench fuzz lock package deploy destroy clean

help:
	@echo "make dev      run the whole shop locally (API, async pipeline, storefront) on moto;"
	@echo "              its data persists in .devstack/store; V=1 shows every log line"
	@echo "make dev-reset  the same, from a clean store (demo data only)"
	@echo "make test     lint, then run every test (unit, api, stack)"
	@echo "make lint     ruff and mypy"
	@echo "make bench    run the benchmarks and rewrite BENCHMARKS.md"
	@echo "make fuzz     fuzz the running local stack with schemathesis"
	@echo "make lock     resolve requirements*.in into the hashed lock files (LOCK_ARGS=--upgrade)"
	@echo "make package  build the deployment zip and the merged SAM template"
	@echo "make deploy STAGE=dev|prod   deploy to AWS;  make destroy STAGE=dev|prod   remove it"

# Dependencies (docs/decisions/0001-locked-dependencies.md): requirements.in and requirements-dev.in
# are what we ask for; `make lock` resolves them into requirements.txt (the Lambda's: Chalice
# packages it) and requirements-dev.txt (the venv's), every package pinned with its hashes, and
# requirements-uv.txt (the installer). The venv is exactly requirements-dev.txt, hash-checked.
$(STAMP): requirements-uv.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes --no-deps -r requirements-uv.txt
	$(BIN)/uv pip sync -q --python $(BIN)/python --require-hashes requirements-dev.txt
	@touch $(STAMP)

# The Lambda zip is for python3.11 on manylinux2014 x86_64 (the tag Chalice asks for); the venv is
# for a Debian x86_64 machine (glibc 2.28 or newer).
# Every hash PyPI lists for a pinned version goes in, so any platform's file of it checks.
# LOCK_ARGS=--upgrade moves every pin to the newest release the .in files allow.
LOCK := $(BIN)/uv pip compile -q --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock" $(LOCK_ARGS)

lock:
	@test -x $(BIN)/uv || ($(PYTHON) -m venv $(VENV) && \
	  $(BIN)/pip install -q --require-hashes --no-deps -r requirements-uv.txt)
	$(LOCK) --python-platform x86_64-manylinux2014 requirements.in -o requirements.txt
	$(LOCK) --python-platform x86_64-manylinux_2_28 -c requirements.txt requirements-dev.in \
	  -o requirements-dev.txt
	grep '^uv==' requirements-dev.txt | cut -d' ' -f1 | \
	  $(LOCK) --python-platform x86_64-manylinux_2_28 --no-annotate - -o requirements-uv.txt
	$(LOCK) --python-platform x86_64-manylinux_2_28 tools/checkov.in -o tools/checkov.txt

# Knobs (environment or make variables): API_PORT=8000 WEB_PORT=8080 MOTO_PORT=5001
# LOCAL_ADMIN_EMAIL LOCAL_ADMIN_PASSWORD DEVSTACK_PERSIST=0 V=1; see docs/local-stack.md.
dev: $(STAMP)
	V=$(V) $(BIN)/python -m devstack

dev-reset: $(STAMP)
	V=$(V) DEVSTACK_RESET=1 $(BIN)/python -m devstack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# checkov (tests/checkov_tool.py) pins an older boto3 than ours: it gets an environment of its own,
# never the project's, and the tests run it as a subprocess.
CHECKOV := .tools/checkov/.installed
# Locked with hashes like the venv (tools/checkov.in -> tools/checkov.txt by make lock).
$(CHECKOV): tools/checkov.txt $(STAMP)
	@test -x .tools/checkov/bin/python || $(PYTHON) -m venv --without-pip .tools/checkov
	$(BIN)/uv pip sync -q --python .tools/checkov/bin/python --require-hashes tools/checkov.txt
	@touch $(CHECKOV)

# Two passes: everything that runs in-process, spread over the cores; then the tests that start
# the real local stack, one at a time, so their timings are the stack's own.
test: lint $(CHECKOV)
	$(BIN)/python -m pytest -n auto -m "not stack"
	$(BIN)/python -m pytest -m stack

# Deploy to AWS (docs/deploy.md): needs AWS credentials and AWS_DEFAULT_REGION; runs on the venv's
# python3.11, which is also the Lambda runtime. DEPLOY_ARGS="--parameter AlarmTopicArn=arn:..."
# prod refuses the simulated payment provider unless ALLOW_SIMULATED_PAYMENTS=yes says so on purpose.
SIMULATED_FLAG := $(if $(ALLOW_SIMULATED_PAYMENTS),--allow-simulated-payments)
package: $(STAMP)
	$(BIN)/python -m deploy package --stage $(STAGE) $(SIMULATED_FLAG) $(DEPLOY_ARGS)

deploy: $(STAMP)
	$(BIN)/python -m deploy deploy --stage $(STAGE) $(SIMULATED_FLAG) $(DEPLOY_ARGS)

destroy: $(STAMP)
	$(BIN)/python -m deploy destroy --stage $(STAGE) --confirm "$(CONFIRM)" $(DEPLOY_ARGS)

# Every section in a fresh process; 4 to 8 minutes on 2 cores (docs/benchmarks.md).
# BENCH_ARGS="--smoke" for tiny sizes, "--only calls,latency" for some sections.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Fuzz a local stack of its own with schemathesis against /openapi.json, as an admin and as a
# shopper: over 1,000 generated requests, zero failures expected (docs/hardening.md).
# FUZZ_SEED=<n> replays a run; CI runs the short profile of the same test.
fuzz: $(STAMP)
	FUZZ_PROFILE=full $(BIN)/python -m pytest tests/stack/test_fuzz.py -s -p no:cacheprovider

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache build
