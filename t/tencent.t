#!/usr/bin/perl

# README.md's recipe for Tencent's demo folders ("Tencent's demo
# folders"), taken from the README and served with stand-ins of the two
# folders (t/data/tencent/, the key pasted into v4's signing file as in
# the story's step 3.2.2), as an attacker meets it: the signing files
# answered by the replacement under every spelling of their URI, the
# in-page signer and the rest of js/debug/ not at all, the call sites
# rewritten, the methods each location takes, the issuer's tokens
# checked by Tencent's own tls-sig-api-v2, the signaling proxy letting
# through only a valid UserSig of the user it names, and the key and the
# tokens in no response and no log.  The browser side is
# t/browser-tencent.t.

use strict;
use warnings;

use Test::More;
use JSON::PP;

use lib 't/lib';
use TrtcTest qw(repo_dir json_body);
use TrtcToken qw(forge);
use TrtcRecipe qw(tencent_http);

my $repo = repo_dir();
my $ref = "$repo/t/ref/ref.js";

BAIL_OUT('no reference package (make prove installs it)')
    unless -d "$repo/t/ref/node_modules/tls-sig-api-v2";

my $KEY = $TrtcToken::KEY;
my $APP = 1400000000;

my $t = TrtcTest->new();
my $dir = $t->dir;

$t->write_key('trtc.key', $KEY);

# the folders as the user has them: the key pasted into the v4 signing
# file, and an editor's backup of it beside it
system('cp', '-r', "$repo/t/data/tencent", "$dir/folders") == 0
    or die "cp\n";
for my $f ("$dir/folders/base-js/js/debug/GenerateTestUserSig.js") {
    my $c = $t->read_file($f);
    $c =~ s/PASTE-THE-SECRET-KEY-HERE/$KEY/ or die "no key slot in $f\n";
    $t->write_file("folders/base-js/js/debug/GenerateTestUserSig.js", $c);
    $t->write_file("folders/base-js/js/debug/GenerateTestUserSig.js~", $c);
}

my $heads = $t->standin('tencent', 'upstream.txt');

$t->run(tencent_http(
    port => $t->port, key => "$dir/trtc.key",
    access_log => "$dir/recipe-access.log",
    upstream => 'http://127.0.0.1:' . $t->port('tencent'),
    repo => $repo, base_js => "$dir/folders/base-js",
    server_root => "$dir/folders/base-js",      # an operator's worst case
    drop => $ENV{TRTC_RECIPE_DROP},     # "= URI;...": must then fail
    quick_demo_js => "$dir/folders/quick-demo-js"));

sub node_ref {
    my ($cmd, %a) = @_;
    my $arg = encode_json({ sdkappid => $APP, key => $KEY, %a });
    $arg =~ s/'/'\\''/g;
    my $out = qx{node '$ref' $cmd '$arg'};
    die "node $cmd failed\n" if $?;
    return decode_json($out);
}

sub body_of { $t->get($_[0])->{body} }

###############################################################################

# the signing files: the replacement, whatever the spelling of the URI;
# at any other address 404, even with the server's root at the v4 folder

my $repl = $t->read_file("$repo/html/js/tencent-usersig.js");
(my $filled = $repl) =~ s/\@SDKAPPID\@/$APP/g;
like($filled, qr/Number\('$APP'\)/, 'the replacement has the SDKAppID\'s placeholder');

for my $uri ('/static/js/debug/GenerateTestUserSig.js',
             '/static/js/debug/./GenerateTestUserSig.js',
             '/static//js/debug/GenerateTestUserSig.js',
             '/static/js/x/../debug/GenerateTestUserSig.js',
             '/static/js/debug/%47enerateTestUserSig.js',
             '/quick/js/libs/generateTestUserSig.js',
             '/quick/js/libs/./generateTestUserSig.js')
{
    my $r = $t->get($uri);
    is($r->{status}, 200, "$uri: 200");
    ok($r->{body} eq $filled, "$uri: the replacement, its SDKAppID filled in");
    unlike($r->{body}, qr/SECRETKEY|LibGenerateTestUserSig/,
           "$uri: no key, no in-page signer");
}

