#!/usr/bin/perl

# The issuing endpoint: trtc_issue and its directives.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Digest::SHA ();

use lib 't/lib';
use TrtcTest qw(repo_dir json_body);
use TrtcToken qw(inflate_token);

my $tool = $ENV{TRTC_TOOL} || repo_dir() . '/build/trtc-tool';
BAIL_OUT("no $tool (make build/trtc-tool)") unless -x $tool;

my $KEY = $TrtcToken::KEY;
my $NEW = 'a' x 64;

my $t = TrtcTest->new();
$t->write_key('key', $KEY);
$t->write_key('new.key', $NEW);
my $TURN = 'turn-secret-' . ('q' x 20);
$t->write_key('turn.secret', $TURN);
$t->write_file('htpasswd', "frank:{PLAIN}secret\na%62c:{PLAIN}secret\n");

my $dir = $t->dir;
system("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
       . "-keyout $dir/tls.key -out $dir/tls.crt >/dev/null 2>&1") == 0
    or BAIL_OUT('openssl could not make a test certificate');

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

        location /fixed {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_room 42;
            trtc_issue_privilege enter recv_audio recv_video;
            trtc_issue_expire 10m;
        }

        location /cookie {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_room $arg_roomId;
            trtc_issue_cookie trtc_token path=/rooms samesite=strict;
        }

        location /cookie-room {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_room $arg_roomId;
            trtc_issue_cookie trtc_token path=/room/$arg_roomId/;
        }

        location /cookie-path {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_cookie p path=/$arg_p;
        }

        location /cookie-secure {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_cookie sig secure;
        }

        location /basic {
            auth_basic "rooms";
            auth_basic_user_file %%TESTDIR%%/htpasswd;
            trtc_issue;
        }

        location /sso {
            auth_request /who;
            auth_request_set $sso_user $upstream_http_x_user;
            trtc_issue;
            trtc_issue_user $sso_user;
        }

        location = /who {
            internal;
            proxy_pass http://127.0.0.1:%%PORT_idp%%;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Cookie $http_cookie;
        }

        location /turn {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_turn_secret_file %%TESTDIR%%/turn.secret;
            trtc_turn_urls turn:127.0.0.1:3478?transport=udp
                           turns:turn.example.com:5349;
            trtc_turn_ttl 1h;
        }

        location /rotated {
            trtc_key_file %%TESTDIR%%/new.key;
            trtc_key_file %%TESTDIR%%/key;
            trtc_issue;
            trtc_issue_user $arg_userId;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_tls%% ssl;
        ssl_certificate %%TESTDIR%%/tls.crt;
        ssl_certificate_key %%TESTDIR%%/tls.key;

        location /cookie {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_cookie trtc_token;
        }
    }

    # TURN set for the server: each location's credentials live as long
    # as its tokens unless trtc_turn_ttl says otherwise
    server {
        listen 127.0.0.1:%%PORT_turnsrv%%;
        trtc_turn_secret_file %%TESTDIR%%/turn.secret;
        trtc_turn_urls turn:127.0.0.1:3478;

        location /2h {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_expire 2h;
        }

        location /default {
            trtc_issue;
            trtc_issue_user $arg_userId;
        }

        location /ttl {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_expire 2h;
            trtc_turn_ttl 30m;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_idp%%;

        location / {
            if ($http_x_cookie != "session=grace") {
                return 401;
            }
            add_header X-User grace;
            return 204;
        }
    }
EOF

sub verify {
    my ($token, @args) = @_;
    my $out = qx{'$tool' verify -a 1400000000 @args '$token'};
    return decode_json($out);
}

my @keys = ('-k', $t->dir . '/key');

# the response

my $now = time();
my $r = $t->get('/issue?userId=alice');
is($r->{status}, 200, 'issue: 200');
is(TrtcTest::header($r, 'Content-Type'), 'application/json', 'JSON');
is(TrtcTest::header($r, 'Cache-Control'), 'no-store', 'not cached');
my $j = json_body($r);
is($j->{sdkAppId}, 1400000000, 'sdkAppId');
is($j->{userId}, 'alice', 'userId');
is($j->{expire}, 86400, 'default expire is a day');
ok(abs($j->{expiresAt} - ($now + 86400)) <= 2, 'expiresAt is absolute');
ok(!exists $j->{privateMapKey} && !exists $j->{roomId},
   'no room asked, no PrivateMapKey');
is(verify($j->{userSig}, @keys)->{result}, 'ok', 'userSig verifies');
is(verify($j->{userSig}, @keys)->{identifier}, 'alice', 'for alice');

$r = $t->get('/issue?userId=alice&roomId=1234');
$j = json_body($r);
is($j->{roomId}, 1234, 'numeric roomId is a number');
like($r->{body}, qr/"roomId":1234[,}]/, 'written as a JSON number');
is($j->{privilege}, 255, 'default privilege: all');
my $v = verify($j->{privateMapKey}, @keys, '-r', 1234);
is($v->{result}, 'ok', 'privateMapKey verifies for the room');
is($v->{room_type}, 'number', 'as a numeric room');
is(verify($j->{privateMapKey}, @keys, '-r', 1235)->{result},
   'room_mismatch', 'and not for another');

