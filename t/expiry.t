#!/usr/bin/perl

# trtc_auth_close_expired: a connection that outlives its request ends with
# the token that let it in.  An nchan WebSocket (verified and from the
# cache), a WebSocket proxied by the proxy module and an nchan long poll
# (HTTP/1.1 and HTTP/2), each opened with a 10 s token, are closed when
# the token stops being accepted (its expiry plus the leeway), not before; with the directive
# off, the socket stays open.

use strict;
use warnings;

use Test::More;
use IO::Select;
use POSIX ();
use Time::HiRes ();

use lib 't/lib';
use TrtcTest;
use TrtcToken;

my $NCHAN = TrtcTest::nchan();

my $SLOW = $TrtcTest::SLOW;
my $LEEWAY = 3;

my $t = TrtcTest->new();
$t->write_key('key', $TrtcToken::KEY);

# HTTP/2 on a port of its own: "http2 on" from nginx 1.25.1 on, where the
# parameter of "listen" is deprecated (both ports then take HTTP/1 and
# HTTP/2 with prior knowledge)
my $h2_listen = $t->nginx_version >= 1025001
    ? "listen 127.0.0.1:%%PORT_h2%%;\n        http2 on;"
    : 'listen 127.0.0.1:%%PORT_h2%% http2;';

$t->run(<<"EOF", main => "load_module $NCHAN;");
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;
    trtc_auth_cache_zone trtc_cache:1m;

    map \$http_upgrade \$connection_upgrade {
        default  upgrade;
        ""       close;
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        $h2_listen

        trtc_auth_token \$arg_privateMapKey;
        trtc_auth_room \$arg_room;
        trtc_auth_leeway $LEEWAY;

        location = /sub {
            trtc_auth on;
            trtc_auth_cache trtc_cache;
            nchan_subscriber websocket;
            nchan_channel_id "room/\$trtc_room_id";
        }

        location = /sub-open {
            trtc_auth on;
            trtc_auth_close_expired off;
            nchan_subscriber websocket;
            nchan_channel_id "room/\$trtc_room_id";
        }

        location = /poll {
            trtc_auth on;
            nchan_subscriber longpoll;
            nchan_subscriber_timeout 300s;
            nchan_channel_id "room/\$trtc_room_id";
        }

        location = /quiet {
            trtc_auth on;
            nchan_subscriber longpoll;
            nchan_subscriber_timeout 300s;
            nchan_channel_id "quiet/\$trtc_room_id";
        }

        location = /proxied {
            trtc_auth on;
            proxy_pass http://127.0.0.1:%%PORT_backend%%/ws;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_read_timeout 300s;
        }

        location = /pub {
            nchan_publisher http;
            nchan_channel_id "room/\$arg_room";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;

        location = /ws {
            nchan_subscriber websocket;
            nchan_channel_id "room/\$arg_room";
        }
    }
EOF

# a 10 s token whose last accepted second (expiry plus leeway) is 5 s
# away, as a whole second of the clock
my $now = time();
my $expires = $now + 5 - $LEEWAY;
my $deadline = $expires + $LEEWAY + 1;     # the first refused second
my $tok = TrtcToken::pmk(user => 'alice', roomid => 1234,
                         time => $expires - 10, expire => 10);
my $q = "room=1234&privateMapKey=$tok";

my %open;
for my $name (qw(sub sub-cached sub-open proxied)) {
    my $path = $name eq 'sub-cached' ? 'sub' : $name;
    my ($s, $status) = $t->ws_open("/$path?$q");
    ok($s, "$name: a WebSocket with a valid token opens")
        or diag($status);
    $open{$name} = $s if $s;
}

my $poll = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                 PeerPort => $t->port, Proto => 'tcp')
    or die "connect: $!\n";
print $poll "GET /poll?$q HTTP/1.1\r\nHost: localhost\r\n\r\n";
$open{poll} = $poll;

# an HTTP/2 long poll (curl, prior knowledge) on a channel nothing is
# published to: its request ends when nginx closes the connection
my $h2 = fork() // die "fork: $!\n";
if ($h2 == 0) {
    open STDOUT, '>', $t->dir . '/h2.out';
    open STDERR, '>&', \*STDOUT;
    exec('curl', '-sv', '-o', '/dev/null', '--http2-prior-knowledge',
         '-m', 60 * $SLOW,
         'http://127.0.0.1:' . $t->port('h2') . "/quiet?$q")
        or POSIX::_exit(127);
}

