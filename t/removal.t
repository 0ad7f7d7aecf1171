#!/usr/bin/perl

# Hosts remove people (trtc_removal_zone, trtc_removal, trtc_remove): a
# host (create bit) removes a member, or everyone, for a time; the
# member's open sockets close at once, and its tokens, old and new, are
# refused at every gate (signaling, page, issuing) until then, in that
# room only.  Nobody but a host can; bad requests are refused; a full
# zone drops its oldest removals and says so.

use strict;
use warnings;

use Test::More;
use IO::Select;
use JSON::PP;
use Time::HiRes ();

use lib 't/lib';
use TrtcTest;
use TrtcToken;

my $NCHAN = TrtcTest::nchan();

my $SLOW = $TrtcTest::SLOW;

my $t = TrtcTest->new();
$t->write_key('key', $TrtcToken::KEY);
$t->write_file('html/room.html', "<html>room</html>\n");

$t->run(<<"EOF", main => "load_module $NCHAN;");
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;
    trtc_removal_zone removals:1m;
    trtc_removal_zone tiny:32k;
    trtc_removal removals;

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
        }

        location = /room.html {
            root %%TESTDIR%%/html;
            trtc_auth on;
            trtc_auth_token \$http_x_trtc_token;
            trtc_auth_room \$arg_room;
            add_header X-Refusal \$trtc_auth_result always;
        }

        location = /api/remove {
            trtc_auth on;
            trtc_auth_token \$http_x_trtc_token;
            trtc_auth_room \$arg_room;
            trtc_remove \$arg_user \$arg_time;
        }

        location = /tiny/remove {
            trtc_auth on;
            trtc_auth_token \$http_x_trtc_token;
            trtc_auth_room \$arg_room;
            trtc_removal tiny;
            trtc_remove \$arg_user 60;
        }
    }
EOF

sub issue {
    my ($user, $room, $role) = @_;
    my $r = $t->request(POST => "/api/token?userId=$user&roomId=$room"
                                . ($role ? "&role=$role" : ''));
    return { status => $r->{status}, %{TrtcTest::json_body($r) || {}} };
}

sub sock {
    my ($tok, $room) = @_;
    return $t->ws_open("/signal/sub?room=$room&privateMapKey="
                       . $tok->{privateMapKey});
}