$r = $t->get('/issue?userId=alice&roomId=Blue%20Room%3C1%3E&privilege=enter,recv_video');
$j = json_body($r);
is($j->{roomId}, 'Blue Room<1>', 'string room, unescaped from the query');
like($r->{body}, qr/"roomId":"Blue Room\\u003c1\\u003e"/,
     'escaped for embedding in HTML');
is($j->{privilege}, 34, 'privilege names');
$v = verify($j->{privateMapKey}, @keys);
is($v->{room}, 'Blue Room<1>', 'string room in the token');
is($v->{room_type}, 'string', 'as a string room');
is($v->{privilege}, 34, 'privilege in the token');

$j = json_body($t->get('/issue?userId=a&roomId=7&privilege=42'));
is($j->{privilege}, 42, 'privilege as a number');

$r = $t->get('/fixed?userId=bob');
$j = json_body($r);
is($j->{roomId}, 42, 'fixed room');
is($j->{privilege}, 42, 'fixed privilege list');
is($j->{expire}, 600, 'trtc_issue_expire 10m');
$v = verify($j->{privateMapKey}, @keys);
is($v->{expire}, 600, 'token expire');
is($v->{userbuf_expire}, $v->{time} + 600, 'userbuf expiry is absolute');

# identity and room checks

for my $c (
    ['a' x 32, 200, '32-byte user id'],
    ['a' x 33, 400, '33-byte user id'],
    ['', 400, 'empty user id'],
    ['al%20ice', 400, 'space in user id'],
    ['al.ice', 400, 'dot in user id'],
    ['%E4%BD%A0', 400, 'non-ASCII user id'],
    ['A-z_09', 200, 'letters, digits, _ and -'],
)
{
    my ($id, $status, $name) = @$c;
    $r = $t->get("/issue?userId=$id");
    is($r->{status}, $status, $name);
    if ($status == 400) {
        is_deeply(json_body($r), { error => 'invalid userId' },
                  "$name: JSON error");
        is(TrtcTest::header($r, 'Content-Type'), 'application/json',
           "$name: JSON content type");
    }
}

for my $c (
    ['4294967294', 200, 'largest numeric room'],
    ['x' x 64, 200, '64-byte string room'],
    ['x' x 65, 400, '65-byte string room'],
    ['a%22b', 400, 'quote in room'],
    ['a%5Cb', 400, 'backslash in room'],
    ['a%0Ab', 400, 'newline in room'],
)
{
    my ($room, $status, $name) = @$c;
    $r = $t->get("/issue?userId=alice&roomId=$room");
    is($r->{status}, $status, $name);
    is_deeply(json_body($r), { error => 'invalid roomId' },
              "$name: JSON error") if $status == 400;
}

$r = $t->get('/issue?userId=alice&roomId=1&privilege=fly');
is($r->{status}, 400, 'unknown privilege name');
is_deeply(json_body($r), { error => 'invalid privilege' },
          'unknown privilege: JSON error');

# methods

is($t->request('POST', '/issue?userId=alice', body => 'x=1')->{status}, 200,
   'POST');
is($t->request('PUT', '/issue?userId=alice', body => 'x')->{status}, 405,
   'PUT not allowed');
$r = $t->request('HEAD', '/issue?userId=alice');
is($r->{status}, 200, 'HEAD');
is($r->{body}, '', 'HEAD: no body');

# cookies

