#!/bin/bash
# Installs what building, the tests and the demo need and this machine
# lacks: Debian packages, and Node.js with npm when no node is on the
# PATH.  Needs root only when something is missing.
#
#   bash t/deps.sh [--list] [GROUP...]
#
# GROUPs (none: all of them, what the tests need):
#   build    the packaged nginx, its headers and the module's libraries
#   nchan    room signaling (the mesh and SFU modes)
#   janus    the SFU (MODE=sfu)
#   node     Node.js and npm (the TRTC Web SDK of MODE=cloud, the tests'
#            reference package and browsers)
#   redis    redis-cli, to check a Redis server (SIGNAL=redis)
#   test     the rest of what the tests need: Chromium, coturn,
#            redis-server, wrk, clang and valgrind, debhelper and lintian,
#            stress-ng
# --list prints the packages of the groups, one a line, and installs
# nothing.  conf/demo.sh asks for its mode's groups only.

set -eu

list=0
if [ "${1:-}" = --list ]; then
    list=1
    shift
fi

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build nchan janus node redis test)

packages=()
node=0

for g in "${groups[@]}"; do
    case $g in
    build)
        packages+=(
            nginx-core nginx-dev            # the packaged nginx, its headers
            libcjson-dev libssl-dev zlib1g-dev
            build-essential openssl curl
            dpkg-dev                        # dpkg-buildflags; "apt-get source" for make static
        ) ;;
    nchan)
        packages+=(libnginx-mod-nchan) ;;
    janus)
        packages+=(janus) ;;
    node)
        node=1 ;;
    redis)
        packages+=(redis-tools) ;;
    test)
        packages+=(
            perl wrk
            debhelper lintian               # make deb (dh-sequence-nginx is nginx-dev)
            chromium iproute2 util-linux    # browser tests, in a network namespace
            fonts-wqy-microhei              # their screenshots in Chinese
            coturn                          # TURN relay (browser-turn.t)
            redis-server                    # across servers (browser-redis.t, removal-redis.t)
            clang-14 libclang-rt-14-dev     # fuzzing, sanitizers
            valgrind
            stress-ng                       # make test-loaded: the CPUs kept busy
        ) ;;
    *)
        echo "deps: unknown group $g (build nchan janus node redis test)" >&2
        exit 2 ;;
    esac
done

if [ $list = 1 ]; then
    printf '%s\n' "${packages[@]}"
    [ $node = 0 ] || printf '%s\n' nodejs npm
    exit 0
fi

missing=()

for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
        | grep -q 'install ok installed' || missing+=("$p")
done

# any Node.js will do; Debian's if there is none
if [ $node = 1 ]; then
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
fi

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
