#!/bin/bash
# make scale: the demo's signaling (conf/trtc-demo.conf, with more
# connections allowed) under N WebSocket subscribers; prints the figures.
#
#   bash t/scale/run.sh [N] [ROOM_SIZE] [MESSAGES]
#
# SCALE_REDIS=1 (make scale-redis): two nginx servers with the same
# configuration and key, sharing signaling through Redis (Debian's
# redis-server on 127.0.0.1, nothing saved; the snippets conf/demo.sh
# SIGNAL=redis writes); every room has members on both, the publisher
# posts to the first, and the figures are split into deliveries on the
# same server and on the other one.  Ports: PORT (default 18480), PORT+1
# for the second nginx, PORT+2 for Redis.

set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
run=$(mktemp -d /tmp/trtc-scale-XXXXXX)
port=${PORT:-18480}

cleanup() {
    for dir in "$run" "$run/n2"; do
        if [ -s "$dir/nginx.pid" ]; then
            nginx -p "$dir/" -c "$dir/nginx.conf" -s stop 2>/dev/null || true
            sleep 0.5
        fi
    done
    if [ -s "$run/redis/redis.pid" ]; then
        kill "$(cat "$run/redis/redis.pid")" 2>/dev/null || true
        sleep 0.5
    fi
    rm -rf "$run"
}
trap cleanup EXIT

ulimit -n "$(ulimit -Hn)"     # the most this machine allows

chmod 711 "$run"
(umask 077 && openssl rand -hex 32 > "$run/trtc.key")

nchan=$(bash "$repo/t/nchan/path.sh")

# the configuration, for a run directory and a port
fill() {
    sed -e "s|@MODULE@|$repo/build/ngx_http_trtc_module.so|" \
        -e "s|@NCHAN@|$nchan|" \
        -e "s|@RUN@|$1|g" -e "s|@PORT@|$2|" -e "s|@HTML@|$repo/html|" \
        -e "s|worker_connections 4096;|worker_connections 20000;|" \
        -e "s|^worker_processes 2;|worker_processes 2;\nworker_rlimit_nofile 20000;|" \
        -e "s|error_log \(.*\) notice;|error_log \1 warn;|" \
        "$repo/conf/trtc-demo.conf" > "$1/nginx.conf"

    # "access_log off" after the substitution of @RUN@
    sed -i "s|access_log $1/access.log demo;|access_log off;|" "$1/nginx.conf"
}

fill "$run" "$port"
logs=("$run/error.log")
second=()

if [ -n "${SCALE_REDIS:-}" ]; then
    mkdir -p "$run/redis" "$run/n2"
    chmod 711 "$run/n2"
    cp "$run/trtc.key" "$run/n2/"
    redis-server --bind 127.0.0.1 --port "$((port + 2))" --save '' \
        --appendonly no --dir "$run/redis" --daemonize yes \
        --pidfile "$run/redis/redis.pid" --logfile "$run/redis/redis.log"
    for dir in "$run" "$run/n2"; do
        mkdir -p "$dir/http.d" "$dir/signal.d"
        printf 'upstream trtc_signal_redis {\n    nchan_redis_server %s;\n    %s\n}\n' \
            "127.0.0.1:$((port + 2))" 'nchan_redis_storage_mode nostore;' \
            > "$dir/http.d/signal-redis.conf"
        echo 'nchan_redis_pass trtc_signal_redis;' > "$dir/signal.d/redis.conf"
    done
    fill "$run/n2" "$((port + 1))"
    nginx -p "$run/n2/" -c "$run/n2/nginx.conf"
    logs+=("$run/n2/error.log")
    sleep 0.5
    second=(SCALE_BASE2="http://127.0.0.1:$((port + 1))"
            SCALE_NGINX2_PID="$(cat "$run/n2/nginx.pid")"
            SCALE_REDIS_PORT="$((port + 2))")
fi

nginx -p "$run/" -c "$run/nginx.conf"
sleep 0.5

cd "$repo/t/scale"
[ -d node_modules/ws ] || npm ci --no-audit --no-fund --loglevel=error

env "${second[@]}" \
    node scale.mjs "http://127.0.0.1:$port" "$(cat "$run/nginx.pid")" "$@"

if grep -E '\[(alert|crit|emerg)\]|exited on signal' "${logs[@]}"; then
    echo "scale: nginx logged the lines above" >&2
    exit 1
fi
