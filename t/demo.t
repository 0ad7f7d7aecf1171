#!/usr/bin/perl

# conf/demo.sh, the README's command for the demo, in each of its modes:
# the mesh (the default), MODE=sfu (Janus), MODE=cloud (the TRTC Web
# SDK's proxy, with a dead upstream), SIGNAL=redis and TURN_*, and the
# clear refusals of bad settings.  The pages and the rooms themselves are
# the browser suites' (t/browser*.t); this is the script an operator
# runs.  Inside new network, PID and mount namespaces (as
# t/browser/run.sh): port 8080 and Janus's ports are free, and whatever
# the script starts ends with the test.  Needs root, as demo.sh does.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);

use lib 't/lib';
use TrtcTest qw(repo_dir);

TrtcTest::skip_unless_packaged('conf/demo.sh');

TrtcTest::in_namespaces();

my $repo = repo_dir();
my $tmp = tempdir('trtc-demo-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0711, $tmp;

# bash conf/demo.sh [ARGS] with ENV: (exit code, what it printed)
sub demo {
    my ($env, @args) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!\n";

    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT or die;
        delete @ENV{qw(MODE SIGNAL REDIS_URL TURN_SECRET_FILE TURN_URLS
                       TURN_TTL TURN_RELAY_ONLY TRTC_SDKAPPID
                       TRTC_KEY_FILE TRTC_SIGNALING TRTC_LOGGER PORT)};
        @ENV{keys %$env} = values %$env;
        exec('bash', "$repo/conf/demo.sh", @args) or die "exec: $!\n";
    }

    my $out = join '', <$fh>;
    close $fh;
    return ($? >> 8, $out);
}

# curl: (status, body)
sub http {
    my ($method, $url, @headers) = @_;
    my @h;
    while (my $x = shift @headers) {
        push @h, $x eq '--data' ? ($x, shift @headers) : ('-H', $x);
    }
    open(my $fh, '-|', 'curl', '-s', '-m', '10', '-X', $method, @h,
         '-w', '\n%{http_code}', $url) or die "curl: $!\n";
    my $out = join '', <$fh>;
    close $fh;
    my ($body, $status) = $out =~ /^(.*)\n(\d{3})$/s;
    return ($status // 0, $body // '');
}

sub field {
    my ($json, $name) = @_;
    return $json =~ /"\Q$name\E":"([^"]*)"/ ? $1 : undef;
}

my ($rc, $out, $status, $body);

# the mesh, the default

