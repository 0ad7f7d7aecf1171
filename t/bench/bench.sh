#!/bin/bash
# The benchmark behind "make bench": nginx with the module under wrk, and
# the token core alone against Tencent's reference package in node.  It
# reports; it asserts nothing about speed (the targets print PASS or
# MISS and never fail the command).
#
#   bash t/bench/bench.sh            (make bench builds what it needs)
#
# Threads and CPUs: wrk and nginx share the machine's CPUs.  The
# defaults, two wrk threads and no pinning anywhere, keep both CPUs busy
# (one wrk thread cannot: on 2 CPUs it leaves them 10-15% idle while the
# workers wait for requests, and then the client, not nginx, sets the
# ceiling of the cheap cases and the ratios come out too good); the
# scheduler spreads the 4 threads.  wrk's own CPU time still dilutes
# the req/s ratios, hence the second ratio, of the workers' CPU time per
# request, which is what the first would be with nginx alone.
#
# Environment (defaults in brackets):
#   BENCH_ROUNDS        rounds of every case, interleaved [3]
#   BENCH_DURATION      seconds of each measured wrk run [8]
#   BENCH_WARMUP        seconds of wrk before each measured run [2]
#   BENCH_CONNECTIONS   wrk connections [64]
#   BENCH_WRK_THREADS   wrk threads [2]
#   BENCH_WRK_CPUS      taskset CPU list for wrk, empty: not pinned []
#   BENCH_AFFINITY      nginx's worker_cpu_affinity, "none": unset [none]
#   BENCH_CASES         which of a b c d e f g h i, e.g. "b c d" [all]
#   BENCH_CORE_SECONDS  seconds of each token core measurement [2]
#   BENCH_CORE_CPU      the CPU the token core benchmarks run on [last]
#   BENCH_KEEP          keep the working directory
#   NGINX_BIN, MODULE, BUILD

set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/t/bench
build=${BUILD:-$repo/build}
nginx_bin=${NGINX_BIN:-/usr/sbin/nginx}
module=${MODULE:-$build/ngx_http_trtc_module.so}
tool=$build/trtc-tool
core_bench=$build/token-bench

rounds=${BENCH_ROUNDS:-3}
duration=${BENCH_DURATION:-8}
warmup=${BENCH_WARMUP:-2}
connections=${BENCH_CONNECTIONS:-64}
wrk_threads=${BENCH_WRK_THREADS:-2}
wrk_cpus=${BENCH_WRK_CPUS:-}
affinity=${BENCH_AFFINITY:-none}
cases=${BENCH_CASES:-a b c d e f g h i}
core_seconds=${BENCH_CORE_SECONDS:-2}
ncpu=$(nproc)
core_cpu=${BENCH_CORE_CPU:-$((ncpu - 1))}

die() {
    echo "bench: $*" >&2
    exit 1
}

for f in "$nginx_bin" "$tool" "$core_bench"; do
    [ -x "$f" ] || die "no $f (run: make bench)"
done

[ -f "$module" ] || die "no $module (run: make)"
[ -d "$repo/t/ref/node_modules/tls-sig-api-v2" ] \
    || die "no reference package in t/ref (run: make bench)"
command -v node >/dev/null || die "no node (run: make deps)"

if ! command -v wrk >/dev/null; then
    [ "$(id -u)" = 0 ] || die "no wrk; install the Debian package wrk"
    echo "bench: installing wrk" >&2
    apt-get install -y -qq --no-install-recommends wrk >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq \
             --no-install-recommends wrk >/dev/null; }
fi

work=$(mktemp -d /tmp/trtc-bench-XXXXXX)
master=
master2=

stop_nginx() {
    local m

    for m in $master $master2; do
        if kill -0 "$m" 2>/dev/null; then
            kill -QUIT "$m"
            wait "$m" 2>/dev/null || true
        fi
    done

    master=
    master2=
}

cleanup() {
    stop_nginx

    if [ -z "${BENCH_KEEP:-}" ]; then
        rm -rf "$work"
    else
        echo "bench: kept $work" >&2
    fi
}

trap cleanup EXIT

. "$here/common.sh"

# two free ports on 127.0.0.1
read -r port port2 <<< "$(perl -MIO::Socket::INET -e '
    my @s = map { IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                                        LocalPort => 0, Listen => 1)
                  or die "no port\n" } 1 .. 2;
    print join(" ", map { $_->sockport } @s), "\n";')"

