#!/usr/bin/perl

# trtc_status: the module's counters after a known mix of requests, in
# Prometheus's text format and in JSON; counted by both workers into one
# zone; kept through a reload, the old key's count too; the location's
# methods and formats; its directive's errors.

use strict;
use warnings;

use Test::More;

use Digest::SHA qw(hmac_sha256);

use lib 't/lib';
use TrtcTest qw(json_body);
use TrtcToken qw(forge pmk);

my $t = TrtcTest->new(workers => 2);
my $OLD = 'o' x 64;
$t->write_key('key', $TrtcToken::KEY);
$t->write_key('old.key', $OLD);
$t->write_key('turn.secret', 't' x 32);
$t->write_key('janus.secret', 'j' x 32);
$t->write_file('html/index.html', "ok\n");

# a key's id as the counters show it
sub key_id {
    return unpack('H8', hmac_sha256('ngx_trtc_module key fingerprint',
                                    $_[0]));
}

my $conf = <<'EOF';
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;
    %%OLD%%
    trtc_auth_cache_zone trtc:1m;
    trtc_auth_cache_zone tiny:32k;

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%TESTDIR%%/html;
        add_header X-Pid $pid always;

        location /a/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_cache trtc;
        }

        location /room1/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_room 1;
        }

        location /tiny/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_cache tiny;
        }

        # a variable read where the token is not used: not counted
        location /log/ {
            return 200 "$trtc_auth_result\n";
        }

        location /api/token {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_room $arg_roomId;
            trtc_turn_secret_file %%TESTDIR%%/turn.secret;
            trtc_turn_urls turn:127.0.0.1:3478;
        }

        location /api/janus {
            trtc_auth on;
            trtc_janus_secret_file %%TESTDIR%%/janus.secret;
            trtc_janus;
        }

        location = /status {
            trtc_status;
        }
    }
EOF

(my $both = $conf) =~ s/%%OLD%%/trtc_key_file %%TESTDIR%%\/old.key;/;
$t->run($both);

sub status {
    my ($format) = @_;
    my $r = $t->get('/status' . ($format ? "?format=$format" : ''));
    return $r;
}

# the Prometheus text as {name{labels} => value}
sub metrics {
    my $r = status();
    my %m;
    for (split /\n/, $r->{body}) {
        next if /^#/;
        /^(\S+) (\d+)$/ or die "not a sample line: $_\n";
        $m{$1} = $2;
    }
    return \%m;
}

sub code {
    my ($uri, $token) = @_;
    return $t->request(GET => $uri, token => $token)->{status};
}

my $now = time();
my $new_id = key_id($TrtcToken::KEY);
my $old_id = key_id($OLD);

# before anything: every result is listed, at 0

my $m = metrics();
is($m->{'trtc_verifications_total{result="ok"}'}, 0, 'starts at 0');
is($m->{'trtc_verifications_total{result="removed"}'}, 0,
   'every reason is listed');
is(scalar(grep { /^trtc_verifications_total/ } keys %$m), 29,
   'all 29 results');
is($m->{'trtc_issued_total{kind="janus"}'}, 0, 'every kind is listed');

# the mix

my $alice = forge(identifier => 'alice', time => $now);
my $bob_old = forge(identifier => 'bob', time => $now, key => $OLD);
my $bad = forge(identifier => 'eve', time => $now, sign_key => 'x' x 64);
my $late = forge(identifier => 'carol', time => $now - 200, expire => 100);
my $room1 = pmk(user => 'dave', roomid => 1, time => $now);
my $room2 = pmk(user => 'dave', roomid => 2, time => $now);

is(code('/a/', $alice), 200, 'alice (new key), cache miss');
is(code('/a/', $alice), 200, 'alice again, cache hit');
is(code('/a/', $alice), 200, 'and again, cache hit');
is(code('/a/', $bob_old), 200, 'bob (old key), cache miss');
is(code('/a/', $bob_old), 200, 'bob again, cache hit');
is(code('/a/', $bad), 401, 'a bad signature');
is(code('/a/', $late), 401, 'an expired token');
is(code('/a/', undef), 401, 'no token');
is(code('/room1/', $room1), 200, 'room 1, no cache');
is(code('/room1/', $room2), 401, 'room 2 at room 1');
is(code('/log/', $alice), 200, 'a variable elsewhere');

my $r = $t->issue('alice', undef);
ok($r->{userSig} && !$r->{privateMapKey}, 'a UserSig alone');
$r = $t->issue('alice', 1234);
ok($r->{userSig} && $r->{privateMapKey}, 'a UserSig and a PrivateMapKey');
is(code('/api/janus', $room1), 200, 'Janus tokens');

$m = metrics();

my %want = (
    'trtc_verifications_total{result="ok"}' => 7,
    'trtc_verifications_total{result="signature_mismatch"}' => 1,
    'trtc_verifications_total{result="expired"}' => 1,
    'trtc_verifications_total{result="no_token"}' => 1,
    'trtc_verifications_total{result="room_mismatch"}' => 1,
    'trtc_verifications_total{result="bad_base64"}' => 0,
    'trtc_cache_hits_total' => 3,
    'trtc_cache_misses_total' => 4,
    'trtc_cache_evictions_total' => 0,
    'trtc_issued_total{kind="usersig"}' => 2,
    'trtc_issued_total{kind="privatemapkey"}' => 1,
    'trtc_issued_total{kind="turn"}' => 2,
    'trtc_issued_total{kind="janus"}' => 1,
    "trtc_key_verifications_total{key=\"$new_id\",file=\""
        . $t->dir . '/key"}' => 6,
    "trtc_key_verifications_total{key=\"$old_id\",file=\""
        . $t->dir . '/old.key"}' => 2,
);

