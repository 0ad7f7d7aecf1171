#!/usr/bin/perl

# make scale and make scale-redis, small: t/scale/run.sh with a few
# hundred subscribers, on one server and on two sharing signaling through
# Redis, measured by t/scale/scale_client.c built here.  Every message
# must reach every member of its room and no one else; the figures are
# printed, never judged (speed is the benchmarks' to report).  Inside
# new network and PID namespaces, as t/demo.t: the script's fixed ports
# are free, and what it starts ends with the test.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use JSON::PP;

use lib 't/lib';
use TrtcTest qw(repo_dir);

TrtcTest::skip_unless_packaged('t/scale/run.sh');

TrtcTest::in_namespaces();

my $repo = repo_dir();
my $tmp = tempdir('trtc-scale-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $client = "$tmp/scale-client";

system('cc', '-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-o',
       $client, map({ "$repo/t/scale/scale_$_.c" } qw(client wire))) == 0
    or BAIL_OUT('t/scale/scale_client.c does not build');

local $ENV{SCALE_CLIENT} = $client;
local $ENV{MODULE} = $ENV{TEST_NGINX_MODULE}
    if defined $ENV{TEST_NGINX_MODULE} && $ENV{TEST_NGINX_MODULE} ne '';

# bash t/scale/run.sh ARGS with ENV: (exit code, the figures or undef,
# what it printed)
sub scale {
    my ($env, @args) = @_;
    local @ENV{keys %$env} = values %$env;

    my $out = qx{bash $repo/t/scale/run.sh @args 2>&1};
    my $rc = $? >> 8;
    my ($json) = $out =~ /^(\{\n.*^\})$/ms;

    return ($rc, $json ? eval { decode_json($json) } : undef, $out);
}

# 350 subscribers in 35 rooms of 10, 300 messages: 3,000 deliveries
my ($rc, $f, $out) = scale({}, 350, 10, 300);

is($rc, 0, 'one server: the run ends well') or diag($out);
ok($f, 'one server: the figures are JSON') or diag($out);
$f //= {};
is($f->{subscribers}, 350, 'one server: 350 subscribers open');
is($f->{deliveries_expected}, 3000, 'one server: 3,000 deliveries due');
is($f->{deliveries_received}, 3000,
   'one server: each message reached each member of its room');
is($f->{deliveries_stray}, 0,
   'one server: and no one else, and no one twice');
ok(defined $f->{latency_ms_p99} && $f->{latency_ms_p99} > 0
   && $f->{latency_ms_p99} <= $f->{latency_ms_max},
   'one server: a latency is printed');
cmp_ok($f->{kb_per_connection} // 0, '>', 0,
       'one server: the workers grew with the connections');
like($f->{target} // '', qr/^p99 under 5 ms: (?:PASS|MISS)$/,
     'one server: the target is printed, PASS or MISS');
diag(join ', ', map { "$_ $f->{$_}" }
     grep { defined $f->{$_} }
     qw(latency_ms_p50 latency_ms_p99 latency_ms_max kb_per_connection));

# rooms of 7 over two servers: the members alternate, 3 or 4 on each
($rc, $f, $out) = scale({ SCALE_REDIS => 1 }, 210, 7, 120);

is($rc, 0, 'two servers: the run ends well') or diag($out);
ok($f, 'two servers: the figures are JSON') or diag($out);
$f //= {};
is($f->{deliveries_received}, 840, 'two servers: 840 of 840 deliveries');
is($f->{deliveries_stray}, 0, 'two servers: none outside a room, none twice');
is($f->{same}{deliveries_received}, $f->{same}{deliveries_expected},
   'two servers: each delivery on the publisher\'s server');
is($f->{cross}{deliveries_received}, $f->{cross}{deliveries_expected},
   'two servers: each delivery through Redis');
cmp_ok($f->{cross}{deliveries_expected} // 0, '>=', 360,
       'two servers: at least 3 of each room\'s 7 on the other server');
cmp_ok($f->{redis}{pubsub_channels} // 0, '>', 0,
       'two servers: Redis holds the rooms\' channels');

done_testing();
