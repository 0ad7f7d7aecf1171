# Sourced by run.sh (suite "sfu") inside the namespaces, before nginx
# starts: the SFU mode, conf/trtc-sfu.conf with Janus's VideoRoom.
#
# Janus gathers ICE candidates on no loopback interface, and the
# namespace has nothing else: a veth pair of its own gets 127.0.0.2
# (still loopback traffic, routed through lo; a dummy interface when
# veth is missing), and Janus gathers on that one only.  Chromium
# gathers on lo (--allow-loopback-in-peer-connection).
#
# conf/janus/start.sh fills in conf/janus/*.jcfg into $work/janus/ (0600,
# fresh secrets) and writes $work/http.d/janus.conf for nginx; Janus
# listens on free ports of 127.0.0.1.  For the test: TRTC_JANUS_WS
# (Janus's own WebSocket, to show that a token for room B cannot join
# room A even there), TRTC_JANUS_DIR (its files, to look for secrets in
# what the pages got).

if ! ip link add trtc-sfu0 type veth peer name trtc-sfu1 2>/dev/null; then
    ip link add trtc-sfu0 type dummy
fi
ip addr add 127.0.0.2/32 dev trtc-sfu0
ip link set trtc-sfu0 up
ip link set trtc-sfu1 up 2>/dev/null || true

free_port() {
    node -e 'const s = require("net").createServer();
        s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

JANUS_WS_PORT=$(free_port)
JANUS_ADMIN_PORT=$(free_port)
while [ "$JANUS_ADMIN_PORT" = "$JANUS_WS_PORT" ]; do
    JANUS_ADMIN_PORT=$(free_port)
done
export JANUS_WS_PORT JANUS_ADMIN_PORT
export JANUS_ICE=trtc-sfu0

bash "$repo/conf/janus/start.sh" "$work"

conf=$repo/conf/trtc-sfu.conf
export TRTC_JANUS_WS=ws://127.0.0.1:$JANUS_WS_PORT/
export TRTC_JANUS_DIR=$work/janus
