#!/usr/bin/perl

# The verification cache: a token seen before, by any worker, is known
# again without being verified anew; the clock, each location's checks
# and a change of keys still apply; a full zone drops its oldest entries.

use strict;
use warnings;

use Test::More;

use lib 't/lib';
use TrtcTest;
use TrtcToken qw(forge pmk);

my $t = TrtcTest->new(workers => 2);
$t->write_key('key', $TrtcToken::KEY);
$t->write_key('new.key', 'b' x 64);
$t->write_file('html/index.html', "ok\n");

my $conf = <<'EOF';
    trtc_sdkappid 1400000000;
    %%KEYS%%
    trtc_auth_cache_zone trtc:1m;
    trtc_auth_cache_zone tiny:32k;
    trtc_auth_cache_zone mega:1m;
    trtc_auth_cache_zone large:1m;
    trtc_auth_cache trtc;

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%TESTDIR%%/html;
        add_header X-Cache $trtc_cache_status always;
        add_header X-Result $trtc_auth_result always;

        location /a/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
        }

        location /room1/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_room 1;
        }

        location /room2/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_room 2;
        }

        location /leeway/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_leeway 1h;
        }

        location /tiny/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_cache tiny;
        }

        # what a token's fields give, cached or not
        location /vars/ {
            trtc_auth on;
            return 200 "$trtc_user_id|$trtc_room_id|$trtc_privilege|$trtc_expires|$trtc_sdkappid\n";
        }

        location /vars-nocache/ {
            trtc_auth on;
            trtc_auth_cache off;
            return 200 "$trtc_user_id|$trtc_room_id|$trtc_privilege|$trtc_expires|$trtc_sdkappid\n";
        }

        location /mega/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_cache mega;
        }

        location /large/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_cache large;
        }

        location = /status {
            trtc_status;
        }

        location /nocache/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_cache off;
        }
    }
EOF

(my $both = $conf) =~ s/%%KEYS%%/trtc_key_file %%TESTDIR%%\/key;/;
$t->run($both);

