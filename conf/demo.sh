#!/bin/bash
# Runs the demo on a fresh Debian bookworm machine (as root): installs
# what its mode needs and the machine lacks (t/deps.sh's groups: nginx
# and nchan; Janus too for MODE=sfu; npm too for MODE=cloud),
# builds the module, makes a development key outside the repository if
# there is none, and starts nginx on 127.0.0.1.
#
#   bash conf/demo.sh          start (or restart) on port 8080
#   PORT=9000 bash conf/demo.sh
#   bash conf/demo.sh stop
#
# MODE picks the rooms' backend: mesh (the default: signaling in this
# nginx, media browser to browser, conf/trtc-demo.conf), sfu or cloud.
#
#   MODE=sfu bash conf/demo.sh
#                              media through Janus's VideoRoom (an SFU,
#                              conf/trtc-sfu.conf), started beside nginx by
#                              conf/janus/start.sh with fresh secrets in
#                              RUN/janus/ (0600); another MODE stops it
#   MODE=cloud TRTC_SDKAPPID=1400xxxxxx TRTC_KEY_FILE=/path/key \
#       bash conf/demo.sh      the rooms on Tencent Cloud TRTC: the TRTC Web
#                              SDK (make vendor, from npm) with tokens of
#                              your console application (its SDKAppID, and
#                              a file holding its secret key), nginx as the
#                              SDK's websocketProxy and loggerProxy
#                              (conf/trtc-cloud.conf) in front of
#                              TRTC_SIGNALING (default
#                              https://signaling.rtc.qq.com, the host of
#                              Tencent's proxy guide: the SDK itself learns
#                              its signaling host from Tencent's schedule
#                              service) and TRTC_LOGGER (default as the SDK
#                              picks: https://yun.tim.qq.com, or
#                              https://apisgp.my-imcloud.com for SDKAppIDs
#                              below 1400000000); README.md "TRTC Cloud
#                              mode and production"
#   SIGNAL=redis bash conf/demo.sh
#                              room signaling shared through Redis
#                              (REDIS_URL, default redis://127.0.0.1:6379;
#                              Debian's redis-server) with every nginx
#                              started so, each with its own PORT and
#                              TRTC_DEMO_DIR and the same trtc.key: people
#                              on any of them meet in the same rooms;
#                              SIGNAL=memory (the default) keeps it in this
#                              nginx; README.md "Several nginx servers"
#   TURN_SECRET_FILE=/etc/trtc/turn.secret \
#   TURN_URLS='turn:turn.example.com:3478' bash conf/demo.sh
#                              TURN credentials with every token, for a
#                              coturn with use-auth-secret and that file's
#                              first line as static-auth-secret (TURN_URLS:
#                              one or more, space-separated; TURN_TTL, e.g.
#                              1h: their lifetime, default the token's);
#                              TURN_RELAY_ONLY=1 also sends all media of
#                              the pages through it; without TURN_* no
#                              TURN; README.md "TURN"
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
        # a fast stop: a graceful quit that finds WebSockets open makes
        # nchan leave sockets (alerts); with messages in flight either
        # may crash a worker (README.md, "nchan: which one")
        nginx -p "$run/" -c "$run/nginx.conf" -s stop
        for _ in $(seq 50); do
            [ -e "$run/nginx.pid" ] || break
            sleep 0.1
        done
        echo "demo: stopped"
    fi
}

if [ "${1:-start}" = stop ]; then
    stop
    [ ! -d "$run/janus" ] || bash "$repo/conf/janus/start.sh" "$run" stop
    exit 0
fi

# what the mode needs, and only that (t/deps.sh's groups): nginx and
# nchan (the room's signaling; in TRTC Cloud its chat), the SFU Janus
# too, TRTC Cloud npm for the SDK
mode=${MODE:-mesh}

case $mode in
mesh) deps=(build nchan) ;;
sfu) deps=(build nchan janus) ;;
cloud) deps=(build nchan node) ;;
*)
    echo "demo: unknown MODE=$mode (mesh, sfu or cloud)" >&2
    exit 2
    ;;
