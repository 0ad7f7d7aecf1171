#!/bin/bash
# The instructions of a request, counted: one nginx process of the
# benchmark's configuration (t/bench/nginx.conf.in, one process, no
# master) runs under callgrind and serves a case of t/bench/bench.sh to
# one keep-alive client, first N1 and then N2 requests.  The difference
# of the two runs over N2 - N1 is a request's, without the start and the
# stop: for the whole process, and for the module's part and its parts
# (case (d): the gate, the access handler with all it calls and the
# session's cleanup; (e) and (f): the issue handler).  Unlike timings,
# the same on every run; valgrind's CPU has no SHA extensions, so
# OpenSSL's HMAC runs its vector code here.
#
#   bash t/bench/callgrind.sh [MODULE...]   (default: the build's)
#
#   CALLGRIND_CASES     of t/bench/bench.sh's cases, e.g. "a d e h" [d]
#   CALLGRIND_REQUESTS  N1 and N2 ["500 3500"]
#   NGINX_BIN           [/usr/sbin/nginx]

set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
nginx_bin=${NGINX_BIN:-/usr/sbin/nginx}
tool=$repo/build/trtc-tool
cases=${CALLGRIND_CASES:-d}
read -r n1 n2 <<< "${CALLGRIND_REQUESTS:-500 3500}"

[ $# -gt 0 ] || set -- "$repo/build/ngx_http_trtc_module.so"

die() {
    echo "callgrind: $*" >&2
    exit 1
}

for c in valgrind callgrind_annotate perl; do
    command -v $c >/dev/null || die "no $c"
done

[ -x "$tool" ] || die "no $tool (run: make build/trtc-tool)"
[ "$n2" -gt "$n1" ] || die "N2 must be more than N1"

work=$(mktemp -d /tmp/trtc-callgrind-XXXXXX)
pid=

cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -QUIT "$pid"
        wait "$pid" 2>/dev/null || true
    fi

    rm -rf "$work"
}

trap cleanup EXIT

. "$repo/t/bench/common.sh"

bench_files

port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(
           LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')

# N requests of PATH with HEADER on one connection, each answered before
# the next; fails on any answer but 200.  listening: whether nginx takes
# connections yet
client() {
    perl -MIO::Socket::INET -e '
        my ($port, $n, $path, $header) = @ARGV;
        my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "$!\n";
        for (1 .. $n) {
            print $s "GET $path HTTP/1.1\r\nHost: localhost\r\n"
                     . "$header\r\n\r\n";
            my $head = "";
            while ($head !~ /\r\n\r\n/) {
                sysread($s, $head, 4096, length $head) or die "closed\n";
            }
            my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
            die "status $status\n" unless $status == 200;
            my ($len) = $head =~ /^Content-Length: (\d+)/mi;
            my $body = length($head) - index($head, "\r\n\r\n") - 4;
            while ($body < $len) {
                $body += sysread($s, my $buf, $len - $body) or die "closed\n";
            }
        }' "$@"
}

listening() {
    perl -MIO::Socket::INET \
        -e 'exit !IO::Socket::INET->new("127.0.0.1:$ARGV[0]")' "$1" 2>/dev/null
}

# the inclusive instructions of each function, "NAME COUNT" a line (the
# most of its entries: callgrind_annotate lists some twice); PROGRAM for
# the whole process
counts() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null \
    | awk '
        $1 ~ /^[0-9,]+$/ && sub(/\([^)]*%\)/, "") {
            v = $1; gsub(",", "", v)
            f = $2; sub(/.*:/, "", f)
            if (!(f in c) || v + 0 > c[f]) c[f] = v + 0
        }
        END { for (f in c) print f, c[f] }'
}

# the instructions a request of case $1, the difference of the two
# runs' counts, printed
report() {
    join <(sort "$work/counts.$n1") <(sort "$work/counts.$n2") \
    | awk -v d="$((n2 - n1))" -v case="$1" '
        function line(indent, name, v) {
            printf "  %*s%-*s %8.0f\n", indent, "", 40 - indent, name, v
        }
        { c[$1] = ($3 - $2) / d }
        END {
            line(0, "the nginx process", c["PROGRAM"])

            if (case == "e" || case == "f") {
                line(0, "the issue handler", c["ngx_http_trtc_issue_handler"])
                line(2, "signing (trtc_sign)", c["trtc_sign"])
                line(4, "HMAC-SHA256 (trtc_hmac)", c["trtc_hmac"])
                line(4, "base64 (trtc_base64_encode)",
                     c["trtc_base64_encode"])
                line(4, "Adler-32", c["adler32"] + c["trtc_adler32"])
                line(4, "the signed content", c["trtc_content"])
                line(2, "reading the ids", c["ngx_http_trtc_value"])
                line(2, "sending the reply", c["ngx_http_trtc_send_body"])
            }

            if (case != "d") {
                exit
            }

            line(0, "the gate", c["ngx_http_trtc_access_handler"] \
                                + c["ngx_http_trtc_session_cleanup"])
            line(2, "the verification (trtc_verify)", c["trtc_verify"])
            line(4, "HMAC-SHA256 (trtc_hmac)", c["trtc_hmac"])
            line(4, "the JSON (trtc_json_token)", c["trtc_json_token"])
            line(4, "base64 (trtc_base64_decode)", c["trtc_base64_decode"])
            line(4, "Adler-32", c["adler32"] + c["trtc_adler32"])
            line(4, "the signed content", c["trtc_content"])
            line(2, "reading the token", c["ngx_http_trtc_token"])
            line(2, "the session and its cleanup",
                 c["ngx_http_trtc_session"] \
                 + c["ngx_http_trtc_session_cleanup"])
        }'
}

for module in "$@"; do
    [ -f "$module" ] || die "no $module"
    module=$(realpath "$module")

    bench_conf "$work/run" "$port" "" ""
    sed -i 's|^worker_processes 2;|worker_processes 1; master_process off;|' \
        "$work/run/nginx.conf"

    for c in $cases; do
        path=$(case_path "$c")
        header=$(case_header "$c")

        for n in "$n1" "$n2"; do
            valgrind --tool=callgrind --callgrind-out-file="$work/cg.$n" \
                "$nginx_bin" -p "$work/run/" -c "$work/run/nginx.conf" \
                -e "$work/run/error.log" -g 'daemon off;' \
                > "$work/valgrind.log" 2>&1 &
            pid=$!

            # nginx under valgrind takes seconds to listen, more on a busy
            # machine

            for i in $(seq 1 600); do
                kill -0 "$pid" 2>/dev/null \
                    || die "$module: nginx did not start ($work/run/error.log)"
                listening "$port" && break
                sleep 0.1
            done

            client "$port" "$n" "$path" "$header" \
                || die "$module: ($c) is not 200"

            kill -QUIT "$pid"
            wait "$pid" 2>/dev/null || true
            pid=

            counts "$work/cg.$n" > "$work/counts.$n"
        done

        echo "callgrind: $module, instructions a request of case ($c):"
        report "$c"
    done
done
