# detective-autopilot: the two quick-start commands are `make demo` and `make test`.
# Only Rust (cargo) is needed; everything else is installed by these targets.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

VENV ?= .venv
PY := $(VENV)/bin/python
# Offline: no telemetry, no update checks.
export SAM_CLI_TELEMETRY := 0
export SAM_CLI_DISABLE_UPDATE_CHECK := 1

.PHONY: demo test fmt-check clippy unit deploy-checks e2e model-check build bench

# Every call the sandbox serves during `make test` is written here (one JSON line each) and
# checked against botocore's service models by `model-check`.
TRAFFIC := $(CURDIR)/target/sandbox-traffic

## demo: replay every sample event in events/ against the built-in local sandbox
demo:
	$(CARGO) run --quiet -p autopilot -- demo

## test: everything CI checks (format, lints with warnings denied, all tests)
test: fmt-check clippy unit deploy-checks e2e model-check

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# cargo-nextest when present (one summary line for the whole run), else cargo test.
# The benchmark's smoke test starts the function binaries (built first: a test build only
# builds the binaries of the package under test) and the Python baseline with the
# virtualenv's boto3.
unit: $(VENV)/.installed
	$(CARGO) build --quiet --bins
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

## deploy-checks: cfn-lint, sam validate --lint, and template.yaml against the code and the events
deploy-checks: $(VENV)/.installed
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/sam validate --lint --template template.yaml --region us-east-1
	$(CARGO) build --quiet -p autopilot
	cd tests/deploy && AUTOPILOT=$(CURDIR)/target/debug/autopilot ../../$(PY) -m pytest -p no:cacheprovider -q test_template.py

## e2e: the real binaries under `cargo lambda watch`, moto_server (Organizations) and the sandbox (Detective)
e2e: $(VENV)/.installed
	$(CARGO) build --quiet --bins
	cd tests/deploy && SANDBOX_TRAFFIC_DIR=$(TRAFFIC) PATH=$(CURDIR)/$(VENV)/bin:$$PATH AUTOPILOT=$(CURDIR)/target/debug/autopilot ../../$(PY) -m pytest -p no:cacheprovider -q test_e2e.py

## model-check: every request our code sent to the sandbox and every response it returned
## (the whole suite and the demo) against botocore's service models
model-check: $(VENV)/.installed
	cd tests/model && ../../$(PY) -m pytest -p no:cacheprovider -q test_check_traffic.py test_api_coverage.py
	SANDBOX_TRAFFIC_DIR=$(TRAFFIC) $(CARGO) run --quiet -p autopilot -- demo > /dev/null
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
	$(CARGO) build --release -p investigate-findings -p enroll-accounts -p accept-invitations -p configure-detective -p report-investigations -p lambda-floor
	$(CARGO) build --release -p bench
	target/release/autopilot-bench --python $(PY) --out bench/results.json --work-dir bench/tmp
