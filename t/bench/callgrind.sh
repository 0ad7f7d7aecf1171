#!/bin/bash
# The instructions of a request of case (d), counted: one nginx process
# of the benchmark's configuration (t/bench/nginx.conf.in, one process,
# no master) runs under callgrind and serves the static file behind
# trtc_auth, every request verified, to one keep-alive client, first N1
# and then N2 requests.  The difference of the two runs over N2 - N1 is
# a request's, without the start and the stop: for the whole process,
# and for the gate (the access handler with all it calls, and the
# session's cleanup) and its parts.  Unlike timings, the same on every
# run; valgrind's CPU has no SHA extensions, so OpenSSL's HMAC runs its
# vector code here.
#
#   bash t/bench/callgrind.sh [MODULE...]   (default: the build's)
#
#   CALLGRIND_REQUESTS  N1 and N2 ["500 3500"]
#   NGINX_BIN           [/usr/sbin/nginx]

set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
nginx_bin=${NGINX_BIN:-/usr/sbin/nginx}
tool=$repo/build/trtc-tool
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

# N requests on one connection, each answered before the next; fails on
# any answer but 200.  listening: whether nginx takes connections yet
client() {
    perl -MIO::Socket::INET -e '
        my ($port, $n, $token) = @ARGV;
        my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "$!\n";
        for (1 .. $n) {
            print $s "GET /uncached/room.html HTTP/1.1\r\nHost: localhost\r\n"
                     . "X-TRTC-Token: $token\r\n\r\n";
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
        }' "$1" "$2" "$token"
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

for module in "$@"; do
    [ -f "$module" ] || die "no $module"
    module=$(realpath "$module")

    sed -e "s|@MODULE@|$module|" -e "s|@DIR@|$work|g" -e "s|@RUN@|$work|g" \
        -e "s|@PORT@|$port|" -e "s|@STATUS@||" -e "s|@SDKAPPID@|1400000000|" \
        -e "s|@USER@|$run_user|" -e "s|@AFFINITY@||" \
        -e 's|^worker_processes 2;|worker_processes 1; master_process off;|' \
        "$repo/t/bench/nginx.conf.in" > "$work/nginx.conf"

    for n in "$n1" "$n2"; do
        valgrind --tool=callgrind --callgrind-out-file="$work/cg.$n" \
            "$nginx_bin" -p "$work/" -c "$work/nginx.conf" \
            -e "$work/error.log" -g 'daemon off;' > "$work/valgrind.log" 2>&1 &
        pid=$!

        # nginx under valgrind takes seconds to listen, more on a busy
        # machine

        for i in $(seq 1 600); do
            kill -0 "$pid" 2>/dev/null \
                || die "$module: nginx did not start ($work/error.log)"
            listening "$port" && break
            sleep 0.1
        done

        client "$port" "$n" || die "$module: (d) is not 200"

        kill -QUIT "$pid"
        wait "$pid" 2>/dev/null || true
        pid=

        counts "$work/cg.$n" > "$work/counts.$n"
    done

    echo "callgrind: $module, instructions a request of case (d):"

    join <(sort "$work/counts.$n1") <(sort "$work/counts.$n2") \
    | awk -v d="$((n2 - n1))" '
        { c[$1] = ($3 - $2) / d }
        END {
            gate = c["ngx_http_trtc_access_handler"] \
                   + c["ngx_http_trtc_session_cleanup"]
            printf "  %-40s %8.0f\n", "the nginx process", c["PROGRAM"]
            printf "  %-40s %8.0f\n", "the gate", gate
            printf "    %-38s %8.0f\n", "the verification (trtc_verify)", \
                   c["trtc_verify"]
            printf "      %-36s %8.0f\n", "HMAC-SHA256 (trtc_hmac)", \
                   c["trtc_hmac"]
            printf "      %-36s %8.0f\n", "the JSON (trtc_json_token)", \
                   c["trtc_json_token"]
            printf "      %-36s %8.0f\n", "base64 (trtc_base64_decode)", \
                   c["trtc_base64_decode"]
            printf "      %-36s %8.0f\n", "Adler-32", \
                   c["adler32"] + c["trtc_adler32"]
            printf "      %-36s %8.0f\n", "the signed content", \
                   c["trtc_content"]
            printf "    %-38s %8.0f\n", "reading the token", \
                   c["ngx_http_trtc_token"]
            printf "    %-38s %8.0f\n", "the session and its cleanup", \
                   c["ngx_http_trtc_session"] \
                   + c["ngx_http_trtc_session_cleanup"]
        }'
done