esac

[ "${SIGNAL:-memory}" != redis ] || deps+=(redis)

echo "demo: MODE=$mode needs: ${deps[*]} (t/deps.sh)"
bash "$repo/t/deps.sh" "${deps[@]}"
make -C "$repo" --no-print-directory -s

# the nchan module of the rooms' signaling (t/nchan/path.sh says which)
nchan=$(bash "$repo/t/nchan/path.sh")
if [ ! -f "$nchan" ]; then
    echo "demo: no nchan module at $nchan" >&2
    exit 2
fi

# TRTC Cloud: checked, and the SDK vendored, before html/ is copied
cloud_sed=()

if [ "$mode" = cloud ]; then
    if [ -z "${TRTC_SDKAPPID:-}" ] || [ -z "${TRTC_KEY_FILE:-}" ]; then
        echo "demo: MODE=cloud needs TRTC_SDKAPPID (your application's" \
             "SDKAppID) and TRTC_KEY_FILE (a file with its secret key)" >&2
        exit 2
    fi
    if ! [[ $TRTC_SDKAPPID =~ ^[1-9][0-9]{0,9}$ ]]; then
        echo "demo: TRTC_SDKAPPID must be a number: $TRTC_SDKAPPID" >&2
        exit 2
    fi
    if [ ! -r "$TRTC_KEY_FILE" ] || [ ! -s "$TRTC_KEY_FILE" ]; then
        echo "demo: cannot read the key file $TRTC_KEY_FILE" >&2
        exit 2
    fi
    logger=https://yun.tim.qq.com
    [ "$TRTC_SDKAPPID" -ge 1400000000 ] || logger=https://apisgp.my-imcloud.com
    make -C "$repo" --no-print-directory -s vendor
    cloud_sed=(-e "s|@SDKAPPID@|$TRTC_SDKAPPID|"
               -e "s|@KEY_FILE@|$(realpath "$TRTC_KEY_FILE")|"
               -e "s|@SIGNALING@|${TRTC_SIGNALING:-https://signaling.rtc.qq.com}|"
               -e "s|@LOGGER@|${TRTC_LOGGER:-$logger}|")
fi

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

# room signaling: in this nginx's memory, or shared with other nginx
# servers through Redis (nchan's Redis mode, nothing stored there):
# an upstream of Redis servers, and nchan_redis_pass in the two
# signaling locations of conf/trtc-demo.conf
mkdir -p "$run/signal.d" "$run/removal.d"
rm -f "$run/http.d/signal-redis.conf" "$run/signal.d/redis.conf" \
      "$run/removal.d/redis.conf"
case "${SIGNAL:-memory}" in
memory)
    ;;
