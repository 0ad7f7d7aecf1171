# Sourced by run.sh (suite "turn") inside the namespaces, before nginx
# starts: media through a TURN server, with credentials from trtc_issue.
#
# Starts Debian's coturn (turnserver) on 127.0.0.1 (a free port, UDP,
# no TLS, no CLI) with coturn's REST API (use-auth-secret and a fresh
# random static-auth-secret), allowing loopback peers (coturn refuses
# relaying to 127.0.0.1 otherwise: both browsers are on loopback), its
# log (verbose: one line a request, with the username) in $work/turn/.
# Writes the nginx snippet conf/demo.sh writes for TURN_SECRET_FILE,
# TURN_URLS and TURN_RELAY_ONLY=1: the trtc_turn_* directives and the
# relay-only switch for the pages.
#
# For the test: TRTC_TURN_URL, TRTC_TURN_LOG, TRTC_TURN_SECRET (the
# secret's file, to sign credentials of its own: expired, or with
# another secret).

turn_port=$(node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')

turn=$work/turn
mkdir -p "$turn"

# the secret is only in files readable by root: not on a command line
(umask 077 && openssl rand -hex 32 > "$turn/secret")
(umask 077 && cat > "$turn/turnserver.conf" <<EOF
listening-ip=127.0.0.1
relay-ip=127.0.0.1
listening-port=$turn_port
min-port=49152
max-port=65535
realm=trtc.test
use-auth-secret
static-auth-secret=$(cat "$turn/secret")
allow-loopback-peers
no-tls
no-dtls
no-tcp-relay
no-cli
no-software-attribute
verbose
simple-log
no-stdout-log
log-file=$turn/turn.log
pidfile=$turn/turn.pid
db=$turn/turndb
EOF
)

turnserver -c "$turn/turnserver.conf" >/dev/null 2>&1 </dev/null &

# up when its UDP listener is bound (the relay ports are made before it)
for _ in $(seq 100); do
    ss -Hlun "src 127.0.0.1:$turn_port" | grep -q . && break
    sleep 0.1
done
if ! ss -Hlun "src 127.0.0.1:$turn_port" | grep -q .; then
    echo "turn.setup.sh: coturn did not start" >&2
    tail -20 "$turn/turn.log" >&2 || true
    exit 1
fi

cat > "$work/http.d/turn.conf" <<EOF
trtc_turn_secret_file $turn/secret;
trtc_turn_urls turn:127.0.0.1:$turn_port?transport=udp;
trtc_turn_ttl 1h;
map "" \$demo_ice_policy {
    default  relay;
}
EOF

export TRTC_TURN_URL="turn:127.0.0.1:$turn_port?transport=udp"
export TRTC_TURN_LOG=$turn/turn.log
export TRTC_TURN_SECRET=$turn/secret
