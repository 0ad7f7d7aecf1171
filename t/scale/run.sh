#!/bin/bash
# make scale: the demo's signaling (conf/trtc-demo.conf, with more
# connections allowed) under N WebSocket subscribers; prints the figures.
#
#   bash t/scale/run.sh [N] [ROOM_SIZE] [MESSAGES]

set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
run=$(mktemp -d /tmp/trtc-scale-XXXXXX)
port=${PORT:-18480}

cleanup() {
    if [ -s "$run/nginx.pid" ]; then
        nginx -p "$run/" -c "$run/nginx.conf" -s stop 2>/dev/null || true
        sleep 0.5
    fi
    rm -rf "$run"
}
trap cleanup EXIT

ulimit -n "$(ulimit -Hn)"     # the most this machine allows

chmod 711 "$run"
(umask 077 && openssl rand -hex 32 > "$run/trtc.key")

sed -e "s|@MODULE@|$repo/build/ngx_http_trtc_module.so|" \
    -e "s|@RUN@|$run|g" -e "s|@PORT@|$port|" -e "s|@HTML@|$repo/html|" \
    -e "s|worker_connections 4096;|worker_connections 20000;|" \
    -e "s|^worker_processes 2;|worker_processes 2;\nworker_rlimit_nofile 20000;|" \
    -e "s|error_log \(.*\) notice;|error_log \1 warn;|" \
    -e "s|access_log @RUN@/access.log demo;|access_log off;|" \
    "$repo/conf/trtc-demo.conf" > "$run/nginx.conf"

# "access_log off" after the substitution of @RUN@
sed -i "s|access_log $run/access.log demo;|access_log off;|" "$run/nginx.conf"

nginx -p "$run/" -c "$run/nginx.conf"
sleep 0.5

cd "$repo/t/scale"
[ -d node_modules/ws ] || npm ci --no-audit --no-fund --loglevel=error

node scale.mjs "http://127.0.0.1:$port" "$(cat "$run/nginx.pid")" "$@"

if grep -E '\[(alert|crit|emerg)\]|exited on signal' "$run/error.log"; then
    echo "scale: nginx logged the lines above" >&2
    exit 1
fi
