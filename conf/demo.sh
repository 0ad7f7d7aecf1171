#!/bin/bash
# Runs the demo on a fresh Debian bookworm machine (as root): installs
# what is missing, builds the module, makes a development key outside
# the repository if there is none, and starts nginx on 127.0.0.1.
#
#   bash conf/demo.sh          start (or restart) on port 8080
#   PORT=9000 bash conf/demo.sh
#   bash conf/demo.sh stop
#
# TRTC_DEMO_DIR (default /var/lib/trtc-demo, or ~/.trtc-demo when not
# root) holds the key, the generated nginx.conf, the logs and the pid.

set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8080}

if [ "$(id -u)" = 0 ]; then
    run=${TRTC_DEMO_DIR:-/var/lib/trtc-demo}
else
    run=${TRTC_DEMO_DIR:-$HOME/.trtc-demo}
fi

stop() {
    if [ -s "$run/nginx.pid" ] && kill -0 "$(cat "$run/nginx.pid")" 2>/dev/null
    then
        nginx -p "$run/" -c "$run/nginx.conf" -s quit
        for _ in $(seq 50); do
            [ -e "$run/nginx.pid" ] || break
            sleep 0.1
        done
        echo "demo: stopped"
    fi
}

if [ "${1:-start}" = stop ]; then
    stop
    exit 0
fi

bash "$repo/t/deps.sh"
make -C "$repo" --no-print-directory -s

mkdir -p "$run" "$run/http.d"
chmod 711 "$run"     # workers reach the signaling socket; the key is 0600

if [ ! -s "$run/trtc.key" ]; then
    (umask 077 && openssl rand -hex 32 > "$run/trtc.key")
    echo "demo: made a development key in $run/trtc.key"
fi

# workers run as nobody when started as root: the pages must be readable
html="$repo/html"
if [ "$(id -u)" = 0 ] && ! su -s /bin/sh nobody -c "test -r '$html/index.html'"
then
    mkdir -p "$run/html"
    cp -r "$html/." "$run/html/"
    chmod -R a+rX "$run/html"
    html="$run/html"
fi

sed -e "s|@MODULE@|$repo/build/ngx_http_trtc_module.so|" \
    -e "s|@RUN@|$run|g" -e "s|@PORT@|$port|" -e "s|@HTML@|$html|" \
    "$repo/conf/trtc-demo.conf" > "$run/nginx.conf"

stop
nginx -p "$run/" -c "$run/nginx.conf" -t -q
nginx -p "$run/" -c "$run/nginx.conf"

echo "demo: open http://127.0.0.1:$port/"
echo "demo: logs in $run, stop with: bash $repo/conf/demo.sh stop"
