#!/usr/bin/env bash
# Builds every fuzz target and runs each for a bounded time, then prints per target the
# executions, libFuzzer's coverage (cov: edges, ft: features) and the crashes found.
#
#   fuzz/run.sh [SECONDS_PER_TARGET]      (default 60)
#
# Environment: FUZZ_TARGETS="envelope finding" to run only some; FUZZ_SANITIZER=address to
# build with AddressSanitizer (default none: the code is safe Rust, and a panic is what we
# look for; without ASan every target runs several times faster).
#
# Corpus: fuzz/corpus/<target>/ (seeded by fuzz/seed.sh, kept between runs, gitignored).
# Crash inputs: fuzz/artifacts/<target>/ (gitignored). Logs: fuzz/logs/. For each
# crash, its panic and backtrace are written beside it as <artifact>.txt, and for the
# `finding` target the mutated event it stands for as <artifact>.json, the form
# fuzz/regressions/finding/ keeps. Exits 1 if anything crashed.
set -euo pipefail
seconds="${1:-60}"
case "$seconds" in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2 ;; esac
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
targets="${FUZZ_TARGETS:-envelope finding sandbox_request}"
sanitizer="${FUZZ_SANITIZER:-none}"

if ! cargo fuzz --version > /dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz (cargo install cargo-fuzz)" >&2
    cargo install cargo-fuzz
fi
# cargo fuzz needs nightly rustc flags: the nightly toolchain when rustup has one, else
# the stable compiler told to accept them.
if rustup toolchain list 2> /dev/null | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi
flags=(--sanitizer "$sanitizer" --debug-assertions)

cd "$root"
"$here/seed.sh"
echo "run.sh: building the targets (${fuzz[*]} build ${flags[*]})"
"${fuzz[@]}" build "${flags[@]}"
mkdir -p "$here/logs"

summary="$here/logs/summary.txt"
printf '%-16s %8s %12s %9s %14s %8s %8s %8s\n' target seconds executions exec/s cov/edges ft corpus crashes | tee "$summary"
failed=0
for target in $targets; do
    artifacts="$here/artifacts/$target"
    mkdir -p "$artifacts" "$here/corpus/$target"
    before="$(find "$artifacts" -type f ! -name '*.json' ! -name '*.txt' | sort)"
    log="$here/logs/$target.log"
    options=(
        -max_total_time="$seconds"
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
        -timeout=10 -rss_limit_mb=4096 -max_len=16384
        -print_final_stats=1
        -artifact_prefix="$artifacts/"
    )
    if [ -f "$here/$target.dict" ]; then options+=(-dict="$here/$target.dict"); fi
    echo "run.sh: $target for ${seconds}s (log: ${log#"$root"/})"
    status=0
    "${fuzz[@]}" run "${flags[@]}" "$target" "$here/corpus/$target" -- "${options[@]}" > "$log" 2>&1 || status=$?
    after="$(find "$artifacts" -type f ! -name '*.json' ! -name '*.txt' | sort)"
    new="$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed '/^$/d' || true)"
    crashes="$(printf '%s\n' "$new" | sed '/^$/d' | wc -l)"
    # The last status line: `#N ... cov: C ft: F corp: K/...` (fork mode: `#N: cov: ...`).
    stats="$(grep -E '^#[0-9]+' "$log" | grep 'cov: ' | tail -n 1 || true)"
    executions="$(sed -nE 's/^#([0-9]+).*/\1/p' <<< "$stats")"
    elapsed="$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<< "$stats")"
    elapsed="${elapsed:-$seconds}"
    # The instrumented edges (of the target and every crate it links): cov's denominator.
    edges="$(sed -nE 's/.*Loaded 1 modules +\(([0-9]+) inline 8-bit counters\).*/\1/p' "$log" | head -n 1)"
    cov="$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<< "$stats")"
    ft="$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<< "$stats")"
    corpus="$(find "$here/corpus/$target" -type f | wc -l)"
    rate=$(( ${executions:-0} / (elapsed > 0 ? elapsed : 1) ))
    printf '%-16s %8s %12s %9s %14s %8s %8s %8s\n' "$target" "$elapsed" "${executions:-?}" "$rate" \
        "${cov:-?}/${edges:-?}" "${ft:-?}" "$corpus" "$crashes" | tee -a "$summary"
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        echo "run.sh: $target: libFuzzer exited $status without a crash input; see $log" >&2
        failed=1
    fi
    if [ "$crashes" -gt 0 ]; then
        failed=1
        binary="$here/target/x86_64-unknown-linux-gnu/release/$target"
        while IFS= read -r input; do
            [ -n "$input" ] || continue
            echo "  crash input: ${input#"$root"/}"
            # Run once more, alone, for the panic and its backtrace (fork mode keeps neither);
            # for `finding`, also the mutated event behind the crash, replayable by
            # tests/fuzz_regressions.rs.
            FUZZ_FINDING_DUMP="$input.json" RUST_BACKTRACE=1 "$binary" "$input" > "$input.txt" 2>&1 || true
            [ "$target" = finding ] && [ -f "$input.json" ] && echo "    as an event: ${input#"$root"/}.json"
            echo "    panic and backtrace: ${input#"$root"/}.txt"
            grep -m 1 -A 1 "panicked at" "$input.txt" | sed 's/^/    /' || true
        done <<< "$new"
    fi
done
echo "run.sh: summary in ${summary#"$root"/}"
if [ "$failed" -ne 0 ]; then
    cat >&2 << 'EOF'
run.sh: crashes found. Reproduce and minimise one with the same build flags (other flags
rebuild everything):
    cargo +nightly fuzz run --sanitizer none --debug-assertions TARGET fuzz/artifacts/TARGET/crash-...
    cargo +nightly fuzz tmin --sanitizer none --debug-assertions TARGET fuzz/artifacts/TARGET/crash-...
then keep the (minimised) input in fuzz/regressions/TARGET/ (for finding: the .json
event), which tests/fuzz_regressions.rs replays on stable.
EOF
fi
exit "$failed"
