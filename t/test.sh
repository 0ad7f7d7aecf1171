#!/bin/bash
# The whole test suite, from a fresh Debian bookworm machine (as root):
# installs what is missing, builds the module, runs the token core's C
# unit tests and every t/*.t against the packaged nginx, then builds the
# Debian package and runs the suite against it installed (make test-deb:
# installed with apt, removed after).

set -euo pipefail

cd "$(dirname "$0")/.."

bash t/deps.sh
make --no-print-directory test
make --no-print-directory test-deb
