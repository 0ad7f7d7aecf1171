#!/usr/bin/perl

# Removals across nginx servers (trtc_removal_zone ... watch=): a host
# removes bob through server 1; his socket on server 2 closes, his tokens
# are refused there and no new one is issued; server 2 restarted still
# refuses him (the removal is kept in Redis by nchan and replayed to the
# new server), and when the removal ends he comes back, on both.  The
# servers share Debian's redis-server and nchan's Redis store, as
# conf/demo.sh SIGNAL=redis sets it up.

use strict;
use warnings;

use Test::More;
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();

use lib 't/lib';
use TrtcTest;
use TrtcToken;

my $NCHAN = TrtcTest::nchan();
BAIL_OUT('no redis-server (apt-get install redis-server)')
    unless grep { -x "$_/redis-server" } split /:/, $ENV{PATH};

my $SLOW = $TrtcTest::SLOW;

# Redis, on a free port, nothing saved
my $rt = TrtcTest->new();
my $redis_port = $rt->port('redis');
my $redis = fork() // die "fork: $!\n";
if ($redis == 0) {
    open STDOUT, '>', $rt->dir . '/redis.log';
    open STDERR, '>&', \*STDOUT;
    exec('redis-server', '--bind', '127.0.0.1', '--port', $redis_port,
         '--save', '', '--appendonly', 'no', '--dir', $rt->dir)
        or POSIX::_exit(1);
}
for (1 .. 100 * $SLOW) {
    last if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$redis_port");
    Time::HiRes::sleep(0.05);
}

sub server {
    my $t = TrtcTest->new();
    $t->write_key('key', $TrtcToken::KEY);
    $t->run(<<"EOF", main => "load_module $NCHAN;");
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;
    trtc_removal_zone removals:1m watch=unix:%%TESTDIR%%/local.sock:/removals;
    trtc_removal removals;

    upstream signal_redis {
        nchan_redis_server redis://127.0.0.1:$redis_port;
        nchan_redis_storage_mode nostore;
    }

    upstream removal_redis {
        nchan_redis_server redis://127.0.0.1:$redis_port;
    }

    map \$arg_role \$privilege {
        host      all;
        default   "enter send_audio recv_audio send_video recv_video";
    }

    server {
        listen 127.0.0.1:%%PORT%%;

        location = /api/token {
            trtc_issue;
            trtc_issue_user \$arg_userId;
            trtc_issue_room \$arg_roomId;
            trtc_issue_privilege \$privilege;
            trtc_issue_expire 1h;
        }

        location = /signal/sub {
            trtc_auth on;
            trtc_auth_token \$arg_privateMapKey;
            trtc_auth_room \$arg_room;
            nchan_subscriber websocket;
            nchan_channel_id "room/\$trtc_room_id";
            nchan_redis_pass signal_redis;
        }

        # a host's removal: made here by trtc_remove (the upstream
        # request), then published for every server, kept as long as a
        # removal may last
        location = /api/remove {
            if (\$request_method != POST) {
                return 405;
            }
            trtc_auth on;
            trtc_auth_token \$http_x_trtc_token;
            trtc_auth_room \$arg_room;
            nchan_publisher http;
            nchan_channel_id removals;
            nchan_message_timeout 1h;
            nchan_message_buffer_length 1000;
            nchan_publisher_upstream_request /remove;
            nchan_redis_pass removal_redis;
        }

        location = /remove {
            internal;
            proxy_pass http://unix:%%TESTDIR%%/local.sock:/remove;
        }
    }

    server {
        listen unix:%%TESTDIR%%/local.sock;

        location = /remove {
            trtc_auth on;
            trtc_auth_token \$http_x_trtc_token;
            trtc_auth_room \$arg_room;
            trtc_remove \$arg_user \$arg_time;
        }

        location = /removals {
            nchan_subscriber eventsource;
            nchan_channel_id removals;
            nchan_subscriber_first_message oldest;
            nchan_redis_pass removal_redis;
        }
    }
EOF
    return $t;
}

my @srv = (server(), server());

