#!/usr/bin/perl

# Configuration: what loads, what is refused and how it is said; the key
# file's handling.

use strict;
use warnings;

use Test::More;

use lib 't/lib';
use TrtcTest;

my $KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';

my $t = TrtcTest->new();
$t->write_file('key', "$KEY\n", 0600);
$t->write_file('key-crlf', "$KEY  \r\nsecond line\r\n", 0600);
$t->write_file('open.key', "$KEY\n", 0644);
$t->write_file('empty.key', "\n\n", 0600);
$t->write_file('big.key', 'k' x 2000, 0600);
mkdir($t->dir . '/dir.key');

sub conf_ok {
    my ($body, $name, $re) = @_;
    my ($ok, $out) = $t->test_config($body);
    ok($ok, $name) or diag($out);
    like($out, $re, "$name: says so") if $re;
    unlike($out, qr/\Q$KEY\E/, "$name: key not shown");
}

sub conf_fails {
    my ($body, $re, $name) = @_;
    my ($ok, $out) = $t->test_config($body);
    ok(!$ok, $name);
    like($out, $re, "$name: clear error") or diag($out);
    unlike($out, qr/\Q$KEY\E/, "$name: key not shown");
}

my $srv = 'server { listen 127.0.0.1:' . $t->port . '; %s }';
my $keys = "trtc_sdkappid 1400000000; trtc_key_file %%TESTDIR%%/key;";

conf_ok("$keys " . sprintf($srv, 'location /i { trtc_issue; }
    location /a { trtc_auth on; trtc_auth_room $arg_r;
        trtc_auth_privilege enter send_audio; trtc_auth_status 403;
        trtc_auth_log_level warn; trtc_auth_leeway 30s;
        trtc_auth_token $http_authorization $cookie_t; }'),
        'the packaged nginx loads the module and every directive');

conf_ok(sprintf($srv, "location /i { $keys trtc_issue; }"),
        'keys at location level');

conf_ok("trtc_sdkappid 1; trtc_key_file %%TESTDIR%%/key-crlf; "
        . sprintf($srv, 'location /i { trtc_issue; }'),
        'key file with CRLF, trailing blanks and more lines');

conf_ok("trtc_sdkappid 1; trtc_key_file %%TESTDIR%%/open.key; "
        . sprintf($srv, 'location /i { trtc_issue; }'),
        'key file readable by others loads',
        qr/\[warn\].*open\.key" is accessible by others/);

conf_fails(sprintf($srv, 'location /i { trtc_issue; }'),
           qr/\[emerg\].*"trtc_issue" needs "trtc_sdkappid" and "trtc_key_file"/,
           'trtc_issue without a key');

conf_fails("trtc_key_file %%TESTDIR%%/key; "
           . sprintf($srv, 'location /a { trtc_auth on; }'),
           qr/\[emerg\].*"trtc_auth" needs "trtc_sdkappid"/,
           'trtc_auth without sdkappid');

conf_fails("trtc_sdkappid 1; trtc_key_file %%TESTDIR%%/missing.key;",
           qr/\[emerg\].*missing\.key" failed/, 'missing key file');

conf_fails("trtc_sdkappid 1; trtc_key_file %%TESTDIR%%/empty.key;",
           qr/\[emerg\].*empty\.key" holds no usable key/, 'empty key file');

conf_fails("trtc_sdkappid 1; trtc_key_file %%TESTDIR%%/big.key;",
           qr/\[emerg\].*big\.key" is larger than 1024 bytes/,
           'oversized key file');

conf_fails("trtc_sdkappid 1; trtc_key_file %%TESTDIR%%/dir.key;",
           qr/\[emerg\].*dir\.key" is not a regular file/,
           'key file that is a directory');

conf_fails("trtc_sdkappid 4294967296;",
           qr/\[emerg\].*value must be between 1 and 4294967295/,
           'sdkappid too large');

conf_fails("trtc_sdkappid abc;", qr/\[emerg\].*invalid number/,
           'sdkappid not a number');

conf_fails("$keys trtc_issue_privilege enter fly;",
           qr/\[emerg\].*invalid privilege "enter fly"/,
           'unknown privilege name');

conf_fails("$keys trtc_auth_privilege 256;",
           qr/\[emerg\].*invalid privilege "256"/, 'privilege over 255');

conf_fails("$keys trtc_auth_status 200;",
           qr/\[emerg\].*value must be between 400 and 599/,
           'rejection status out of range');

conf_fails("$keys trtc_auth_log_level debug;",
           qr/\[emerg\].*invalid value "debug"/, 'bad log level');

conf_fails("$keys trtc_issue_cookie a=b;",
           qr/\[emerg\].*invalid cookie name "a=b"/, 'bad cookie name');

conf_fails("$keys trtc_issue_cookie t samesite=sometimes;",
           qr/\[emerg\].*invalid parameter "samesite=sometimes"/,
           'bad cookie parameter');

conf_fails("$keys trtc_issue_cookie t \"path=/a;b\";",
           qr/\[emerg\].*invalid parameter "path=\/a;b"/,
           'cookie path with a semicolon');

conf_fails("$keys trtc_issue_expire 200y;",
           qr/\[emerg\].*"trtc_issue_expire" directive is too large/,
           'expiry beyond the token format');

conf_fails("$keys trtc_auth_token \$arg_a; trtc_auth_token \$arg_b;",
           qr/\[emerg\].*is duplicate/, 'duplicate token sources');

conf_fails("$keys " . sprintf($srv, 'location /i { trtc_issue; trtc_issue; }'),
           qr/\[emerg\].*"trtc_issue" directive is duplicate/,
           'duplicate trtc_issue');

conf_fails("$keys " . sprintf($srv, 'location /s { trtc_stamp; trtc_stamp; }'),
           qr/\[emerg\].*"trtc_stamp" directive is duplicate/,
           'duplicate trtc_stamp');

conf_fails("$keys trtc_turn_urls turn:a; trtc_turn_urls turn:b;",
           qr/\[emerg\].*"trtc_turn_urls" directive is duplicate/,
           'duplicate trtc_turn_urls');

conf_fails("$keys trtc_auth_room \$arg_room unescaped;",
           qr/\[emerg\].*invalid parameter "unescaped"/,
           'an id directive\'s parameter other than "decoded"');

# (no regex location: under ASan, nginx -t leaks a PCRE2 context of its
# own at exit, which LeakSanitizer turns into a failed exit status)
conf_ok("$keys " . sprintf($srv, 'location /r/ { trtc_auth on; '
                                 . 'trtc_auth_room $uri decoded; }'),
        'trtc_auth_room with "decoded"');

conf_fails("$keys trtc_turn_urls turn:a http://b;",
           qr/\[emerg\].*invalid TURN URL "http:\/\/b"/, 'a TURN URL that is not');

conf_fails("$keys trtc_turn_urls 'turn:a\"b';",
           qr/\[emerg\].*invalid TURN URL/, 'a TURN URL with a quote');

conf_fails("$keys trtc_turn_secret_file %%TESTDIR%%/empty.key;",
           qr/\[emerg\].*TURN secret file ".*empty\.key" holds no secret/,
           'an empty TURN secret file');

conf_fails("$keys trtc_issue;",
           qr/\[emerg\].*"trtc_issue" directive is not allowed here/,
           'trtc_issue outside a location');

done_testing;