$r = $t->get('/cookie?userId=carol&roomId=9');
$j = json_body($r);
my $c = TrtcTest::header($r, 'Set-Cookie');
is($c, "trtc_token=$j->{privateMapKey}; Max-Age=86400; Path=/rooms; "
       . 'HttpOnly; SameSite=Strict', 'cookie holds the PrivateMapKey');

$r = $t->get('/cookie?userId=carol');
$j = json_body($r);
like(TrtcTest::header($r, 'Set-Cookie'), qr/^trtc_token=\Q$j->{userSig}\E;/,
     'without a room, the UserSig');

like(TrtcTest::header($t->get('/cookie-secure?userId=carol'), 'Set-Cookie'),
     qr/^sig=[^;]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
     'secure cookie, default path and SameSite');

my $url = 'https://127.0.0.1:' . $t->port('tls') . '/cookie?userId=carol';
my $https = qx{curl -sk -D - -o /dev/null '$url'};
like($https, qr/^Set-Cookie: trtc_token=[^;]+; Max-Age=86400; Path=\/; (?x)
                HttpOnly;\ SameSite=Lax;\ Secure\r$/mi,
     'over https the cookie is Secure');
like(TrtcTest::header($t->get('/cookie?userId=carol'), 'Set-Cookie'),
     qr/SameSite=Strict$/, 'not over plain http');

# a room's own cookie: its page's path, the room as the page's URL has it

like(TrtcTest::header($t->get('/cookie-room?userId=carol&roomId=9'), 'Set-Cookie'),
     qr/^trtc_token=[^;]+; Max-Age=86400; Path=\/room\/9\/; HttpOnly; SameSite=Lax$/,
     'cookie path from variables: the room\'s page');
like(TrtcTest::header($t->get('/cookie-room?userId=carol&roomId=Q%26A%20%231'),
                      'Set-Cookie'),
     qr/; Path=\/room\/Q%26A%20%231\/;/, 'a string room, escaped as sent');

$r = $t->get('/cookie-room?userId=carol&roomId=a;b');
is($r->{status}, 400, 'a ";" in the cookie path: 400');
is(json_body($r)->{error}, 'bad_cookie_path', '... bad_cookie_path');
ok(!TrtcTest::header($r, 'Set-Cookie'), '... and no cookie');

$r = $t->get('/cookie-path?userId=carol&p=' . 'x' x 1023);
like(TrtcTest::header($r, 'Set-Cookie'), qr/; Path=\/x{1023};/,
     'a cookie path of 1024 bytes, the bound');
$r = $t->get('/cookie-path?userId=carol&p=' . 'x' x 1024);
is($r->{status}, 400, 'a cookie path of 1025 bytes: 400');
$r = $t->get('/cookie-path?userId=carol&p=%0d%0aX:1');
is($r->{status}, 200, 'an escaped CR LF stays escaped in $arg_p');
like(TrtcTest::header($r, 'Set-Cookie'), qr/; Path=\/%0d%0aX:1;/i, '... as it was sent');

ok(!TrtcTest::header($t->get('/issue?userId=a'), 'Set-Cookie'),
   'no cookie unless asked');
ok(!TrtcTest::header($t->get('/cookie?userId=a.b'), 'Set-Cookie'),
   'no cookie on errors');

# behind the site's own authentication

is($t->get('/basic')->{status}, 401, 'basic auth: anonymous refused');
$r = $t->get('/basic', Authorization => 'Basic ' . encode_base64('frank:secret', ''));
is($r->{status}, 200, 'basic auth: issued');
is(json_body($r, 'userId'), 'frank', 'for $remote_user');

# $remote_user is no part of a URL: the default user is taken as it is,
# never unescaped; "a%62c" is no TRTC user id (and never "abc")
$r = $t->get('/basic',
             Authorization => 'Basic ' . encode_base64('a%62c:secret', ''));
isnt(json_body($r, 'userId') // '', 'abc',
     'basic auth: the user "a%62c" is not issued "abc"');
is($r->{status}, 400, 'basic auth: "a%62c" is no user id: 400');
is_deeply(json_body($r), { error => 'invalid userId' },
          'basic auth: "a%62c": JSON error');

is($t->get('/sso')->{status}, 401, 'auth_request: anonymous refused');
$r = $t->get('/sso', Cookie => 'session=grace');
is($r->{status}, 200, 'auth_request: issued');
is(json_body($r, 'userId'), 'grace',
   'for the user the identity service named');

