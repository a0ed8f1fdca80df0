# detective-autopilot: the two quick-start commands are `make demo` and `make test`.
# Only Rust (cargo) is needed; everything else is installed by these targets.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

VENV ?= .venv
PY := $(VENV)/bin/python
# The binaries every step runs, one build for all: the whole workspace's, as `cargo lambda
# watch` builds them too. A `-p` build unifies the features of fewer packages, so Cargo
# compiled the AWS SDK and everything under it a third time (the test build, with the
# dev-dependencies' features, is the second).
BUILD := $(CARGO) build --quiet --bins
# Every function binary: a folder under functions/ each.
FUNCTIONS := $(notdir $(wildcard functions/*))
# checkov pins boto3 and packaging to versions that aws-sam-cli and pytest cannot share: it
# has a virtualenv of its own, inside $(VENV) (ignored by git, removed with it).
CHECKOV_VENV := $(VENV)/checkov
# Offline: no telemetry, no update checks.
export SAM_CLI_TELEMETRY := 0
export SAM_CLI_DISABLE_UPDATE_CHECK := 1

.PHONY: demo test fmt-check clippy deny deny-advisories unit deploy-checks e2e org-sim model-check fault-matrix build bench fuzz

# Every call the sandbox serves during `make test` is written here (one JSON line each) and
# checked against botocore's service models by `model-check`.
TRAFFIC := $(CURDIR)/target/sandbox-traffic

## demo: replay every sample event in events/ against the built-in local sandbox
demo:
	$(CARGO) run --quiet -p autopilot -- demo

## test: everything CI checks (format, lints with warnings denied, supply chain, all tests,
## the template scanned, the organization simulation, the model check, and the fault matrix
## and the simulation's figures printed)
## Each step is timed, and the times printed at the end (also when a step fails).
TEST_STEPS := fmt-check clippy deny unit deploy-checks e2e org-sim model-check fault-matrix
test:
	@start=$$(date +%s); times=""; status=0; \
	for step in $(TEST_STEPS); do \
		begin=$$(date +%s); \
		$(MAKE) --no-print-directory $$step || status=$$?; \
		times="$$times$$(printf '  %-14s %6ss' $$step $$(( $$(date +%s) - begin )))\n"; \
		if [ $$status -ne 0 ]; then times="$$times  ($$step failed: the steps after it did not run)\n"; break; fi; \
	done; \
	printf '\nmake test, by step:\n%b  %-14s %6ss\n' "$$times" total $$(( $$(date +%s) - start )); \
	exit $$status

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# cargo-deny is installed only when missing (~4 minutes the first time), pinned so that a
# new release cannot change what deny.toml means.
CARGO_DENY_VERSION ?= 0.20.2

## deny: the dependency supply chain against deny.toml: licenses, bans, sources
## (advisories need github.com: `make deny-advisories`, not part of `make test`)
deny:
	command -v cargo-deny >/dev/null 2>&1 || $(CARGO) install cargo-deny --locked --version $(CARGO_DENY_VERSION)
	$(CARGO) deny check --hide-inclusion-graph licenses bans sources

## deny-advisories: RustSec advisories and yanked crates; needs github.com, which this
## machine and CI cannot reach
deny-advisories:
	command -v cargo-deny >/dev/null 2>&1 || $(CARGO) install cargo-deny --locked --version $(CARGO_DENY_VERSION)
	$(CARGO) deny check --hide-inclusion-graph advisories

## fault-matrix: prints the matrix `make unit` computed (tests/faults.rs): every scenario x
## operation x fault, and how many lost anything (it must be 0, or the test failed)
fault-matrix:
	@grep -E "^fault matrix|^  [A-Za-z]+: " target/fault-matrix.txt

## fuzz: coverage-guided fuzzing (cargo fuzz, libFuzzer) of every target in fuzz/ for
## FUZZ_SECONDS each (default 60); prints executions, coverage and crashes per target.
## Not part of `make test`: it needs nightly (or RUSTC_BOOTSTRAP=1, which fuzz/run.sh sets).
FUZZ_SECONDS ?= 60
fuzz:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz
	fuzz/run.sh $(FUZZ_SECONDS)

# cargo-nextest when present (one summary line for the whole run), else cargo test.
# The benchmark's smoke test starts the function binaries (built first: a test build only
# builds the binaries of the package under test) and the Python baseline with the
# virtualenv's boto3.
unit: $(VENV)/.installed
	$(BUILD)
	rm -rf $(TRAFFIC)
	@export AUTOPILOT_BENCH_PYTHON=$(CURDIR)/$(PY) SANDBOX_TRAFFIC_DIR=$(TRAFFIC); \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast --success-output never; \
	else \
		$(CARGO) test --workspace --all-targets --no-fail-fast; \
	fi

# Python tooling, in a project-local virtualenv (ignored by git).
$(VENV)/.installed: tests/deploy/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/deploy/requirements.txt
	touch $@

$(CHECKOV_VENV)/.installed: tests/deploy/requirements-checkov.txt
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/deploy/requirements-checkov.txt
	touch $@

## deploy-checks: cfn-lint, sam validate --lint, checkov (the template and its SAM transform),
## and template.yaml against the code and the events
deploy-checks: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	$(VENV)/bin/cfn-lint template.yaml role-lookup.yaml
	$(VENV)/bin/sam validate --lint --template template.yaml --region us-east-1
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation --quiet --compact --skip-download
	mkdir -p target
	$(PY) tests/deploy/sam_transform.py template.yaml target/template.transformed.json
	$(CHECKOV_VENV)/bin/checkov -f target/template.transformed.json --framework cloudformation --quiet --compact --skip-download
	$(BUILD)
	cd tests/deploy && AUTOPILOT=$(CURDIR)/target/debug/autopilot ../../$(PY) -m pytest -p no:cacheprovider -q test_template.py

## e2e: the real binaries under `cargo lambda watch`, moto_server (Organizations) and the sandbox (Detective)
e2e: $(VENV)/.installed
	$(BUILD)
	cd tests/deploy && SANDBOX_TRAFFIC_DIR=$(TRAFFIC) PATH=$(CURDIR)/$(VENV)/bin:$$PATH AUTOPILOT=$(CURDIR)/target/debug/autopilot ../../$(PY) -m pytest -p no:cacheprovider -q test_e2e.py

## org-sim: the whole organization as deployed (tests/org): every stack rendered from the
## template for its account and region, the real binaries as Lambda runs them, events routed
## only where the deployed rules send them, every call checked against its role's IAM
org-sim: $(VENV)/.installed
	$(BUILD)
	cd tests/org && SANDBOX_TRAFFIC_DIR=$(TRAFFIC) AUTOPILOT=$(CURDIR)/target/debug/autopilot ../../$(PY) -m pytest -p no:cacheprovider -q test_iam.py test_organization.py
	@cat target/org-simulation.txt

## model-check: every request our code sent to the sandbox and every response it returned
## (the whole suite and the demo) against botocore's service models; every sample finding
## against GuardDuty's and Security Hub's models, and every field the code reads
model-check: $(VENV)/.installed
	cd tests/model && AUTOPILOT=$(CURDIR)/target/debug/autopilot ../../$(PY) -m pytest -p no:cacheprovider -q test_check_traffic.py test_api_coverage.py test_event_shapes.py
	$(BUILD)
	SANDBOX_TRAFFIC_DIR=$(TRAFFIC) target/debug/autopilot demo > /dev/null
	$(PY) tests/model/check_traffic.py $(TRAFFIC)

## build: `sam build` of every function with cargo-lambda (not part of CI).
## arm64 (the template's default) also needs: rustup target add aarch64-unknown-linux-gnu
ARCH ?= x86_64
build: $(VENV)/.installed
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/sam build --beta-features --parameter-overrides Architecture=$(ARCH) AccountRole=administrator

## bench: release builds, then cold start, memory and size beside the Python baseline and a
## bare lambda_runtime binary (the floor),
## handler throughput and sweep scale; writes bench/results.json and prints the table.
## The functions are built on their own, so that the harness's dependencies (axum's server,
## zip) cannot change their features: the binaries measured are the ones Lambda gets.
bench: $(VENV)/.installed
	$(CARGO) build --release $(addprefix -p ,$(FUNCTIONS)) -p lambda-floor --features configure-detective/loopback-answers
	$(CARGO) build --release -p bench
	target/release/autopilot-bench --python $(PY) --out bench/results.json --work-dir bench/tmp
