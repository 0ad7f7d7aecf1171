# Shared by the setup scripts of the suites that speak to Tencent's hosts
# through nginx (cloud, tencent), sourced inside the namespaces: the real
# SDK must be in html/vendor/, and standin.js takes the place of Tencent's
# signaling and log hosts on 127.0.0.1.
#
#   need_sdk NAME     stops the suite when make vendor has not run
#   start_standin     starts standin.js; sets standin_port and exports
#                     TRTC_STANDIN_LOG (empty once it answers)

need_sdk() {
    if [ ! -s "$work/html/vendor/trtc-sdk-v5/trtc.js" ]; then
        echo "$1: no TRTC Web SDK in html/vendor/trtc-sdk-v5/:" \
             "run \"make vendor\" first" >&2
        exit 1
    fi
}

start_standin() {
    standin_port=$port
    while [ "$standin_port" = "$port" ]; do
        standin_port=$(node -e 'const s = require("net").createServer();
            s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
    done

    export TRTC_STANDIN_LOG=$work/standin.log
    : > "$TRTC_STANDIN_LOG"
    node "$here/standin.js" "$standin_port" "$TRTC_STANDIN_LOG" \
        > "$work/standin.out" 2>&1 &

    for _ in $(seq 50); do
        curl -fs -o /dev/null "http://127.0.0.1:$standin_port/ping" && break
        sleep 0.1
    done
    : > "$TRTC_STANDIN_LOG"          # not the ping
}