my $run = "$tmp/mesh";
($rc, $out) = demo({TRTC_DEMO_DIR => $run});
is($rc, 0, 'mesh: starts') or diag($out);
like($out, qr{open http://127\.0\.0\.1:8080/}, 'mesh: says where');
ok(-s "$run/trtc.key" && ((stat "$run/trtc.key")[2] & 0777) == 0600,
   'mesh: a development key, 0600');

# each mode installs only what it needs (t/deps.sh's groups); the tests
# (t/deps.sh alone) everything

sub deps_list {
    my @p = `bash $repo/t/deps.sh --list @_`;
    chomp @p;
    return @p;
}

my $others = qr/^(?:chromium|janus|coturn|redis-server|nodejs|npm|clang-14
                   |valgrind|wrk|fonts-wqy-microhei)$/x;

like($out, qr/^demo: MODE=mesh needs: build nchan \(t\/deps\.sh\)$/m,
     'mesh: asks for nginx and nchan');
is_deeply([grep { /$others/ } deps_list(qw(build nchan))], [],
          'mesh: no browser, SFU, TURN, Redis, node or test packages');
ok((grep { $_ eq 'libnginx-mod-nchan' } deps_list(qw(build nchan))),
   'mesh: nchan');
is(scalar(grep { /$others/ } deps_list()), 10,
   'the tests: all of them');

($status, $body) = http('GET', 'http://127.0.0.1:8080/');
is($status, 200, 'mesh: the login page');
like($body, qr/"iceTransportPolicy": "all"/, 'mesh: no relay-only');

($status, $body) = http('POST',
                        'http://127.0.0.1:8080/api/token?userId=ann&roomId=7');
is($status, 200, 'mesh: the issuer');
ok(field($body, 'privateMapKey'), 'mesh: a PrivateMapKey');
unlike($body, qr/iceServers/, 'mesh: no TURN without TURN_*');

($rc, $out) = demo({TRTC_DEMO_DIR => $run}, 'stop');
is($rc, 0, 'mesh: stop');
ok(!-e "$run/nginx.pid", 'mesh: stopped');
($status) = http('GET', 'http://127.0.0.1:8080/');
is($status + 0, 0, 'mesh: nothing listens after stop');

# bad settings: a clear error, exit 2, nothing started

for my $c (
    [{MODE => 'p2p'}, qr/unknown MODE=p2p \(mesh, sfu or cloud\)/],
    [{SIGNAL => 'disk'}, qr/unknown SIGNAL=disk \(memory or redis\)/],
    [{SIGNAL => 'redis', REDIS_URL => 'redis://127.0.0.1:1'},
     qr/no Redis at 127\.0\.0\.1:1/],
    [{MODE => 'cloud'}, qr/MODE=cloud needs TRTC_SDKAPPID/],
    [{MODE => 'cloud', TRTC_SDKAPPID => 'x1', TRTC_KEY_FILE => '/dev/null'},
     qr/TRTC_SDKAPPID must be a number/],
    [{TURN_URLS => 'turn:127.0.0.1:3478'},
     qr/TURN needs both TURN_SECRET_FILE and TURN_URLS/],
    [{TURN_SECRET_FILE => "$run/trtc.key", TURN_URLS => 'http://x'},
     qr/not a turn:, turns: or stun: URL: http:\/\/x/],
    [{TURN_RELAY_ONLY => 1}, qr/TURN_RELAY_ONLY=1 needs TURN_SECRET_FILE/],
) {
    my ($env, $re) = @$c;
    my $name = join ' ', map { "$_=$env->{$_}" } sort keys %$env;
    ($rc, $out) = demo({%$env, TRTC_DEMO_DIR => "$tmp/bad"});
    is($rc, 2, "$name: refused");
    like($out, $re, "$name: says why") or diag($out);
}

($status) = http('GET', 'http://127.0.0.1:8080/');
is($status + 0, 0, 'bad settings: nothing started');

# TURN, relay-only

open(my $fh, '>', "$tmp/turn.secret") or die;
print $fh "turn-secret-" . ('t' x 20) . "\n";
close $fh;
chmod 0600, "$tmp/turn.secret";

$run = "$tmp/turn";
($rc, $out) = demo({TRTC_DEMO_DIR => $run,
                    TURN_SECRET_FILE => "$tmp/turn.secret",
                    TURN_URLS => 'turn:127.0.0.1:3478?transport=udp',
                    TURN_TTL => '1h', TURN_RELAY_ONLY => 1});
is($rc, 0, 'TURN: starts') or diag($out);

($status, $body) = http('POST',
                        'http://127.0.0.1:8080/api/token?userId=ann&roomId=7');
like($body, qr/"iceServers":\[\{"urls":\["turn:127\.0\.0\.1:3478\?transport=udp"\],"username":"\d+:ann","credential":"[A-Za-z0-9+\/]{27}="\}\]/,
     'TURN: credentials with the token');
like($body, qr/"turnExpiresAt":(\d+)/, 'TURN: their expiry');
my ($turn_exp) = $body =~ /"turnExpiresAt":(\d+)/;
ok(abs(($turn_exp // 0) - time() - 3600) <= 5, 'TURN: TURN_TTL=1h');
unlike($body, qr/turn-secret/, 'TURN: not the secret');
($status, $body) = http('GET', 'http://127.0.0.1:8080/');
like($body, qr/"iceTransportPolicy": "relay"/, 'TURN: the pages relay-only');

# without TURN_* again: the snippet is gone
($rc, $out) = demo({TRTC_DEMO_DIR => $run});
($status, $body) = http('POST',
                        'http://127.0.0.1:8080/api/token?userId=ann&roomId=7');
unlike($body, qr/iceServers/, 'TURN: off again without TURN_*');
demo({TRTC_DEMO_DIR => $run}, 'stop');

# SIGNAL=redis: two servers on one Redis

my $redis_port = 16379;
system('redis-server', '--port', $redis_port, '--bind', '127.0.0.1',
       '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
       '--dir', $tmp, '--logfile', "$tmp/redis.log") == 0
    or BAIL_OUT('redis-server');

for (1 .. 50) {
    last if `redis-cli -p $redis_port ping 2>/dev/null` =~ /PONG/;
    select(undef, undef, undef, 0.1);
}

mkdir "$tmp/redis2";
system('cp', '-p', "$tmp/turn/trtc.key", "$tmp/redis2/trtc.key") == 0
    or die;

my $redis = "redis://127.0.0.1:$redis_port";
($rc, $out) = demo({TRTC_DEMO_DIR => "$tmp/turn", SIGNAL => 'redis',
                    REDIS_URL => $redis});
is($rc, 0, 'SIGNAL=redis: server 1 starts') or diag($out);
like($out, qr/room signaling through Redis at 127\.0\.0\.1:$redis_port/,
     'SIGNAL=redis: says so');
like($out, qr/^demo: MODE=mesh needs: build nchan redis \(/m,
     'SIGNAL=redis: redis-cli too');
is((stat "$tmp/turn/http.d/signal-redis.conf")[2] & 0777, 0600,
   'SIGNAL=redis: the upstream snippet, 0600');
($rc, $out) = demo({TRTC_DEMO_DIR => "$tmp/redis2", SIGNAL => 'redis',
                    REDIS_URL => $redis, PORT => 8081});
is($rc, 0, 'SIGNAL=redis: server 2 starts') or diag($out);

# a PrivateMapKey of server 1 publishes on server 2 (same key), and
# server 2's nchan takes the message to Redis (its scripts run there)
sub redis_calls {
    my $n = 0;
    $n += $1 while `redis-cli -p $redis_port info commandstats`
                   =~ /^cmdstat_(?:evalsha|eval|publish):calls=(\d+)/mg;
    return $n;
}

($status, $body) = http('POST',
                        'http://127.0.0.1:8080/api/token?userId=ann&roomId=7');
my $pmk = field($body, 'privateMapKey');
my $calls = redis_calls();
($status) = http('POST', 'http://127.0.0.1:8081/signal/pub?room=7',
                 "X-TRTC-Token: $pmk", 'Content-Type: text/plain',
                 '--data', '{"t":"hb"}');
ok($status >= 200 && $status < 300,
   "SIGNAL=redis: server 1's token publishes on server 2 ($status)")
    or diag(`tail -3 $tmp/redis2/error.log`);
cmp_ok(redis_calls(), '>', $calls, 'SIGNAL=redis: through Redis');

($rc, $out) = demo({TRTC_DEMO_DIR => "$tmp/redis2", PORT => 8081});
ok(!-e "$tmp/redis2/http.d/signal-redis.conf"
   && !-e "$tmp/redis2/signal.d/redis.conf",
   'SIGNAL=memory: the Redis snippets gone');
demo({TRTC_DEMO_DIR => "$tmp/redis2"}, 'stop');
demo({TRTC_DEMO_DIR => "$tmp/turn"}, 'stop');

# MODE=sfu: Janus beside nginx

$run = "$tmp/sfu";
($rc, $out) = demo({TRTC_DEMO_DIR => $run, MODE => 'sfu'});
is($rc, 0, 'MODE=sfu: starts') or diag($out);
like($out, qr/^demo: MODE=sfu needs: build nchan janus \(/m,
     'MODE=sfu: asks for Janus too');
ok(-s "$run/janus/janus.pid", 'MODE=sfu: Janus runs');
is((stat "$run/janus/$_")[2] & 0777, 0600, "MODE=sfu: $_ is 0600")
    for qw(token.secret create.conf janus.jcfg);

($status, $body) = http('POST',
                        'http://127.0.0.1:8080/api/token?userId=ann&roomId=77');
$pmk = field($body, 'privateMapKey');

($status, $body) = http('GET', 'http://127.0.0.1:8080/sfu/token?room=77',
                        "X-TRTC-Token: $pmk");
is($status, 200, 'MODE=sfu: Janus tokens for the room');
my ($vr) = $body =~ /"roomToken":"\d+,janus\.plugin\.videoroom,room=(\d+):/;
ok($vr, 'MODE=sfu: a room token for room 77\'s VideoRoom');

($status, $body) = http('POST', 'http://127.0.0.1:8080/sfu/room?room=77',
                        "X-TRTC-Token: $pmk");
like($body, qr/"videoroom":"created","room":\Q$vr\E\b/,
     'MODE=sfu: Janus made room 77\'s VideoRoom')
    or diag("$status $body");

my $secrets = join '', map { local $/; open my $f, '<', "$run/janus/$_"; <$f> }
                          qw(token.secret create.conf);
my @secret = $secrets =~ /([0-9a-f]{64})/g;
ok(@secret >= 3, 'MODE=sfu: three fresh secrets');
ok(!grep({ index($body, $_) >= 0 } @secret), 'MODE=sfu: none in the reply');

($status) = http('GET', 'http://127.0.0.1:8080/sfu/token?room=78',
                 "X-TRTC-Token: $pmk");
is($status, 401, "MODE=sfu: another room's Janus tokens: 401");

my $janus = `cat $run/janus/janus.pid`;
chomp $janus;
($rc, $out) = demo({TRTC_DEMO_DIR => $run});
1 while waitpid(-1, WNOHANG) > 0;     # this test is the namespace's init
ok(!kill(0, $janus), 'MODE=mesh again: Janus stopped');
demo({TRTC_DEMO_DIR => $run}, 'stop');

# MODE=cloud: the SDK's proxy, in front of an upstream that is not there

$run = "$tmp/cloud";
($rc, $out) = demo({TRTC_DEMO_DIR => $run, MODE => 'cloud',
                    TRTC_SDKAPPID => 1400123456,
                    TRTC_KEY_FILE => "$tmp/turn/trtc.key",
                    TRTC_SIGNALING => 'http://127.0.0.1:9',
                    TRTC_LOGGER => 'http://127.0.0.1:9'});
is($rc, 0, 'MODE=cloud: starts') or diag($out);
like($out, qr/^demo: MODE=cloud needs: build nchan node \(/m,
     'MODE=cloud: npm too, no Janus');

($status, $body) = http('GET', 'http://127.0.0.1:8080/');
like($body, qr/"backend": "trtc"/, 'MODE=cloud: the pages use the SDK');
like($body, qr/"sdkAppId":1400123456/, 'MODE=cloud: the given SDKAppID');
($status) = http('GET',
                 'http://127.0.0.1:8080/static/vendor/trtc-sdk-v5/trtc.js');
is($status, 200, 'MODE=cloud: the vendored SDK is served');
($status) = http('GET', 'http://127.0.0.1:8080/trtc/ws-check?userId=ann');
is($status, 401, 'MODE=cloud: the proxy check wants a UserSig');
demo({TRTC_DEMO_DIR => $run}, 'stop');

system('redis-cli', '-p', $redis_port, 'shutdown', 'nosave');

done_testing();