bench_files

affinity_line=
[ "$affinity" != none ] && affinity_line="worker_cpu_affinity $affinity;"

bench_conf "$work" "$port" "" "$affinity_line"
bench_conf "$work/counted" "$port2" "location = /status { trtc_status; }" \
    "$affinity_line"

bench_start "$work" "$port"
master=$started
bench_start "$work/counted" "$port2"
master2=$started

base=http://127.0.0.1:$port
base2=http://127.0.0.1:$port2

# every case answers as it should before anything is measured

status() {
    curl -s -o /dev/null -w '%{http_code}' "$@"
}

hdr="X-TRTC-Token: $token"

[ "$(status "$base/return")" = 200 ] || die "(a) is not 200"
[ "$(status -H "$hdr" "$base/static/room.html")" = 200 ] \
    || die "(b) is not 200"

for p in cached uncached; do
    [ "$(status "$base/$p/room.html")" = 401 ] \
        || die "/$p/ without a token is not 401"
    [ "$(status -H "X-TRTC-Token: ${token:0:40}" "$base/$p/room.html")" \
      = 401 ] || die "/$p/ with a truncated token is not 401"
    [ "$(status -H "$hdr" "$base/$p/room.html")" = 200 ] \
        || die "/$p/ with the token is not 200"
done

issued=$(curl -s "$base/issue-room?userId=$user&roomId=$room")
pmk=$(sed -n 's/.*"privateMapKey":"\([^"]*\)".*/\1/p' <<< "$issued")
[ -n "$pmk" ] || die "(f) issued no PrivateMapKey: $issued"
"$tool" verify -k "$work/trtc.key" -a "$sdkappid" -r "$room" "$pmk" \
    >/dev/null || die "(f) issued a PrivateMapKey that does not verify"
curl -s "$base/issue?userId=$user" | grep -q '"userSig":"' \
    || die "(e) issued no UserSig"

# (h) and (i) return what (e) and (f) issue, byte for byte in length
for p in "e h" "f i"; do
    read -r x y <<< "$p"
    lx=$(curl -s -o /dev/null -w '%{size_download}' "$base$(case_path "$x")")
    ly=$(curl -s -o /dev/null -w '%{size_download}' "$base$(case_path "$y")")
    [ "$lx" = "$ly" ] || die "($y)'s reply is $ly bytes, ($x)'s $lx"
done

[ "$(status -H "$hdr" "$base2/uncached/room.html")" = 200 ] \
    || die "(g) with the token is not 200"

workers=$(cat "/proc/$master/task/$master/children")
[ "$(wc -w <<< "$workers")" = 2 ] || die "not 2 workers: $workers"
workers2=$(cat "/proc/$master2/task/$master2/children")
[ "$(wc -w <<< "$workers2")" = 2 ] || die "not 2 workers: $workers2"

