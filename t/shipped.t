#!/usr/bin/perl

# The shipped configurations, conf/trtc-demo.conf and conf/trtc-cloud.conf,
# as a member of another room or an outsider meets them: the methods each
# location takes (every location of each file is in the table below, so
# that a new one must say what it takes), the room of the room page, and
# one member flooding the signaling.  conf/trtc-sfu.conf is t/sfu.t's.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use IO::Select;
use MIME::Base64 ();

use lib 't/lib';
use TrtcTest;
use TrtcToken qw(forge pmk);
use TrtcShipped qw(method_table page_rows signal_rows removal_rows
                   skip_unless_shipped);

skip_unless_shipped();

###############################################################################

# conf/trtc-demo.conf

my $t = TrtcTest->new();
$t->run_shipped('trtc-demo.conf');

my $alice = $t->issue('alice', 1);
my $bob = $t->issue('bob', 1);
my $mallory = $t->issue('mallory', 2, role => 'audience');

method_table($t, 'trtc-demo.conf', page_rows(1, $alice->{privateMapKey}),
             signal_rows(1, $alice->{privateMapKey}),
             removal_rows(1, $alice->{privateMapKey}));

# a host of room 7 (?role=host) removes a member; nobody else can

my $hana = $t->issue('hana', 7, role => 'host');
my $ivan = $t->issue('ivan', 7);
my ($is) = $t->ws_open("/signal/sub?room=7&privateMapKey=$ivan->{privateMapKey}");
ok($is, 'ivan is in room 7');
is($t->request(POST => '/api/remove?room=7&user=hana',
               token => $ivan->{privateMapKey}, body => '{}')->{status},
   401, 'ivan, a speaker, removes nobody');
is($t->request(POST => '/api/remove?room=7&user=ivan&time=30',
               token => $alice->{privateMapKey}, body => '{}')->{status},
   401, 'nor does a member of room 1');
like($t->request(POST => '/api/remove?room=7&user=ivan&time=30',
                 token => $hana->{privateMapKey}, body => '{}')->{status},
     qr/^20[12]$/, 'hana, the host, removes ivan');
my $sel = IO::Select->new($is);
my $cut;
for (1 .. 100 * $TrtcTest::SLOW) {
    if ($sel->can_read(0.05) && !sysread($is, my $buf, 4096)) {
        $cut = 1;
        last;
    }
}
ok($cut, 'his socket is closed');
like(($t->ws_open("/signal/sub?room=7&privateMapKey=$ivan->{privateMapKey}"))[1],
     qr/ 401 /, 'his token opens no other');
is($t->request(POST => '/api/token?userId=ivan&roomId=7')->{status}, 403,
   'and the issuer gives him none');
like($t->request(GET => '/api/token?userId=ivan&roomId=8')->{status},
     qr/^200$/, 'in another room he is welcome');

# a member of room 2 against bob of room 1, and bob's own room-mates

my ($bs) = $t->ws_open("/signal/sub?room=1&privateMapKey=$bob->{privateMapKey}");
ok($bs, 'bob subscribes to room 1');

my $r = $t->request(DELETE => '/signal/pub?room=1&to=bob',
                    token => $alice->{privateMapKey});
is($r->{status}, 405, 'DELETE of bob\'s inbox, even by his room-mate: 405');
$r = $t->request(DELETE => '/signal/pub?room=1',
                 token => $alice->{privateMapKey});
is($r->{status}, 405, 'DELETE of the room\'s channel: 405');
$r = $t->request(GET => '/signal/pub?room=1&to=bob',
                 token => $alice->{privateMapKey});
is($r->{status}, 405, 'GET of bob\'s inbox: 405');
unlike($r->{body}, qr/subscribers|last_message/i,
       'and nothing of it in the answer');
$r = $t->request(DELETE => '/signal/pub?room=2&to=bob',
                 token => $mallory->{privateMapKey});
is($r->{status}, 405, 'DELETE by an audience member of room 2: 405');