for my $uri ('/static/js/debug/GenerateTestUserSig.js/',
             '/static/js/debug/GenerateTestUserSig.js~',
             '/static/js/debug/',
             '/static/js/debug/GenerateTestUserSig.JS',
             '/static/js/lib-generate-test-usersig.min.js',
             '/js/debug/GenerateTestUserSig.js',
             '/js/debug/GenerateTestUserSig.js~',
             '/js/debug/%47enerateTestUserSig.js',
             '/js/lib-generate-test-usersig.min.js',
             '/quick/js/libs/generateTestUserSig.js.bak',
             '/quick/js/libs/lib-generate-test-usersig.min.js')
{
    is($t->get($uri)->{status}, 404, "$uri: 404");
}

# v4: the page at /, its folders under /static/, the client's call sites

like(body_of('/index.html'), qr/<title>base-js/,
   'the server\'s root is the v4 folder (the worst case of the checks above)');

my $page = body_of('/');
like($page, qr{"/static/js/debug/GenerateTestUserSig\.js"}, 'v4 page: the signing file under /static/');
unlike($page, qr{"\./(?:js|css|img|data)/}, 'v4 page: no ./js ./css ./img ./data left');
like(body_of('/static/img/logo.svg'), qr/<svg/, 'v4: an image under /static/');
like(body_of('/static/data/mock.json'), qr/stand-in/, 'v4: data under /static/');

for my $f (qw(rtc-client share-client device-testing)) {
    my $b = body_of("/static/js/$f.js");
    like($b, qr/trtcCreateClient\(\{/, "v4 $f.js: the client through trtcCreateClient");
    unlike($b, qr/TRTC\.createClient\(/, "v4 $f.js: no TRTC.createClient( left");
}
like(body_of('/static/js/device-testing.js'), qr{'/static/data/mock\.json'},
     'v4 device-testing.js: data/mock.json under /static/');
like(body_of('/static/js/presetting.js'), qr/genTestUserSig\(userId\)/,
     'v4 presetting.js: served as it is');

# v5: the folder under /quick/, its scripts rewritten

my $index = body_of('/quick/index.html');
unlike($index, qr/web\.sdk\.qcloud\.com/, 'v5 page: no SDK from the CDN');
like($index, qr{<script src='/trtc/sdk/trtc\.js'></script><script src='/quick/js/libs/generateTestUserSig\.js'></script>},
     'v5 page: the SDK from this host, then the replacement');

my $js = body_of('/quick/js/index.js');
like($js, qr/await trtcEnterRoom\(trtc, \{ roomId, sdkAppId, userId, userSig \}\)/,
     'v5 index.js: enterRoom through trtcEnterRoom');
like($js, qr/function createShareLink\(\) \{ return trtcInviteLink\(roomId\); \}/,
     'v5 index.js: the invite link from trtcInviteLink');
like($js, qr/\.value = genTestUserSig\.sdkAppId;/, 'v5 index.js: the SDKAppID filled in');
like($js, qr/\.value = '\(kept by the server\)';/, 'v5 index.js: no key to type');

my $invite = body_of('/quick/invite/invite.html');
like($invite, qr/const userSig = \(userId \? genTestUserSig\(\{ userId: userId \}\)\.userSig : ''\);/,
     'v5 invite page: the invitee\'s own UserSig, not the link\'s');
like($invite, qr/trtcEnterRoom\(trtc, /, 'v5 invite page: enterRoom through trtcEnterRoom');
like($invite, qr{src='/quick/js/libs/generateTestUserSig\.js'}, 'v5 invite page: loads the replacement');

# what each location takes

my @table = (
    ['/', [qw(GET HEAD)]],
    ['/static/js/index.js', [qw(GET HEAD)]],
    ['/static/js/rtc-client.js', [qw(GET HEAD)]],
    ['/static/js/debug/GenerateTestUserSig.js', [qw(GET HEAD)]],
    ['/quick/index.html', [qw(GET HEAD)]],
    ['/quick/js/libs/generateTestUserSig.js', [qw(GET HEAD)]],
    ['/trtc/usersig?userId=alice', [qw(GET HEAD)]],
);

for my $row (@table) {
    my ($uri, $ok) = @$row;
    for my $m (qw(GET HEAD POST PUT DELETE PATCH OPTIONS)) {
        my $s = $t->request($m, $uri, body => $m =~ /^(POST|PUT|PATCH)$/ ? '{}' : undef)->{status};
        if (grep { $_ eq $m } @$ok) {
            is($s, 200, "$m $uri: 200");
        } else {
            is($s, 405, "$m $uri: 405");
        }
    }
}

for my $m (qw(POST PUT DELETE)) {
    is($t->request($m, '/trtc/ws/', body => '')->{status}, 405, "$m /trtc/ws/: 405");
}
for my $m (qw(GET HEAD PUT DELETE)) {
    is($t->request($m, '/trtc/log/v5/AVQualityReportSvc/C2S')->{status}, 405,
       "$m of the log location: 405");
}
is($t->request(POST => '/trtc/log/v5/AVQualityReportSvc/C2S?sdkappid=1',
               body => '{}')->{status}, 200, 'POST of a log report: on to the log host');
is($t->get('/trtc/log/other')->{status}, 404, 'no other path under /trtc/log/');

# the log reports carry no token: 5 a second from an address, 20 at once
my ($sent, $limited) = (0, 0);
while (!$limited && $sent < 200) {
    $sent++;
    $limited = $t->request(POST => '/trtc/log/v5/AVQualityReportSvc/C2S',
                           body => '{}')->{status} == 429;
}
ok($limited, "a flood of log reports gets 429 (after $sent)");

# the issuer's tokens, by the reference

my $u = json_body($t->get('/trtc/usersig?userId=alice'));
my $v = node_ref('verify', token => $u->{userSig});
ok($v->{ok} && $v->{doc}{'TLS.identifier'} eq 'alice',
   'the UserSig verifies with tls-sig-api-v2, for alice');
is($u->{sdkAppId}, $APP, 'with the SDKAppID');

my $p = json_body($t->get('/trtc/usersig?userId=bob&roomId=1234'));
$v = node_ref('verify', token => $p->{privateMapKey});
ok($v->{ok} && $v->{userbuf}{account} eq 'bob' && $v->{userbuf}{roomid} == 1234,
   'the PrivateMapKey verifies for bob in room 1234, and no other room')
    or diag(encode_json($v));
is($t->get('/trtc/usersig?userId=a%20b')->{status}, 400, 'no token for an invalid user id');

# the signaling proxy: only a valid UserSig of the user it names

my $before = length $t->read_file($heads);
my (undef, $st) = $t->ws_open("/trtc/ws/?sdkAppId=$APP&userId=bob&userSig=$u->{userSig}");
like($st, qr/ 401 /, 'alice\'s UserSig as bob: 401');
($st) = ($t->ws_open("/trtc/ws/?sdkAppId=$APP&userId=alice&userSig="
                     . forge(identifier => 'alice', key => 'x' x 64)))[1];
like($st, qr/ 401 /, 'a UserSig of another key: 401');
($st) = ($t->ws_open("/trtc/ws/?sdkAppId=$APP&userId=alice&userSig=$u->{userSig}&userId=bob"))[1];
like($st, qr/ 401 /, 'userId twice: 401');
($st) = ($t->ws_open("/trtc/ws/?sdkAppId=$APP&userId=alice"))[1];
like($st, qr/ 401 /, 'no UserSig: 401');
is(length $t->read_file($heads), $before, 'none of them reached the upstream');

($st) = ($t->ws_open("/trtc/ws/?sdkAppId=$APP&userId=alice&userSig=$u->{userSig}"))[1];
unlike($st, qr/ 40\d /, 'alice\'s own UserSig: through');
like(substr($t->read_file($heads), $before), qr{^GET /\?sdkAppId=\d+&userId=alice&userSig=}m,
     'to the upstream, with no cookie') ;
unlike(substr($t->read_file($heads), $before), qr/^Cookie:/mi, 'no Cookie header sent on');

###############################################################################

$t->stop;
$t->check_log;
$t->check_secrets;

done_testing();
