#!/bin/bash
# Builds nchan NCHAN_VERSION (default 1.3.7, Debian trixie's) as a dynamic
# module of the packaged nginx, for `make nchan`.
#
#   bash t/nchan/build.sh OUT
#
# OUT (absolute) ends up holding OUT/ngx_nchan_module.so.  The source is
# the upstream tarball of Debian's libnginx-mod-nchan source package
# (libnginx-mod-nchan_VERSION+dfsg.orig.tar.xz), fetched with
# `apt-get source --download-only` through a private apt configuration
# under OUT/apt with a trixie deb-src line (as t/static.sh does for
# bookworm's nginx): the system's /etc/apt and /var/lib/apt are left
# alone.  apt checks the tarball against the signed Sources index; the
# .dsc and Debian's .debian.tar are not needed (and may not be on the
# mirror), so a failure to fetch them is not one.  nchan vendors its own
# hiredis, so nothing but the build group of t/deps.sh (nginx-dev,
# libssl-dev, build-essential, dpkg-dev) is needed.  It is configured as
# the Makefile configures our module: Debian's nginx-dev sources
# (/usr/share/nginx/src), its ./conf_flags (--with-compat) and
# dpkg-buildflags, then `make modules`.
#
# Cached: the download (OUT/src/.done) and the module are kept; only a
# missing module is built.
#
# Logs: OUT/apt.log, OUT/configure.log, OUT/make.log.
#
# Environment (optional):
#   NCHAN_VERSION    default 1.3.7
#   NCHAN_SUITE      the Debian suite whose Sources list it, default trixie
#   DEBIAN_MIRROR    default http://deb.debian.org/debian
#   NGINX_SRC        default /usr/share/nginx/src

set -euo pipefail

if [ $# -ne 1 ] || [ "${1:0:1}" != / ]; then
    echo "usage: $0 OUT  (an absolute path)" >&2
    exit 2
fi

OUT=$1
VERSION=${NCHAN_VERSION:-1.3.7}
SUITE=${NCHAN_SUITE:-trixie}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
NGINX_SRC=${NGINX_SRC:-/usr/share/nginx/src}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SRC=$OUT/src/nchan-$VERSION
SO=$OUT/ngx_nchan_module.so

say() { echo "nchan: $*"; }

# run LOG CMD...: CMD's output appended to LOG; on failure the end of LOG
run() {
    local log=$1; shift
    if ! "$@" >>"$log" 2>&1; then
        echo "nchan: failed: $*" >&2
        echo "nchan: last lines of $log:" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

if [ -f "$SO" ]; then
    say "$SO is built"
    exit 0
fi

mkdir -p "$OUT"

# --- 1. the source: Debian's .orig tarball ----------------------------------

if [ ! -f "$OUT/src/.done" ]; then
    : >"$OUT/apt.log"
    A=$OUT/apt
    rm -rf "$A" "$OUT/src"
    mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/parts" \
             "$A/prefs" "$OUT/src"
    echo "deb-src [signed-by=$KEYRING] $MIRROR $SUITE main" >"$A/sources.list"
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

    say "apt-get update ($SUITE sources, private lists in $A)"
    run "$OUT/apt.log" apt-get "${APT_OPTS[@]}" update

    rev=$(apt-cache "${APT_OPTS[@]}" madison libnginx-mod-nchan |
          awk -v v="$VERSION" '$NF == "Sources" {
              r = $3; sub(/^[0-9]+:/, "", r)
              if (index(r, v "+") == 1 || index(r, v "-") == 1) print $3 }' |
          sort -urV | head -n 1)
    [ -n "$rev" ] || {
        echo "nchan: no libnginx-mod-nchan $VERSION in $SUITE's sources" >&2
        exit 1
    }

    # the .orig tarball's name, from the index (epoch and revision off)
    up=${rev#*:}
    up=${up%-*}
    orig=libnginx-mod-nchan_$up.orig.tar.xz

    say "apt-get source --download-only libnginx-mod-nchan=$rev"
    # the .dsc and .debian.tar may be missing from the mirror: only the
    # .orig tarball matters, which apt checked against the index if it
    # saved it
    (cd "$OUT/src" &&
     apt-get "${APT_OPTS[@]}" source --download-only \
         "libnginx-mod-nchan=$rev") >>"$OUT/apt.log" 2>&1 || true
    [ -s "$OUT/src/$orig" ] || {
        echo "nchan: $orig not downloaded; see $OUT/apt.log" >&2
        tail -n 20 "$OUT/apt.log" >&2
        exit 1
    }

    # its SHA-256 in the index, checked here too
    want=$(apt-cache "${APT_OPTS[@]}" showsrc libnginx-mod-nchan |
           awk -v f="$orig" -v r="$rev" '/^Version:/ {v = $2}
                             /^Checksums-Sha256:/ {s = 1; next}
                             /^[^ ]/ {s = 0}
                             s && v == r && $3 == f {print $1; exit}')
    got=$(sha256sum "$OUT/src/$orig" | cut -d' ' -f1)
    [ -n "$want" ] && [ "$want" = "$got" ] || {
        echo "nchan: $orig: SHA-256 $got, the index says '${want}'" >&2
        exit 1
    }

    run "$OUT/apt.log" tar -C "$OUT/src" -xf "$OUT/src/$orig"
    [ -f "$SRC/config" ] || {
        echo "nchan: no $SRC/config in $orig; got:" >&2
        ls "$OUT/src" >&2
        exit 1
    }
    grep -q "NCHAN_VERSION \"$VERSION\"" "$SRC/src/nchan_version.h" || {
        echo "nchan: $orig is not nchan $VERSION" >&2
        exit 1
    }
    touch "$OUT/src/.done"
else
    say "using the cached source in $SRC"
fi

# --- 2. configure with nginx-dev, make modules ------------------------------

[ -f "$NGINX_SRC/conf_flags" ] || {
    echo "nchan: no $NGINX_SRC/conf_flags (apt-get install nginx-dev)" >&2
    exit 1
}

say "configure (log in $OUT/configure.log)"
: >"$OUT/configure.log"
rm -rf "$OUT/nginx"
# shellcheck disable=SC1091
(cd "$NGINX_SRC" && . ./conf_flags &&
 run "$OUT/configure.log" ./configure \
     --with-cc-opt="$(dpkg-buildflags --get CFLAGS) -fPIC" \
     --with-ld-opt="$(dpkg-buildflags --get LDFLAGS) -fPIC" \
     "${NGX_CONF_FLAGS[@]}" \
     --add-dynamic-module="$SRC" --builddir="$OUT/nginx")

say "make modules (log in $OUT/make.log)"
: >"$OUT/make.log"
run "$OUT/make.log" make -j"${NCHAN_JOBS:-2}" -f "$OUT/nginx/Makefile" \
    -C "$NGINX_SRC" modules

cp "$OUT/nginx/ngx_nchan_module.so" "$SO.tmp"
mv -f "$SO.tmp" "$SO"
say "built $SO"
