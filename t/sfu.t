#!/usr/bin/perl

# The SFU mode's walls, with Janus (Debian's janus, started by
# conf/janus/start.sh) behind conf/trtc-sfu.conf as shipped: what each
# location takes, and a Janus client for each request a member of room B
# may send through /sfu/ws against room A (every VideoRoom request, the
# core's requests, other plugins, the admin API's), none of which may
# reveal, change or end room A; and two string rooms that a 48-bit hash
# once mapped to one VideoRoom.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use Digest::SHA ();
use MIME::Base64 ();

use lib 't/lib';
use TrtcTest qw(json_body);
use TrtcToken qw(pmk);
use TrtcShipped qw(method_table page_rows signal_rows removal_rows
                   skip_unless_shipped);

my $JANUS = $ENV{JANUS_BIN} || '/usr/bin/janus';

skip_unless_shipped();
BAIL_OUT("no $JANUS (apt-get install janus)") unless -x $JANUS;

my $t = TrtcTest->new();
my $dir = $t->dir;
my $start = TrtcTest::repo_dir() . '/conf/janus/start.sh';

$ENV{JANUS_WS_PORT} = $t->port('janus_ws');
$ENV{JANUS_ADMIN_PORT} = $t->port('janus_admin');
$ENV{JANUS_RTP_PORTS} = '40100-40199';

$t->write_key('trtc.key', $TrtcToken::KEY);
mkdir "$dir/http.d";
system('bash', $start, $dir) == 0 or BAIL_OUT('conf/janus/start.sh failed');

END {
    system('bash', $start, $dir, 'stop') if $dir && -d "$dir/janus";
}

$t->run_shipped('trtc-sfu.conf');

my ($room_secret) = $t->read_file("$dir/janus/create.conf")
                    =~ /"secret":"([0-9a-f]+)"/;
ok($room_secret, 'the rooms\' secret is in the room creating request');

# the VideoRoom of a room, made through /sfu/room
sub make_room {
    my ($tok, $room) = @_;
    return $t->request(POST => "/sfu/room?room=$room",
                       token => $tok->{privateMapKey});
}

my $alice = $t->issue('alice', 1234);
my $bob = $t->issue('bob', 5678);
my $ja = json_body($t->request(GET => '/sfu/token?room=1234',
                               token => $alice->{privateMapKey}));
my $jb = json_body($t->request(GET => '/sfu/token?room=5678',
                               token => $bob->{privateMapKey}));

like(make_room($alice, 1234)->{body}, qr/"videoroom":"created"/,
     'room 1234 made');
like(make_room($bob, 5678)->{body}, qr/"videoroom":"created"/,
     'room 5678 made');

# what each location takes

my $pmk = $alice->{privateMapKey};

method_table($t, 'trtc-sfu.conf', page_rows(1234, $pmk),
             signal_rows(1234, $pmk), removal_rows(1234, $pmk),
             ['= /sfu/token', [qw(GET)], '/sfu/token?room=1234',
              'X-TRTC-Token' => $pmk],
             ['= /sfu/room', [qw(POST)], '/sfu/room?room=1234',
              'X-TRTC-Token' => $pmk],
             ['= /sfu/ws', [qw(GET)], "/sfu/ws?room=1234&privateMapKey=$pmk"]);

###############################################################################

# a Janus client through /sfu/ws

my $tx = 0;

sub janus_open {
    my ($tok, $room) = @_;
    my ($s, $status) = $t->ws_open("/sfu/ws?room=$room&privateMapKey="
                                   . $tok->{privateMapKey},
                                   'Sec-WebSocket-Protocol' => 'janus-protocol');
    return $s;
}

