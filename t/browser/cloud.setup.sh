# The TRTC Cloud mode (conf/trtc-cloud.conf) with the real TRTC Web SDK,
# sourced by run.sh inside the namespaces (no network): standin.js takes
# the place of Tencent's signaling and log hosts on 127.0.0.1, so that
# cloud.test.js sees what the SDK sends through nginx's proxy locations.
#
# The SDK must be in html/vendor/ already (make vendor, outside: npm
# needs the network; make test depends on it).

# shellcheck source=t/browser/standin.sh
. "$here/standin.sh"

need_sdk cloud.setup.sh

conf=$repo/conf/trtc-cloud.conf

start_standin

# TURN credentials with the tokens (trtc_turn_*): the page hands them to
# the SDK as proxy.turnServer (no TURN server runs: the room is never
# entered, so no media flows)
(umask 077 && openssl rand -hex 32 > "$work/turn.secret")
cat > "$work/http.d/turn.conf" <<EOF2
trtc_turn_secret_file $work/turn.secret;
trtc_turn_urls turn:127.0.0.1:3478 turn:127.0.0.1:3478?transport=tcp stun:127.0.0.1:3478;
EOF2

extra_sed+=(-e "s|@SDKAPPID@|1400000000|" -e "s|@KEY_FILE@|$work/trtc.key|"
            -e "s|@SIGNALING@|http://127.0.0.1:$standin_port|"
            -e "s|@LOGGER@|http://127.0.0.1:$standin_port|")
export TRTC_ACCESS_LOG=$work/access.log TRTC_ERROR_LOG=$work/error.log
