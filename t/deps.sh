#!/bin/bash
# Installs what building, the tests and the demo need and this machine
# lacks: Debian packages, and Node.js with npm when no node is on the
# PATH.  Needs root only when something is missing.

set -eu

packages=(
    nginx-core nginx-dev            # the packaged nginx and its headers
    libnginx-mod-nchan              # room signaling
    libcjson-dev libssl-dev zlib1g-dev
    build-essential dpkg-dev        # dpkg-dev: "apt-get source" for make static
    debhelper lintian               # make deb (dh-sequence-nginx is nginx-dev)
    perl openssl curl wrk
    chromium iproute2 util-linux    # browser tests, in a network namespace
    fonts-wqy-microhei              # their screenshots in Chinese
    coturn                          # TURN relay (browser-turn.t)
    redis-server                    # across servers (browser-redis.t, removal-redis.t)
    janus                           # the SFU mode (browser-sfu.t)
    clang-14 libclang-rt-14-dev     # fuzzing, sanitizers
    valgrind
)

missing=()

for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
        | grep -q 'install ok installed' || missing+=("$p")
done

# any Node.js will do for the reference package; Debian's if there is none
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# installing nginx must not start the packaged server on port 80
policy=/usr/sbin/policy-rc.d
if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' > $policy
    chmod 755 $policy
    trap 'rm -f $policy' EXIT
fi

echo "deps: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
