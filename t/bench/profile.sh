#!/bin/bash
# make profile: where the module's time goes in a request.  The
# benchmark's nginx (t/bench/nginx.conf.in) serves a case under wrk; perf
# samples the two workers, and what is printed is the share of their time
# spent in the module's own code: the module, libcrypto (its HMAC; nginx
# uses no libcrypto for plain HTTP) and libz (nothing else of nginx's
# inflates or deflates here), with the largest functions.  The C
# library's memcpy and memcmp called from the module are not counted, so
# this is a floor.  A share is measured within one run, so it holds on a
# noisy machine where the requests per second of two runs do not.
#
# Case (d), the default, is the static file behind trtc_auth with every
# request verified: the gate at s% of the workers' time puts (d) at about
# (100 - s)% of (b) by nginx CPU.  Cases (e) and (f) issue a UserSig, and
# a UserSig and a PrivateMapKey: their reply is larger than (a)'s, so
# (100 - s)% of (a) is a ceiling for them.
#
#   bash t/bench/profile.sh [MODULE...]     (make profile: the build's)
#
#   PROFILE_SECONDS   seconds sampled [5]
#   PROFILE_CASES     of t/bench/bench.sh's cases, e.g. "d e f" [d]
#   NGINX_BIN         [/usr/sbin/nginx]

set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
nginx_bin=${NGINX_BIN:-/usr/sbin/nginx}
tool=$repo/build/trtc-tool
seconds=${PROFILE_SECONDS:-5}
cases=${PROFILE_CASES:-d}

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

. "$repo/t/bench/common.sh"

bench_files

port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(
           LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')

# profile C: case C under wrk, perf sampling the workers; the shares of
# the module's code in their time
profile() {
    local c=$1

    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "$(case_header "$c")" \
         "http://127.0.0.1:$port$(case_path "$c")")" = 200 ] \
        || die "($c) is not 200"

    wrk -t2 -c64 -d$((seconds + 4))s -H "$(case_header "$c")" \
        "http://127.0.0.1:$port$(case_path "$c")" > "$work/wrk.out" &
    wrk=$!

    sleep 2
    perf record -q -o "$work/perf.data" -e cpu-clock -p "$workers" \
        -- sleep "$seconds" >/dev/null 2>&1
    wait "$wrk"

    perf report -i "$work/perf.data" --no-children --sort dso,symbol \
        2>/dev/null > "$work/report.txt"

    echo "profile: $module, case ($c), the workers' time:"

    awk -v mod="$(basename "$module")" '
        $1 ~ /%$/ && ($2 == mod || $2 ~ /^lib(crypto|z)\.so/) {
            v = $1; sub("%", "", v)
            d = ($2 == mod) ? "module" : ($2 ~ /^libcrypto/) ? "libcrypto" : "libz"
            dso[d] += v; all += v
            sym[d " " $4] += v
        }
        END {
            printf "  %-44s %6.2f%%\n", "the module'"'"'s code (module, libcrypto, libz)", all
            printf "    %-42s %6.2f%%\n", "the module", dso["module"]
            printf "    %-42s %6.2f%%\n", "libcrypto (HMAC-SHA256)", dso["libcrypto"]
            printf "    %-42s %6.2f%%\n", "libz (inflate or deflate, Adler-32)", dso["libz"]
            n = 0
            for (k in sym) { order[++n] = k }
            for (i = 1; i <= n; i++)
                for (j = i + 1; j <= n; j++)
                    if (sym[order[j]] > sym[order[i]]) { t = order[i]; order[i] = order[j]; order[j] = t }
            for (i = 1; i <= n && i <= 8; i++)
                printf "      %-40s %6.2f%%\n", order[i], sym[order[i]]
        }' "$work/report.txt"

    grep 'Requests/sec' "$work/wrk.out" | sed 's/^/  wrk: /'
}

for module in "$@"; do
    [ -f "$module" ] || die "no $module"

    bench_conf "$work" "$port" "" ""
    bench_start "$work" "$port"
    master=$started

    workers=$(tr ' ' ',' < "/proc/$master/task/$master/children")
    workers=${workers%,}

    for c in $cases; do
        profile "$c"
    done

    kill -QUIT "$master"
    wait "$master" 2>/dev/null || true
    master=
done
