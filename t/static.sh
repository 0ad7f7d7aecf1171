#!/bin/bash
# Builds nginx 1.22.1 from Debian's source package with the module compiled
# in statically, for `make static`.
#
#   bash t/static.sh REPO OUT
#
# REPO is the repository (its `config` is the nginx addon file), OUT the
# output directory; the binary ends up as OUT/nginx.  The source comes from
# the Debian archive through a private apt configuration under OUT/apt, so
# the system's /etc/apt and /var/lib/apt are left alone.  Both the download
# and the build are cached: rerunning only rebuilds when the module changed.
#
# Logs: OUT/apt.log, OUT/configure.log, OUT/make.log.
#
# Environment (optional):
#   DEBIAN_MIRROR    default http://deb.debian.org/debian
#   SECURITY_MIRROR  default http://deb.debian.org/debian-security

set -euo pipefail

if [ $# -ne 2 ] || [ "${1:0:1}" != / ] || [ "${2:0:1}" != / ]; then
    echo "usage: $0 REPO OUT  (absolute paths)" >&2
    exit 2
fi

REPO=$1
OUT=$2
SELF=$(readlink -f "$0")
VERSION=1.22.1
SRC=$OUT/src/nginx-$VERSION
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

mkdir -p "$OUT"

say() { echo "static: $*"; }

# run LOG CMD...: run CMD with its output appended to LOG; on failure show
# the end of LOG and stop
run() {
    local log=$1; shift
    if ! "$@" >>"$log" 2>&1; then
        echo "static: failed: $*" >&2
        echo "static: last lines of $log:" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

# --- 1. Debian's nginx source ---------------------------------------------

if [ ! -f "$OUT/src/.done" ]; then
    : >"$OUT/apt.log"
    if ! command -v dpkg-source >/dev/null; then
        [ "$(id -u)" = 0 ] || { echo "static: dpkg-dev missing; run make deps" >&2; exit 1; }
        say "installing dpkg-dev"
        run "$OUT/apt.log" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends dpkg-dev
    fi

    # a private apt: own sources, lists and caches; keys from the system
    A=$OUT/apt
    rm -rf "$A" "$OUT/src"
    mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/parts" \
             "$A/prefs" "$OUT/src"
    cat >"$A/sources.list" <<EOF
deb-src [signed-by=$KEYRING] $MIRROR bookworm main
deb-src [signed-by=$KEYRING] $SECMIRROR bookworm-security main
EOF
    APT_OPTS=(
        -o "Dir::Etc::SourceList=$A/sources.list"
        -o "Dir::Etc::SourceParts=$A/parts"
        -o "Dir::Etc::PreferencesParts=$A/prefs"
        -o "Dir::State::Lists=$A/lists"
        -o "Dir::Cache=$A/cache"
        # as root apt would hand the downloads to _apt, which cannot
        # write under an arbitrary OUT
        -o "APT::Sandbox::User=$(id -un)"
    )

    say "apt-get update (private lists in $A)"
    run "$OUT/apt.log" apt-get "${APT_OPTS[@]}" update
    # newest Debian revision of $VERSION first; a mirror may lack the files
    # of one (bookworm-security's are not always there), so try the next
    mapfile -t revs < <(apt-cache "${APT_OPTS[@]}" madison nginx |
        awk -v v="$VERSION" '$NF == "Sources" && index($3, v "-") == 1 {print $3}' |
        sort -urV)
    [ ${#revs[@]} -gt 0 ] || { echo "static: no nginx $VERSION source in the archive" >&2; exit 1; }
    for rev in "${revs[@]}" FAIL; do
        [ "$rev" != FAIL ] || { echo "static: apt-get source failed; see $OUT/apt.log" >&2
                               tail -n 20 "$OUT/apt.log" >&2; exit 1; }
        say "apt-get source nginx=$rev"
        rm -rf "$SRC"
        (cd "$OUT/src" && apt-get "${APT_OPTS[@]}" source "nginx=$rev") \
            >>"$OUT/apt.log" 2>&1 && break
    done

    [ -x "$SRC/configure" ] || {
        echo "static: no $SRC after apt-get source; got:" >&2
        ls "$OUT/src" >&2
        exit 1
    }

    # dpkg-source -x applies debian/patches for "3.0 (quilt)"; do it here
    # only if that did not happen
    if [ -f "$SRC/debian/patches/series" ] && [ ! -d "$SRC/.pc" ]; then
        say "applying debian/patches"
        while read -r p _; do
            case "$p" in ''|'#'*) continue ;; esac
            run "$OUT/apt.log" patch -d "$SRC" -p1 -N -i "debian/patches/$p"
        done <"$SRC/debian/patches/series"
    fi

    touch "$OUT/src/.done"
else
    say "using cached source in $SRC"
fi

# --- 2. configure and build -----------------------------------------------

# newer REF PATH...: is anything under PATH... newer than REF
newer() { local ref=$1; shift; [ -n "$(find "$@" -newer "$ref")" ]; }

# the module, its addon file and this script (it holds the configure options)
if [ -x "$OUT/nginx" ] &&
   ! newer "$OUT/nginx" "$REPO/ngx_trtc_module" "$REPO/config" "$SELF"; then
    say "$OUT/nginx is up to date"
    exit 0
fi

# configure again only when the addon file or the options changed; a change
# to the module's sources alone is an incremental make
if [ ! -f "$SRC/objs/Makefile" ] ||
   newer "$SRC/objs/Makefile" "$REPO/config" "$SELF"; then
    say "configure (log in $OUT/configure.log)"
    : >"$OUT/configure.log"
    # only --prefix is set: the other paths (conf, logs, temp dirs) default
    # relative to it, so `nginx -p DIR` moves all of them
    (cd "$SRC" && run "$OUT/configure.log" ./configure \
        --prefix="$OUT/prefix" \
        --with-http_ssl_module \
        --with-http_realip_module \
        --with-http_auth_request_module \
        --with-http_sub_module \
        --with-threads \
        --with-debug \
        --with-cc-opt="-O2 -g" \
        --add-module="$REPO")
fi

say "make (log in $OUT/make.log)"
: >"$OUT/make.log"
run "$OUT/make.log" make -C "$SRC" -j2

cp "$SRC/objs/nginx" "$OUT/nginx.tmp"
mv "$OUT/nginx.tmp" "$OUT/nginx"
say "built $OUT/nginx"
