#!/usr/bin/perl

# trtc_auth in front of what operators gate: static room pages, a
# proxied WebSocket (a stand-in for TRTC's signaling), a proxied page
# that gets the verified user in a header, existing pages with a cookie;
# the variables in log_format, proxy_set_header and "if".

use strict;
use warnings;

use Test::More;
use JSON::PP;

use lib 't/lib';
use TrtcTest;
use TrtcToken qw(forge pmk);

my $t = TrtcTest->new();
$t->write_key('key', $TrtcToken::KEY);
$t->write_file('html/rooms/index.html', "room page\n");
$t->write_file('html/login.html', "login\n");

# the stand-in upstream: answers a WebSocket upgrade with 101 and any
# other request with 200, writes each request head to a file

my $seen = $t->standin('ws', 'upstream.heads', sub {
    my ($c, $head) = @_;

    if ($head =~ /^Upgrade: websocket/mi) {
        print $c "HTTP/1.1 101 Switching Protocols\r\n"
                 . "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
        my $n = sysread($c, my $buf, 1024);
        syswrite($c, "echo:$buf") if $n;
    } else {
        my $user = $head =~ /^X-TRTC-User: (.*?)\r$/mi ? $1 : '-';
        my $body = "hello $user\n";
        print $c "HTTP/1.1 200 OK\r\nContent-Length: "
                 . length($body) . "\r\nConnection: close\r\n\r\n$body";
    }
});

$t->run(<<'EOF');
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;

    # the path as requested, never its query string (tokens travel there)
    map $request_uri $path {
        "~^(?<p>[^?]*)"  $p;
    }

    log_format trtc '$path $trtc_auth_result user=$trtc_user_id '
                    'room=$trtc_room_id priv=$trtc_privilege';

    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%TESTDIR%%/trtc.log trtc;
        root %%TESTDIR%%/html;

        # a room page: the cookie, for exactly the room in the URL; the
        # capture is of the normalized URI, decoded already
        location ~ ^/rooms/(?<room>[^/]+)/ {
            trtc_auth on;
            trtc_auth_room $room decoded;
            rewrite ^/rooms/[^/]+/(.*)$ /rooms/$1 break;
            error_page 401 = @login;
        }

        location @login {
            return 302 /login.html;
        }

        # Tencent-style signaling proxy: the SDK's query parameters
        location /ws/ {
            trtc_auth on;
            trtc_auth_token $arg_userSig;
            trtc_auth_user $arg_userId;
            proxy_pass http://127.0.0.1:%%PORT_ws%%;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }

        # an existing app behind the gate learns who it is talking to
        location /app/ {
            trtc_auth on;
            trtc_auth_privilege send_video;
            trtc_auth_status 403;
            proxy_pass http://127.0.0.1:%%PORT_ws%%;
            proxy_set_header X-TRTC-User $trtc_user_id;
        }

        # the variables alone, without the gate
        location /whoami {
            if ($trtc_auth_result != ok) {
                return 403 "$trtc_auth_result\n";
            }
            return 200 "$trtc_user_id $trtc_room_id $trtc_privilege $trtc_expires $trtc_sdkappid\n";
        }

        location /bearer {
            alias %%TESTDIR%%/html/login.html;
            trtc_auth on;
            trtc_auth_token $http_authorization;
        }

        location /local {
            alias %%TESTDIR%%/html/login.html;
            satisfy any;
            allow 127.0.0.1;
            deny all;
            trtc_auth on;
        }

        location /public {
            alias %%TESTDIR%%/html/login.html;
            add_header X-Result $trtc_auth_result;
        }

        # a room required and no privilege asked: entering it takes the
        # enter or the create bit, as TRTC's rule; an empty variable is
        # the same; "0" asks for nothing
        location = /entry {
            alias %%TESTDIR%%/html/login.html;
            trtc_auth on;
            trtc_auth_token $http_x_trtc_token;
            trtc_auth_room $arg_room;
        }

        location = /entry-var {
            alias %%TESTDIR%%/html/login.html;
            trtc_auth on;
            trtc_auth_token $http_x_trtc_token;
            trtc_auth_room $arg_room;
            trtc_auth_privilege $arg_need;
        }

        location = /entry-none {
            alias %%TESTDIR%%/html/login.html;
            trtc_auth on;
            trtc_auth_token $http_x_trtc_token;
            trtc_auth_room $arg_room;
            trtc_auth_privilege 0;
        }

        # the token and the room both from the query, as the demo's
        # signaling socket has them
        location = /entry-query {
            alias %%TESTDIR%%/html/login.html;
            trtc_auth on;
            trtc_auth_token $arg_privateMapKey;
            trtc_auth_room $arg_room;
        }

        location = /no-room {
            alias %%TESTDIR%%/html/login.html;
            trtc_auth on;
            trtc_auth_token $http_x_trtc_token;
        }

        # a source of one variable is read where nginx has it, one of
        # more as a complex value; the first that is not empty is taken
        location = /sources {
            alias %%TESTDIR%%/html/login.html;
            trtc_auth on;
            trtc_auth_token "${arg_a}${arg_b}" ${http_x_trtc_token}
                            $cookie_t $arg_t;
        }
    }
