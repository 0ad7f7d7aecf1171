#!/usr/bin/perl

# trtc_auth and bad tokens: every malformed, forged, expired or
# misdirected token gets the configured status (401, or 403 with
# trtc_auth_status), $trtc_auth_result says why, and error.log has
# exactly one "trtc token rejected: <reason>" line at the configured
# level; nginx never crashes and the key never leaves the key file.
# A few good tokens go through, so that the test can fail both ways.

use strict;
use warnings;

use Test::More;
use Compress::Zlib ();
use MIME::Base64 qw(encode_base64);
use Time::HiRes ();
use Time::Local qw(timegm);

use lib 't/lib';
use TrtcTest;
use TrtcToken qw(forge userbuf pmk b64_trtc unb64_trtc zlib inflate_token);

###############################################################################

my $KEY = $TrtcToken::KEY;

my $t = TrtcTest->new();
$t->write_key('key', $KEY);

# one page per location, so that no index redirect runs the check twice

my @dirs = qw(a user room priv leeway forbid quiet quiet-shown);
$t->write_file("html/$_/page.html", "page $_\n") for @dirs;

# the main error log is at "error": trtc_auth_log_level info is hidden
# there; /quiet-shown/ has its own log at "info" to prove the line exists

$t->run(<<'EOF', log_level => 'error');
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        root %%TESTDIR%%/html;

        trtc_auth on;

        add_header X-Result $trtc_auth_result always;
        add_header X-User $trtc_user_id always;
        add_header X-Room $trtc_room_id always;
        add_header X-Privilege $trtc_privilege always;
        add_header X-Expires $trtc_expires always;

        location /a/ { }

        location /user/ {
            trtc_auth_user $arg_u;
        }

        location /room/ {
            trtc_auth_room $arg_roomId;
        }

        location /priv/ {
            trtc_auth_privilege send_video;
        }

        location /leeway/ {
            trtc_auth_leeway 5s;
        }

        location /forbid/ {
            trtc_auth_status 403;
        }

        location /quiet/ {
            trtc_auth_log_level info;
        }

        location /quiet-shown/ {
            trtc_auth_log_level info;
            error_log %%TESTDIR%%/info.log info;
        }
    }
EOF

###############################################################################

sub hdr { TrtcTest::header(@_) }

sub rejected_lines {
    my ($log) = @_;
    return grep { /trtc token rejected:/ } split /\n/, $log;
}

# the response is a rejection with this status and reason, logged once
sub rejected {
    my ($name, $r, $reason, %o) = @_;
    my $status = $o{status} // 401;

    is($r->{status}, $status, "$name: $status");
    is(hdr($r, 'X-Result'), $reason, "$name: \$trtc_auth_result $reason");
    ok(!defined hdr($r, 'X-User'), "$name: no \$trtc_user_id");
    unlike($r->{body}, qr/^page /, "$name: page not served");

    my @lines = rejected_lines($t->log_since);
    is(scalar @lines, 1, "$name: one rejection line in error.log")
        or diag(join "\n", @lines);

    my $user = defined $o{user} ? qr/, user "\Q$o{user}\E"/
                                : qr/(?:, user "[\w-]*")?/;
    like($lines[0] // '',
         qr/\[error\] .*trtc token rejected: \Q$reason\E$user, client: /,
         "$name: logged as $reason");

    # a token in the query string, good or bad, is not written out
    unlike($lines[0] // '', qr/(?:privateMapKey|userSig)=/,
           "$name: no query string in the log line");
}

