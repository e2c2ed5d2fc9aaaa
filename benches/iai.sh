#!/usr/bin/env bash
# Runs the instruction-count benches (benches/iai.rs) under valgrind's callgrind through
# gungraun. Needs valgrind and gungraun-runner at the version of the gungraun crate in
# Cargo.lock; installs that runner with `cargo install` if it is missing. Not part of CI.
# Extra arguments go to the bench binary (e.g. a benchmark name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }
version=$(awk '/^name = "gungraun"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ "$(gungraun-runner --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    cargo install gungraun-runner --version "$version" --locked
fi
exec cargo bench -p kubesim-benches --features iai --bench iai -- "$@"