sub issue {
    my ($t, $user, $room, $role) = @_;
    my $r = $t->request(POST => "/api/token?userId=$user&roomId=$room"
                                . ($role ? "&role=$role" : ''));
    return { status => $r->{status}, %{TrtcTest::json_body($r) || {}} };
}

sub sock {
    my ($t, $tok, $room) = @_;
    return $t->ws_open("/signal/sub?room=$room&privateMapKey="
                       . $tok->{privateMapKey});
}

# a socket once nchan has its Redis connection (503 until then: a slow
# start, under a sanitizer); a refusal (401) is an answer at once
sub sock_ready {
    my ($t, $tok, $room) = @_;
    my ($s, $st);
    for (1 .. 200 * $SLOW) {
        ($s, $st) = sock($t, $tok, $room);
        last if $s || $st !~ / 50[23] /;
        Time::HiRes::sleep(0.05);
    }
    return ($s, $st);
}

sub closed_in {
    my ($s, $secs) = @_;
    my $sel = IO::Select->new($s);
    my $end = Time::HiRes::time() + $secs * $SLOW;
    while (Time::HiRes::time() < $end) {
        next unless $sel->can_read(0.05);
        return Time::HiRes::time() unless sysread($s, my $buf, 4096);
    }
    return undef;
}

my $alice = issue($srv[0], 'alice', 1234, 'host');
my $bob = issue($srv[1], 'bob', 1234);
my $carol = issue($srv[1], 'carol', 1234);

my ($bs, $bst) = sock_ready($srv[1], $bob, 1234);
my ($cs) = sock_ready($srv[1], $carol, 1234);
ok($bs && $cs, 'bob and carol are in room 1234 on server 2') or diag($bst);
sock_ready($srv[0], $carol, 1234);      # server 1's Redis too
finish() unless $bs && $cs;

is($srv[0]->request(POST => '/api/remove?room=1234&user=carol',
                    token => $bob->{privateMapKey}, body => '{}')->{status},
   403, 'bob, no host, removes nobody: 403, nothing published');

my $t0 = Time::HiRes::time();
my $r = $srv[0]->request(POST => '/api/remove?room=1234&user=bob&time=8',
                         token => $alice->{privateMapKey}, body => '{}');
like($r->{status}, qr/^20[12]$/, 'alice removes bob for 8 s on server 1');

my $closed = closed_in($bs, 5);
ok($closed, 'bob\'s socket on server 2 is closed');
note(sprintf('%.3f s after the removal', ($closed // 0) - $t0));
ok(!closed_in($cs, 0.5), 'carol\'s is not');

my (undef, $st) = sock($srv[1], $bob, 1234);
like($st, qr/ 401 /, 'server 2 refuses bob\'s old token');
is(issue($srv[1], 'bob', 1234)->{status}, 403, 'and issues him none');
(undef, $st) = sock($srv[0], $bob, 1234);
like($st, qr/ 401 /, 'as does server 1');

# server 2 restarted, its zone empty: the removal comes back from Redis

close $cs;
$srv[1]->stop;
$srv[1] = server();
my $refused;
for (1 .. 200 * $SLOW) {
    $refused = issue($srv[1], 'bob', 1234)->{status} == 403 and last;
    Time::HiRes::sleep(0.05);
}
ok($refused, 'server 2, restarted, refuses bob too');
ok((sock_ready($srv[1], $carol, 1234))[0], 'and lets carol in');

# when the removal is over, he is back on both

Time::HiRes::sleep($t0 + 9 - Time::HiRes::time())
    if $t0 + 9 > Time::HiRes::time();
for my $i (0, 1) {
    my $tok = issue($srv[$i], 'bob', 1234);
    is($tok->{status}, 200, 'after 8 s server ' . ($i + 1) . ' issues bob a token');
    ok((sock_ready($srv[$i], $tok, 1234))[0], 'and lets him in');
}

close $bs;
finish();

sub finish {
    $_->stop for @srv;
    kill 'TERM', $redis;
    waitpid($redis, 0);
    done_testing();
    exit;
}