for my $to ('bob/x', 'bob%2Fx', '..', 'a' x 33, 'b%20ob') {
    $r = $t->request(POST => "/signal/pub?room=1&to=$to",
                     token => $alice->{privateMapKey}, body => 'hi');
    is($r->{status}, 400, "\"to=$to\" is no user id: 400");
}

$r = $t->request(POST => '/signal/pub?room=1&to=bob',
                 token => $alice->{privateMapKey}, body => '{"t":"hi"}');
like($r->{status}, qr/^20[12]$/, 'alice posts to bob\'s inbox');
my $m = TrtcTest::ws_read($bs, 5);
like($m // '', qr/"from":"alice"/, 'bob\'s socket is open: he gets it');

$r = $t->request(POST => "/signal/pub?room=1&to=bob&privateMapKey=$alice->{privateMapKey}",
                 body => '{"t":"hi"}');
is($r->{status}, 401, 'a token in the query does not publish: the header only (401)');
is(TrtcTest::ws_read($bs, 1), undef, 'and bob gets nothing');

# the room page: the room of the normalized URI, decoded once

sub page {
    my ($uri, $token) = @_;
    my $r = $t->get($uri, Cookie => "trtc_token=$token");
    return $r->{status} == 302
           ? TrtcTest::header($r, 'Location') =~ s{^https?://[^/]+}{}r
           : $r->{status};
}

is(page('/room/1/', $alice->{privateMapKey}), 200, 'room 1 with its cookie');
is(page('/room/2/', $alice->{privateMapKey}), '/?denied=room_mismatch#room=2',
   'a room-1 cookie on room 2\'s page: the login page, with the link\'s room');
is(page('/room/Q&A%20%231/', ''), '/?denied=no_token#room=Q&A%20%231',
   'no cookie: the link\'s room as it was sent, in the fragment');
is(page('/room/2/../1/', $mallory->{privateMapKey}), '/?denied=room_mismatch',
   '/room/2/../1/ is room 1: a room-2 cookie goes to the login page');
is(page('/room/2/../1/', $alice->{privateMapKey}), 200,
   '/room/2/../1/ with a room-1 cookie: room 1');
is(page('/room/%31/', $alice->{privateMapKey}), 200, '/room/%31/ is room 1');

# each room's cookie is for its own page: tabs in two rooms keep theirs

like(TrtcTest::header($t->get('/api/token?userId=erin&roomId=Q%26A%20%231'), 'Set-Cookie'),
     qr{^trtc_token=[^;]+; Max-Age=7200; Path=/room/Q%26A%20%231/; HttpOnly; SameSite=Lax$},
     'the issuer\'s cookie: the path of that room\'s page');

my $aA = $t->issue('erin', 'aA');
my $a41 = $t->issue('erin', 'a%2541');
is($a41->{roomId}, 'a%41', 'a string room "a%41"');
is(page('/room/aA/', $aA->{privateMapKey}), 200, 'room "aA" with its cookie');
is(page('/room/a%2541/', $aA->{privateMapKey}), '/?denied=room_mismatch#room=a%2541',
   'a cookie for room "aA" does not open /room/a%2541/');
is(page('/room/a%2541/', $a41->{privateMapKey}), 200,
   '/room/a%2541/ is room "a%41"');

# a key of room 1 that grants neither enter nor create

my $none = pmk(user => 'nina', roomid => 1, privilege => 8 | 32);
is(page('/room/1/', $none), '/?denied=privilege_missing#room=1',
   'a room-1 key that only receives: no room page');
my ($ns, $nst) = $t->ws_open("/signal/sub?room=1&privateMapKey=$none");
like($nst, qr/ 401 /, 'and no signaling socket');

# one member flooding: 429 for it, every publish of another room goes
# through, the error log stays small

my $carol = $t->issue('carol', 3);
my $dave = $t->issue('dave', 3);
my ($ds) = $t->ws_open("/signal/sub?room=3&privateMapKey=$dave->{privateMapKey}");
ok($ds, 'dave subscribes to room 3');

my $log_before = length $t->read_file('error.log');
my $flood_file = $t->dir . '/flood.statuses';
my $refused = $t->dir . '/flood.429';
my $flood = fork() // die "fork: $!\n";

if ($flood == 0) {
    # 600 messages and 4 s at least, however busy the machine: far more
    # than the 20 a second the member may publish; the first 429 is
    # marked in a file
    my (%st, $n);
    my $body = '{"t":"x","p":"' . 'x' x 60000 . '"}';   # JSON: audience
    my $start = time();
    while ((++$n <= 600 || time() < $start + 4) && time() < $start + 60) {
        my $s = eval {
            $t->request(POST => '/signal/pub?room=2',
                        token => $mallory->{privateMapKey},
                        body => $body)->{status};
        } // 0;
        if ($s == 429 && !$st{429}) {
            open my $fh, '>', $refused or die;
            close $fh;
        }
        $st{$s}++;
    }
    $st{seconds} = time() - $start;
    open my $fh, '>', $flood_file or die;
    print $fh encode_json(\%st);
    close $fh;
    exit 0;
}

# carol publishes once the flood is refused, while it goes on
my $deadline = time() + 30 * $TrtcTest::SLOW;
sleep(0.05) until -e $refused || time() > $deadline;
ok(-e $refused, 'the flooding member gets a 429 (the flood is on)');

my (@carol, @got);
for my $i (1 .. 30) {
    push @carol, $t->request(POST => '/signal/pub?room=3',
                             token => $carol->{privateMapKey},
                             body => qq({"t":"m","i":$i}))->{status};
    sleep(0.08);
}

for (1 .. 30) {
    my $msg = TrtcTest::ws_read($ds, 10) // last;
    push @got, $msg if $msg =~ /"from":"carol"/;
}

waitpid($flood, 0);
my $st = decode_json($t->read_file($flood_file) || '{}');
my $seconds = delete $st->{seconds} // 0;
my $total = 0;
$total += $_ for values %$st;
my $published = ($st->{201} // 0) + ($st->{202} // 0);
note(sprintf('the flood: %s in %.1f s',
             join(', ', map { "$_: $st->{$_}" } sort keys %$st), $seconds));

ok($total >= 300, "the flood happened: $total messages (300 at least)");
ok(($st->{429} // 0) > 0,
   'the flooding member: some 429 (' . ($st->{429} // 0) . ')');
ok($published <= 100 + 20 * ($seconds + 1),
   sprintf('the flooding member: %d published in %.1f s, no more than '
           . 'its rate (20/s) and burst (100)', $published, $seconds));
is($st->{429} // 0, $total - $published,
   'the flooding member: 429 for all the rest');
is(scalar(grep { /^20[12]$/ } @carol), 30,
   'carol in room 3, meanwhile: every publish goes through');
is(scalar @got, 30, 'and dave gets every message');
my $grown = length($t->read_file('error.log')) - $log_before;
ok($grown < 16384, "the error log grew $grown bytes (under 16 KiB)");

# a member holds 4 signaling sockets at most

my @socks = map {
    ($t->ws_open(
        "/signal/sub?room=3&privateMapKey=$carol->{privateMapKey}"))[0]
} 1 .. 4;
is(scalar(grep { defined } @socks), 4, 'carol opens 4 sockets');
my (undef, $fifth) = $t->ws_open(
    "/signal/sub?room=3&privateMapKey=$carol->{privateMapKey}");
like($fifth, qr/ 429 /, 'a fifth: 429');
my (undef, $daves) = $t->ws_open(
    "/signal/sub?room=3&privateMapKey=$dave->{privateMapKey}");
like($daves, qr/ 101 /, 'dave\'s second: 101');
close $_ for grep { defined } @socks, $bs, $ds;

# the signaling socket ends with its token (trtc_auth_close_expired, on
# by default)
closes_at_expiry($t, 'demo: the signaling socket',
                 sub { "/signal/sub?room=1&privateMapKey="
                       . pmk(user => 'erin', roomid => 1, @_) });

$t->stop;

###############################################################################

# conf/trtc-cloud.conf, with stand-ins for Tencent's signaling and log hosts

my $c = TrtcTest->new();

# the signaling host takes a WebSocket and holds it until nginx closes it
my $heads = $c->standin('up', 'upstream.heads', sub {
    my ($s, $head) = @_;
    if ($head !~ /^Upgrade: websocket/mi) {
        print $s "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                 . "Connection: close\r\n\r\n";
        return;
    }
    print $s "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             . "Connection: Upgrade\r\n\r\n";
    local $SIG{ALRM} = sub { die "held too long\n" };
    alarm(60);
    eval { 1 while sysread($s, my $buf, 4096) };
    alarm(0);
});

$c->write_key('trtc.key', $TrtcToken::KEY);
$c->run_shipped('trtc-cloud.conf', SDKAPPID => 1400000000,
                KEY_FILE => $c->dir . '/trtc.key',
                SIGNALING => 'http://127.0.0.1:' . $c->port('up'),
                LOGGER => 'http://127.0.0.1:' . $c->port('up'));

my $sig = forge(identifier => 'alice');
my $log = '/trtc/log/v5/AVQualityReportSvc/C2S';

method_table($c, 'trtc-cloud.conf',
             page_rows(1, pmk(roomid => 1)),
             signal_rows(1, pmk(roomid => 1)),
             ['= /trtc/ws/', [qw(GET)],
              "/trtc/ws/?sdkAppId=1400000000&userId=alice&userSig=$sig"],
             ['= /trtc/ws-check', [qw(GET HEAD)],
              "/trtc/ws-check?userId=alice&userSig=$sig"],
             ["= $log", [qw(POST)],
              "$log?random=1&sdkappid=1400000000&cmdtype=x"]);

# the room's chat and hands: nginx's signaling, stamped; the room's
# channel only (no inbox), and only for the token's room

my ($cs) = $c->ws_open('/signal/sub?room=5&privateMapKey='
                       . pmk(user => 'carl', roomid => 5));
ok($cs, 'cloud: carl subscribes to room 5\'s chat');
ok(!($c->ws_open('/signal/sub?room=6&privateMapKey='
                 . pmk(user => 'carl', roomid => 5)))[0],
   'cloud: not to room 6 with room 5\'s key');
my $said = $c->request(POST => '/signal/pub?room=5',
                       token => pmk(user => 'dina', roomid => 5),
                       body => '{"t":"chat","sid":"s1","text":"hi"}');
like($said->{status}, qr/^20[12]$/, 'cloud: dina says hi in room 5');
my $got = TrtcTest::ws_read($cs, 5);
like($got // '', qr/^\{"from":"dina","privilege":\d+,"data":"\{\\"t\\":\\"chat\\"/,
     'cloud: carl gets it, stamped with dina\'s verified id');
$said = $c->request(POST => '/signal/pub?room=5&to=carl',
                    token => pmk(user => 'dina', roomid => 5),
                    body => '{"t":"chat","sid":"s1","text":"psst"}');
is($said->{status}, 400, 'cloud: no inboxes here, "to" is refused (400)');
is(TrtcTest::ws_read($cs, 1), undef, 'cloud: and nobody hears it');
$said = $c->request(POST => '/signal/pub?room=5',
                    token => pmk(user => 'eve', roomid => 6),
                    body => '{"t":"chat","sid":"s2","text":"x"}');
is($said->{status}, 401, 'cloud: a key of room 6 does not post to room 5');
is(TrtcTest::ws_read($cs, 1), undef, 'cloud: and carl gets nothing');
close $cs;      # nchan 1.3.6 and a graceful stop with WebSockets open

my $seen = $c->read_file($heads);
like($seen, qr/^GET \/\?sdkAppId=1400000000&userId=alice&userSig=/m,
     'cloud: the signaling host got the WebSocket\'s GET');
like($seen, qr/^POST \/v5\/AVQualityReportSvc\/C2S\?random=1&/m,
     'cloud: the log host got the log report\'s POST');
unlike($seen, qr/^(?!GET|POST)[A-Z]+ /m,
       'cloud: no other method ever reached an upstream');
unlike($seen, qr/^POST \/(?!v5\/AVQualityReportSvc\/C2S\?)/m,
       'cloud: the log host got the log path only');

for my $path ('/trtc/log/', '/trtc/log/v5/other', '/trtc/log/../api/x') {
    isnt($c->request('POST', $path, body => 'x')->{status}, 200,
         "cloud: $path does not reach the log host");
}
is($c->read_file($heads), $seen, 'cloud: none of them reached it');

# the SDK's signaling is one path: no other reaches Tencent's host
for my $path ('/trtc/ws/x', '/trtc/ws/v5/other', '/trtc/ws/%2e%2e/v5') {
    is($c->request('GET', "$path?sdkAppId=1400000000&userId=alice&userSig=$sig")
         ->{status}, 404, "cloud: $path does not reach the signaling host");
}
is($c->read_file($heads), $seen, 'cloud: none of them reached it');

is($c->request('POST', "$log?random=1", body => 'x' x (1024 * 1024 + 1))
     ->{status}, 413, 'cloud: a log report over 1 MiB: 413');

my %lst;
$lst{$c->request('POST', "$log?random=$_", body => 'x')->{status}}++
    for 1 .. 60;
ok($lst{429}, 'cloud: one client posting log reports fast: 429 ('
              . join(', ', map { "$_: $lst{$_}" } sort keys %lst) . ')');

# what the cloud's issuer gives an audience member: TRTC enforces the
# PrivateMapKey's bits, and none of them sends (42 + recv_screen: 170)

sub privilege_of {
    my ($pmk) = @_;
    my $json = JSON::PP::decode_json(TrtcToken::inflate_token($pmk));
    my $ub = MIME::Base64::decode_base64($json->{'TLS.userbuf'});
    my $alen = unpack('n', substr($ub, 1, 2));
    return (unpack('NNNN', substr($ub, 3 + $alen, 16)))[3];
}

my $aud = $c->request(GET => '/api/token?userId=fay&roomId=9&role=audience');
my $bits = privilege_of(TrtcTest::json_body($aud, 'privateMapKey') // die);
is($bits, 170, 'cloud: an audience PrivateMapKey is enter and the three '
               . 'receive bits');
is($bits & (4 | 16 | 64), 0, 'cloud: none of the send bits');
is(privilege_of(TrtcTest::json_body(
       $c->request(GET => '/api/token?userId=gus&roomId=9'), 'privateMapKey')),
   254, 'cloud: a speaker\'s has all but create');

# the proxied signaling socket ends with its UserSig
closes_at_expiry($c, 'cloud: the proxied signaling socket',
                 sub { '/trtc/ws/?sdkAppId=1400000000&userId=alice&userSig='
                       . forge(identifier => 'alice', @_) });

$c->stop;

done_testing;

###############################################################################

# a WebSocket opened with a 10 s token that is accepted 2 s more: open
# until then, closed by nginx soon after (the shipped leeway is 0)
sub closes_at_expiry {
    my ($t, $what, $uri) = @_;
    my $expires = CORE::time() + 2;
    my ($s, $status) = $t->ws_open($uri->(time => $expires - 10,
                                          expire => 10));
    ok($s, "$what opens with a token valid 2 s more") or diag($status);
    return unless $s;

    my $deadline = $expires + 1;
    my $sel = IO::Select->new($s);
    my $closed;

    while (time() < $deadline + 15 * $TrtcTest::SLOW) {
        next unless $sel->can_read(0.1);
        next if sysread($s, my $buf, 4096);
        $closed = time();
        last;
    }

    ok(defined $closed && $closed >= $deadline - 0.05,
       "$what is closed by nginx when its token expires, not before")
        or diag(defined $closed ? "closed at $closed, deadline $deadline"
                                : 'still open');
    close $s;
}
