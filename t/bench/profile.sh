#!/bin/bash
# make profile: where the uncached gate's time goes.  The benchmark's
# nginx (t/bench/nginx.conf.in) serves case (d), the static file behind
# trtc_auth with every request verified, under wrk; perf samples the two
# workers, and what is printed is the share of their time spent in the
# gate's own code: the module, libcrypto (its HMAC; nginx uses no
# libcrypto for plain HTTP) and libz (nothing else of nginx's inflates
# here), with the largest functions.  The C library's memcpy and memcmp
# called from the module are not counted, so this is a floor.  A share
# is measured within one run, so it holds on a noisy machine where the
# requests per second of two runs do not: the gate at s% of the
# workers' time puts (d) at about (100 - s)% of (b) by nginx CPU.
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
    perf record -q -o "$work/perf.data" -e cpu-clock -p "$workers" \
        -- sleep "$seconds" >/dev/null 2>&1
    wait "$wrk"

    perf report -i "$work/perf.data" --no-children --sort dso,symbol \
        2>/dev/null > "$work/report.txt"

    echo "profile: $module, case (d), the workers' time:"

    awk -v mod="$(basename "$module")" '
        $1 ~ /%$/ && ($2 == mod || $2 ~ /^lib(crypto|z)\.so/) {
            v = $1; sub("%", "", v)
            d = ($2 == mod) ? "module" : ($2 ~ /^libcrypto/) ? "libcrypto" : "libz"
            dso[d] += v; all += v
            sym[d " " $4] += v
        }
        END {
            printf "  %-44s %6.2f%%\n", "the gate'"'"'s code (module, libcrypto, libz)", all
            printf "    %-42s %6.2f%%\n", "the module", dso["module"]
            printf "    %-42s %6.2f%%\n", "libcrypto (HMAC-SHA256)", dso["libcrypto"]
            printf "    %-42s %6.2f%%\n", "libz (inflate, Adler-32)", dso["libz"]
            n = 0
            for (k in sym) { order[++n] = k }
            for (i = 1; i <= n; i++)
                for (j = i + 1; j <= n; j++)
                    if (sym[order[j]] > sym[order[i]]) { t = order[i]; order[i] = order[j]; order[j] = t }
            for (i = 1; i <= n && i <= 8; i++)
                printf "      %-40s %6.2f%%\n", order[i], sym[order[i]]
        }' "$work/report.txt"

    grep 'Requests/sec' "$work/wrk.out" | sed 's/^/  wrk: /'

    kill -QUIT "$master"
    wait "$master" 2>/dev/null || true
    master=
done