# the response is the page, let through
sub passed {
    my ($name, $r, %o) = @_;

    is($r->{status}, 200, "$name: 200");
    like($r->{body}, qr/^page /, "$name: page served");
    is(hdr($r, 'X-Result'), 'ok', "$name: \$trtc_auth_result ok");
    is(hdr($r, 'X-User'), $o{user} // 'alice', "$name: \$trtc_user_id");

    for my $h (qw(room privilege expires)) {
        next unless exists $o{$h};
        is(hdr($r, "X-\u$h"), $o{$h}, "$name: \$trtc_$h");
    }

    is(scalar(rejected_lines($t->log_since)), 0, "$name: nothing logged");
}

# a zlib stream of stored blocks, padded with empty ones: a token of an
# exact length from a JSON text (an inflater must take such streams)
sub stored_token {
    my ($json, $len) = @_;
    my $raw = $len / 4 * 3;

    $json .= ' ' x (($raw - 11 - length $json) % 5);
    my $empty = ($raw - 11 - length $json) / 5;

    my $z = "\x78\x01" . "\x00\x00\x00\xff\xff" x $empty
            . "\x01" . pack('vv', length $json, ~length($json) & 0xffff)
            . $json . pack('N', Compress::Zlib::adler32($json));

    return b64_trtc($z);
}

# some token of forge(%a, expire => 86400 + $i) whose text matches
sub token_like {
    my ($re, $make) = @_;
    for my $i (0 .. 500) {
        my $tok = $make->(86400 + $i);
        return $tok if $tok =~ $re;
    }
    die "no token like $re\n";
}

sub http_date {
    my ($d) = @_;
    my %mon;
    @mon{qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)} = (0 .. 11);
    my ($dd, $mm, $yy, $h, $m, $s) =
        ($d // '') =~ /^\w+, (\d\d) (\w\w\w) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/
        or return;
    return timegm($s, $m, $h, $dd, $mon{$mm}, $yy);
}

# a request made from the current second, retried until the server's
# Date says it saw the same second: ($response, $now) or ()
sub at_server_second {
    my ($make) = @_;

    for (1 .. 5) {
        my $frac = Time::HiRes::time() - int(Time::HiRes::time());
        Time::HiRes::sleep(1.02 - $frac) if $frac > 0.7;

        my $now = time();
        $t->log_mark;
        my $r = $t->get($make->($now));
        my $date = http_date(hdr($r, 'Date'));

        return ($r, $now) if defined $date && $date == $now;
    }

    return;
}

my $good = forge();
my $good_json = inflate_token($good);
my $good_z = unb64_trtc($good);

###############################################################################

# 1. positives: found in each default source, variables exposed

my $now = time();
my $sig = forge(time => $now, expire => 600);

$t->log_mark;
passed('UserSig in header', $t->request(GET => '/a/page.html', token => $sig),
       expires => $now + 600, room => undef, privilege => undef);

$t->log_mark;
passed('UserSig in cookie trtc_token',
       $t->get('/a/page.html', Cookie => "x=1; trtc_token=$sig"));

$t->log_mark;
passed('UserSig in ?privateMapKey=',
       $t->get("/a/page.html?privateMapKey=$sig"));

$t->log_mark;
passed('UserSig in ?userSig=', $t->get("/a/page.html?a=b&userSig=$sig"));

my $escaped = token_like(qr/[*_-]/, sub { forge(expire => $_[0]) });
(my $qescaped = $escaped) =~ s/([*_-])/sprintf('%%%02X', ord $1)/ge;
$t->log_mark;
passed('%-escaped token in ?userSig=',
       $t->get("/a/page.html?userSig=$qescaped"));

my $padded = token_like(qr/_$/, sub { forge(expire => $_[0]) });
(my $unpadded = $padded) =~ s/_+$//;
$t->log_mark;
passed('token without its "_" padding',
       $t->request(GET => '/a/page.html', token => $unpadded));

$t->log_mark;
passed('empty header, token in cookie',
       $t->get('/a/page.html', 'X-TRTC-Token' => '',
               Cookie => "trtc_token=$good"));

$t->log_mark;
passed('PMK, numeric room',
       $t->get("/room/page.html?roomId=1234&privateMapKey="
               . pmk(ub => { privilege => 255 })),
       room => '1234', privilege => '255');

$t->log_mark;
passed('PMK, string room',
       $t->get("/room/page.html?roomId=Team-7&privateMapKey="
               . pmk(ub => { strroom => 'Team-7', privilege => 42 })),
       room => 'Team-7', privilege => '42');

$t->log_mark;
passed('PMK with send_video',
       $t->request(GET => '/priv/page.html',
                   token => pmk(ub => { privilege => 2 | 16 })));

$t->log_mark;
passed('trtc_auth_user, same user',
       $t->request(GET => '/user/page.html?u=alice', token => $good));

$t->log_mark;
passed('trtc_auth_status 403, good token',
       $t->request(GET => '/forbid/page.html', token => $good));

# exact bounds: 1024 bytes of JSON, a 2048-byte token

my $json1024 = $good_json . ' ' x (1024 - length $good_json);
$t->log_mark;
passed('JSON of exactly 1024 bytes',
       $t->request(GET => '/a/page.html', token => forge(json => $json1024)));

my $tok2048 = stored_token($good_json, 2048);
is(length $tok2048, 2048, 'made a token of 2048 bytes');
$t->log_mark;
passed('token of exactly 2048 bytes',
       $t->request(GET => '/a/page.html', token => $tok2048));

###############################################################################

# 2. rejections at the default location: [ name, token, reason, user ]

my $json = sub {
    my ($re, $with) = @_;
    (my $j = $good_json) =~ s/$re/$with/;
    return forge(json => $j);
};

my $std = token_like(qr/[+\/]/, sub {
    encode_base64(unb64_trtc(forge(expire => $_[0])), '');
});

my $bomb = b64_trtc(zlib('{"TLS.ver":"2.0","pad":"' . ('a' x 1_000_000)
                         . '"}', 9));

# the right signature, in TRTC's alphabet: '*' and '-' for '+' and '/'
my $trtc_sig;
for my $e (86400 .. 86900) {
    my $s = TrtcToken::sign_content($KEY, identifier => 'alice',
                                    sdkappid => $TrtcToken::SDKAPPID,
                                    time => $now, expire => $e);
    next unless $s =~ m{[+/]};
    $s =~ tr{+/=}{*\-_};
    $trtc_sig = forge(time => $now, expire => $e, sig => $s);
    last;
}

die "no signature with '+' or '/'\n" unless $trtc_sig;

my $sig31 = encode_base64('s' x 31, '');
my $sig33 = encode_base64('s' x 33, '');
my $sig32 = encode_base64('s' x 32, '');

my @bad = (

    # transport and encoding

    [ 'not base64', '!!!!', 'bad_base64' ],
    [ 'base64 of length 4n+1', 'AAAAA', 'bad_base64' ],
    [ 'padding in the middle', 'AA__AAAA', 'bad_base64' ],
    [ 'too much padding', 'A___', 'bad_base64' ],
    [ 'space inside', 'eJyr VqpVAAAA', 'bad_base64' ],
    [ 'non-ASCII bytes', "\xc3\xa9" . substr($good, 2), 'bad_base64' ],
    [ 'standard base64 alphabet', $std, 'bad_base64' ],
    [ 'standard "=" padding', token_like(qr/_$/, sub { forge(expire => $_[0]) })
      =~ s/_/=/gr, 'bad_base64' ],
    [ 'longer than 2048 bytes', 'A' x 2049, 'too_long' ],
    [ 'valid but 2052 bytes long', stored_token($good_json, 2052),
      'too_long' ],

    # zlib

    [ 'not zlib', b64_trtc('hello, world'), 'bad_zlib' ],
    [ 'zeros', 'A' x 2048, 'bad_zlib' ],
    [ 'truncated zlib, half',
      b64_trtc(substr($good_z, 0, length($good_z) / 2)), 'bad_zlib' ],
    [ 'truncated zlib, no checksum',
      b64_trtc(substr($good_z, 0, -4)), 'bad_zlib' ],
    [ 'zlib, bad checksum',
      b64_trtc(substr($good_z, 0, -1) . chr(ord(substr($good_z, -1)) ^ 1)),
      'bad_zlib' ],
    [ 'zlib, trailing garbage', b64_trtc($good_z . 'xyz'), 'bad_zlib' ],
    [ 'gzip instead of zlib', b64_trtc(Compress::Zlib::memGzip($good_json)),
      'bad_zlib' ],
    [ 'zlib bomb', $bomb, 'too_large' ],
    [ 'JSON of 1025 bytes', forge(json => $json1024 . ' '), 'too_large' ],

    # JSON

    [ 'not JSON', forge(json => 'hello'), 'bad_json' ],
    [ 'empty JSON', forge(json => ''), 'bad_json' ],
    [ 'JSON array', forge(json => '[1,2]'), 'bad_json' ],
    [ 'JSON string', forge(json => '"TLS.ver"'), 'bad_json' ],
    [ 'JSON null', forge(json => 'null'), 'bad_json' ],
    [ 'unterminated object', forge(json => substr($good_json, 0, -1)),
      'bad_json' ],
    [ 'garbage after object', forge(json => "$good_json x"), 'bad_json' ],
    [ 'NUL after object', forge(json => "$good_json\0"), 'bad_json' ],
    [ 'deep nesting', forge(json => '[' x 1000), 'bad_json' ],
    [ 'deep objects', forge(json => '{"a":' x 150), 'bad_json' ],
    [ 'empty object', forge(json => '{}'), 'bad_version' ],
    [ 'duplicate identifier',
      $json->(qr/\{/, '{"TLS.identifier":"mallory",'), 'duplicate_field' ],
    [ 'duplicate sig',
      $json->(qr/\{/, qq({"TLS.sig":"$sig32",)), 'duplicate_field' ],

    # wrong types and missing fields

    [ 'ver as number', forge(fields => { 'TLS.ver' => '2.0' }),
      'bad_version' ],
    [ 'ver 1.0', forge(fields => { 'TLS.ver' => '"1.0"' }), 'bad_version' ],
    [ 'no ver', forge(fields => { 'TLS.ver' => undef }), 'bad_version' ],
    [ 'identifier as number', forge(fields => { 'TLS.identifier' => '42' }),
      'bad_identifier' ],
    [ 'identifier null', forge(fields => { 'TLS.identifier' => 'null' }),
      'bad_identifier' ],
    [ 'empty identifier', forge(fields => { 'TLS.identifier' => '""' }),
      'bad_identifier' ],
    [ 'identifier with space',
      forge(fields => { 'TLS.identifier' => '"al ice"' }), 'bad_identifier' ],
    [ 'identifier with newline',
      forge(fields => { 'TLS.identifier' => '"alice\nfoo: bar"' }),
      'bad_identifier' ],
    [ 'identifier with an escaped backslash before u0000',
      forge(fields => { 'TLS.identifier' => '"alice\\\\u0000"' }),
      'bad_identifier' ],
    [ 'identifier of 33 bytes', forge(identifier => 'a' x 33),
      'bad_identifier' ],
    [ 'no identifier', forge(fields => { 'TLS.identifier' => undef }),
      'bad_identifier' ],
    [ 'sdkappid as string',
      forge(fields => { 'TLS.sdkappid' => '"1400000000"' }), 'bad_sdkappid' ],
    [ 'sdkappid null', forge(fields => { 'TLS.sdkappid' => 'null' }),
      'bad_sdkappid' ],
    [ 'no sdkappid', forge(fields => { 'TLS.sdkappid' => undef }),
      'bad_sdkappid' ],
    [ 'time as string', forge(fields => { 'TLS.time' => qq("$now") }),
      'bad_time' ],
    [ 'time true', forge(fields => { 'TLS.time' => 'true' }), 'bad_time' ],
    [ 'no time', forge(fields => { 'TLS.time' => undef }), 'bad_time' ],
    [ 'expire as string', forge(fields => { 'TLS.expire' => '"86400"' }),
      'bad_expire' ],
    [ 'expire as array', forge(fields => { 'TLS.expire' => '[86400]' }),
      'bad_expire' ],
    [ 'no expire', forge(fields => { 'TLS.expire' => undef }), 'bad_expire' ],
    [ 'sig as number', forge(fields => { 'TLS.sig' => '12345' }), 'bad_sig' ],
    [ 'sig null', forge(fields => { 'TLS.sig' => 'null' }), 'bad_sig' ],
    [ 'no sig', forge(fields => { 'TLS.sig' => undef }), 'bad_sig' ],
    [ 'userbuf as number', forge(fields => { 'TLS.userbuf' => '12345' }),
      'bad_userbuf' ],
    [ 'empty userbuf', forge(userbuf_b64 => ''), 'bad_userbuf' ],

    # huge and negative numbers (signed over the in-range values, so a
    # verifier that wrapped or truncated them would let them through)

    [ 'sdkappid + 2^32',
      forge(fields => { 'TLS.sdkappid' => 1400000000 + 2**32 }),
      'bad_sdkappid' ],
    [ 'negative sdkappid',
      forge(fields => { 'TLS.sdkappid' => '-1400000000' }), 'bad_sdkappid' ],
    [ 'negative time', forge(time => -1), 'bad_time' ],
    [ 'time + 2^32', forge(time => $now,
                           fields => { 'TLS.time' => $now + 2**32 }),
      'bad_time' ],
    [ 'time 1e300', forge(fields => { 'TLS.time' => '1e300' }), 'bad_time' ],
    [ 'time of 30 digits', forge(fields => { 'TLS.time' => '9' x 30 }),
      'bad_time' ],
    [ 'fractional time', forge(fields => { 'TLS.time' => "$now.5" }),
      'bad_time' ],
    [ 'negative expire', forge(expire => -86400), 'bad_expire' ],
    [ 'expire 2^64', forge(fields => { 'TLS.expire' => '18446744073709551616' }),
      'bad_expire' ],
    [ 'expire -2^64 + 86400',
      forge(fields => { 'TLS.expire' => '-18446744073709465216' }),
      'bad_expire' ],

    # signature

    [ 'sig of 31 bytes', forge(sig => $sig31), 'bad_sig' ],
    [ 'sig of 33 bytes', forge(sig => $sig33), 'bad_sig' ],
    [ 'sig in TRTC alphabet', $trtc_sig, 'bad_sig' ],
    [ 'sig not base64', forge(sig => '!' x 44), 'bad_sig' ],
    [ 'empty sig', forge(sig => ''), 'bad_sig' ],

    # a NUL anywhere in the JSON, escaped or raw: cJSON would cut the
    # string there, giving one token many spellings

    [ 'ver with NUL', forge(fields => { 'TLS.ver' => '"2.0\u0000x"' }),
      'bad_json' ],
    [ 'identifier with NUL',
      forge(fields => { 'TLS.identifier' => '"alice\u0000x"' }),
      'bad_json' ],
    [ 'identifier with raw NUL',
      forge(fields => { 'TLS.identifier' => qq("alice\0x") }), 'bad_json' ],
    [ 'expire named with NUL and more',
      forge(json => $good_json =~ s/"TLS.expire"/"TLS.expire\\u0000x"/r),
      'bad_json' ],
    [ 'sig with NUL and more',
      forge(json => $good_json =~ s/("TLS.sig":"[^"]*)"/$1\\u0000AAAA"/r),
      'bad_json' ],
    [ 'userbuf with NUL and more',
      forge(userbuf => userbuf(), fields => {
          'TLS.userbuf' => '"' . encode_base64(userbuf(), '') . '\u0000"' }),
      'bad_json' ],
    [ 'sig of 32 wrong bytes', forge(sig => $sig32), 'signature_mismatch',
      'alice' ],
    [ 'wrong key', forge(key => 'f' x 64), 'signature_mismatch', 'alice' ],
    [ 'key hex-decoded', forge(key => pack('H*', $KEY)),
      'signature_mismatch', 'alice' ],
    [ 'field changed after signing',
      forge(fields => { 'TLS.identifier' => '"mallory"' }),
      'signature_mismatch', 'mallory' ],
    [ 'userbuf changed after signing',
      forge(userbuf => userbuf(roomid => 1234), fields => {
          'TLS.userbuf' => '"' . encode_base64(userbuf(roomid => 5678), '')
                           . '"' }),
      'signature_mismatch', 'alice' ],
    [ 'wrong sdkappid', forge(sdkappid => 1400000001), 'sdkappid_mismatch',
      'alice' ],
    [ 'expired a day ago', forge(time => $now - 2 * 86400, expire => 86400),
      'expired', 'alice' ],

    # userbuf

    [ 'userbuf of 10 bytes', pmk(userbuf => 'x' x 10), 'bad_userbuf' ],
    [ 'userbuf of 22 bytes', pmk(userbuf => substr(userbuf(), 0, 22)),
      'bad_userbuf' ],
    [ 'userbuf cut short', pmk(userbuf => substr(userbuf(), 0, -1)),
      'bad_userbuf' ],
    [ 'userbuf with a byte more', pmk(userbuf => userbuf() . 'x'),
      'bad_userbuf' ],
    [ 'userbuf of 200 bytes', pmk(userbuf => 'x' x 200), 'bad_userbuf' ],
    [ 'userbuf account length overruns by one',
      pmk(ub => { account_len => 6 }), 'bad_userbuf' ],
    [ 'userbuf account length 65535', pmk(ub => { account_len => 65535 }),
      'bad_userbuf' ],
    [ 'userbuf account length 0', pmk(ub => { account_len => 0 }),
      'bad_userbuf' ],
    [ 'userbuf account of 33 bytes',
      pmk(ub => { account => 'a' x 33 }), 'bad_userbuf' ],
    [ 'userbuf room length overruns',
      pmk(ub => { strroom => 'Team-7', room_len => 7 }), 'bad_userbuf' ],
    [ 'userbuf room length 65535',
      pmk(ub => { strroom => 'Team-7', room_len => 65535 }), 'bad_userbuf' ],
    [ 'userbuf room length short',
      pmk(ub => { strroom => 'Team-7', room_len => 5 }), 'bad_userbuf' ],
    [ 'userbuf room length 0',
      pmk(ub => { strroom => '', room_len => 0 }), 'bad_userbuf' ],
    [ 'userbuf ver 1 without room length', pmk(ub => { ver => 1 }),
      'bad_userbuf' ],
    [ 'userbuf ver 2', pmk(ub => { ver => 2 }), 'bad_userbuf' ],
    [ 'userbuf room with a quote', pmk(ub => { strroom => 'a"b' }),
      'bad_userbuf' ],
    [ 'userbuf not base64', pmk(userbuf_b64 => '!!!!'), 'bad_userbuf' ],
    [ 'userbuf in TRTC alphabet',
      pmk(userbuf_b64 => b64_trtc(userbuf(account => 'alice',
                                          account_type => 0xfbefbe))),
      'bad_userbuf' ],
    [ 'userbuf of another account', pmk(ub => { account => 'bob' }),
      'userbuf_account_mismatch', 'alice' ],
    [ 'userbuf of another sdkappid', pmk(ub => { sdkappid => 1400000001 }),
      'userbuf_sdkappid_mismatch', 'alice' ],
    [ 'userbuf expired, token not',
      pmk(time => $now, expire => 86400, ub => { expire => $now - 10 }),
      'userbuf_expired', 'alice' ],
);

for my $c (@bad) {
    my ($name, $token, $reason, $user) = @$c;

    $t->log_mark;
    rejected($name, $t->request(GET => '/a/page.html', token => $token),
             $reason, user => $user);
}

###############################################################################

# 3. sources and their order, and other locations' checks

my @located = (

    # [ name, uri, [ headers ], reason, user ]

    [ 'no token', '/a/page.html', [], 'no_token' ],
    [ 'empty header', '/a/page.html', [ 'X-TRTC-Token' => '' ], 'no_token' ],
    [ 'blank header', '/a/page.html', [ 'X-TRTC-Token' => '   ' ],
      'no_token' ],
    [ 'empty args', '/a/page.html?privateMapKey=&userSig=', [], 'no_token' ],
    [ 'empty cookie', '/a/page.html', [ Cookie => 'trtc_token=' ],
      'no_token' ],
    [ 'a lone "%"', '/a/page.html?userSig=%', [], 'empty' ],
    [ 'header before cookie', '/a/page.html',
      [ 'X-TRTC-Token' => '!!!!', Cookie => "trtc_token=$good" ],
      'bad_base64' ],
    [ 'cookie before args', "/a/page.html?privateMapKey=$good",
      [ Cookie => 'trtc_token=!!!!' ], 'bad_base64' ],
    [ 'privateMapKey before userSig',
      "/a/page.html?userSig=$good&privateMapKey=!!!!", [], 'bad_base64' ],
    [ 'standard base64 in ?userSig=', "/a/page.html?userSig=$std", [],
      'bad_base64' ],
    [ 'too long in ?userSig=', '/a/page.html?userSig=' . ('A' x 2049), [],
      'too_long' ],

    [ 'another user', '/user/page.html?u=bob', [ 'X-TRTC-Token' => $good ],
      'user_mismatch', 'alice' ],
    [ 'no user asked for', '/user/page.html', [ 'X-TRTC-Token' => $good ],
      'user_mismatch', 'alice' ],
    [ 'user asked for differs in case', '/user/page.html?u=Alice',
      [ 'X-TRTC-Token' => $good ], 'user_mismatch', 'alice' ],

    [ 'PMK for another room', '/room/page.html?roomId=5678',
      [ 'X-TRTC-Token' => pmk() ], 'room_mismatch', 'alice' ],
    [ 'PMK for string room "1234", numeric 1234 asked for',
      '/room/page.html?roomId=1234',
      [ 'X-TRTC-Token' => pmk(ub => { strroom => '1234' }) ],
      'room_mismatch', 'alice' ],
    [ 'PMK for numeric room 1234, string room "01234" asked for',
      '/room/page.html?roomId=01234', [ 'X-TRTC-Token' => pmk() ],
      'room_mismatch', 'alice' ],
    [ 'PMK for another string room', '/room/page.html?roomId=Team-8',
      [ 'X-TRTC-Token' => pmk(ub => { strroom => 'Team-7' }) ],
      'room_mismatch', 'alice' ],
    [ 'PMK, no room asked for', '/room/page.html',
      [ 'X-TRTC-Token' => pmk() ], 'room_mismatch', 'alice' ],
    [ 'UserSig where a room is required', '/room/page.html?roomId=1234',
      [ 'X-TRTC-Token' => $good ], 'no_userbuf', 'alice' ],
    [ 'PMK of another account', '/room/page.html?roomId=1234',
      [ 'X-TRTC-Token' => pmk(ub => { account => 'bob' }) ],
      'userbuf_account_mismatch', 'alice' ],

    [ 'PMK without send_video', '/priv/page.html',
      [ 'X-TRTC-Token' => pmk(ub => { privilege => 42 }) ],
      'privilege_missing', 'alice' ],
    [ 'PMK with all but send_video', '/priv/page.html',
      [ 'X-TRTC-Token' => pmk(ub => { privilege => 255 & ~16 }) ],
      'privilege_missing', 'alice' ],
    [ 'UserSig where a privilege is required', '/priv/page.html',
      [ 'X-TRTC-Token' => $good ], 'no_userbuf', 'alice' ],
);

for my $c (@located) {
    my ($name, $uri, $headers, $reason, $user) = @$c;

    $t->log_mark;
    rejected($name, $t->get($uri, @$headers), $reason, user => $user);
}

# trtc_auth_status 403

for my $c (['no token', undef, 'no_token'],
           ['not base64', '!!!!', 'bad_base64'],
           ['zlib bomb', $bomb, 'too_large'],
           ['wrong key', forge(key => 'f' x 64), 'signature_mismatch'],
           ['expired', forge(time => $now - 2 * 86400), 'expired'])
{
    my ($name, $token, $reason) = @$c;

    $t->log_mark;
    my $r = $t->request(GET => '/forbid/page.html', token => $token);
    rejected("403: $name", $r, $reason, status => 403);
}

###############################################################################

# 4. expiry at the boundary, on the server's clock: time + expire is the
# last valid second; trtc_auth_leeway extends it, for the userbuf too

my @edges = (

    # [ name, uri, seconds from now to the token's end, userbuf end,
    #   reason or undef when accepted ]

    [ 'ends this second', '/a/page.html', 0, undef, undef ],
    [ 'ended a second ago', '/a/page.html', -1, undef, 'expired' ],
    [ 'ended a second ago, leeway 5s', '/leeway/page.html', -1, undef, undef ],
    [ 'ended 5s ago, leeway 5s', '/leeway/page.html', -5, undef, undef ],
    [ 'ended 6s ago, leeway 5s', '/leeway/page.html', -6, undef, 'expired' ],
    [ 'userbuf ends this second', '/a/page.html', 600, 0, undef ],
    [ 'userbuf ended a second ago', '/a/page.html', 600, -1,
      'userbuf_expired' ],
    [ 'userbuf ended 5s ago, leeway 5s', '/leeway/page.html', 600, -5,
      undef ],
    [ 'userbuf ended 6s ago, leeway 5s', '/leeway/page.html', 600, -6,
      'userbuf_expired' ],
);

for my $c (@edges) {
    my ($name, $uri, $end, $ub_end, $reason) = @$c;

    my ($r, $at) = at_server_second(sub {
        my ($now) = @_;
        my %a = (time => $now + $end - 3600, expire => 3600);
        my $token = defined $ub_end
            ? pmk(%a, ub => { expire => $now + $ub_end })
            : forge(%a);
        return ($uri, 'X-TRTC-Token' => $token);
    });

    ok($r, "$name: server's Date matched the client's second") or next;

    if (defined $reason) {
        rejected($name, $r, $reason, user => 'alice');
    } else {
        passed($name, $r,
               expires => $at + (defined $ub_end ? $ub_end : $end));
    }
}

###############################################################################

# 5. trtc_auth_log_level info: below the error log's level, not logged;
# logged at "info" where a log takes it

$t->log_mark;
my $r = $t->get('/quiet/page.html');
is($r->{status}, 401, 'log level info: still 401');
is(hdr($r, 'X-Result'), 'no_token', 'log level info: $trtc_auth_result');
is(scalar(rejected_lines($t->log_since)), 0,
   'log level info: hidden by error_log ... error');

my $info_before = $t->read_file('info.log');
$t->log_mark;
$r = $t->request(GET => '/quiet-shown/page.html',
                 token => forge(key => 'f' x 64));
is($r->{status}, 401, 'log level info, info log: 401');
is(scalar(rejected_lines($t->log_since)), 0,
   'log level info, info log: not in error.log');
my @info = rejected_lines(substr($t->read_file('info.log'),
                                 length $info_before));
is(scalar @info, 1, 'log level info, info log: one line');
like($info[0] // '',
     qr/\[info\] .*trtc token rejected: signature_mismatch, user "alice"/,
     'log level info, info log: at info, with the reason');

# the request line of a rejection stops at the query string

$t->log_mark;
my $qtok = pmk();
$r = $t->get("/room/page.html?roomId=5678&privateMapKey=$qtok");
is($r->{status}, 401, 'query token for another room: 401');
my @q = rejected_lines($t->log_since);
like($q[0] // '', qr{, request: "GET /room/page\.html\?\.\.\. HTTP/1\.0", host: },
     'query token: the request line without its query');
ok(index($t->log_since, $qtok) < 0, 'query token: not in error.log');

###############################################################################

# 6. the key is nowhere: no response, no log

$t->stop;

my %texts = (
    'responses' => $TrtcTest::SEEN,        # every one, as received
    map { $_ => $t->read_file($_) }
        qw(error.log access.log info.log stderr.log),
);

ok(length $texts{'error.log'} && length $texts{'access.log'},
   'logs were written');

for my $name (sort keys %texts) {
    ok(index($texts{$name}, $KEY) < 0, "key not in $name");
}

done_testing;

###############################################################################
