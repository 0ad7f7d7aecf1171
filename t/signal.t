#!/usr/bin/perl

# Room signaling in the same nginx: nchan channels named from the verified
# token, messages stamped by trtc_stamp with their real sender, nothing
# replayed, and the client configuration injected with sub_filter.  The
# configuration is the demo's shape (conf/trtc-demo.conf).

use strict;
use warnings;

use Test::More;
use JSON::PP;
use Encode ();

use lib 't/lib';
use TrtcTest;
use TrtcToken;

my $NCHAN = TrtcTest::nchan();

my $t = TrtcTest->new();
my $dir = $t->dir;
$t->write_key('key', $TrtcToken::KEY);
$t->write_file('html/page.html', "<html><head><title>x</title></head>"
                                 . "<body><script src=\"./js/a.js\"></script>"
                                 . "</body></html>\n");

$t->run(<<"EOF", main => "load_module $NCHAN;");
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;

    map \$arg_role \$privilege {
        audience  "enter recv_audio recv_video";
        default   all;
    }

    map \$arg_to \$channel {
        ""        "room/\$trtc_room_id";
        default   "user/\$trtc_room_id/\$arg_to";
    }

    server {
        listen 127.0.0.1:%%PORT%%;

        location = /api/token {
            trtc_issue;
            trtc_issue_user \$arg_userId;
            trtc_issue_room \$arg_roomId;
            trtc_issue_privilege \$privilege;
        }

        location = /signal/sub {
            trtc_auth on;
            trtc_auth_token \$arg_privateMapKey;
            trtc_auth_room \$arg_room;
            trtc_auth_privilege enter;
            nchan_subscriber websocket;
            nchan_subscriber_first_message newest;
            nchan_channel_id "room/\$trtc_room_id" "user/\$trtc_room_id/\$trtc_user_id";
        }

        location = /signal/pub {
            trtc_auth on;
            trtc_auth_token \$http_x_trtc_token;
            trtc_auth_room \$arg_room;
            trtc_auth_privilege enter;
            client_max_body_size 64k;
            client_body_buffer_size 64k;
            nchan_publisher http;
            nchan_store_messages off;
            nchan_channel_id \$channel;
            nchan_publisher_upstream_request /stamp;
        }

        location = /stamp {
            internal;
            proxy_pass http://unix:%%TESTDIR%%/stamp.sock:/stamp;
            subrequest_output_buffer_size 64k;
        }

        location /room/ {
            alias %%TESTDIR%%/html/;
            trtc_auth on;
            trtc_auth_token \$cookie_trtc_token;
            sub_filter_once off;
            sub_filter '"./js/' '"/static/js/';
            sub_filter '</head>' '<script>window.TRTC_CONFIG = \$trtc_client_config;</script></head>';
        }

        location /open/ {
            alias %%TESTDIR%%/html/;
            sub_filter '</head>' '<script>window.TRTC_CONFIG = \$trtc_client_config;</script></head>';
        }
    }

    server {
        listen unix:%%TESTDIR%%/stamp.sock;

        location = /stamp {
            trtc_auth on;
            trtc_auth_token \$http_x_trtc_token;
            trtc_auth_room \$arg_room;
            client_body_buffer_size 64k;
            trtc_stamp;
            error_page 400 403 413 = \@unpublished;
        }

        location \@unpublished {
            return 204;
        }
    }
EOF

sub sub_ws {
    my ($tok, $room) = @_;
    return $t->ws_open("/signal/sub?room=$room&privateMapKey="
                       . $tok->{privateMapKey});
}

sub publish {
    my ($tok, $room, $body, $to) = @_;
    return $t->request(POST => "/signal/pub?room=$room"
                               . (defined $to ? "&to=$to" : ''),
                       token => $tok->{privateMapKey}, body => $body);
}

my %tok = (
    alice => $t->issue('alice', 1, method => 'POST'),
    bob   => $t->issue('bob', 1, method => 'POST'),
    carol => $t->issue('carol', 2, method => 'POST'),
    dave  => $t->issue('dave', 1, method => 'POST', role => 'audience'),
);

my ($alice, $st) = sub_ws($tok{alice}, 1);
ok($alice, 'alice subscribes to room 1') or diag($st);
my ($bob) = sub_ws($tok{bob}, 1);
ok($bob, 'bob subscribes to room 1');
my ($carol) = sub_ws($tok{carol}, 2);
ok($carol, 'carol subscribes to room 2');

# a broadcast, stamped with its real sender

