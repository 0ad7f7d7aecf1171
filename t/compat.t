#!/usr/bin/perl

# Tokens are interchangeable with Tencent's official tls-sig-api-v2: the
# npm package is the reference, in both directions, with a fixed clock
# (through the token core's command-line tool) and with the current one
# (through nginx).

use strict;
use warnings;

use Test::More;
use JSON::PP;

use lib 't/lib';
use TrtcTest qw(repo_dir json_body);
use TrtcToken qw(pmk inflate_token);

my $repo = repo_dir();
my $tool = $ENV{TRTC_TOOL} || "$repo/build/trtc-tool";
my $ref = "$repo/t/ref/ref.js";

# the reference is part of the suite: without it, fail rather than skip
BAIL_OUT("no $tool (make build/trtc-tool)") unless -x $tool;
BAIL_OUT('no reference package (make prove installs it)')
    unless -d "$repo/t/ref/node_modules/tls-sig-api-v2";

my $KEY = $TrtcToken::KEY;
my $APP = 1400000000;

my $t = TrtcTest->new();
my $keyfile = $t->write_key('key', $KEY);

sub json { JSON::PP->new->canonical->encode($_[0]) }

sub node_ref {
    my ($cmd, %a) = @_;
    my $arg = json({ sdkappid => $APP, key => $KEY, %a });
    $arg =~ s/'/'\\''/g;
    my $out = qx{node '$ref' $cmd '$arg'};
    die "node $cmd failed\n" if $?;
    return decode_json($out);
}

sub tool {
    my (@args) = @_;
    my $out = qx{'$tool' @args 2>&1};
    chomp $out;
    return ($? >> 8, $out);
}

sub tool_verify {
    my ($token, @args) = @_;
    my ($rc, $out) = tool('verify', '-k', $keyfile, '-a', $APP, @args,
                          $token);
    return decode_json($out);
}

# 1. Tencent's own vectors verify, with their clock

my $vectors = decode_json($t->read_file("$repo/t/data/usersig-v2.json"));

for my $v (@{$vectors->{vectors}}) {
    my $d = $v->{decoded};
    my $end = $d->{'TLS.time'} + $d->{'TLS.expire'};

    my $r = tool_verify($v->{token}, '-n', $d->{'TLS.time'});
    is($r->{result}, 'ok', "vector $v->{name} verifies");
    is($r->{identifier}, $d->{'TLS.identifier'}, "vector $v->{name} user");

    $r = tool_verify($v->{token}, '-n', $end);
    is($r->{result}, 'ok', "vector $v->{name} valid at time + expire");

    $r = tool_verify($v->{token}, '-n', $end + 1);
    like($r->{result}, qr/^(expired|userbuf_expired)$/,
         "vector $v->{name} expired one second later");
}

# 2. the tool signs what Tencent signs: same fields, same TLS.sig

my (undef, $mine) = tool('sign', '-k', $keyfile, '-a', $APP, '-u', 'alice',
                         '-t', 1700000000, '-e', 86400);
my $doc = decode_json(inflate_token($mine));
is($doc->{'TLS.sig'}, $vectors->{vectors}[0]{decoded}{'TLS.sig'},
   'same TLS.sig as the official library for the same fields');

(undef, $mine) = tool('sign', '-k', $keyfile, '-a', $APP, '-u', 'alice',
                      '-t', 1700000000, '-e', 86400, '-r', 1234, '-p', 255);
$doc = decode_json(inflate_token($mine));
is($doc->{'TLS.userbuf'}, $vectors->{vectors}[1]{decoded}{'TLS.userbuf'},
   'same userbuf as the official library, numeric room');
is($doc->{'TLS.sig'}, $vectors->{vectors}[1]{decoded}{'TLS.sig'},
   'same TLS.sig as the official library, numeric room');

# 3. fixed clock, both directions

my @cases = (
    [ 'UserSig', {} ],
    [ 'PMK numeric room', { room => 1234, privilege => 255 } ],
    [ 'PMK string room', { room => 'room-A_1', privilege => 42 } ],
    [ 'PMK audience', { room => 4294967294, privilege => 42 } ],
);