EOF

my $now = time();
my $pmk = pmk(user => 'alice', roomid => 1234, privilege => 255,
              time => $now, expire => 600, ub => { expire => $now + 300 });
my $audience = pmk(user => 'bob', roomid => 1234, privilege => 42,
                   time => $now);
my $sig = forge(identifier => 'alice', time => $now);

# room pages with the cookie

my $r = $t->get('/rooms/1234/index.html', Cookie => "trtc_token=$pmk");
is($r->{status}, 200, 'room page with the room\'s cookie');
is($r->{body}, "room page\n", 'the page');

$r = $t->get('/rooms/1234/index.html',
             Cookie => "other=1; trtc_token=$pmk; x=2");
is($r->{status}, 200, 'cookie among others');

$r = $t->get('/rooms/999/index.html', Cookie => "trtc_token=$pmk");
is($r->{status}, 302, 'another room: to the login page');
is(TrtcTest::header($r, 'Location'), "http://localhost:" . $t->port
   . '/login.html', 'login location');

is($t->get('/rooms/1234/index.html')->{status}, 302, 'no cookie: login');

# the room comes from the normalized URI, decoded exactly once

my $r999 = pmk(user => 'alice', roomid => 999, time => $now);
is($t->get('/rooms/999/../1234/index.html',
           Cookie => "trtc_token=$r999")->{status},
   302, '/rooms/999/../1234/ is room 1234: a room-999 cookie is refused');
is($t->get('/rooms/999/../1234/index.html',
           Cookie => "trtc_token=$pmk")->{status},
   200, '/rooms/999/../1234/ is room 1234: its cookie opens it');
is($t->get('/rooms/%31234/index.html', Cookie => "trtc_token=$pmk")->{status},
   200, '/rooms/%31234/ is room 1234');

my %str = map { $_ => pmk(strroom => $_, time => $now) } 'aA', 'a%41', 'a b';

is($t->get('/rooms/a%2541/index.html',
           Cookie => "trtc_token=$str{aA}")->{status},
   302, 'a token for room "aA" does not open /rooms/a%2541/');
is($t->get('/rooms/a%2541/index.html',
           Cookie => "trtc_token=$str{'a%41'}")->{status},
   200, 'a token for room "a%41" opens /rooms/a%2541/');
is($t->get('/rooms/a%20b/index.html',
           Cookie => "trtc_token=$str{'a b'}")->{status},
   200, 'a token for room "a b" opens /rooms/a%20b/');
is($t->get('/rooms/1234/index.html', Cookie => "trtc_token=$sig")->{status},
   302, 'a UserSig is not a room permission');

# the signaling WebSocket

sub ws {
    my ($query) = @_;
    my ($s, $status) = $t->ws_open("/ws/?$query");
    my $echo = '';
    if ($s) {
        print $s 'ping';
        sysread($s, $echo, 1024);
        close $s;
    }
    return ($status, $echo);
}

my ($head, $echo) = ws("sdkAppId=1400000000&userId=alice&userSig=$sig");
like($head, qr/^HTTP\/1\.1 101/, 'WebSocket upgrade with a good token');
is($echo, 'echo:ping', 'and the socket is proxied both ways');

