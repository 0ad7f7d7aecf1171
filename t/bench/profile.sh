#!/bin/bash
# make profile: where the uncached gate's time goes.  The benchmark's
# nginx (t/bench/nginx.conf.in) serves case (d), the static file behind
# trtc_auth with every request verified, under wrk; perf samples the two
# workers with their call stacks, and what is printed is each part's
# inclusive share of the workers' time: the gate as a whole (the access
# handler and the session's cleanup), the token core, and the core's
# parts.  A share is measured within one run, so it holds on a noisy
# machine where the requests per second of two runs do not: the gate at
# s% of the workers' time puts (d) at (100 - s)% of (b) by nginx CPU.
#
#   bash t/bench/profile.sh [MODULE...]     (make profile: the build's)
#
#   PROFILE_SECONDS   seconds sampled [5]
#   NGINX_BIN         [/usr/sbin/nginx]

set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
nginx_bin=${NGINX_BIN:-/usr/sbin/nginx}
tool=$repo/build/trtc-tool
seconds=${PROFILE_SECONDS:-5}

[ $# -gt 0 ] || set -- "$repo/build/ngx_http_trtc_module.so"

die() {
    echo "profile: $*" >&2
    exit 1
}

for c in perf wrk; do
    command -v $c >/dev/null || die "no $c (Debian: linux-perf, wrk)"
done

[ -x "$tool" ] || die "no $tool (run: make build/trtc-tool)"

work=$(mktemp -d /tmp/trtc-profile-XXXXXX)
master=

cleanup() {
    if [ -n "$master" ] && kill -0 "$master" 2>/dev/null; then
        kill -QUIT "$master"
        wait "$master" 2>/dev/null || true
    fi

    rm -rf "$work"
}

trap cleanup EXIT

umask 077
openssl rand -hex 32 > "$work/trtc.key"
umask 022

mkdir -p "$work/www"
for i in $(seq 1 12); do
    printf '<p>line %02d of a small static page, served as it is</p>\n' "$i"
done > "$work/www/room.html"

token=$("$tool" sign -k "$work/trtc.key" -a 1400000000 -u alice -r 1234 \
        -e 86400)

port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(
           LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')

run_user=
[ "$(id -u)" = 0 ] && run_user='user root;'

# the gate's parts: name, then the functions whose shares add up to it
parts=(
    "gate (access handler, session cleanup)|ngx_http_trtc_access_handler ngx_http_trtc_session_cleanup"
    "  token core (trtc_verify)|trtc_verify"
    "    JSON (trtc_json_token)|trtc_json_token"
    "    HMAC-SHA256 (trtc_hmac)|trtc_hmac"
    "    base64 (trtc_base64_decode)|trtc_base64_decode"
    "    zlib (inflate, adler32)|inflate adler32_z"
    "  the session (ngx_http_trtc_session)|ngx_http_trtc_session"
    "  the token's source (ngx_http_trtc_token)|ngx_http_trtc_token"
)

for module in "$@"; do
    [ -f "$module" ] || die "no $module"

    sed -e "s|@MODULE@|$module|" -e "s|@DIR@|$work|g" -e "s|@RUN@|$work|g" \
        -e "s|@PORT@|$port|" -e "s|@STATUS@||" -e "s|@SDKAPPID@|1400000000|" \
        -e "s|@USER@|$run_user|" -e "s|@AFFINITY@||" \
        "$repo/t/bench/nginx.conf.in" > "$work/nginx.conf"

    "$nginx_bin" -p "$work/" -c "$work/nginx.conf" -e "$work/error.log" \
        -g 'daemon off;' &
    master=$!

    for i in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port/return" && break
        sleep 0.05
    done

    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-TRTC-Token: $token" \
         "http://127.0.0.1:$port/uncached/room.html")" = 200 ] \
        || die "(d) is not 200"

    workers=$(tr ' ' ',' < "/proc/$master/task/$master/children")
    workers=${workers%,}

    wrk -t2 -c64 -d$((seconds + 4))s -H "X-TRTC-Token: $token" \
        "http://127.0.0.1:$port/uncached/room.html" > "$work/wrk.out" &
    wrk=$!

    sleep 2
    perf record -q -o "$work/perf.data" -e cpu-clock \
        --call-graph dwarf,16384 -p "$workers" -- sleep "$seconds" \
        >/dev/null 2>&1
    wait "$wrk"

    perf report -i "$work/perf.data" --children --sort symbol -g none \
        2>/dev/null > "$work/report.txt"

    echo "profile: $module, case (d), the workers' time, inclusive:"

    for p in "${parts[@]}"; do
        name=${p%%|*}
        awk -v fs="${p#*|}" -v name="$name" '
            BEGIN { n = split(fs, f, " "); for (i = 1; i <= n; i++) want[f[i]] = 1 }
            $3 == "[.]" && ($4 in want) { gsub("%", "", $1); s += $1 }
            END { printf "  %-44s %6.2f%%\n", name, s }' "$work/report.txt"
    done

    grep 'Requests/sec' "$work/wrk.out" | sed 's/^/  wrk: /'

    kill -QUIT "$master"
    wait "$master" 2>/dev/null || true
    master=
done