# rotation: the first key signs, every key verifies

$j = json_body($t->get('/rotated?userId=alice'));
is(verify($j->{userSig}, '-k', $t->dir . '/new.key')->{result}, 'ok',
   'signed with the first key');
is(verify($j->{userSig}, @keys)->{result}, 'signature_mismatch',
   'not with the second');

# TURN credentials of coturn's REST API

$now = time();
$j = json_body($t->get('/turn?userId=alice'));
my $ice = $j->{iceServers}[0] // {};
is_deeply($ice->{urls}, ['turn:127.0.0.1:3478?transport=udp',
                         'turns:turn.example.com:5349'], 'TURN URLs');
like($ice->{username} // '', qr/^(\d+):alice$/, 'username <expiry>:<user>');
my ($exp) = ($ice->{username} // '') =~ /^(\d+):/;
ok(abs(($exp // 0) - ($now + 3600)) <= 2, 'expiring after trtc_turn_ttl');
is($j->{turnExpiresAt}, $exp, 'turnExpiresAt says the same');
my $cred = Digest::SHA::hmac_sha1_base64($ice->{username} // '', $TURN);
$cred .= '=' while length($cred) % 4;
is($ice->{credential}, $cred, 'password base64(HMAC-SHA1(secret, username))');
ok(!exists json_body($t->get('/issue?userId=alice'))->{iceServers},
   'no TURN where none is configured');

# the default lifetime of TURN credentials is the token's, whichever
# level trtc_turn_* and trtc_issue_expire are set at

sub turn_lifetime {
    my ($tt, $uri, $port) = @_;
    my $r = $tt->request('GET', $uri, port => $tt->port($port));
    my $j = json_body($r) // {};
    my ($e) = (($j->{iceServers} // [{}])->[0]{username} // '') =~ /^(\d+):/;
    return defined $e && $j->{expiresAt}
           ? [$e - ($j->{expiresAt} - $j->{expire}), $j->{turnExpiresAt} - $e]
           : [-1, -1];
}

is_deeply(turn_lifetime($t, '/2h?userId=alice', 'turnsrv'), [7200, 0],
          'TURN in the server, trtc_issue_expire 2h in the location: 2h');
is_deeply(turn_lifetime($t, '/default?userId=alice', 'turnsrv'), [86400, 0],
          'TURN in the server, the default token lifetime: 1d');
is_deeply(turn_lifetime($t, '/ttl?userId=alice', 'turnsrv'), [1800, 0],
          'trtc_turn_ttl in the location: its own lifetime');

{
    my $h = TrtcTest->new();
    $h->write_key('key', $KEY);
    $h->write_key('turn.secret', $TURN);
    $h->run(<<'EOF');
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;
    trtc_turn_secret_file %%TESTDIR%%/turn.secret;
    trtc_turn_urls turn:127.0.0.1:3478;

    server {
        listen 127.0.0.1:%%PORT%%;
        trtc_issue_expire 3h;

        location /server {
            trtc_issue;
            trtc_issue_user $arg_userId;
        }

        location /2h {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_expire 2h;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_ttl%%;
        trtc_turn_ttl 20m;

        location /2h {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_expire 2h;
        }
    }
EOF

    is_deeply(turn_lifetime($h, '/2h?userId=bob', 'main'), [7200, 0],
              'TURN in http, trtc_issue_expire 2h in the location: 2h');
    is_deeply(turn_lifetime($h, '/server?userId=bob', 'main'), [10800, 0],
              'TURN in http, trtc_issue_expire 3h in the server: 3h');
    is_deeply(turn_lifetime($h, '/2h?userId=bob', 'ttl'), [1200, 0],
              'trtc_turn_ttl in the server: its own lifetime');
    $h->stop;
}

# the key stays on the server

my $all = join '', map { $t->get($_)->{raw} }
    '/issue?userId=alice&roomId=1', '/issue?userId=a.b', '/rotated?userId=x';
unlike($all, qr/\Q$KEY\E|\Q$NEW\E/, 'no key in responses');

$t->stop;

unlike($t->read_file('error.log') . $t->read_file('access.log'),
       qr/\Q$KEY\E|\Q$NEW\E/, 'no key in logs');

done_testing;
