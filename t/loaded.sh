#!/bin/bash
# make test-loaded: the README's test command on a busy machine.  While
# it runs, stress-ng keeps 2 processes a CPU spinning (the issue's "load
# average 50" machine, in a form that can be repeated); the command runs
# LOADED_RUNS times in a row and every run must pass.
#
#   LOADED_RUNS      runs in a row [3]
#   LOADED_WORKERS   stress-ng's CPU workers [2 a CPU]
#   LOADED_COMMAND   what runs under the load ["bash t/test.sh"]
#
# The tests wait on conditions with generous deadlines, so none of them
# should notice; a test that fails here but passes on a quiet machine
# measures time it should not.

set -euo pipefail

cd "$(dirname "$0")/.."

runs=${LOADED_RUNS:-3}
workers=${LOADED_WORKERS:-$((2 * $(nproc)))}
command=${LOADED_COMMAND:-bash t/test.sh}

bash t/deps.sh test

stress=

stop_stress() {
    if [ -n "$stress" ]; then
        kill "$stress" 2>/dev/null || true
        wait "$stress" 2>/dev/null || true
        stress=
    fi
}

trap stop_stress EXIT

for i in $(seq 1 "$runs"); do
    stress-ng --cpu "$workers" --quiet &
    stress=$!

    echo "test-loaded: run $i of $runs, under $workers CPU hogs:" \
         "$command" >&2

    start=$(date +%s)

    if ! $command; then
        echo "test-loaded: run $i of $runs FAILED" >&2
        exit 1
    fi

    echo "test-loaded: run $i of $runs passed in" \
         "$(( $(date +%s) - start )) s" >&2

    stop_stress
done

echo "test-loaded: $runs runs in a row passed" >&2