my $forged = '{"type":"hello","from":"mallory"}';
my $r = publish($tok{alice}, 1, $forged);
like($r->{status}, qr/^20[12]$/, 'alice publishes to room 1');

my $m = TrtcTest::ws_read($bob, 3);
ok($m, 'bob gets it');
my $j = eval { decode_json($m) } || {};
is($j->{from}, 'alice', 'stamped with the verified sender, not the body\'s');
is($j->{privilege}, 255, 'and the sender\'s verified privilege');
is($j->{data}, $forged, 'the message is carried exactly, as a string');

$m = TrtcTest::ws_read($alice, 3);
is(eval { decode_json($m)->{from} }, 'alice', 'the sender gets its echo');
is(TrtcTest::ws_read($carol, 1), undef, 'room 2 hears nothing of room 1');

# an inbox

$r = publish($tok{alice}, 1, 'for bob', 'bob');
like($r->{status}, qr/^20[12]$/, 'alice writes to bob\'s inbox');
$j = eval { decode_json(TrtcTest::ws_read($bob, 3)) } || {};
is_deeply([$j->{from}, $j->{data}], ['alice', 'for bob'], 'bob gets it');
is(TrtcTest::ws_read($alice, 1), undef, 'alice does not');

publish($tok{carol}, 2, 'for bob', 'bob');
is(TrtcTest::ws_read($bob, 1), undef,
   'an inbox of the same name in another room is another inbox');

# nothing stored: a late joiner gets no old offers

publish($tok{alice}, 1, 'old offer');
TrtcTest::ws_read($bob, 2);
my ($late) = sub_ws($tok{dave}, 1);
ok($late, 'an audience member subscribes');
is(TrtcTest::ws_read($late, 1), undef, 'and gets no old message');

# an audience member's messages say what it may do

publish($tok{dave}, 1, '{"t":"hi"}');
$j = eval { decode_json(TrtcTest::ws_read($bob, 3)) } || {};
is_deeply([$j->{from}, $j->{privilege}], ['dave', 42],
          'audience messages carry privilege 42 (no send bits)');

# a session description offers no media its sender may not send: dave
# (42: enter recv_audio recv_video) offers to receive only, or nothing
# goes; alice (255) may send it all

sub offer {
    my (@dirs) = @_;
    my $sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
    my @kinds = ('audio', 'video', 'video');
    for my $i (0 .. $#dirs) {
        $sdp .= "m=$kinds[$i] 9 UDP/TLS/RTP/SAVPF 96\r\n"
                . "c=IN IP4 0.0.0.0\r\na=mid:$i\r\n"
                . ($dirs[$i] eq 'sendrecv' ? "a=msid:s t$i\r\n" : '')
                . "a=$dirs[$i]\r\n";
    }
    return encode_json({t => 'sdp', sid => 's1', to => 'x', cid => 'c',
                        d => {type => 'offer', sdp => $sdp}});
}

my $mark = $t->log_mark;
for my $o (['sendrecv', 'recvonly'], ['recvonly', 'sendonly'],
           ['recvonly', 'recvonly', 'sendrecv'])
{
    is(publish($tok{dave}, 1, offer(@$o), 'bob')->{status}, 204,
       "dave's offer (@$o) is not published");
}
is(TrtcTest::ws_read($bob, 1), undef, 'and bob got none of them');
like($t->log_since($mark), qr/refused: sends audio without send_audio/,
     'the error log says why');

like(publish($tok{dave}, 1, offer('recvonly', 'recvonly'), 'bob')->{status},
     qr/^20[12]$/, 'dave\'s offer to receive only is published');
