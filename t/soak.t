#!/usr/bin/perl

# Soak: wrk sends valid and invalid tokens, mixed, to gated locations
# (cache on and off) while nginx is reloaded every few seconds and the
# key files rotate (a new key first, the old one still verifying).
# Expected: no valid token refused, no invalid token let in, no worker
# crash, and the memory of nginx flat.  SOAK_SECONDS sets the length
# (15 s in the suite; "make soak" runs 60 s).

use strict;
use warnings;

use Test::More;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);

use lib 't/lib';
use TrtcTest;
use TrtcToken qw(forge userbuf);

my $seconds = $ENV{SOAK_SECONDS} || 15;
my $wrk = qx{sh -c 'command -v wrk'};
chomp $wrk;
BAIL_OUT('no wrk (apt-get install wrk)') unless $wrk;

my $t = TrtcTest->new(workers => 2);
my $dir = $t->dir;

my @keys = map { sprintf('%064x', $_ * 7919) } 1 .. 8;
$t->write_key("k$_.key", $keys[$_]) for 0 .. $#keys;
$t->write_file('html/index.html', "ok\n");

# generation g verifies with keys g (new, signs) and g - 1 (old)
sub conf {
    my ($g) = @_;
    my $files = join "\n    ",
        map { "trtc_key_file %%TESTDIR%%/k$_.key;" } grep { $_ >= 0 } $g, $g - 1;

    return <<"EOF";
    trtc_sdkappid 1400000000;
    $files
    trtc_auth_cache_zone soak:1m;

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log off;
        root %%TESTDIR%%/html;
        add_header X-Expect \$http_x_expect always;

        location /cached/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_room 7;
            trtc_auth_cache soak;
            trtc_auth_log_level info;
        }

        location /plain/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_room 7;
            trtc_auth_log_level info;
        }
    }
EOF
}

$t->run(conf(1), log_level => 'notice');

# generations alternate 1, 2, 1, 2...: key 1 is in both, so its tokens
# are always valid; key 2's are valid in half of them, sent but not
# counted; key 7's never

my $now = int(time());

my @valid = map { forge(identifier => "v$_", key => $keys[1],
                        userbuf => userbuf(account => "v$_", roomid => 7,
                                           expire => $now + 3600)) } 1 .. 50;
my @invalid = (
    (map { forge(identifier => "x$_", key => $keys[7]) } 1 .. 20),
    (map { forge(identifier => "r$_", key => $keys[1],
                 userbuf => userbuf(account => "r$_", roomid => 8)) } 1 .. 10),
    (map { forge(identifier => "e$_", key => $keys[1], time => $now - 7200,
                 expire => 60) } 1 .. 10),
    'garbage', '*-_', 'eJw' . ('A' x 100),
);
my @maybe = map { forge(identifier => "m$_", key => $keys[2],
                        userbuf => userbuf(account => "m$_", roomid => 7)) }
            1 .. 10;

sub lua_list {
    return '{' . join(',', map { "\"$_\"" } @_) . '}';
}

$t->write_file('soak.lua', <<"EOF");
local valid = ${\ lua_list(@valid)}
local invalid = ${\ lua_list(@invalid)}
local maybe = ${\ lua_list(@maybe)}
local paths = { "/cached/index.html", "/plain/index.html" }

local counters = {}
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    n = 0
    ok_valid, bad_valid, ok_invalid, bad_invalid, other = 0, 0, 0, 0, 0
end

