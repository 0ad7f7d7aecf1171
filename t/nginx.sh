#!/bin/bash
# Builds one nginx version with the module, statically or as a dynamic
# module, for `make static` and the other version targets of the Makefile.
#
#   bash t/nginx.sh REPO OUT VERSION LINK
#
# REPO is the repository (its `config` is the nginx addon file), OUT the
# version's output directory, VERSION the nginx version (1.22.1, 1.26.3,
# 1.31.4...), LINK "static" (--add-module) or "dynamic" (--with-compat
# --add-dynamic-module, and the nginx binary of the same source, since a
# dynamic module loads only into the version it was built for).  Results:
# OUT/LINK/nginx, and when dynamic OUT/LINK/ngx_http_trtc_module.so and
# OUT/LINK/ngx_nchan_module.so (nchan from Debian's newest source: the
# tests of the room signaling load it, and Debian's binary nchan loads
# only into Debian's nginx).
#
# The source, under OUT/src/nginx/, is shared by both builds:
#   - NGINX_TARBALL set: that upstream tarball (one folder inside; a
#     `git archive` of nginx's repository is configured with
#     auto/configure, a release tarball with ./configure);
#   - else Debian's source package of VERSION (bookworm or trixie, and
#     their security updates) through a private apt configuration under
#     OUT/apt, so the system's /etc/apt and /var/lib/apt are left alone.
#     Debian's patches are applied when its part of the package can be
#     fetched; when only the upstream tarball (.orig) can, that is built.
# Both the download and the build are cached: rerunning only rebuilds
# when the module changed.
#
# Logs: OUT/apt.log, OUT/LINK/configure.log, OUT/LINK/make.log.
#
# Environment (optional):
#   NGINX_TARBALL    an upstream tarball of VERSION (see above)
#   DEBIAN_MIRROR    default http://deb.debian.org/debian
#   SECURITY_MIRROR  default http://deb.debian.org/debian-security

set -euo pipefail