like(TrtcTest::ws_read($bob, 3) // '', qr/recvonly/, 'bob gets it');
like(publish($tok{alice}, 1, offer('sendrecv', 'sendrecv', 'sendrecv'),
             'bob')->{status},
     qr/^20[12]$/, 'alice\'s offer of audio, camera and screen is published');
like(TrtcTest::ws_read($bob, 3) // '', qr/sendrecv/, 'bob gets it');
is(publish($tok{dave}, 1, 'not json')->{status}, 204,
   'dave\'s messages must be JSON');
like(publish($tok{alice}, 1, 'not json')->{status}, qr/^20[12]$/,
     'alice\'s need not');
TrtcTest::ws_read($bob, 3);

# escaping: the data string is safe in JSON, HTML and <script>

my $nasty = qq{</script><b>"q" \\ \x{2028}\x{00e9} & \x01};
my $bytes = Encode::encode('UTF-8', $nasty);
publish($tok{alice}, 1, $bytes);
$m = TrtcTest::ws_read($bob, 3) // '';
unlike($m, qr{</script>|<b>|\x{e2}\x{80}\x{a8}}, 'no markup or U+2028 raw');
is(eval { JSON::PP->new->utf8->decode($m)->{data} }, $nasty,
   'and it decodes back exactly');

# what is refused

my ($ws, $status) = sub_ws($tok{carol}, 1);
ok(!$ws, 'a token for room 2 cannot subscribe to room 1');
like($status, qr/ 401 /, 'with 401');

my $tampered = { privateMapKey => substr($tok{bob}{privateMapKey}, 0, -8)
                                  . 'AAAAAAA_' };
($ws, $status) = sub_ws($tampered, 1);
like($status, qr/ 401 /, 'a tampered token cannot subscribe');

($ws, $status) = sub_ws({ privateMapKey => $tok{bob}{userSig} }, 1);
like($status, qr/ 401 /, 'a UserSig without a room cannot subscribe');

($ws, $status) = $t->ws_open('/signal/sub?room=1');
like($status, qr/ 401 /, 'no token, no socket');

is(publish($tok{carol}, 1, 'x')->{status}, 401,
   'a token for room 2 cannot publish to room 1');
is($t->request('POST', '/signal/pub?room=1', body => 'x')->{status}, 401,
   'publishing needs a token');
is($t->request('POST', "/signal/pub?room=1&privateMapKey=$tok{alice}{privateMapKey}",
               body => 'x')->{status}, 401,
   'a token in the query does not publish: the header only');

# stamped, {"from":"alice","privilege":255,"data":"..."} is 42 bytes more

is(publish($tok{alice}, 1, 'x' x (64 * 1024 + 1))->{status}, 413,
   'a message over client_max_body_size is refused');
is(publish($tok{alice}, 1, 'x' x (64 * 1024 - 41))->{status}, 204,
   'a message over 64 KiB once stamped is not published (204)');
is(publish($tok{alice}, 1, '"' x 32768)->{status}, 204,
   'also when escaping makes it so');
is(publish($tok{alice}, 1, "\xff\xfe")->{status}, 204,
   'a message that is not UTF-8 is not published');
is(publish($tok{alice}, 1, "a surrogate \xed\xa0\x80")->{status}, 204,
   'nor one with a surrogate (it would close every member\'s socket)');
is(publish($tok{alice}, 1, '')->{status}, 204, 'nor an empty one');
like(publish($tok{alice}, 1, "\xf0\x9f\x8e\xa5 \xe2\x82\xac")->{status},
     qr/^20[12]$/, 'four- and three-byte UTF-8 pass');
is(eval { JSON::PP->new->utf8->decode(TrtcTest::ws_read($bob, 3))->{data} },
   "\x{1f3a5} \x{20ac}", 'as they were');
like(publish($tok{alice}, 1, 'x' x (64 * 1024 - 42))->{status},
     qr/^20[12]$/, 'a message of 64 KiB once stamped passes');
is(length(eval { decode_json(TrtcTest::ws_read($bob, 3))->{data} } // ''),
   64 * 1024 - 42, 'whole');
is(TrtcTest::ws_read($bob, 1), undef, 'and the refused ones never arrived');

close $_ for grep { $_ } $alice, $bob, $carol, $late;

# the client configuration, injected into a page

my $room = 'Blue <b> & "x"';
my $pmk = $t->issue('erin', 'Blue%20%3Cb%3E%20%26%20x',
                    method => 'POST')->{privateMapKey};

$r = $t->get('/room/page.html', Cookie => "trtc_token=$pmk");
is($r->{status}, 200, 'room page with the cookie');
my ($cfg) = $r->{body} =~ /window\.TRTC_CONFIG = (\{.*?\});<\/script><\/head>/;
ok($cfg, 'configuration injected before </head>');
unlike($cfg // '', qr/[<>&]/, 'with no raw <, > or &');
my $c = eval { decode_json($cfg) } || {};
is_deeply([@$c{qw(sdkAppId userId roomId privilege)}],
          [1400000000, 'erin', 'Blue <b> & x', 255],
          'the verified user and room');
like($c->{expiresAt} // '', qr/^\d{10}$/, 'and the expiry');
like($r->{body}, qr{"/static/js/a\.js"}, 'asset paths rewritten');

$r = $t->get('/open/page.html');
like($r->{body}, qr/window\.TRTC_CONFIG = \{"sdkAppId":1400000000\};/,
     'without a token, only the sdkAppId');

$t->stop;

done_testing;
