#!/bin/bash
# Starts Janus for the SFU mode (conf/trtc-sfu.conf), or stops it:
#
#   start.sh RUN            fill in conf/janus/*.jcfg into RUN/janus/ and
#                           start Janus in the background
#   start.sh RUN stop
#
# RUN is the nginx run directory (conf/demo.sh's, or a test's).  Fresh
# secrets every start: the token secret (RUN/janus/token.secret, for
# nginx's trtc_janus_secret_file, which also keys the rooms' ids), the
# Admin API secret, the VideoRoom admin key and the rooms' secret
# (RUN/janus/create.conf, the body of nginx's room creating request).
# Every file holding one is 0600; none is ever sent to a browser.  Also
# writes RUN/http.d/janus.conf: the upstreams and trtc_janus_secret_file
# for nginx.
#
# Environment: JANUS_WS_PORT (8188), JANUS_ADMIN_PORT (7088), both on
# 127.0.0.1; JANUS_ICE (ice_enforce_list: the interfaces or addresses
# Janus gathers candidates on; empty: all but loopback);
# JANUS_RTP_PORTS (20000-40000); JANUS_PUBLISHERS (32: a room's
# publishers at once); JANUS_BIN (/usr/bin/janus).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
run=${1:?usage: start.sh RUN [stop]}
dir=$run/janus
libdir=/usr/lib/x86_64-linux-gnu/janus
[ -d "$libdir" ] || libdir=$(dirname "$(dirname "$(find /usr/lib -path '*/janus/plugins/libjanus_videoroom.so' | head -1)")")

stop() {
    if [ -s "$dir/janus.pid" ]; then
        local pid
        pid=$(cat "$dir/janus.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$dir/janus.pid"
    fi
}

if [ "${2:-}" = stop ]; then
    stop
    rm -f "$run/http.d/janus.conf"
    exit 0
fi

stop

ws_port=${JANUS_WS_PORT:-8188}
admin_port=${JANUS_ADMIN_PORT:-7088}
rtp_ports=${JANUS_RTP_PORTS:-20000-40000}
ice=
if [ -n "${JANUS_ICE:-}" ]; then
    ice="ice_enforce_list = \"$JANUS_ICE\""
fi

mkdir -p "$dir" "$run/http.d"
chmod 700 "$dir"
rm -rf "$dir/plugins" "$dir/transports" "$dir/none"
mkdir -p "$dir/plugins" "$dir/transports" "$dir/none"

# only what the SFU needs: the VideoRoom, the WebSocket and HTTP (Admin
# API) transports
ln -s "$libdir/plugins/libjanus_videoroom.so" "$dir/plugins/"
ln -s "$libdir/transports/libjanus_websockets.so" "$dir/transports/"
ln -s "$libdir/transports/libjanus_http.so" "$dir/transports/"

umask 077
secret=$(openssl rand -hex 32)
admin_secret=$(openssl rand -hex 32)
admin_key=$(openssl rand -hex 32)
room_secret=$(openssl rand -hex 32)

printf '%s\n' "$secret" > "$dir/token.secret"

for f in janus.jcfg janus.plugin.videoroom.jcfg \
         janus.transport.http.jcfg janus.transport.websockets.jcfg
do
    sed -e "s|@DIR@|$dir|g" -e "s|@SECRET@|$secret|" \
        -e "s|@ADMIN_SECRET@|$admin_secret|" -e "s|@ADMIN_KEY@|$admin_key|" \
        -e "s|@WS_PORT@|$ws_port|" -e "s|@ADMIN_PORT@|$admin_port|" \
        -e "s|@RTP_PORTS@|$rtp_ports|" -e "s|@ICE_ENFORCE@|$ice|" \
        "$here/$f" > "$dir/$f"
done

# the room creating request of /sfu/room (conf/trtc-sfu.conf): Janus's
# Admin API "message_plugin", the VideoRoom's "create" with the room of
# the verified token and its pin, which each join asks for; "secret":
# what edit, destroy, kick, recording and moderation of the room ask
# for, which nobody but nginx and Janus knows; "is_private": not in the
# VideoRoom's "list"; "publishers": the most cameras and screens at once
cat > "$dir/create.conf" <<CONF
# written by conf/janus/start.sh: secrets, keep 0600
proxy_set_body '{"janus":"message_plugin","transaction":"\$request_id","admin_secret":"$admin_secret","plugin":"janus.plugin.videoroom","request":{"request":"create","room":\$trtc_janus_room,"pin":"\$trtc_janus_room_pin","admin_key":"$admin_key","secret":"$room_secret","is_private":true,"signed_tokens":true,"publishers":${JANUS_PUBLISHERS:-32},"audiolevel_event":false,"notify_joining":false}}';
CONF

cat > "$run/http.d/janus.conf" <<CONF
# written by conf/janus/start.sh for conf/trtc-sfu.conf
trtc_janus_secret_file $dir/token.secret;

upstream janus_ws {
    server 127.0.0.1:$ws_port;
}

upstream janus_admin {
    server 127.0.0.1:$admin_port;
}
CONF
: > "$dir/janus.log"           # Janus would make it world-writable
umask 022

"${JANUS_BIN:-/usr/bin/janus}" -b -N -p "$dir/janus.pid" -L "$dir/janus.log" \
    -C "$dir/janus.jcfg" -F "$dir" >/dev/null

# ready when both transports listen
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$ws_port") 2>/dev/null \
       && (exec 3<>"/dev/tcp/127.0.0.1/$admin_port") 2>/dev/null
    then
        exit 0
    fi
    sleep 0.1
done

echo "janus/start.sh: Janus did not start, see $dir/janus.log" >&2
tail -20 "$dir/janus.log" >&2 || true
exit 1