function request()
    n = n + 1
    local kind, token = "maybe", maybe[n % #maybe + 1]
    if n % 3 == 0 then
        kind, token = "valid", valid[n % #valid + 1]
    elseif n % 3 == 1 then
        kind, token = "invalid", invalid[n % #invalid + 1]
    end
    return wrk.format("GET", paths[n % 2 + 1],
                      { ["X-TRTC-Token"] = token, ["X-Expect"] = kind })
end

function response(status, headers, body)
    local kind = headers["X-Expect"]
    if kind == "valid" then
        if status == 200 then ok_valid = ok_valid + 1
        else bad_valid = bad_valid + 1 end
    elseif kind == "invalid" then
        if status == 401 then ok_invalid = ok_invalid + 1
        else bad_invalid = bad_invalid + 1 end
    elseif kind ~= "maybe" then
        other = other + 1
    end
end

function done(summary, latency, requests)
    local t = { 0, 0, 0, 0, 0 }
    for _, thread in ipairs(threads) do
        t[1] = t[1] + thread:get("ok_valid")
        t[2] = t[2] + thread:get("bad_valid")
        t[3] = t[3] + thread:get("ok_invalid")
        t[4] = t[4] + thread:get("bad_invalid")
        t[5] = t[5] + thread:get("other")
    end
    io.write(string.format("SOAK ok_valid=%d bad_valid=%d ok_invalid=%d "
                           .. "bad_invalid=%d other=%d connect=%d read=%d "
                           .. "write=%d timeout=%d\\n",
                           t[1], t[2], t[3], t[4], t[5],
                           summary.errors.connect, summary.errors.read,
                           summary.errors.write, summary.errors.timeout))
end
EOF

# the master and its workers
sub rss_kb {
    my $total = 0;
    for my $pid ($t->{pid}, split ' ', qx{pgrep -P $t->{pid}}) {
        open my $fh, '<', "/proc/$pid/status" or next;
        while (<$fh>) {
            $total += $1 if /^VmRSS:\s+(\d+)/;
        }
    }
    return $total;
}

my $out = $t->dir . '/wrk.out';
my $wrk_pid = fork() // die "fork: $!\n";

if ($wrk_pid == 0) {
    open STDOUT, '>', $out;
    open STDERR, '>&', \*STDOUT;
    exec($wrk, '-t', 1, '-c', 32, '-d', "${seconds}s", '-s',
         "$dir/soak.lua", 'http://127.0.0.1:' . $t->port . '/')
        or die "exec: $!\n";
}

my ($reloads, $failed, @rss) = (0, 0);
my $start = time();
my $g = 1;

sleep(1);
push @rss, rss_kb();

while (waitpid($wrk_pid, WNOHANG) == 0) {
    sleep(2.5);
    last if time() - $start > $seconds - 1;

    # rotate: generation 2 adds key 2 first and keeps key 1; back again
    $g = $g == 1 ? 2 : 1;
    $t->write_file('nginx.conf', $t->config(conf($g), log_level => 'notice'));
    $t->reload ? $reloads++ : $failed++;
    push @rss, rss_kb();
}

waitpid($wrk_pid, 0);
push @rss, rss_kb();

my $report = $t->read_file($out);
my ($ov, $bv, $oi, $bi, $other, $conn, $rd, $wr, $to) = $report =~
    /SOAK ok_valid=(\d+) bad_valid=(\d+) ok_invalid=(\d+) bad_invalid=(\d+) other=(\d+) connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+)/;

ok(defined $ov, 'wrk ran') or diag($report);
$_ //= -1 for $ov, $bv, $oi, $bi, $other, $conn, $rd, $wr, $to;

cmp_ok($reloads, '>=', int($seconds / 3) - 1, "reloaded $reloads times");
is($failed, 0, 'every reload took');
cmp_ok($ov, '>', 100, "$ov valid tokens let in");
is($bv, 0, 'no valid token refused');
cmp_ok($oi, '>', 100, "$oi invalid tokens refused");
is($bi, 0, 'no invalid token let in');
is($other, 0, 'every answer says what it answered');
is($conn + $to, 0, 'no refused connection and no timeout');

# a reload closes idle keep-alive connections: wrk may count a read error
# for each; an unanswered request is no wrong answer
diag("read errors (keep-alive connections closed by reloads): $rd");

# memory: the samples after warm-up stay within a band
my @later = @rss[1 .. $#rss];
my ($lo, $hi) = (sort { $a <=> $b } @later)[0, -1];
diag(sprintf('nginx RSS (kB), every %.1f s: %s', 2.5, join(' ', @rss)));
SKIP: {
    # an ASan worker carries tens of MB of its own, and old and new
    # workers overlap in the samples
    skip('memory band: not under a sanitizer or valgrind', 1)
        if $ENV{TEST_NGINX_PRELOAD} || $ENV{TEST_NGINX_VALGRIND};

    cmp_ok($rss[-1], '<=', $rss[1] * 1.25 + 4096,
           'memory flat: the last sample within 25% of the first');
}

my ($req) = $report =~ /(\d+) requests in/;
diag("wrk: " . ($req // '?') . " requests in ${seconds}s, $reloads reloads");

$t->stop;

unlike($t->read_file('error.log'), qr/exited on signal/, 'no worker crashed');

done_testing;