is($m->{$_}, $want{$_}, $_) for sort keys %want;

$r = status();
like(TrtcTest::header($r, 'Content-Type'), qr{^text/plain; version=0\.0\.4},
     'Prometheus text format');
like($r->{body}, qr/^# TYPE trtc_verifications_total counter$/m,
     'with TYPE lines');

# the same in JSON

$r = status('json');
is(TrtcTest::header($r, 'Content-Type'), 'application/json', 'JSON');
my $j = json_body($r);
is($j->{verifications}{ok}, 7, 'JSON: ok');
is($j->{verifications}{room_mismatch}, 1, 'JSON: room_mismatch');
is_deeply($j->{cache}, {hits => 3, misses => 4, evictions => 0},
          'JSON: the cache');
is_deeply($j->{issued}, {usersig => 2, privatemapkey => 1, turn => 2,
                         janus => 1}, 'JSON: issued');
is_deeply([sort { $a->{key} cmp $b->{key} } @{$j->{keys}}],
          [sort { $a->{key} cmp $b->{key} }
           {key => $new_id, file => $t->dir . '/key', verifications => 6},
           {key => $old_id, file => $t->dir . '/old.key', verifications => 2}],
          'JSON: per key');
unlike($r->{body} . status()->{body}, qr/\Q$TrtcToken::KEY\E|\Q$OLD\E/,
       'no key in either');

# the location: GET and HEAD, the known formats

is(status('xml')->{status}, 400, 'an unknown format: 400');
is(json_body(status('xml'), 'error'), 'bad_format', 'which says so');
is(status('prometheus')->{status}, 200, 'format=prometheus');
is($t->request(POST => '/status', body => 'x')->{status}, 405, 'POST: 405');
is($t->request(HEAD => '/status')->{status}, 200, 'HEAD');

# a full cache zone evicts, and says how many

my $before = metrics()->{'trtc_cache_evictions_total'};
code('/tiny/', forge(identifier => "u$_", time => $now)) for 1 .. 300;
my $after = metrics();
cmp_ok($after->{'trtc_cache_evictions_total'}, '>', $before,
       'a full zone: evictions counted');
is($after->{'trtc_cache_misses_total'}, 4 + 300, 'each a miss');

# both workers count into one zone: requests until both answered, then
# every one of them is in the count

my $base = metrics()->{'trtc_verifications_total{result="ok"}'};
my (%pids, $sent);
for (1 .. 2000) {
    my $x = $t->request(GET => '/a/', token => $alice);
    $sent++;
    $pids{TrtcTest::header($x, 'X-Pid')}++;
    last if keys %pids >= 2 && $sent >= 50;
}
is(scalar(keys %pids), 2, "both workers answered ($sent requests)");
is(metrics()->{'trtc_verifications_total{result="ok"}'}, $base + $sent,
   'all counted, whichever worker');

# a reload keeps the counts; without the old key, its count stays and
# stops growing, the new key's goes on

my $kept = metrics();
(my $rotated = $conf) =~ s/%%OLD%%//;
$t->write_file('nginx.conf', $t->config($rotated));
ok($t->reload, 'reloaded without the old key');

is(code('/a/', $bob_old), 401, 'the old key\'s token is refused');
is(code('/a/', $alice), 200, 'the new key\'s verifies');

$m = metrics();
is($m->{'trtc_verifications_total{result="ok"}'},
   $kept->{'trtc_verifications_total{result="ok"}'} + 1, 'ok: kept, +1');
is($m->{'trtc_verifications_total{result="signature_mismatch"}'},
   $kept->{'trtc_verifications_total{result="signature_mismatch"}'} + 1,
   'signature_mismatch: kept, +1');
is($m->{"trtc_key_verifications_total{key=\"$old_id\",file=\"\"}"}, 2,
   'the old key: its count kept, no file now, no more verifications');
my ($new_line) = grep { /key="$new_id"/ } keys %$m;
ok($new_line && exists $kept->{$new_line}, 'the new key, same file');
is($m->{$new_line}, $kept->{$new_line} + 1, 'the new key: kept, +1');

$t->stop;

my ($ok, $out) = $t->test_config('server { location / { trtc_status x; } }');
ok(!$ok, 'trtc_status takes no argument');
like($out, qr/invalid number of arguments in "trtc_status"/, 'says so');

($ok, $out) = $t->test_config(
    'server { location / { trtc_status; trtc_status; } }');
like($out, qr/"trtc_status" directive is duplicate/, 'twice in a location');

($ok, $out) = $t->test_config('trtc_status;');
like($out, qr/"trtc_status" directive is not allowed here/,
     'only in a location');

# at most 256 keys in one place, which a token's key index holds

$t->write_key("k$_", sprintf('%064d', $_)) for 1 .. 257;
my $keys = join '', map { "trtc_key_file %%TESTDIR%%/k$_; " } 1 .. 256;
($ok, $out) = $t->test_config("trtc_sdkappid 1; $keys");
# (nginx -t's output, not its status: under LeakSanitizer a successful
# test exits with nginx's own leaks)
like($out, qr/test is successful/, '256 key files in one place');
($ok, $out) = $t->test_config(
    "trtc_sdkappid 1; $keys trtc_key_file %%TESTDIR%%/k257;");
like($out, qr/\[emerg\].*more than 256 "trtc_key_file" in one place/,
     'not 257');

done_testing;