my $count = () = $t->read_file($seen) =~ /^GET \/ws\//mg;

($head) = ws("sdkAppId=1400000000&userId=mallory&userSig=$sig");
like($head, qr/^HTTP\/1\.1 401/, 'another user\'s token: 401');

my $bad = $sig;
substr($bad, 40, 1) = substr($bad, 40, 1) eq 'A' ? 'B' : 'A';
($head) = ws("sdkAppId=1400000000&userId=alice&userSig=$bad");
like($head, qr/^HTTP\/1\.1 401/, 'tampered token: 401');

my $old = forge(identifier => 'alice', time => $now - 1000, expire => 10);
($head) = ws("sdkAppId=1400000000&userId=alice&userSig=$old");
like($head, qr/^HTTP\/1\.1 401/, 'expired token: 401');

# a checked argument given twice: nginx reads the first, the upstream
# may read another, so the request is refused whatever the values

my $mallory = forge(identifier => 'mallory', time => $now);

for my $case (
    ["userId=mallory&userSig=$mallory&userId=alice&userSig=$bad",
     'the identity and the token twice'],
    ["userId=alice&userSig=$sig&userId=alice", 'the same user twice'],
    ["userId=alice&userSig=$sig&userSig=$sig", 'the same token twice'],
    ["userId=alice&userSig=$sig&userid=mallory", 'a name in other case'],
    ["userId=alice&userSig=$sig&user%49d=mallory", 'an escaped name'],
    ["userId=alice&userSig=$sig;userId=mallory", 'after a semicolon'],
    ["userId=alice&userSig=$sig&userId", 'a bare name'],
) {
    $t->log_mark;
    ($head) = ws("sdkAppId=1400000000&$case->[0]");
    like($head, qr/^HTTP\/1\.1 401/, "$case->[1]: 401");
    like($t->log_since, qr/trtc token rejected: repeated_arg,/,
         "$case->[1]: repeated_arg");
}

# the same for the room of one $arg_NAME and for a token source; once,
# each is let through

my $r77 = pmk(user => 'erin', roomid => 77, privilege => 255, time => $now);

for my $case (
    ['/entry?room=77', 200, 'the room once'],
    ['/entry?room=77&room=78', 401, 'the room twice'],
    ['/entry?room=78&room=77', 401, 'the room twice, the token\'s last'],
    ["/entry-query?room=77&privateMapKey=$r77", 200,
     'the room and a privateMapKey once'],
    ["/entry-query?room=77&privateMapKey=$r77&privateMapKey=$r77", 401,
     'the same privateMapKey twice'],
    ["/entry-query?room=77&privateMapKey=$r77&privatemapkey=x", 401,
     'a privateMapKey in other case'],
) {
    my ($uri, $want, $name) = @$case;
    $t->log_mark;
    is($t->get($uri, 'X-TRTC-Token' => $r77)->{status}, $want,
       "$name: $want");
    if ($want == 401) {
        like($t->log_since, qr/trtc token rejected: repeated_arg,/,
             "$name: repeated_arg");
    } else {
        unlike($t->log_since, qr/trtc token rejected/, "$name: no refusal");
    }
}

($head) = ws("sdkAppId=1400000000&userId=alice&userSig=$sig&userIds=x"
             . "&xuserId=y&keepAlive=0&keepAlive=1");
like($head, qr/^HTTP\/1\.1 101/,
     'other arguments, repeated or alike, do not matter');
$count++;

is(() = $t->read_file($seen) =~ /^GET \/ws\//mg, $count,
   'the upstream never saw a rejected upgrade');

# a proxied app, privilege and status

$r = $t->get('/app/', 'X-TRTC-Token' => $pmk);
is($r->{status}, 200, 'app with send_video');
is($r->{body}, "hello alice\n", 'the upstream got the verified user');

$r = $t->get('/app/', 'X-TRTC-Token' => $audience,
             'X-TRTC-User' => 'alice');
is($r->{status}, 403, 'audience token lacks send_video: 403');

# variables

$r = $t->get('/whoami', 'X-TRTC-Token' => $pmk);
is($r->{body}, "alice 1234 255 " . ($now + 300) . " 1400000000\n",
   'variables: user, room, privilege, earliest expiry, sdkappid');

