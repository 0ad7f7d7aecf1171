#!/bin/bash
# Installs what building and testing need and this machine lacks:
# the Debian packages named as arguments, and Node.js with npm when no
# node is on the PATH.  Needs root only when something is missing.

set -eu

missing=()

for p in "$@"; do
    case "$p" in
    nodejs|npm)
        command -v "${p/nodejs/node}" >/dev/null 2>&1 && continue ;;
    esac

    dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
        | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

echo "deps: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