# the token is still accepted 2 s before the deadline: all of them open
# and a message reaches every socket
sleep_until($deadline - 2);
is($t->request('POST', '/pub?room=1234', body => 'before')->{status} =~ /^20[12]$/
   ? 'ok' : 'no', 'ok', 'a message is published before the deadline');

for my $name (qw(sub sub-cached sub-open proxied)) {
    next unless $open{$name};
    is(TrtcTest::ws_read($open{$name}, 3), 'before',
       "$name: open and reading until the token expires");
}

my ($head) = read_until_eof($poll, 3, 'before');
like($head, qr{^HTTP/1\.1 200.*before}s,
     'poll: the long poll got the message before the deadline');

# the long poll asks again, with the same token, and waits
print $poll "GET /poll?$q HTTP/1.1\r\nHost: localhost\r\n"
            . "If-Modified-Since: " . header_of($head, 'Last-Modified')
            . "\r\nIf-None-Match: " . header_of($head, 'Etag') . "\r\n\r\n";

# then each gated one is closed at the deadline, none before it
my %closed;
my $sel = IO::Select->new(map { $open{$_} } grep { $_ ne 'sub-open' }
                          keys %open);
my $end = $deadline + 10 * $SLOW;

while ($sel->count && Time::HiRes::time() < $end) {
    for my $s ($sel->can_read(0.1)) {
        my $got = sysread($s, my $buf, 4096);
        next if $got;
        my ($name) = grep { $open{$_} == $s } keys %open;
        $closed{$name} = Time::HiRes::time();
        $sel->remove($s);
    }
}

for my $name (qw(sub sub-cached proxied poll)) {
    ok(defined $closed{$name}, "$name: closed by nginx when the token "
                               . "expired, after the leeway");
    next unless defined $closed{$name};
    cmp_ok($closed{$name}, '>=', $deadline - 0.05,
           "$name: not before the deadline");
    note(sprintf('%s closed %.3f s after the deadline', $name,
                 $closed{$name} - $deadline));
}

my ($h2_closed, $h2_exit);
while (Time::HiRes::time() < $end) {
    if (waitpid($h2, POSIX::WNOHANG()) == $h2) {
        $h2_closed = Time::HiRes::time();
        $h2_exit = $? >> 8;
        last;
    }
    Time::HiRes::sleep(0.02);
}
ok(defined $h2_closed && $h2_closed >= $deadline - 0.05,
   'HTTP/2: the long poll\'s connection is closed at the deadline, not '
   . 'before') or diag(defined $h2_closed ? "at $h2_closed" : 'still open');
like($t->read_file('h2.out'), qr{HTTP/2}, 'HTTP/2: it was HTTP/2');
ok($h2_exit, "HTTP/2: and got no answer (curl exit $h2_exit)")
    if defined $h2_exit;
note(sprintf('h2 closed %.3f s after the deadline',
             ($h2_closed // 0) - $deadline));

# with trtc_auth_close_expired off it is still open and reading
is($t->request('POST', '/pub?room=1234', body => 'after')->{status} =~ /^20[12]$/
   ? 'ok' : 'no', 'ok', 'a message is published after the deadline');
is(TrtcTest::ws_read($open{'sub-open'}, 3), 'after',
   'sub-open: with trtc_auth_close_expired off the socket outlives its token');

# an expired token opens nothing, and the log says why, with no token
my ($s, $status) = $t->ws_open("/sub?$q");
ok(!$s && $status =~ / 401 /, 'the expired token opens no new socket');

my $log = $t->read_file('error.log');
my $n = () = $log =~ /trtc token expired, connection closed/g;
is($n, 5, 'one line in the error log for each connection closed');

$t->check_log();

done_testing();


sub sleep_until {
    my ($at) = @_;
    my $d = $at - Time::HiRes::time();
    Time::HiRes::sleep($d) if $d > 0;
}

# what a socket sends until it sends $want or closes, within $timeout
sub read_until_eof {
    my ($s, $timeout, $want) = @_;
    my $buf = '';
    my $sel = IO::Select->new($s);
    my $end = Time::HiRes::time() + $timeout * $SLOW;

    while (Time::HiRes::time() < $end) {
        next unless $sel->can_read(0.1);
        my $got = sysread($s, $buf, 4096, length $buf);
        last if !$got || (defined $want && index($buf, $want) >= 0);
    }

    return $buf;
}

sub header_of {
    my ($head, $name) = @_;
    my ($v) = $head =~ /^\Q$name\E:\s*([^\r\n]*)/mi;
    return $v // '';
}
