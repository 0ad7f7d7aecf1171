#!/bin/bash
# The whole test suite, from a fresh Debian bookworm machine (as root):
# installs what is missing, builds the module, runs the token core's C
# unit tests and every t/*.t against the packaged nginx.

set -euo pipefail

cd "$(dirname "$0")/.."

bash t/deps.sh
make --no-print-directory test