$r = $t->get('/whoami', 'X-TRTC-Token' => $sig);
is($r->{body}, "alice   " . ($now + 86400) . " 1400000000\n",
   'a UserSig has no room or privilege');

$r = $t->get("/whoami?userSig=$old");
is($r->{status}, 403, '"if" on $trtc_auth_result');
is($r->{body}, "expired\n", 'with the reason');

is(TrtcTest::header($t->get('/public'), 'X-Result'), 'no_token',
   '$trtc_auth_result without a token');

# entering a room takes the enter or the create bit

for my $case ([0, 401], [1, 200], [2, 200], [3, 200], [4, 401], [8, 401],
              [42, 200], [252, 401], [253, 200], [254, 200], [255, 200])
{
    my ($bits, $want) = @$case;
    my $tok = pmk(user => 'erin', roomid => 77, privilege => $bits,
                  time => $now);

    is($t->get('/entry?room=77', 'X-TRTC-Token' => $tok)->{status}, $want,
       "a room required, privilege $bits: $want");
    is($t->get('/entry-var?room=77&need=', 'X-TRTC-Token' => $tok)->{status},
       $want, "the same with an empty trtc_auth_privilege variable");
    is($t->get('/entry-none?room=77', 'X-TRTC-Token' => $tok)->{status}, 200,
       "privilege $bits with trtc_auth_privilege 0: 200");
    is($t->get('/no-room', 'X-TRTC-Token' => $tok)->{status}, 200,
       "privilege $bits where no room is required: 200");
}

is($t->get('/entry-var?room=77&need=recv_audio',
           'X-TRTC-Token' => pmk(user => 'erin', roomid => 77,
                                 privilege => 8, time => $now))->{status},
   200, 'an explicit privilege replaces the rule');
my $none = pmk(user => 'erin', roomid => 77, privilege => 0, time => $now);
is(TrtcTest::header($t->get('/public', 'X-TRTC-Token' => $none), 'X-Result'),
   'ok', 'where no room is required, privilege 0 verifies');

# other sources and satisfy

is($t->get('/bearer', Authorization => "Bearer $sig")->{status}, 200,
   'Authorization: Bearer');
is($t->get('/bearer', Authorization => "Basic $sig")->{status}, 401,
   'not another scheme');
is($t->get('/local')->{status}, 200, 'satisfy any: allowed by address');

my $half = int(length($sig) / 2);
my ($sig_a, $sig_b) = (substr($sig, 0, $half), substr($sig, $half));
(my $sig_escaped = $sig) =~ s/^(...)/join('', map { sprintf('%%%02X', ord) }
                                                split(m{}, $1))/e;
my $bad_sig = forge(identifier => 'alice', time => $now, key => 'other');

is($t->get("/sources?a=$sig_a&b=$sig_b")->{status}, 200,
   'a source of two variables');
is($t->get("/sources?a=$sig_a")->{status}, 401,
   'a source of two variables, one of them only');
is($t->get('/sources', 'X-TRTC-Token' => $sig)->{status}, 200,
   'a source of one variable, in braces');
is($t->get('/sources', 'X-TRTC-Token' => $bad_sig)->{status}, 401,
   'a source of one variable: its token is verified');
is($t->get('/sources', Cookie => "t=$sig")->{status}, 200,
   'the third source, the first two empty');
is($t->get("/sources?t=$sig_escaped")->{status}, 200,
   'a source of one variable, URL-escaped');
is($t->get('/sources')->{status}, 401, 'no source given');

$t->stop;

# what the log says

my $log = $t->read_file('trtc.log');
like($log, qr{^/rooms/1234/index\.html ok user=alice room=1234 priv=255$}m,
     'log_format with the variables');
like($log, qr{^/rooms/999/index\.html room_mismatch user=- room=- priv=-$}m,
     'a rejected request logs its reason, and no user');
like($t->read_file('error.log'),
     qr/\[error\].*trtc token rejected: user_mismatch, user "alice"/,
     'rejection logged with its reason');
like($t->read_file('error.log'),
     qr/\[error\].*trtc token rejected: privilege_missing, user "erin"/,
     'a key that grants no entry: privilege_missing');

done_testing;