sub remove {
    my ($host, $room, $user, $time, $method) = @_;
    my $q = "/api/remove?room=$room&user=$user"
            . (defined $time ? "&time=$time" : '');
    return $t->request($method // 'POST', $q, token => $host->{privateMapKey});
}

sub page {
    my ($tok, $room) = @_;
    my $r = $t->request(GET => "/room.html?room=$room",
                        token => $tok->{privateMapKey});
    return "$r->{status} " . (TrtcTest::header($r, 'X-Refusal') // '');
}

# the first time each socket is found closed, until those of @$want are
# (or $secs have passed), and 0.3 s more for the others
sub closed_within {
    my ($secs, $want, %s) = @_;
    my %closed;
    my $sel = IO::Select->new(values %s);
    my $end = Time::HiRes::time() + $secs * $SLOW;

    while ($sel->count && Time::HiRes::time() < $end) {
        for my $fh ($sel->can_read(0.05)) {
            next if sysread($fh, my $buf, 4096);
            my ($name) = grep { $s{$_} == $fh } keys %s;
            $closed{$name} = Time::HiRes::time();
            $sel->remove($fh);
        }
        if (!grep { !$closed{$_} } @$want) {
            $end = Time::HiRes::time() + 0.3 if $end > Time::HiRes::time() + 0.3;
        }
    }

    return %closed;
}

my %tok = (
    alice => issue('alice', 1234, 'host'),
    bob   => issue('bob', 1234),
    carol => issue('carol', 1234),
    dave  => issue('dave', 5678, 'host'),
    bob2  => issue('bob', 5678),
);

my %s;
for my $u (qw(alice bob carol bob2)) {
    ($s{$u}) = sock($tok{$u}, $u eq 'bob2' ? 5678 : 1234);
}
is(scalar(grep { $_ } values %s), 4, 'four sockets open');

# only a host of that room

my $r = remove($tok{bob}, 1234, 'carol');
is($r->{status}, 403, 'bob (no create bit) removes nobody: 403');
is(TrtcTest::json_body($r, 'error'), 'not_host', 'not_host');
is(remove($tok{dave}, 1234, 'bob')->{status}, 401,
   'dave, a host of room 5678, removes nobody from room 1234: 401');
is(remove($tok{alice}, 1234, 'bob', undef, 'GET')->{status}, 405,
   'GET: 405');

for my $bad ('', 'b%20ob', 'b/ob', 'x' x 33, '**') {
    is(remove($tok{alice}, 1234, $bad)->{status}, 400, "user \"$bad\": 400");
}
for my $bad (0, -1, 3601, 'x') {
    is(remove($tok{alice}, 1234, 'bob', $bad)->{status}, 400,
       "time \"$bad\": 400 (1 s to the host token's lifetime)");
}
is(remove($tok{alice}, 1234, 'x' x 32, 1)->{status}, 200,
   'a user id of 32 bytes: 200');

my %closed = closed_within(1, [], %s);
is(scalar(keys %closed), 0, 'none of that closed a socket');

# alice removes bob for 10 s: his socket in room 1234 closes at once, his
# tokens are refused, old and new; in room 5678 he stays

my $t0 = Time::HiRes::time();
$r = remove($tok{alice}, 1234, 'bob', 10);
is($r->{status}, 200, 'alice removes bob for 10 s');
my $j = TrtcTest::json_body($r) || {};
is_deeply([$j->{room}, $j->{user}], [1234, 'bob'], 'the answer names them');
ok(abs($j->{until} - (time() + 10)) <= 1, 'and until when');

%closed = closed_within(5, ['bob'], bob => $s{bob}, carol => $s{carol},
                        alice => $s{alice}, bob2 => $s{bob2});
ok($closed{bob}, 'bob\'s socket is closed');
note(sprintf('closed %.3f s after the removal', ($closed{bob} // 0) - $t0));
ok($closed{bob} && $closed{bob} - $t0 < 3 * $SLOW, 'within a second or so');
ok(!$closed{carol} && !$closed{alice}, 'carol\'s and alice\'s are not');
ok(!$closed{bob2}, 'nor bob\'s in room 5678');

my ($x, $st) = sock($tok{bob}, 1234);
like($st, qr/ 401 /, 'bob\'s old token opens no socket');
is(page($tok{bob}, 1234), '401 removed', 'nor the page, which says why');
is(issue('bob', 1234)->{status}, 403, 'and he is issued no new token');
is(issue('bob', 1234)->{error}, 'removed', 'because he was removed');
is(page($tok{carol}, 1234), '200 ok', 'carol still gets the page');
ok((sock($tok{bob2}, 5678))[0], 'bob still enters room 5678');

Time::HiRes::sleep($j->{until} + 1 - Time::HiRes::time())
    if $j->{until} + 1 > Time::HiRes::time();
my $again = issue('bob', 1234);
is($again->{status}, 200, 'after 10 s bob is issued a token again');
ok((sock($again, 1234))[0], 'and comes back in');

# alice ends the room for 3 s: every socket in it closes, hers too

($s{bob}) = sock($again, 1234);
$t0 = Time::HiRes::time();
$r = remove($tok{alice}, 1234, '*', 4);
is($r->{status}, 200, 'alice ends the room for 4 s');
%closed = closed_within(5, [qw(bob carol alice)], bob => $s{bob},
                        carol => $s{carol}, alice => $s{alice});
is(scalar(keys %closed), 3, 'everyone\'s socket in it is closed');
is(page($tok{carol}, 1234), '401 removed', 'carol\'s token is refused');
is(issue('erin', 1234)->{status}, 403, 'nobody is issued a token for it');
ok((sock($tok{bob2}, 5678))[0], 'room 5678 goes on');

$j = TrtcTest::json_body($r) || {};
Time::HiRes::sleep($j->{until} + 1 - Time::HiRes::time())
    if $j->{until} + 1 > Time::HiRes::time();
is(page($tok{carol}, 1234), '200 ok', 'after 4 s the room is open again');

# a full zone drops its oldest removals, with an error line

my $mark = $t->log_mark;
my %st;
for my $i (1 .. 400) {
    $st{$t->request(POST => "/tiny/remove?room=1234&user=u$i",
                    token => $tok{alice}{privateMapKey})->{status}}++;
}
is_deeply(\%st, {200 => 400}, '400 removals in a 32 KiB zone: all taken');
like($t->log_since($mark), qr/trtc_removal_zone "tiny" is full/,
     'the log says it is full');

close $_ for grep { $_ } values %s;

$t->check_log();

done_testing();
