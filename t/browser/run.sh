#!/bin/bash
# Browser tests of the demo's web app (html/), one suite a run:
#
#   run.sh [SUITE]      SUITE.test.js (SUITE "mesh" by default), after
#                       SUITE.setup.sh when there is one (below); without
#                       one, conf/trtc-demo.conf
#
# t/browser.t runs "mesh", t/browser-SUITE.t the others (TrtcBrowser.pm).
#
# Outside: installs what is missing (Debian packages through t/deps.sh,
# playwright-core through "npm ci"; no browser is downloaded: the tests
# drive Debian's /usr/bin/chromium), builds the module and trtc-tool.
# Then re-runs itself inside new network, PID and mount namespaces
# (unshare, as root): the network has only a loopback interface, so no
# packet leaves 127.0.0.0/8, and when this script ends every process it
# started (nginx, Chromium, node) ends with it.
#
# Inside: nginx with the demo's configuration (conf/trtc-demo.conf, filled
# in as conf/demo.sh does, with copies of the module and of html/ and a
# fresh key) on 127.0.0.1, then node SUITE.test.js, whose "RESULT" lines
# t/browser.t turns into TAP; one more RESULT for nginx's error log.
#
# A suite's SUITE.setup.sh is sourced inside the namespaces before nginx
# starts, with $work (the run's directory, also in TRTC_WORK for the
# test), $repo, $here and $port set; it may set conf (another
# configuration of conf/, filled in the same way), add sed expressions
# to the array extra_sed (its own @...@ values), write nginx settings
# into $work/http.d/*.conf (for configurations that include them),
# start servers of its own (they end with the namespace) and export
# what its test needs.  nginx's error log is checked for every suite.
#
# Environment: TRTC_MODULE (the module .so; default build/), TRTC_NGINX
# (default /usr/sbin/nginx), TRTC_PRELOAD (LD_PRELOAD for nginx, e.g. the
# sanitizer runtime of an ASan build of the module), TRTC_HTML (the app; default html/: another
# copy shows that the tests catch a broken app), TRTC_KEEP=1 keeps the
# temporary directory.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
suite=${1:-mesh}

test_js=$here/$suite.test.js
setup=$here/$suite.setup.sh
[ -e "$setup" ] || setup=

if [ ! -e "$test_js" ]; then
    echo "run.sh: no suite \"$suite\" ($test_js)" >&2
    exit 2
fi

if [ -z "${TRTC_IN_NAMESPACE:-}" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "run.sh: must run as root (unshare of the network namespace)" >&2
        exit 1
    fi

    bash "$repo/t/deps.sh"

    if [ ! -f "$here/node_modules/.package-lock.json" ] \
       || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]
    then
        (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    fi

    make -C "$repo" --no-print-directory -s all build/trtc-tool

    export TRTC_IN_NAMESPACE=1
    exec unshare --net --pid --fork --kill-child --mount-proc \
        bash "$0" "$suite"
fi

# ---- inside the namespaces ----

ip link set lo up

nginx_bin=${TRTC_NGINX:-/usr/sbin/nginx}
nginx=(env ${TRTC_PRELOAD:+LD_PRELOAD=$TRTC_PRELOAD} "$nginx_bin")
module=${TRTC_MODULE:-$repo/build/ngx_http_trtc_module.so}
work=$(mktemp -d /tmp/trtc-browser-XXXXXX)

stop_nginx() {
    if [ -s "$work/nginx.pid" ]; then
        local pid
        pid=$(cat "$work/nginx.pid")
        kill -QUIT "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

cleanup() {
    stop_nginx
    if [ -n "${TRTC_KEEP:-}" ]; then
        echo "run.sh: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# copies: a rebuild or an edit during the run changes nothing under nginx
cp "$module" "$work/module.so"
cp "$(bash "$repo/t/nchan/path.sh")" "$work/nchan.so"
cp -r "${TRTC_HTML:-$repo/html}" "$work/html"
chmod -R a+rX "$work/html"
chmod 711 "$work"                   # workers (nobody) reach the stamp socket
(umask 077 && openssl rand -hex 32 > "$work/trtc.key")

# a free port (the namespace is new: nothing else listens in it)
port=$(node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')

conf=$repo/conf/trtc-demo.conf
extra_sed=()
mkdir -p "$work/http.d"
export TRTC_WORK=$work

if [ -n "$setup" ]; then
    # shellcheck source=/dev/null
    . "$setup"
fi

sed -e "s|@MODULE@|$work/module.so|" -e "s|@NCHAN@|$work/nchan.so|" \
    -e "s|@RUN@|$work|g" \
    -e "s|@PORT@|$port|" -e "s|@HTML@|$work/html|" "${extra_sed[@]}" \
    "$conf" > "$work/nginx.conf"

"${nginx[@]}" -p "$work/" -c "$work/nginx.conf" -e "$work/error.log" -t -q
"${nginx[@]}" -p "$work/" -c "$work/nginx.conf" -e "$work/error.log"

for _ in $(seq 50); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/api/ping" && break
    sleep 0.1
done

set +e
TMPDIR="$work" TRTC_BASE="http://127.0.0.1:$port" TRTC_KEY="$work/trtc.key" \
TRTC_TOOL="$repo/build/trtc-tool" TRTC_ARTIFACTS="$repo/t/artifacts" \
    timeout -k 5 280 node "$test_js"
rc=$?
set -e

stop_nginx

# one RESULT line of run.sh's own: NAME, and what failed (empty: passed)
result() {
    node -e 'console.log("RESULT " + JSON.stringify({name: process.argv[1],
        ok: process.argv[2] === "", diag: process.argv[2]}))' "$1" "$2"
    [ -z "$2" ] || [ $rc -ne 0 ] || rc=1
}

# nginx must not have crashed or complained on the way
result "nginx error log: no alerts or crashes" \
    "$(grep -E '\[(alert|crit|emerg)\]|exited on signal|AddressSanitizer|LeakSanitizer|runtime error:' \
       "$work/error.log" | head -5 || true)"

# nor written a token into a log: a TRTC token (TRTC's base64 of a zlib
# stream) or a Janus token, by its shape, in any of nginx's logs
result "nginx logs: no token" \
    "$(find "$work" -name error.log -o -name access.log \
       | xargs -r grep -EHo '(^|[^A-Za-z0-9*_-])e[A-Za-z][A-Za-z0-9*_-]{60,}|[0-9]{10},janus[^:[:space:]"]*:[A-Za-z0-9+/]{27}=' \
       | cut -c1-120 | head -5 || true)"

exit $rc