# what a GET with the token meets: its status, $trtc_cache_status and
# $trtc_auth_result
sub get {
    my ($uri, $token) = @_;
    my $r = $t->request(GET => $uri, token => $token);
    return ($r->{status}, map { TrtcTest::header($r, $_) // '' }
                              qw(X-Cache X-Result));
}

my $now = time();
my $sig = forge(identifier => 'alice', time => $now);

is_deeply([get('/a/', $sig)], [200, 'MISS', 'ok'], 'first time: verified');

my %seen;
$seen{join ' ', get('/a/', $sig)}++ for 1 .. 20;
is_deeply(\%seen, { '200 HIT ok' => 20 },
          'then known again, whichever worker answers');

is_deeply([get('/nocache/', $sig)], [200, '', 'ok'], 'trtc_auth_cache off');

# bad tokens are not cached

my $bad = forge(identifier => 'alice', time => $now, sign_key => 'x' x 64);
is_deeply([get('/a/', $bad)], [401, 'MISS', 'signature_mismatch'],
          'a bad token is refused');
is_deeply([get('/a/', $bad)], [401, 'MISS', 'signature_mismatch'],
          'and verified again each time');

# each location's checks apply to a cached token

my $pmk = pmk(user => 'bob', roomid => 1, time => $now);
is_deeply([get('/room1/', $pmk)], [200, 'MISS', 'ok'], 'room 1');
is_deeply([get('/room2/', $pmk)], [401, 'HIT', 'room_mismatch'],
          'cached, and still not for room 2');

# the clock applies to a cached token

my $short = forge(identifier => 'carol', time => $now - 100, expire => 102);
is_deeply([get('/a/', $short)], [200, 'MISS', 'ok'], 'a token about to expire');
is_deeply([get('/a/', $short)], [200, 'HIT', 'ok'], 'cached');
sleep(1) while time() <= $now + 2;
is_deeply([get('/a/', $short)], [401, 'HIT', 'expired'],
          'expired, cached or not');
is_deeply([get('/leeway/', $short)], [200, 'HIT', 'ok'],
          'with the location\'s own leeway');

# a full zone drops its least recently used entries

my @tokens = map { forge(identifier => "u$_", time => $now) } 1 .. 300;
get('/tiny/', $_) for @tokens;
is_deeply([get('/tiny/', $tokens[-1])], [200, 'HIT', 'ok'],
          'full zone: the newest entry is there');
is_deeply([get('/tiny/', $tokens[0])], [200, 'MISS', 'ok'],
          'the oldest was dropped, and verifies again');
like($t->read_file('error.log'), qr/^(?!.*ngx_slab_alloc\(\) failed)/s,
     'a full zone is not an error');

# a cached token gives the same fields as the token: the smallest and
# the largest (a 32-byte user id, a 64-byte room), numeric rooms at 0
# and at 2^32-1, every privilege bit, the expiry at its bound

sub fields {
    my ($loc, $tok) = @_;
    my $r = $t->request(GET => $loc, token => $tok);
    return join ' ', $r->{status}, TrtcTest::header($r, 'X-Cache') // '',
                     ($r->{body} // '') =~ s/\n\z//r;
}

for my $case (
    ['a UserSig', forge(identifier => 'a', time => $now)],
    ['room 0', pmk(user => 'bob', roomid => 0, time => $now,
                   privilege => 255)],
    ['room 4294967295', pmk(user => 'bob', roomid => 4294967295,
                            time => $now, privilege => 1)],
    ['the largest token', pmk(user => 'u' x 32, strroom => 'r' x 64,
                              time => $now, expire => 4294967295 - $now,
                              privilege => 0xffffffff,
                              ub => {expire => 4294967295})],
    ['a string room of one byte', pmk(user => 'c', strroom => 'x',
                                      time => $now)],
    ['32 bytes of id and room, all in the entry',
     pmk(user => 'u' x 8, strroom => 'r' x 24, time => $now)],
    ['33 bytes of id and room, one byte apart',
     pmk(user => 'u' x 8, strroom => 'r' x 25, time => $now)],
    ['a 32-byte user id and a numeric room',
     pmk(user => 'v' x 32, roomid => 7, time => $now)],
) {
    my ($name, $tok) = @$case;
    my $plain = fields('/vars-nocache/', $tok);
    like($plain, qr/^200  \S/, "$name: verified ($plain)");
    (my $want = $plain) =~ s/^200 /200 MISS/;
    is(fields('/vars/', $tok), $want, "$name: verified for the cache");
    $want =~ s/MISS/HIT/;
    is(fields('/vars/', $tok), $want, "$name: the same fields from it");
}

# a 1 MB zone holds 5,000 tokens of the demo's shape (a user id of 8
# bytes, a numeric room) with none evicted (trtc_status counts them)

sub demo_token {
    return pmk(user => sprintf('u%07d', $_[0]), roomid => 1234, time => $now,
               ub => {expire => $now + 3600});
}

sub evictions {
    my ($r) = $t->get('/status')->{body} =~ /^trtc_cache_evictions_total (\d+)$/m;
    return $r;
}

my $ev = evictions();
for my $i (1 .. 5000) {
    my $st = $t->request(GET => '/mega/', token => demo_token($i))->{status};
    $st == 200 or BAIL_OUT("token $i: $st");
}
is(evictions() - $ev, 0, 'a 1 MB zone holds 5,000 tokens, none evicted');
is((get('/mega/', demo_token(1)))[1], 'HIT', 'the first of them still there');

# and 5,000 of the largest (a 32-byte user id, a 64-byte room): 192
# bytes of zone each

sub large_token {
    return pmk(user => sprintf('u%031d', $_[0]),
               strroom => sprintf('r%063d', $_[0]), time => $now,
               ub => {expire => $now + 3600});
}

$ev = evictions();
for my $i (1 .. 5000) {
    my $st = $t->request(GET => '/large/', token => large_token($i))->{status};
    $st == 200 or BAIL_OUT("large token $i: $st");
}
is(evictions() - $ev, 0,
   'a 1 MB zone holds 5,000 of the largest tokens, none evicted');
is((get('/large/', large_token(1)))[1], 'HIT', 'the first of those still there');

# a change of keys: what the old key verified is not taken on trust

(my $rotated = $conf) =~ s/%%KEYS%%/trtc_key_file %%TESTDIR%%\/new.key;/;
$t->write_file('nginx.conf', $t->config($rotated));
ok($t->reload, 'reloaded without the old key');
is_deeply([get('/a/', $sig)], [401, 'MISS', 'signature_mismatch'],
          'the cached token of the removed key is refused');

$t->stop;

my ($ok, $out) = $t->test_config(
    "trtc_sdkappid 1; trtc_key_file %%TESTDIR%%/key; trtc_auth_cache none;");
ok(!$ok, 'a cache zone that is not defined');
like($out, qr/\[emerg\].*zero size shared memory zone "none"/,
     'is an error');

($ok, $out) = $t->test_config('trtc_auth_cache_zone small:16k;');
like($out, qr/\[emerg\].*zone "small:16k" is too small/, 'zone too small');

($ok, $out) = $t->test_config('trtc_auth_cache_zone nosize;');
like($out, qr/\[emerg\].*invalid zone "nosize", expected name:size/,
     'zone without a size');

done_testing;
