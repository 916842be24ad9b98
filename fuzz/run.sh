#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 30), starting from the seeds
# committed in fuzz/corpus/TARGET; new inputs go to a temporary directory, so the committed
# corpus only changes by hand. A crash stops the script and leaves its input in
# fuzz/artifacts/TARGET/ (replay it with `cargo +nightly fuzz run TARGET FILE`).
#
# Needs cargo-fuzz, which is installed when missing. CARGO_BUILD_JOBS and CARGO_TARGET_DIR are honoured.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
# cargo fuzz passes unstable compiler flags: a nightly toolchain when there is one, else the
# machine's stable toolchain with those flags allowed (RUSTC_BOOTSTRAP), as a fresh CI machine
# has only one toolchain and cannot fetch another.
if cargo +nightly --version >/dev/null 2>&1; then
  toolchain=+nightly
else
  toolchain=
  export RUSTC_BOOTSTRAP=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
target_dir="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
# The targets use the server library, not its page: no Vite build under the fuzzer's flags.
export LIEUX_SKIP_WEB_BUILD=1
for target in $(cargo $toolchain fuzz list); do
  work="$(mktemp -d)"
  echo "== $target: ${seconds}s"
  cargo $toolchain fuzz run --target-dir "$target_dir" "$target" "$work" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1
  rm -rf "$work"
done
