#!/bin/bash
# make scale: the demo's signaling (conf/trtc-demo.conf, with more
# connections allowed) under N WebSocket subscribers, measured by
# t/scale/scale_client.c (build/scale-client); prints its figures.
#
#   bash t/scale/run.sh [N] [ROOM_SIZE] [MESSAGES]
#
# "More connections allowed": open files and worker_connections up to
# the hard limit of open files (20,000 on the machines this was measured
# on: the client, one process, holds N of them), and the members'
# limit_conn and limit_req zones at 8 MB: the demo's 1 MB each hold some
# 16,000 members (the 16,169th subscriber is refused with 429).
#
# SCALE_REDIS=1 (make scale-redis): two nginx servers with the same
# configuration and key, sharing signaling through Redis (Debian's
# redis-server on 127.0.0.1, nothing saved; the snippets conf/demo.sh
# SIGNAL=redis writes); every room has members on both, the publisher
# posts to the first, and the figures are split into deliveries on the
# same server and on the other one.  Ports: PORT (default 18480), PORT+1
# for the second nginx, PORT+2 for Redis.  MODULE: the module to load
# [build/ngx_http_trtc_module.so]; SCALE_CLIENT: the client
# [build/scale-client].  SCALE_WORKERS: nginx's worker processes [2]
# (1: no message crosses between workers).

set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
run=$(mktemp -d /tmp/trtc-scale-XXXXXX)
port=${PORT:-18480}
module=${MODULE:-$repo/build/ngx_http_trtc_module.so}
client=${SCALE_CLIENT:-$repo/build/scale-client}

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

# the most this machine allows, 65,536 at most (worker_connections
# allocates its connections up front)
files=$(ulimit -Hn)
if [ "$files" = unlimited ] || [ "$files" -gt 65536 ]; then
    files=65536
fi
ulimit -n "$files"

chmod 711 "$run"
(umask 077 && openssl rand -hex 32 > "$run/trtc.key")

nchan=$(bash "$repo/t/nchan/path.sh")

# the configuration, for a run directory and a port
fill() {
    sed -e "s|@MODULE@|$module|" \
        -e "s|@NCHAN@|$nchan|" \
        -e "s|@RUN@|$1|g" -e "s|@PORT@|$2|" -e "s|@HTML@|$repo/html|" \
        -e "s|worker_connections 4096;|worker_connections $files;|" \
        -e "s|^worker_processes 2;|worker_processes ${SCALE_WORKERS:-2};\nworker_rlimit_nofile $files;|" \
        -e "s|\(zone=demo_[a-z]*\):1m|\1:8m|" \
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
    second=(SCALE_PORT2="$((port + 1))"
            SCALE_NGINX2_PID="$(cat "$run/n2/nginx.pid")"
            SCALE_REDIS_PORT="$((port + 2))")
fi

nginx -p "$run/" -c "$run/nginx.conf"
sleep 0.5

env "${second[@]}" \
    "$client" "$port" "$(cat "$run/nginx.pid")" "$@"

if grep -E '\[(alert|crit|emerg)\]|exited on signal' "${logs[@]}"; then
    echo "scale: nginx logged the lines above" >&2
    exit 1
fi