if [ $# -ne 4 ] || [ "${1:0:1}" != / ] || [ "${2:0:1}" != / ] ||
   { [ "$4" != static ] && [ "$4" != dynamic ]; }; then
    echo "usage: $0 REPO OUT VERSION static|dynamic  (absolute paths)" >&2
    exit 2
fi

REPO=$1
OUT=$2
VERSION=$3
LINK=$4
SELF=$(readlink -f "$0")
BLD=$OUT/$LINK
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
TARBALL=${NGINX_TARBALL:-}

mkdir -p "$OUT" "$BLD"

say() { echo "nginx $VERSION $LINK: $*"; }
die() { echo "nginx $VERSION $LINK: $*" >&2; exit 1; }

# run LOG CMD...: run CMD with its output appended to LOG; on failure show
# the end of LOG and stop
run() {
    local log=$1; shift
    if ! "$@" >>"$log" 2>&1; then
        echo "nginx $VERSION $LINK: failed: $*" >&2
        echo "nginx $VERSION $LINK: last lines of $log:" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

# --- 1. the sources ---------------------------------------------------------

APT=$OUT/apt
APT_OPTS=(
    -o "Dir::Etc::SourceList=$APT/sources.list"
    -o "Dir::Etc::SourceParts=$APT/parts"
    -o "Dir::Etc::PreferencesParts=$APT/prefs"
    -o "Dir::State::Lists=$APT/lists"
    -o "Dir::Cache=$APT/cache"
    # as root apt would hand the downloads to _apt, which cannot write
    # under an arbitrary OUT
    -o "APT::Sandbox::User=$(id -un)"
)

# private_apt: a private apt (own sources, lists and caches, keys from the
# system), its lists fetched once per run
private_apt() {
    [ ! -f "$APT/.updated" ] || return 0
    if ! command -v dpkg-source >/dev/null; then
        [ "$(id -u)" = 0 ] || die "dpkg-dev missing; run make deps"
        say "installing dpkg-dev"
        run "$OUT/apt.log" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends dpkg-dev
    fi
    rm -rf "$APT"
    mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" \
             "$APT/parts" "$APT/prefs"
    cat >"$APT/sources.list" <<EOF
deb-src [signed-by=$KEYRING] $MIRROR bookworm main
deb-src [signed-by=$KEYRING] $SECMIRROR bookworm-security main
deb-src [signed-by=$KEYRING] $MIRROR trixie main
deb-src [signed-by=$KEYRING] $SECMIRROR trixie-security main
EOF
    say "apt-get update (private lists in $APT)"
    run "$OUT/apt.log" apt-get "${APT_OPTS[@]}" update
    touch "$APT/.updated"
}

# debian_source PKG UPSTREAM DIR: Debian's source package PKG of upstream
# version UPSTREAM (the newest if empty) unpacked in DIR, empty before
debian_source() {
    local pkg=$1 upstream=$2 dir=$3 revs rev orig

    private_apt
    # newest Debian revision first; a mirror may lack the files of one
    # (bookworm-security's are not always there), so try the next
    mapfile -t revs < <(apt-cache "${APT_OPTS[@]}" madison "$pkg" |
        awk -v v="$upstream" '$NF == "Sources" {
            u = $3; sub(/^[0-9]+:/, "", u)
            if (v == "" || index(u, v "-") == 1) print $3 }' |
        sort -urV)
    [ ${#revs[@]} -gt 0 ] || die "no $pkg ${upstream:-source} in the archive"
    [ -n "$upstream" ] || revs=("${revs[0]}")

    for rev in "${revs[@]}"; do
        say "apt-get source $pkg=$rev"
        if (cd "$dir" && apt-get "${APT_OPTS[@]}" source "$pkg=$rev") \
               >>"$OUT/apt.log" 2>&1; then
            return 0
        fi
        find "$dir" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
    done

    # Debian's part of no revision came: the upstream tarball, which apt
    # checked against the signed index, is enough
    orig=$(find "$dir" -maxdepth 1 -name "${pkg}_*.orig.tar.*" | sort -V |
           tail -n 1)
    [ -n "$orig" ] || die "apt-get source $pkg failed; see $OUT/apt.log"
    say "Debian's part of $pkg not reachable; building the upstream $(basename "$orig")"
    run "$OUT/apt.log" tar -xf "$orig" -C "$dir"
}

# source_dir NAME: the unpacked source under $OUT/src/NAME
source_dir() {
    find "$OUT/src/$1" -mindepth 1 -maxdepth 1 -type d | head -n 1
}

# fetch NAME FILE CMD...: the source NAME, which has FILE, by CMD (into
# $OUT/src/NAME), unless it is there from an earlier run
fetch() {
    local name=$1 file=$2; shift 2
    if [ -f "$OUT/src/$name/.done" ]; then
        say "using cached $name source in $(source_dir "$name")"
        return 0
    fi
    rm -rf "$OUT/src/$name"
    mkdir -p "$OUT/src/$name"
    "$@"
    [ -f "$(source_dir "$name")/$file" ] || {
        echo "nginx $VERSION $LINK: no $name source in $OUT/src/$name; got:" >&2
        ls "$OUT/src/$name" >&2
        exit 1
    }
    touch "$OUT/src/$name/.done"
}

touch "$OUT/apt.log"

if [ -n "$TARBALL" ]; then
    [ -f "$TARBALL" ] || die "no tarball $TARBALL (NGINX_TARBALL)"
    fetch nginx src/core/nginx.h \
        run "$OUT/apt.log" tar -xzf "$TARBALL" -C "$OUT/src/nginx"
else
    fetch nginx src/core/nginx.h debian_source nginx "$VERSION" "$OUT/src/nginx"
fi
SRC=$(source_dir nginx)

# dpkg-source -x applies debian/patches for "3.0 (quilt)"; do it here only
# if that did not happen
if [ -f "$SRC/debian/patches/series" ] && [ ! -d "$SRC/.pc" ]; then
    say "applying debian/patches"
    while read -r p _; do
        case "$p" in ''|'#'*) continue ;; esac
        run "$OUT/apt.log" patch -d "$SRC" -p1 -N -i "debian/patches/$p"
    done <"$SRC/debian/patches/series"
    mkdir "$SRC/.pc"
fi

# nchan, for the dynamic build (above)
if [ "$LINK" = dynamic ]; then
    fetch nchan config debian_source libnginx-mod-nchan "" "$OUT/src/nchan"
    NCHAN=$(source_dir nchan)
fi

# --- 2. configure and build -------------------------------------------------

# newer REF PATH...: is anything under PATH... newer than REF
newer() { local ref=$1; shift; [ -n "$(find "$@" -newer "$ref")" ]; }

# the module, its addon file and this script (it holds the configure options)
if [ -x "$BLD/nginx" ] &&
   ! newer "$BLD/nginx" "$REPO/ngx_trtc_module" "$REPO/config" "$SELF"; then
    say "$BLD/nginx is up to date"
    exit 0
fi

if [ "$LINK" = static ]; then
    ADD=(--add-module="$REPO")
else
    ADD=(--with-compat --add-dynamic-module="$REPO"
         --add-dynamic-module="$NCHAN")
fi

# a release has ./configure, nginx's repository (mainline) auto/configure
CONFIGURE=./configure
[ -x "$SRC/configure" ] || CONFIGURE=auto/configure

# configure again only when the addon file or the options changed; a change
# to the module's sources alone is an incremental make.  Both builds of a
# version share the source; each has its own objects (--builddir).
if [ ! -f "$BLD/objs/Makefile" ] ||
   newer "$BLD/objs/Makefile" "$REPO/config" "$SELF"; then
    say "configure (log in $BLD/configure.log)"
    : >"$BLD/configure.log"
    # only --prefix is set: the other paths (conf, logs, temp dirs) default
    # relative to it, so `nginx -p DIR` moves all of them; the modules are
    # those of Debian's nginx that the tests use
    (cd "$SRC" && run "$BLD/configure.log" "$CONFIGURE" \
        --prefix="$BLD/prefix" \
        --builddir="$BLD/objs" \
        --with-http_ssl_module \
        --with-http_v2_module \
        --with-http_realip_module \
        --with-http_auth_request_module \
        --with-http_sub_module \
        --with-threads \
        --with-debug \
        --with-cc-opt="-O2 -g" \
        "${ADD[@]}")
fi

say "make (log in $BLD/make.log)"
: >"$BLD/make.log"
# the Makefile in $SRC is the last configure's, of either build: use ours;
# no manpage (a `git archive` of nginx keeps it elsewhere); not the
# variables of a make that runs this script (LINK is nginx's linker)
run "$BLD/make.log" env -u MAKEFLAGS -u MAKELEVEL \
    make -C "$SRC" -f "$BLD/objs/Makefile" -j2 binary modules

if [ "$LINK" = dynamic ]; then
    for m in ngx_http_trtc_module ngx_nchan_module; do
        cp "$BLD/objs/$m.so" "$BLD/$m.so.tmp"
        mv "$BLD/$m.so.tmp" "$BLD/$m.so"
    done
fi
cp "$BLD/objs/nginx" "$BLD/nginx.tmp"
mv "$BLD/nginx.tmp" "$BLD/nginx"
say "built $BLD/nginx"