# CPU time of the workers of case $1's nginx, in clock ticks
worker_ticks() {
    local pid t=0 stat ws=$workers

    [ "$1" = g ] && ws=$workers2

    for pid in $ws; do
        stat=$(cat "/proc/$pid/stat")
        stat=${stat##*) }
        set -- $stat
        t=$((t + ${12} + ${13}))
    done

    echo "$t"
}

# ticks of the whole machine: in processes, in interrupts (the loopback
# network's softirqs, not always charged to a process), stolen, idle
machine_ticks() {
    local cpu u n s i w q sq st rest

    read -r cpu u n s i w q sq st rest < /proc/stat
    echo "$((u + n + s)) $((q + sq)) $st $((i + w))"
}

# CPU time of this shell's finished children (wrk), in ticks, into
# $child_ticks: "times" runs in this shell, not in a subshell, whose
# children would be its own
children_ticks() {
    local t m1 s1 m2 s2

    times > "$work/times"
    t=$(tail -n 1 "$work/times")
    [[ $t =~ ^([0-9]+)m([0-9]+)\.([0-9]+)s\ ([0-9]+)m([0-9]+)\.([0-9]+)s ]] \
        || die "cannot read times: $t"
    m1=${BASH_REMATCH[1]} s1=${BASH_REMATCH[2]}${BASH_REMATCH[3]:0:2}
    m2=${BASH_REMATCH[4]} s2=${BASH_REMATCH[5]}${BASH_REMATCH[6]:0:2}
    child_ticks=$(( ((m1 + m2) * 6000 + 10#$s1 + 10#$s2) * tck / 100 ))
}

case_base() {
    case $1 in
    g) echo "$base2" ;;
    *) echo "$base" ;;
    esac
}

wrk_cmd=(wrk -t "$wrk_threads" -c "$connections" -s "$here/report.lua")
[ -n "$wrk_cpus" ] && wrk_cmd=(taskset -c "$wrk_cpus" "${wrk_cmd[@]}")

results=$work/results
: > "$results"

read -r -a case_list <<< "$cases"
n=${#case_list[@]}
tck=$(getconf CLK_TCK)

{
    echo "info nginx: $("$nginx_bin" -v 2>&1 | sed 's|.*/||'), worker_processes 2," \
         "${affinity_line:-no worker_cpu_affinity}"
    echo "info wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)," \
         "-t $wrk_threads -c $connections," \
         "${wrk_cpus:+pinned to CPUs $wrk_cpus}${wrk_cpus:-not pinned};" \
         "machine: $ncpu CPUs, $(uname -r)"
    echo "info runs: $rounds rounds of ${duration}s per case after ${warmup}s" \
         "of warm-up, cases interleaved, each round in another order"
} >> "$results"
sed 's/^info //' "$results" >&2

for r in $(seq 1 "$rounds"); do
    for k in $(seq 0 $((n - 1))); do
        c=${case_list[$(((k + r - 1) % n))]}
        url=$(case_base "$c")$(case_path "$c")
        h=$(case_header "$c")

        "${wrk_cmd[@]}" -d "${warmup}s" -H "$h" "$url" >/dev/null

        t0=$(worker_ticks "$c")
        children_ticks
        w0=$child_ticks
        read -r p0 q0 s0 i0 <<< "$(machine_ticks)"
        out=$("${wrk_cmd[@]}" -d "${duration}s" -H "$h" "$url")
        read -r p1 q1 s1 i1 <<< "$(machine_ticks)"
        children_ticks
        w1=$child_ticks
        t1=$(worker_ticks "$c")

        line=$(grep '^RESULT ' <<< "$out") || die "no result from wrk: $out"
        echo "nginx case=$c round=$r $line cpu_ticks=$((t1 - t0))" \
             "wrk_ticks=$((w1 - w0)) proc_ticks=$((p1 - p0))" \
             "irq_ticks=$((q1 - q0)) steal_ticks=$((s1 - s0))" \
             "idle_ticks=$((i1 - i0)) tck=$tck" >> "$results"
        printf 'bench: round %d/%d case (%s): %s\n' "$r" "$rounds" "$c" \
            "$(sed 's/^RESULT //' <<< "$line")" >&2
    done
done

# (g)'s nginx counted what it verified
if [[ " $cases " == *" g "* ]]; then
    counted=$(curl -s "$base2/status" \
              | sed -n 's/^trtc_verifications_total{result="ok"} //p')
    [ "${counted:-0}" -gt 0 ] || die "(g) counted no verification"
    echo "info (g) counted $counted verifications" >> "$results"
fi

stop_nginx

# the sanity checks' refusals are expected; nothing else may be there
bad=$(grep -E '\[(alert|crit|emerg|error)\]' "$work/error.log" \
      "$work/counted/error.log" | grep -v 'trtc token rejected: ' || true)
[ -z "$bad" ] || die "nginx logged errors: $bad"

# the token core alone, on one CPU, C and node taking turns

keyf=$work/trtc.key

echo "info token core: token-bench (cc -O2) and node $(node -v)" \
     "with tls-sig-api-v2, on CPU $core_cpu, ${core_seconds}s of CPU time" \
     "per operation" >> "$results"

for r in $(seq 1 "$rounds"); do
    taskset -c "$core_cpu" "$core_bench" -k "$keyf" -a "$sdkappid" \
        -s "$core_seconds" | sed "s/^/core impl=c round=$r /" >> "$results"
    taskset -c "$core_cpu" node "$here/token_bench.js" "$keyf" "$sdkappid" \
        "$core_seconds" | sed "s/^/core impl=node round=$r /" >> "$results"
    echo "bench: token core round $r/$rounds done" >&2
done

perl "$here/report.pl" "$results"