for my $c (@cases) {
    my ($name, $a) = @$c;
    my @room = exists $a->{room}
        ? ('-r', $a->{room}, '-p', $a->{privilege}) : ();

    # the reference signs, the core verifies

    my $token = node_ref('sign', user => 'bob_1', expire => 600,
                         now => 1700000000, %$a)->{token};
    my $r = tool_verify($token, '-n', 1700000300, @room);
    is($r->{result}, 'ok', "$name: official token verifies");
    is($r->{identifier}, 'bob_1', "$name: identifier");
    if (exists $a->{room}) {
        is($r->{room}, $a->{room}, "$name: room");
        is($r->{room_type}, $a->{room} =~ /^\d+$/ ? 'number' : 'string',
           "$name: room type");
        is($r->{privilege}, $a->{privilege}, "$name: privilege");
        is($r->{userbuf_expire}, 1700000600, "$name: userbuf expiry");
    }

    $r = tool_verify($token, '-n', 1700000601);
    like($r->{result}, qr/expired/, "$name: official token expires");

    # the core signs, the reference verifies

    my (undef, $ours) = tool('sign', '-k', $keyfile, '-a', $APP,
                             '-u', 'bob_1', '-t', 1700000000, '-e', 600,
                             @room);
    $r = node_ref('verify', token => $ours, now => 1700000300);
    ok($r->{ok}, "$name: our token verifies under the official algorithm")
        or diag(json($r));
    ok($r->{userbuf_ok}, "$name: userbuf byte-identical to the official")
        if exists $a->{room};

    $r = node_ref('verify', token => $ours, now => 1700000601);
    ok(!$r->{fresh}, "$name: the official algorithm sees it expire");
}

# 4. current clock, through nginx: issue -> reference, reference -> gate

$t->write_file('html/room.html', "room page\n");

$t->run(<<'EOF');
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /issue {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_room $arg_roomId;
            trtc_issue_privilege $arg_privilege;
        }

        location /room.html {
            root %%TESTDIR%%/html;
            trtc_auth on;
            trtc_auth_room $arg_roomId;
            add_header X-User $trtc_user_id always;
            add_header X-Room $trtc_room_id always;
        }

        location /user.html {
            alias %%TESTDIR%%/html/room.html;
            trtc_auth on;
            trtc_auth_user $arg_userId;
            add_header X-User $trtc_user_id always;
        }
    }
EOF

for my $c (['1234', 255], ['Team Room-7', 42]) {
    my ($room, $priv) = @$c;
    (my $qroom = $room) =~ s/ /%20/g;

    my $r = $t->get("/issue?userId=carol&roomId=$qroom&privilege=$priv");
    is($r->{status}, 200, "issue for room '$room'");
    my $j = json_body($r);

    my $v = node_ref('verify', token => $j->{userSig});
    ok($v->{ok}, "issued UserSig verifies under the official algorithm")
        or diag(json($v));
    $v = node_ref('verify', token => $j->{privateMapKey});
    ok($v->{ok} && $v->{userbuf_ok},
       "issued PrivateMapKey for '$room' verifies under the official "
       . 'algorithm') or diag(json($v));
    is($v->{userbuf}{privilege}, $priv, 'with the privilege asked for');
    is($v->{userbuf}{$room =~ /^\d+$/ ? 'roomid' : 'strroom'}, $room,
       'and the room');
}

for my $c (['UserSig', {}], ['numeric PMK', { room => 1234 }],
           ['string PMK', { room => 'Team Room-7' }])
{
    my ($name, $a) = @$c;
    my $token = node_ref('sign', user => 'dave', expire => 300, %$a)->{token};

    if (exists $a->{room}) {
        (my $qroom = $a->{room}) =~ s/ /%20/g;
        my $r = $t->get("/room.html?roomId=$qroom&privateMapKey=$token");
        is($r->{status}, 200, "official $name lets dave into its room");
        is(TrtcTest::header($r, 'X-Room'), $a->{room}, '$trtc_room_id');

        $r = $t->get("/room.html?roomId=999&privateMapKey=$token");
        is($r->{status}, 401, "official $name: not into another room");

    } else {
        my $r = $t->get("/user.html?userId=dave",
                        'X-TRTC-Token' => $token);
        is($r->{status}, 200, "official $name accepted by the gate");
        is(TrtcTest::header($r, 'X-User'), 'dave', '$trtc_user_id');
    }
}

# 5. every official library's style of JSON and zlib

for my $style (qw(node python php go cpp)) {
    for my $level ($style eq 'node' ? (0, 1, 6, 9) : (undef)) {
        my $token = pmk(user => 'erin', roomid => 1234, style => $style,
                        level => $level);
        my $r = $t->get("/room.html?roomId=1234&privateMapKey=$token");
        is($r->{status}, 200, "style $style"
           . (defined $level ? ", zlib level $level" : '') . ' accepted');
    }
}

# PHP escapes '/' as '\/': a signature and userbuf with slashes in them

my ($slashy, $tries) = ('', 0);
while ($slashy !~ m{\\/} && $tries++ < 200) {
    my $tok = pmk(user => 'erin', roomid => 1234, style => 'php',
                  expire => 86400 + $tries);
    my $json = inflate_token($tok);
    $slashy = $tok if $json =~ m{\\/};
}
ok($slashy, 'made a PHP-style token with \\/ escapes');
is($t->get("/room.html?roomId=1234&privateMapKey=$slashy")->{status}, 200,
   'token with \\/ escapes accepted');

$t->stop;

done_testing;
