#!/usr/bin/perl

# nginx's own error log lines for requests that carry a token in the
# query string: a body too large, an upstream refusing, timing out or
# reached through a subrequest, a referrer, a keep-alive request.  Each
# line is written (the test sees it) with its request line, upstream URI
# and referrer cut at the query string: the token is in none of them.

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;

use lib 't/lib';
use TrtcTest;
use TrtcToken qw(forge pmk);

my $t = TrtcTest->new();
$t->write_key('key', $TrtcToken::KEY);
$t->write_file('html/page.html', "page\n");

# an upstream that takes connections and never answers, and a port that
# refuses them
my $slow = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                 LocalPort => $t->port('slow'),
                                 Listen => 16, ReuseAddr => 1)
    or die "slow upstream: $!\n";
my $closed = $t->port('closed');

$t->run(<<'EOF');
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%TESTDIR%%/html;

        location = /pub {
            trtc_auth on;
            trtc_auth_token $arg_privateMapKey;
            client_max_body_size 1k;
            proxy_pass http://127.0.0.1:%%PORT_closed%%;
        }

        location /refused/ {
            trtc_auth on;
            trtc_auth_token $arg_userSig;
            proxy_pass http://127.0.0.1:%%PORT_closed%%/up/;
        }

        location /slow/ {
            trtc_auth on;
            trtc_auth_token $arg_userSig;
            proxy_pass http://127.0.0.1:%%PORT_slow%%/up/;
            proxy_read_timeout 1s;
        }

        location /sub/ {
            trtc_auth on;
            trtc_auth_token $arg_userSig;
            auth_request /check;
        }

        location = /check {
            internal;
            proxy_pass http://127.0.0.1:%%PORT_closed%%/check?$args;
        }

        # not gated: the lines of any request of the http{} block are cut
        location /open/ {
            proxy_pass http://127.0.0.1:%%PORT_closed%%/up/;
        }
    }
EOF

my $sig = forge(identifier => 'alice');
my $pmk = pmk(user => 'bob', roomid => 1);

sub lines_since {
    my ($what) = @_;
    return grep { /\Q$what\E/ } split /\n/, $t->log_since;
}

# a body over client_max_body_size

$t->log_mark;
my $r = $t->request('POST', "/pub?room=1&privateMapKey=$pmk",
                    body => 'x' x 2000);
is($r->{status}, 413, 'a body too large: 413');
my @l = lines_since('client intended to send too large body');
is(scalar @l, 1, 'a body too large: nginx logs it');
like($l[0] // '', qr{, request: "POST /pub\?\.\.\. HTTP/1\.0"},
     'a body too large: the request line without its query');

# an upstream that refuses, with a referrer that carries a token too

$t->log_mark;
$r = $t->get("/refused/x?userSig=$sig",
             Referer => "http://localhost/room/?privateMapKey=$pmk");
is($r->{status}, 502, 'an upstream refusing: 502');
@l = lines_since('connect() failed');
ok(@l >= 1, 'an upstream refusing: nginx logs it');
like($l[0] // '', qr{, request: "GET /refused/x\?\.\.\. HTTP/1\.0"},
     'an upstream refusing: the request line without its query');
like($l[0] // '', qr{, upstream: "http://127\.0\.0\.1:\d+/up/x\?\.\.\."},
     'an upstream refusing: the upstream URI without its query');
like($l[0] // '', qr{, referrer: "http://localhost/room/\?\.\.\."},
     'an upstream refusing: the referrer without its query');

# an upstream that times out

$t->log_mark;
$r = $t->get("/slow/x?userSig=$sig");
is($r->{status}, 504, 'an upstream timing out: 504');
@l = lines_since('upstream timed out');
is(scalar @l, 1, 'an upstream timing out: nginx logs it');
like($l[0] // '', qr{, upstream: "http://127\.0\.0\.1:\d+/up/x\?\.\.\."},
     'an upstream timing out: the upstream URI without its query');

# a subrequest's upstream

$t->log_mark;
$r = $t->get("/sub/page.html?userSig=$sig");
is($r->{status}, 500, 'a subrequest to an upstream refusing: 500');
@l = lines_since('connect() failed');
like($l[0] // '', qr{, subrequest: "/check", upstream: "http://127\.0\.0\.1:\d+/check\?\.\.\."},
     'a subrequest: its URI, and its upstream\'s without the query');

# not gated, and a second request on a keep-alive connection

$t->log_mark;
my $resp = $t->raw("GET /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
                   . "GET /open/x?userSig=$sig HTTP/1.1\r\n"
                   . "Host: localhost\r\nConnection: close\r\n\r\n");
like($resp, qr{^HTTP/1\.1 200 .*HTTP/1\.1 502 }s,
     'a keep-alive connection: the page, then 502');
@l = lines_since('connect() failed');
like($l[0] // '', qr{, request: "GET /open/x\?\.\.\. HTTP/1\.1"},
     'not gated, the second request of a connection: cut too');

# the error log has the lines, and no token: check_secrets() at stop

my $log = $t->read_file('error.log');
ok(index($log, $sig) < 0 && index($log, $pmk) < 0,
   'neither token in error.log');

$t->stop;
close $slow;

done_testing;
