# Sourced by run.sh (suite "redis") inside the namespaces, before the
# first nginx starts: room signaling shared by two nginx servers through
# Redis.
#
# Starts Debian's redis-server on 127.0.0.1 (a free port, nothing saved
# to disk, its own directory $work/redis), points the first nginx (run.sh
# starts it, @RUN@ = $work) at it, and starts a second nginx from the
# same configuration, module, pages and key on another port, with its
# own directory $work/n2 (pid, logs, temp files, stamping socket).  The
# snippets are what conf/demo.sh SIGNAL=redis writes: an upstream of
# Redis servers in http.d/, nchan_redis_pass in signal.d/ and removal.d/.
#
# For the test: TRTC_BASE2 (the second server), TRTC_NGINX2_CTL (a
# script: "stop" or "start" the second server, for the restart) and
# TRTC_NGINX2_LOG (its error log); TRTC_REDIS_PORT.

# a free port other than those given (nothing listens on them yet)
free_port() {
    local p
    while :; do
        p=$(node -e 'const s = require("net").createServer();
            s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
        case " $* " in
        *" $p "*) ;;
        *) echo "$p"; return ;;
        esac
    done
}

redis_port=$(free_port "$port")

mkdir -p "$work/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' \
    --appendonly no --dir "$work/redis" --daemonize yes \
    --pidfile "$work/redis/redis.pid" --logfile "$work/redis/redis.log"

for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
done

# the two snippets, into a server's run directory
redis_signal() {
    mkdir -p "$1/http.d" "$1/signal.d" "$1/removal.d"
    cat > "$1/http.d/signal-redis.conf" <<EOF
upstream trtc_signal_redis {
    nchan_redis_server redis://127.0.0.1:$redis_port;
    nchan_redis_storage_mode nostore;
}
upstream trtc_removal_redis {
    nchan_redis_server redis://127.0.0.1:$redis_port;
}
EOF
    echo 'nchan_redis_pass trtc_signal_redis;' > "$1/signal.d/redis.conf"
    echo 'nchan_redis_pass trtc_removal_redis;' > "$1/removal.d/redis.conf"
}

redis_signal "$work"

# the second server: the same configuration, filled in for $work/n2
n2=$work/n2
mkdir -p "$n2"
chmod 711 "$n2"
cp "$work/trtc.key" "$n2/trtc.key"
redis_signal "$n2"

port2=$(free_port "$port" "$redis_port")

sed -e "s|@MODULE@|$work/module.so|" -e "s|@NCHAN@|$work/nchan.so|" \
    -e "s|@RUN@|$n2|g" \
    -e "s|@PORT@|$port2|" -e "s|@HTML@|$work/html|" \
    "$repo/conf/trtc-demo.conf" > "$n2/nginx.conf"

# start, or stop the second server: TERM, nginx's fast shutdown (with
# QUIT, nchan 1.3.6 leaves WebSocket subscribers open as workers exit:
# "open socket left" alerts), then KILL after 10 s
{
    echo '#!/bin/bash'
    printf 'nginx=(%s)\n' "$(printf '%q ' "${nginx[@]}")"
    printf 'n2=%q\nport2=%q\n' "$n2" "$port2"
    cat <<'EOF'
set -euo pipefail
case "$1" in
start)
    "${nginx[@]}" -p "$n2/" -c "$n2/nginx.conf" -e "$n2/error.log" -t -q
    "${nginx[@]}" -p "$n2/" -c "$n2/nginx.conf" -e "$n2/error.log"
    for _ in $(seq 50); do
        curl -fs -o /dev/null "http://127.0.0.1:$port2/api/ping" && exit 0
        sleep 0.1
    done
    echo "nginx2: not answering on $port2" >&2
    exit 1
    ;;
stop)
    [ -s "$n2/nginx.pid" ] || exit 0
    pid=$(cat "$n2/nginx.pid")
    kill -TERM "$pid" 2>/dev/null || exit 0
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    echo "nginx2: killed after 10 s" >&2
    exit 1
    ;;
esac
EOF
} > "$n2/ctl.sh"

bash "$n2/ctl.sh" start

export TRTC_BASE2="http://127.0.0.1:$port2"
export TRTC_NGINX2_CTL="$n2/ctl.sh"
export TRTC_NGINX2_LOG="$n2/error.log"
export TRTC_REDIS_PORT="$redis_port"
