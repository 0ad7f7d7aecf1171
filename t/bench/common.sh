# What t/bench/bench.sh and t/bench/profile.sh share, sourced by both:
# the working directory's key and page, the token, the benchmark's
# nginx (t/bench/nginx.conf.in) configured and started, and the path
# of each case.  The sourcing script sets repo, work, module, nginx_bin
# and tool, and defines die.

sdkappid=1400000000
user=alice
room=1234

# nginx runs as root here when we are root: the key file is 0600
run_user=
[ "$(id -u)" = 0 ] && run_user='user root;'

# bench_files: a fresh random key, readable by root only as in
# production; the static file, a small room page of some 700 bytes; a
# PrivateMapKey for it, into $token; and, for (h) and (i), replies as
# (e) and (f) write them, with tokens of their lengths, into $reply_e
# and $reply_f
bench_files() {
    local i now sig

    umask 077
    openssl rand -hex 32 > "$work/trtc.key"
    umask 022

    mkdir -p "$work/www"
    {
        printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        printf '<title>room</title></head>\n<body>\n'
        for i in $(seq 1 12); do
            printf '<p>line %02d of a small static page, served as it is</p>\n' \
                "$i"
        done
        printf '</body></html>\n'
    } > "$work/www/room.html"

    token=$("$tool" sign -k "$work/trtc.key" -a "$sdkappid" -u "$user" \
            -r "$room" -e 86400)

    now=$(date +%s)
    sig=$("$tool" sign -k "$work/trtc.key" -a "$sdkappid" -u "$user" \
          -e 86400)
    reply_e="{\"sdkAppId\":$sdkappid,\"userId\":\"$user\",\"userSig\":\"$sig\""
    reply_e+=",\"expire\":86400,\"expiresAt\":$((now + 86400))"
    reply_f="$reply_e,\"roomId\":$room,\"privilege\":255"
    reply_f+=",\"privateMapKey\":\"$token\"}\\n"
    reply_e+="}\\n"
}

# bench_conf RUN PORT STATUS AFFINITY: the configuration of an nginx that
# runs in RUN, checked
bench_conf() {
    mkdir -p "$1"
    sed -e "s|@MODULE@|$module|" -e "s|@DIR@|$work|g" -e "s|@RUN@|$1|g" \
        -e "s|@PORT@|$2|" -e "s|@STATUS@|$3|" \
        -e "s|@SDKAPPID@|$sdkappid|" -e "s|@USER@|$run_user|" \
        -e "s|@AFFINITY@|$4|" -e "s|@REPLY_E@|$reply_e|" \
        -e "s|@REPLY_F@|$reply_f|" \
        "$repo/t/bench/nginx.conf.in" > "$1/nginx.conf"

    "$nginx_bin" -p "$1/" -c "$1/nginx.conf" -e "$1/error.log" -t -q \
        || die "nginx -t failed ($1)"
}

# bench_start RUN PORT: its master's pid in $started, once it answers
bench_start() {
    local i

    "$nginx_bin" -p "$1/" -c "$1/nginx.conf" -e "$1/error.log" \
        -g 'daemon off;' &
    started=$!

    for i in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$2/return" && break
        kill -0 "$started" 2>/dev/null || die "nginx did not start ($1)"
        sleep 0.05
    done
}

# case_path C: the path case C requests
case_path() {
    case $1 in
    a) echo "/return" ;;
    b) echo "/static/room.html" ;;
    c) echo "/cached/room.html" ;;
    d) echo "/uncached/room.html" ;;
    e) echo "/issue?userId=$user" ;;
    f) echo "/issue-room?userId=$user&roomId=$room" ;;
    g) echo "/uncached/room.html" ;;
    h) echo "/reply-e?userId=$user" ;;
    i) echo "/reply-f?userId=$user&roomId=$room" ;;
    *) die "unknown case $1" ;;
    esac
}

# case_header C: (b), (c), (d) and (g) send the same request, token
# included: they differ in the location's checks only
case_header() {
    case $1 in
    b|c|d|g) echo "X-TRTC-Token: $token" ;;
    *) echo "X-Bench: 1" ;;
    esac
}
