# detective-autopilot: the two quick-start commands are `make demo` and `make test`.
# Only Rust (cargo) is needed; everything else is installed by these targets.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: demo test fmt-check clippy unit build release

## demo: replay every sample event in events/ against the built-in local sandbox
demo:
	$(CARGO) run --quiet -p autopilot -- demo

## test: everything CI checks (format, lints with warnings denied, all tests)
test: fmt-check clippy unit

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# cargo-nextest when present (one summary line for the whole run), else cargo test.
unit:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast --success-output never; \
	else \
		$(CARGO) test --workspace --all-targets --no-fail-fast; \
	fi

build:
	$(CARGO) build --workspace

release:
	$(CARGO) build --release --workspace --bins