redis)
    redis_url=${REDIS_URL:-redis://127.0.0.1:6379}
    # host and port, for a PING (NOAUTH is an answer too); the URL may
    # hold a password: not on a command line, not on the terminal
    redis_host=${redis_url#*://}
    redis_host=${redis_host##*@}
    redis_host=${redis_host%%/*}
    redis_port=6379
    if [[ $redis_host == *:* ]]; then
        redis_port=${redis_host##*:}
        redis_host=${redis_host%:*}
    fi
    if ! timeout 5 redis-cli -h "$redis_host" -p "$redis_port" ping 2>&1 \
         | grep -Eq 'PONG|NOAUTH'
    then
        echo "demo: no Redis at $redis_host:$redis_port (apt-get install" \
             "redis-server, or set REDIS_URL)" >&2
        exit 2
    fi
    (umask 077 && cat > "$run/http.d/signal-redis.conf") <<EOF
upstream trtc_signal_redis {
    nchan_redis_server $redis_url;
    nchan_redis_storage_mode nostore;
}
EOF
    # removals are kept (nchan's Redis store), so that a server that
    # starts learns those that still hold
    (umask 077 && cat >> "$run/http.d/signal-redis.conf") <<EOF
upstream trtc_removal_redis {
    nchan_redis_server $redis_url;
}
EOF
    echo 'nchan_redis_pass trtc_signal_redis;' > "$run/signal.d/redis.conf"
    echo 'nchan_redis_pass trtc_removal_redis;' > "$run/removal.d/redis.conf"
    echo "demo: room signaling through Redis at $redis_host:$redis_port"
    ;;
*)
    echo "demo: unknown SIGNAL=$SIGNAL (memory or redis)" >&2
    exit 2
    ;;
esac

# TURN: coturn REST-API credentials with the tokens (the trtc_turn_*
# directives) and the pages' relay-only switch, in http.d/turn.conf
rm -f "$run/http.d/turn.conf"
if [ -n "${TURN_SECRET_FILE:-}${TURN_URLS:-}" ]; then
    if [ -z "${TURN_SECRET_FILE:-}" ] || [ -z "${TURN_URLS:-}" ]; then
        echo "demo: TURN needs both TURN_SECRET_FILE and TURN_URLS" >&2
        exit 2
    fi
    if [ ! -r "$TURN_SECRET_FILE" ] || [ ! -s "$TURN_SECRET_FILE" ]; then
        echo "demo: cannot read the TURN secret file $TURN_SECRET_FILE" >&2
        exit 2
    fi
    for u in $TURN_URLS; do
        if ! [[ $u =~ ^(turn|turns|stun):[A-Za-z0-9.:?=_-]+$ ]]; then
            echo "demo: not a turn:, turns: or stun: URL: $u" >&2
            exit 2
        fi
    done
    if [ -n "${TURN_TTL:-}" ] && ! [[ $TURN_TTL =~ ^[1-9][0-9]*[smhd]?$ ]]
    then
        echo "demo: TURN_TTL must be a time (300s, 1h, 1d): $TURN_TTL" >&2
        exit 2
    fi
    {
        echo "trtc_turn_secret_file $(realpath "$TURN_SECRET_FILE");"
        echo "trtc_turn_urls $TURN_URLS;"
        [ -z "${TURN_TTL:-}" ] || echo "trtc_turn_ttl $TURN_TTL;"
        if [ "${TURN_RELAY_ONLY:-0}" = 1 ]; then
            printf 'map "" $demo_ice_policy {\n    default  relay;\n}\n'
        fi
    } > "$run/http.d/turn.conf"
    echo "demo: TURN credentials for $TURN_URLS$( [ "${TURN_RELAY_ONLY:-0}" != 1 ] || echo ', media relayed only')"
elif [ "${TURN_RELAY_ONLY:-0}" = 1 ]; then
    echo "demo: TURN_RELAY_ONLY=1 needs TURN_SECRET_FILE and TURN_URLS" >&2
    exit 2
fi

# the media: browser to browser, or through Janus (README.md "Large
# rooms: an SFU"); start.sh writes the nginx settings Janus needs
conf=$repo/conf/trtc-demo.conf
if [ "$mode" = sfu ]; then
    conf=$repo/conf/trtc-sfu.conf
    bash "$repo/conf/janus/start.sh" "$run"
    echo "demo: Janus (SFU) on 127.0.0.1, log in $run/janus/janus.log"
elif [ -d "$run/janus" ]; then
    bash "$repo/conf/janus/start.sh" "$run" stop
fi
[ ${#cloud_sed[@]} -eq 0 ] || conf=$repo/conf/trtc-cloud.conf

sed -e "s|@MODULE@|$repo/build/ngx_http_trtc_module.so|" \
    -e "s|@NCHAN@|$nchan|" \
    -e "s|@RUN@|$run|g" -e "s|@PORT@|$port|" -e "s|@HTML@|$html|" \
    "${cloud_sed[@]}" "$conf" > "$run/nginx.conf"

stop
nginx -p "$run/" -c "$run/nginx.conf" -t -q
nginx -p "$run/" -c "$run/nginx.conf"

echo "demo: open http://127.0.0.1:$port/"
echo "demo: logs in $run, stop with: bash $repo/conf/demo.sh stop"