# one request; the answer to it (not its "ack"), or {} after 10 s
sub janus {
    my ($s, $msg) = @_;
    my $id = 't' . ++$tx;
    TrtcTest::ws_send($s, encode_json({%$msg, transaction => $id}));

    for (1 .. 50) {
        my $frame = TrtcTest::ws_read($s, 10) // last;
        my $j = eval { decode_json($frame) } or next;
        next if ($j->{transaction} // '') ne $id || $j->{janus} eq 'ack';
        return $j;
    }

    return {};
}

# a session with a VideoRoom handle: (socket, session, handle)
sub janus_handle {
    my ($tok, $room, $jt) = @_;
    my $s = janus_open($tok, $room) or return;
    my $sess = janus($s, {janus => 'create', token => $jt->{token}});
    my $sid = $sess->{data}{id};
    my $h = janus($s, {janus => 'attach', session_id => $sid,
                       plugin => 'janus.plugin.videoroom',
                       token => $jt->{token}});
    return ($s, $sid, $h->{data}{id});
}

# the VideoRoom's answer to a request of a handle: its data, or the core's
# error as {error_code, error}
sub vr {
    my ($c, $body) = @_;
    my ($s, $sid, $hid, $jt) = @$c;
    my $j = janus($s, {janus => 'message', session_id => $sid,
                       handle_id => $hid, token => $jt->{token},
                       body => $body});
    return $j->{plugindata}{data} // $j->{error} // {};
}

# the VideoRoom's refusal: "<error_code> <error>", or "-" for none
sub why {
    my ($d) = @_;
    return defined $d->{error_code}
           ? "$d->{error_code} " . ($d->{error} // "") : "-";
}

# the VideoRoom's refusals that are walls (janus_videoroom.c of Janus
# 1.1.2): no such room (426, or 430: a room id that is no number), or
# what the room asks for is missing (429) or wrong (433): its secret, the
# admin key, its pin, a room token.  Not an error of a request the
# VideoRoom could not read (another element missing or of a wrong type),
# nor the core's, nor no answer
my $NO_ROOM = qr/^(?:426\ No\ such\ room
                 |430\ .*\(room\ should\ be\ a\ positive\ integer\))/x;
my $LOCKED = qr/^(?:429 .*\((?:secret|admin_key|pin)\)
                |433 .*\(wrong\ (?:secret|admin_key|pin|token)\))/x;

sub refused {
    my ($d) = @_;
    my $why = why($d);
    return $why =~ $NO_ROOM || $why =~ $LOCKED;
}

my ($as, $asid, $ahid) = janus_handle($alice, 1234, $ja);
ok($as && $asid && $ahid, 'alice: a session and a VideoRoom handle');
my $A = [$as, $asid, $ahid, $ja];
my $joined = vr($A, {request => 'join', ptype => 'publisher',
                     room => $ja->{room}, pin => $ja->{pin},
                     display => 'alice', token => $ja->{roomToken}});
is($joined->{videoroom}, 'joined', 'alice joins room 1234\'s VideoRoom');
my $alice_feed = $joined->{id};

my ($bs, $bsid, $bhid) = janus_handle($bob, 5678, $jb);
ok($bs && $bsid && $bhid, 'bob of room 5678: a session and a handle');
my $B = [$bs, $bsid, $bhid, $jb];

# what bob could try to name room 1234 by: its number (its id of old),
# as a string; and its real id, as if leaked (an earlier member of room
# 1234 has it)
my @names = (1234, '1234', $ja->{room});

# the VideoRoom's listing and existence

my $list = vr($B, {request => 'list'});
is(ref $list->{list}, 'ARRAY', 'bob: the VideoRoom\'s list answers');
is(scalar @{$list->{list} // []}, 0, 'bob: and lists no room (all private)');

for my $n (@names[0 .. 1]) {
    my $d = vr($B, {request => 'exists', room => $n});
    ok(refused($d) || (defined $d->{exists} && !$d->{exists}),
       "bob: room \"$n\" does not exist");
    $d = vr($B, {request => 'listparticipants', room => $n});
    ok(refused($d) && !grep({ ($_->{display} // '') eq 'alice' }
                            @{$d->{participants} // []}),
       "bob: no participants of room \"$n\"");
}

# every request that changes or ends a room, with the real id

my %changes = (
    create => {permanent => JSON::PP::false},
    edit => {new_secret => 'mine', new_pin => '0000',
             new_description => 'taken'},
    destroy => {},
    kick => {id => $alice_feed},
    moderate => {id => $alice_feed, mid => '0', mute => JSON::PP::true},
    enable_recording => {record => JSON::PP::true},
    allowed => {action => 'enable', allowed => []},
    listforwarders => {},
    rtp_forward => {publisher_id => $alice_feed, host => '127.0.0.1',
                    video_port => 40999},
    stop_rtp_forward => {publisher_id => $alice_feed, stream_id => 1},
    publish_remotely => {publisher_id => $alice_feed,
                         remote_id => 'x', host => '127.0.0.1', port => 40998},
    unpublish_remotely => {publisher_id => $alice_feed, remote_id => 'x'},
    listremotes => {publisher_id => $alice_feed},
    add_remote_publisher => {id => 4242, streams => [{type => 'video',
                             mindex => 0, mid => '0', codec => 'vp8'}]},
    update_remote_publisher => {id => $alice_feed, streams => []},
    remove_remote_publisher => {id => $alice_feed},
);

# room 1234 by its real id is there: what stops bob is what it asks for,
# the secret (or, first, the admin key); an empty secret is a wrong one
for my $req (sort keys %changes) {
    for my $n (@names) {
        my $d = vr($B, {request => $req, room => $n, %{$changes{$req}}});
        ok($n eq $ja->{room} ? why($d) =~ $LOCKED : refused($d),
           "bob: \"$req\" on room \"" . substr($n, 0, 8)
           . "\" refused (" . ($d->{error_code} // '-') . ')')
            or diag(encode_json($d));
    }
    # and with a guess at the secret
    my $d = vr($B, {request => $req, room => $ja->{room}, secret => '',
                    %{$changes{$req}}});
    like(why($d), qr/^(?:433\ Unauthorized\ \(wrong\ secret\)
                     |429\ .*\(admin_key\))/x,
         "bob: \"$req\" with an empty secret refused");
}

# the control: with the rooms' secret, the same edit goes through (on
# bob's own room 5678, room 1234 stays as it is)
is(vr($B, {request => 'edit', room => $jb->{room}, secret => $room_secret,
           %{$changes{edit}}})->{videoroom},
   'edited', 'bob: "edit" of room 5678 with the rooms\' secret: edited');

# joining room 1234, as publisher or subscriber, with bob's room token

for my $j (
    [join => {ptype => 'publisher', display => 'mallory'}],
    [joinandconfigure => {ptype => 'publisher', display => 'mallory'}],
    [join => {ptype => 'subscriber', streams => [{feed => $alice_feed}]}],
) {
    for my $n (@names) {
        for my $pin ($jb->{pin}, $ja->{pin}) {
            my ($s2, $sid2, $hid2) = janus_handle($bob, 5678, $jb);
            my $d = vr([$s2, $sid2, $hid2, $jb],
                       {request => $j->[0], room => $n, pin => $pin,
                        token => $jb->{roomToken}, %{$j->[1]}});
            ok(refused($d), "bob: $j->[0] $j->[1]{ptype} of room \"$n\" "
                            . ($pin eq $ja->{pin} ? 'with its pin' : '')
                            . " refused");
            close $s2;
        }
    }
}

# the core: info tells nothing of a room; other plugins, the admin API's
# requests, and others' sessions are out of reach

my $info = janus($bs, {janus => 'info'});
is($info->{janus}, 'server_info', 'bob: "info" answers');
my $info_text = encode_json($info);
ok(index($info_text, $ja->{room}) < 0 && $info_text !~ /alice/,
   'bob: and names no room and no member');

for my $plugin (qw(janus.plugin.echotest janus.plugin.streaming
                   janus.plugin.textroom janus.plugin.sip
                   janus.plugin.audiobridge))
{
    my $r = janus($bs, {janus => 'attach', session_id => $bsid,
                        plugin => $plugin, token => $jb->{token}});
    is($r->{janus}, 'error', "bob: attach to $plugin refused");
}

for my $req (qw(list_sessions list_handles handle_info message_plugin
                add_token list_tokens set_log_level query_transport
                get_status accept_new_sessions))
{
    my $r = janus($bs, {janus => $req, session_id => $bsid,
                        token => $jb->{token}, admin_secret => '',
                        plugin => 'janus.plugin.videoroom',
                        request => {request => 'list'}});
    is($r->{janus}, 'error', "bob: the admin API's \"$req\" refused");
}

for my $req (qw(claim destroy keepalive attach)) {
    my $r = janus($bs, {janus => $req, session_id => $asid + 1,
                        token => $jb->{token},
                        plugin => 'janus.plugin.videoroom'});
    is($r->{janus}, 'error', "bob: \"$req\" on a session not his refused");
}

my $nocore = janus($bs, {janus => 'create'});
is($nocore->{janus}, 'error', 'bob: no session without the core token');

# room 1234 is as it was: alice is in it, its secret and pin unchanged,
# and a new member of room 1234 joins with its own room token

my $parts = vr($A, {request => 'listparticipants', room => $ja->{room}});
ok(grep({ ($_->{display} // '') eq 'alice' } @{$parts->{participants} // []}),
   'room 1234: alice is still in it');
is(vr($A, {request => 'exists', room => $ja->{room}})->{exists}, 1,
   'room 1234: it exists');

my $carol = $t->issue('carol', 1234);
my $jc = json_body($t->request(GET => '/sfu/token?room=1234',
                               token => $carol->{privateMapKey}));
my ($cs, $csid, $chid) = janus_handle($carol, 1234, $jc);
my $cj = vr([$cs, $csid, $chid, $jc],
            {request => 'join', ptype => 'publisher', room => $jc->{room},
             pin => $jc->{pin}, display => 'carol',
             token => $jc->{roomToken}});
is($cj->{videoroom}, 'joined', 'room 1234: carol joins it with her token');

###############################################################################

# rooms apart: r0431c69ecb00 and r9addfdb68448 (one 48-bit id once);
# numeric 77 and string "77" (t/janus.t compares their ids)

my $dan = $t->issue('dan', 'r0431c69ecb00');
my $erin = $t->issue('erin', 'r9addfdb68448');
my $jd = json_body($t->request(GET => '/sfu/token?room=r0431c69ecb00',
                               token => $dan->{privateMapKey}));
my $je = json_body($t->request(GET => '/sfu/token?room=r9addfdb68448',
                               token => $erin->{privateMapKey}));
isnt($jd->{room}, $je->{room}, 'r0431c69ecb00 and r9addfdb68448: two ids');
like(make_room($dan, 'r0431c69ecb00')->{body}, qr/"videoroom":"created"/,
     'r0431c69ecb00 made');
like(make_room($erin, 'r9addfdb68448')->{body}, qr/"videoroom":"created"/,
     'r9addfdb68448 made');

my ($ds, $dsid, $dhid) = janus_handle($dan, 'r0431c69ecb00', $jd);
my $D = [$ds, $dsid, $dhid, $jd];
ok(refused(vr($D, {request => 'join', ptype => 'publisher',
                   room => $je->{room}, pin => $jd->{pin}, display => 'dan',
                   token => $jd->{roomToken}})),
   'dan of r0431c69ecb00 does not join r9addfdb68448');

# were two rooms' ids ever equal, the pin keeps them apart: a member of
# another room holding a valid room token for this room's id (as one of
# a colliding room would) gets in only with this room's pin
my $secret = ($t->read_file("$dir/janus/token.secret") =~ /^(\S+)/)[0];
my $exp = time() + 600;
my $data = "$exp,janus.plugin.videoroom,room=$jd->{room}";
my $forged = "$data:" . MIME::Base64::encode_base64(
                 Digest::SHA::hmac_sha1($data, $secret), '');
TrtcTest::note_tokens($forged);
for my $pin ($je->{pin}, undef, '') {
    ok(refused(vr($D, {request => 'join', ptype => 'publisher',
                       room => $jd->{room}, display => 'erin',
                       token => $forged,
                       defined $pin ? (pin => $pin) : ()})),
       'a room token for the id, and another room\'s pin (or none): refused');
}

is(vr($D, {request => 'join', ptype => 'publisher', room => $jd->{room},
           pin => $jd->{pin}, display => 'dan',
           token => $jd->{roomToken}})->{videoroom},
   'joined', 'dan joins his own, with its token and pin');

# a room's VideoRoom id as t/janus.t computes it: the first 53 bits of
# HMAC-SHA256 of a label, the kind ("n" or "s") and the text, keyed with
# the token secret
sub janus_room {
    my ($kind, $text) = @_;
    my ($v) = unpack('Q>', Digest::SHA::hmac_sha256(
                               "trtc janus room\0$kind$text", $secret));
    return ($v >> 11) || 1;
}

my $num = $t->request(GET => '/sfu/token?room=77',
                      token => $t->issue('fay', 77)->{privateMapKey});
is($num->{status}, 200, 'numeric room 77: its Janus tokens');
is(json_body($num, 'room'), janus_room('n', '77'),
   'numeric room 77: its own VideoRoom id');
isnt(json_body($num, 'room'), janus_room('s', '77'),
     'not the id of string room "77"');
my $str = pmk(user => 'fay', strroom => '77');
my $r = $t->get('/sfu/token?room=77', 'X-TRTC-Token' => $str);
is($r->{status}, 401, 'a token for string room "77" is no token for room 77');

# the tokens come in the header only (the page sends them there): none
# in a query that /sfu/room would pass on to Janus's Admin API

is($t->request(GET => "/sfu/token?room=1234&privateMapKey=$pmk")->{status},
   401, '/sfu/token: no token taken from the query');
is($t->request(POST => "/sfu/room?room=1234&privateMapKey=$pmk")->{status},
   401, '/sfu/room: no token taken from the query');

# /sfu/room reads no body worth the name (it sends its own)
is($t->request(POST => '/sfu/room?room=1234', token => $pmk,
               body => 'x' x 2048)->{status},
   413, '/sfu/room: a body over 1 KiB is refused');

# one member: 4 Janus sockets, and its tokens and room 2 a second, 20 at
# once; another member is not held up by it

# (socket or undef, status code) of a WebSocket to Janus
sub janus_ws {
    my ($tok) = @_;
    my ($s, $line) = $t->ws_open("/sfu/ws?room=1234&privateMapKey="
                                 . $tok->{privateMapKey},
                                 'Sec-WebSocket-Protocol' => 'janus-protocol');
    return ($s, ($line =~ m{^HTTP/1\.1 (\d+)})[0] // 0);
}

my $gina = $t->issue('gina', 1234);
my (@held, @status);
for (1 .. 5) {
    my ($s, $status) = janus_ws($gina);
    push @held, $s;
    push @status, $status;
}
is("@status", '101 101 101 101 429',
   'a member holds 4 Janus sockets; a fifth is refused: 429');
my ($other, $other_status) = janus_ws($alice);
is($other_status, 101, 'another member of the room still gets one');
close $_ for grep { defined } @held, $other;

my %st;
$st{$t->request(GET => '/sfu/token?room=1234',
                token => $gina->{privateMapKey})->{status}}++ for 1 .. 40;
ok($st{200} && $st{200} >= 20 && $st{200} < 40 && $st{429},
   'a member asking for its tokens 40 times at once: 20 and some, then 429 ('
   . join(', ', map { "$_: $st{$_}" } sort keys %st) . ')');
is($t->request(GET => '/sfu/token?room=1234', token => $pmk)->{status}, 200,
   'another member meanwhile: 200');

# no secret of Janus in any response

my @secrets = ($room_secret, $t->read_file("$dir/janus/token.secret")
                             =~ /^(\S+)/,
               $t->read_file("$dir/janus/create.conf")
               =~ /"(?:admin_secret|admin_key)":"([^"]+)"/g);
is(scalar @secrets, 4, 'four secrets of Janus');
ok(!grep({ index($TrtcTest::SEEN, $_) >= 0 } @secrets),
   'none in any response or message');

close $_ for grep { defined } $as, $bs, $cs, $ds;

$t->stop;

done_testing;
