#!/usr/bin/perl

# Janus signed tokens minted from a verified PrivateMapKey: trtc_janus,
# $trtc_janus_token, $trtc_janus_room_token, $trtc_janus_room and their
# directives.  The tokens are checked here the way Janus 1.1.2 checks
# them (src/auth.c, janus_auth_check_signature and _contains; the
# VideoRoom's signed_tokens asks for the descriptor "room=<id>").

use strict;
use warnings;

use Test::More;
use Digest::SHA qw(hmac_sha1 hmac_sha256 hmac_sha256_hex);
use MIME::Base64 qw(encode_base64);

use lib 't/lib';
use TrtcTest qw(json_body);
use TrtcToken qw(pmk);

my $SECRET = 'janus-secret-' . ('z' x 24);

my $t = TrtcTest->new();
$t->write_key('key', $TrtcToken::KEY);
$t->write_key('janus.secret', $SECRET);
$t->write_file('empty.secret', "\n", 0600);

$t->run(<<'EOF');
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;
    trtc_janus_secret_file %%TESTDIR%%/janus.secret;

    server {
        listen 127.0.0.1:%%PORT%%;

        location = /issue {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_room $arg_roomId;
            trtc_issue_expire 2h;
        }

        # as the SFU demo: the room asked for must be the token's
        location = /janus {
            trtc_auth on;
            trtc_auth_token $http_x_trtc_token;
            trtc_auth_room $arg_room;
            trtc_janus;
        }

        # no trtc_auth: the handler verifies by itself
        location = /open {
            trtc_auth_token $http_x_trtc_token;
            trtc_janus;
        }

        location = /ttl {
            trtc_auth on;
            trtc_auth_token $http_x_trtc_token;
            trtc_janus_ttl 60s;
            trtc_janus_plugins janus.plugin.videoroom janus.plugin.textroom;
            trtc_janus;
        }

        location = /vars {
            trtc_auth_token $http_x_trtc_token;
            return 200 "core=$trtc_janus_token|room=$trtc_janus_room_token|id=$trtc_janus_room|pin=$trtc_janus_room_pin\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_nosecret%%;
        trtc_janus_secret_file %%TESTDIR%%/key;

        location = /vars {
            trtc_auth_token $http_x_trtc_token;
            return 200 "core=$trtc_janus_token|id=$trtc_janus_room\n";
        }
    }
EOF

# Janus's own check: "<expiry>,<realm>[,<descriptor>...]:<base64 HMAC>"
sub janus_accepts {
    my ($token, $realm, $desc) = @_;
    my @parts = split /:/, $token, -1;
    return 0 unless @parts == 2;
    my @data = split /,/, $parts[0];
    return 0 unless @data >= 2;
    return 0 if $data[0] !~ /^\d+$/ || $data[0] < time();
    return 0 if $data[1] ne $realm;
    return 0 if defined $desc && !grep { $_ eq $desc } @data[2 .. $#data];
    return encode_base64(hmac_sha1($parts[0], $SECRET), '') eq $parts[1];
}

# a TRTC room in the VideoRoom, as the module names it: HMAC-SHA256 of a
# label, the kind ("n" or "s") and the text; the id its first 53 bits,
# the pin in hex
sub janus_room {
    my ($kind, $text) = @_;
    my ($v) = unpack('Q>', hmac_sha256("trtc janus room\0$kind$text",
                                       $SECRET));
    return ($v >> 11) || 1;
}

sub janus_pin {
    my ($kind, $text) = @_;
    return hmac_sha256_hex("trtc janus pin\0$kind$text", $SECRET);
}

# the reply

my $alice = $t->issue('alice', 1234, at => '/issue');
my $r = $t->request(GET => '/janus?room=1234',
                    token => $alice->{privateMapKey});
my $j = json_body($r);

is($r->{status}, 200, 'trtc_janus: 200 with a PrivateMapKey for the room');
is(TrtcTest::header($r, 'Content-Type'), 'application/json', 'JSON');
is(TrtcTest::header($r, 'Cache-Control'), 'no-store', 'not cached');
my $r1234 = janus_room('n', '1234');
is($j->{room}, $r1234, 'the VideoRoom id: 53 bits of HMAC-SHA256 of the room');
ok($r1234 >= 1 && $r1234 < 2**53, 'exact as a JavaScript number');
like($r->{body}, qr/"room":$r1234,/, 'written as a JSON number');
is($j->{pin}, janus_pin('n', '1234'), 'the pin: another HMAC-SHA256, in hex');
is($j->{expiresAt}, $alice->{expiresAt}, 'valid as long as the token');

like($j->{token}, qr{^(\d+),janus,janus\.plugin\.videoroom:[A-Za-z0-9+/]{27}=$},
     'core token: <expiry>,janus,janus.plugin.videoroom:<signature>');
like($j->{token}, qr/^$alice->{expiresAt},/, 'core token: its expiry');
ok(janus_accepts($j->{token}, 'janus'), 'core token: Janus accepts it');
ok(janus_accepts($j->{token}, 'janus', 'janus.plugin.videoroom'),
   'core token: and lets it attach the VideoRoom');
ok(!janus_accepts($j->{token}, 'janus', 'janus.plugin.streaming'),
   'core token: but no other plugin');

is($j->{roomToken},
   "$alice->{expiresAt},janus.plugin.videoroom,room=$r1234:"
   . encode_base64(hmac_sha1("$alice->{expiresAt},janus.plugin.videoroom,"
                             . "room=$r1234", $SECRET), ''),
   'room token: <expiry>,janus.plugin.videoroom,room=<id>:<HMAC-SHA1>');
ok(janus_accepts($j->{roomToken}, 'janus.plugin.videoroom', "room=$r1234"),
   'room token: the VideoRoom lets it join room 1234');
ok(!janus_accepts($j->{roomToken}, 'janus.plugin.videoroom',
                  'room=' . janus_room('n', '5678')),
   'room token: and no other room');
ok(!janus_accepts($j->{roomToken}, 'janus.plugin.videoroom', 'room=1234'),
   'room token: nor the room\'s own number');

# string rooms; numeric 123 and string "123" are two rooms; and the pair
# that a 48-bit hash of the string once named as one

my $str = $t->issue('bob', 'Q%26A%20%231%20(dev)%20%5Bx%5D', at => '/issue');
$r = $t->request(GET => '/janus?room=Q%26A%20%231%20(dev)%20%5Bx%5D',
                 token => $str->{privateMapKey});
$j = json_body($r);
is($r->{status}, 200, 'a string room');
is($j->{room}, janus_room('s', 'Q&A #1 (dev) [x]'),
   'string room: its VideoRoom id');
is($j->{pin}, janus_pin('s', 'Q&A #1 (dev) [x]'), 'string room: its pin');
ok(janus_accepts($j->{roomToken}, 'janus.plugin.videoroom',
                 "room=$j->{room}"), 'string room: its room token');

my (%ids, %pins);
for my $room ('r0431c69ecb00', 'r9addfdb68448', '123') {
    my $tok = $t->issue('carol', $room, at => '/issue');
    $r = $t->request(GET => "/janus?room=$room",
                     token => $tok->{privateMapKey});
    $j = json_body($r);
    ($ids{$room}, $pins{$room}) = ($j->{room} // '', $j->{pin} // '');
}
$r = $t->request(GET => '/open',
                 token => pmk(user => 'carol', strroom => '123'));
$j = json_body($r);
($ids{'"123"'}, $pins{'"123"'}) = ($j->{room} // '', $j->{pin} // '');
is($ids{'"123"'}, janus_room('s', '123'), 'the string room "123": its id');
is($ids{123}, janus_room('n', '123'), 'the numeric room 123: its id');
is(scalar(keys %{{ reverse %ids }}), 4,
   'r0431c69ecb00, r9addfdb68448, 123 and "123": four ids');
is(scalar(keys %{{ reverse %pins }}), 4, 'and four pins');

# refusals

$r = $t->get('/janus?room=1234');
is($r->{status}, 401, 'no token: 401');

$r = $t->request(GET => '/janus?room=5678', token => $alice->{privateMapKey});
is($r->{status}, 401, 'a token for room 1234 asking for room 5678: 401');
unlike($r->{body}, qr/janus\.plugin/, 'and no Janus token in the reply');

my $sig = $t->issue('carol', '', at => '/issue');
$r = $t->request(GET => '/janus?room=1234', token => $sig->{userSig});
is($r->{status}, 401, 'a UserSig, no room: 401');

$r = $t->request(GET => '/open', token => $sig->{userSig});
$j = json_body($r);
is($r->{status}, 403, 'trtc_janus alone with a UserSig: 403');
is($j->{error}, 'no verified PrivateMapKey', 'and says why');

$r = $t->get('/open');
is($r->{status}, 403, 'trtc_janus alone without a token: 403');

(my $bad = $alice->{privateMapKey}) =~ s/^(.{40})(.)/$1 . ($2 eq 'A' ? 'B' : 'A')/e;
$r = $t->request(GET => '/janus?room=1234', token => $bad);
is($r->{status}, 401, 'an altered token: 401');

my $old = pmk(roomid => 1234, time => time() - 7200, expire => 3600,
              ub => { expire => time() - 3600 });
$r = $t->request(GET => '/janus?room=1234', token => $old);
is($r->{status}, 401, 'an expired token: 401');

my $other = pmk(roomid => 1234, key => 'b' x 64);
$r = $t->request(GET => '/janus?room=1234', token => $other);
is($r->{status}, 401, 'a token of another key: 401');

$r = $t->request(GET => '/open', token => pmk(roomid => 1234));
is($r->{status}, 200, 'a forged-here token with the right key: 200');

# a room token only for a key that may enter its room (enter or create)

for my $bits (0, 4, 8, 252) {
    $r = $t->request(GET => '/open',
                     token => pmk(roomid => 1234, privilege => $bits));
    is($r->{status}, 403, "privilege $bits, neither enter nor create: 403");
    unlike($r->{body}, qr/janus\.plugin/, "privilege $bits: no Janus token");
}

$r = $t->request(GET => '/open', token => pmk(roomid => 1234, privilege => 1));
is($r->{status}, 200, 'create alone: 200');

$r = $t->get('/vars', 'X-TRTC-Token' => pmk(roomid => 1234, privilege => 8));
like($r->{body}, qr/^core=\d+,janus,[^|]+\|room=\|id=\|pin=$/m,
     'variables: no room token for a key that grants no entry');

# trtc_janus_ttl, trtc_janus_plugins

my $now = time();
$r = $t->request(GET => '/ttl', token => $alice->{privateMapKey});
$j = json_body($r);
ok(abs($j->{expiresAt} - ($now + 60)) <= 2, 'trtc_janus_ttl 60s');
like($j->{token}, qr/^$j->{expiresAt},janus,janus\.plugin\.videoroom,janus\.plugin\.textroom:/,
     'trtc_janus_plugins: the core token lists them');
ok(janus_accepts($j->{token}, 'janus', 'janus.plugin.textroom'),
   'and Janus lets it attach each');

# variables

$r = $t->get('/vars', 'X-TRTC-Token' => $alice->{privateMapKey});
my ($core, $room, $id, $pin) =
    $r->{body} =~ /^core=(.*)\|room=(.*)\|id=(.*)\|pin=(.*)$/m;
ok(janus_accepts($core, 'janus', 'janus.plugin.videoroom'),
   '$trtc_janus_token');
ok(janus_accepts($room, 'janus.plugin.videoroom', "room=$r1234"),
   '$trtc_janus_room_token');
is($id, $r1234, '$trtc_janus_room');
is($pin, janus_pin('n', '1234'), '$trtc_janus_room_pin');

$r = $t->get('/vars', 'X-TRTC-Token' => $sig->{userSig});
like($r->{body}, qr/^core=\d+,janus,[^|]+\|room=\|id=\|pin=$/m,
     'a UserSig: a core token, no room token, room or pin');

$r = $t->get('/vars', 'X-TRTC-Token' => $bad);
like($r->{body}, qr/^core=\|room=\|id=\|pin=$/m, 'a bad token: all empty');

$r = TrtcTest::parse_response($t->raw("GET /vars HTTP/1.0\r\nHost: x\r\n"
                                      . "X-TRTC-Token: $alice->{privateMapKey}"
                                      . "\r\n\r\n",
                                      port => $t->port('nosecret')));
like($r->{body}, qr/^core=\d+,janus,janus\.plugin\.videoroom:\S+\|id=\d+$/m,
     'another secret file per server');
my ($other_id) = $r->{body} =~ /\|id=(\d+)$/m;
isnt($other_id // '', $r1234, 'names the rooms with its own ids');
unlike($r->{body}, qr/\Q$SECRET\E/, 'the secret is not in the tokens');

# configuration

my $srv = 'server { listen 127.0.0.1:' . $t->port('conf') . '; %s }';
my $keys = 'trtc_sdkappid 1400000000; trtc_key_file %%TESTDIR%%/key;';

for my $c (
    ["$keys " . sprintf($srv, 'location /j { trtc_janus; }'),
     qr/"trtc_janus" needs "trtc_sdkappid", "trtc_key_file" and "trtc_janus_secret_file"/,
     'trtc_janus without a Janus secret'],
    ["$keys trtc_janus_secret_file %%TESTDIR%%/empty.secret;",
     qr/Janus secret file ".*empty\.secret" holds no secret/,
     'an empty Janus secret file'],
    ["$keys trtc_janus_plugins janus.plugin.videoroom bad:plugin;",
     qr/invalid Janus plugin "bad:plugin"/, 'a plugin name Janus would split'],
    ["$keys trtc_janus_plugins " . ('p' x 129) . ';',
     qr/Janus plugins longer than 128 bytes/, 'too many plugins'],
    ["$keys trtc_janus_secret_file %%TESTDIR%%/janus.secret; "
     . "trtc_janus_secret_file %%TESTDIR%%/janus.secret;",
     qr/"trtc_janus_secret_file" directive is duplicate/, 'two Janus secrets'],
    ["$keys trtc_janus_secret_file %%TESTDIR%%/janus.secret; "
     . sprintf($srv, 'location /j { trtc_janus; trtc_janus; }'),
     qr/"trtc_janus" directive is duplicate/, 'trtc_janus twice'],
) {
    my ($ok, $out) = $t->test_config($c->[0]);
    ok(!$ok, $c->[2]);
    like($out, $c->[1], "$c->[2]: clear error") or diag($out);
    unlike($out, qr/\Q$SECRET\E/, "$c->[2]: secret not shown");
}

my ($ok, $out) = $t->test_config("$keys trtc_janus_secret_file "
    . '%%TESTDIR%%/janus.secret; trtc_janus_ttl 5m; '
    . 'trtc_janus_plugins janus.plugin.videoroom; '
    . sprintf($srv, 'location /j { trtc_janus; }'));
ok($ok, 'every Janus directive loads') or diag($out);

$t->stop;

done_testing();
