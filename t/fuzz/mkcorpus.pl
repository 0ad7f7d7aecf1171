#!/usr/bin/perl

# Writes the fuzz targets' seed corpus, t/fuzz/corpus/{verify,json,userbuf}:
# the vectors of t/data/usersig-v2.json, tokens with a valid signature
# that fail later checks (only the seeds can reach those: the fuzzer
# cannot sign), and malformed variants.  Run from the repository root:
#
#   perl t/fuzz/mkcorpus.pl
#
# The files are committed; rerun after changing this script.

use strict;
use warnings;

use lib 't/lib';

use Compress::Zlib ();
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use TrtcToken qw(forge userbuf b64_trtc zlib inflate_token);

my $NOW = 1700000000;           # the fuzz targets' clock
my $KEY1 = 'fuzz-second-key';   # their second key
my $DIR = 't/fuzz/corpus';

my $vectors = decode_json(do {
    local $/;
    open my $fh, '<', 't/data/usersig-v2.json' or die "vectors: $!\n";
    <$fh>;
});

my %v = map { $_->{name} => $_ } @{$vectors->{vectors}};

system('rm', '-rf', map { "$DIR/$_" } qw(verify json userbuf)) == 0
    or die "rm\n";

sub put {
    my ($target, $name, $data) = @_;
    system('mkdir', '-p', "$DIR/$target") == 0 or die "mkdir\n";
    open my $fh, '>', "$DIR/$target/$name" or die "$name: $!\n";
    binmode $fh;
    print $fh $data;
    close $fh;
}

sub ub {
    return userbuf(expire => $NOW + 3600, @_);
}

sub tok {
    return forge(time => $NOW, @_);
}

# the JSON of a forged token, with "@SIG@" for the signature, which
# fuzz_json puts back
sub json {
    my $j = inflate_token(tok(sig => '@SIG@', @_));
    return $j;
}

# verify: tokens as they arrive

put('verify', "vector-$_", $v{$_}{token})
    for qw(usersig pmk_room pmk_strroom pmk_audience);

my %signed = (
    'second-key'     => [key => $KEY1],
    'python-style'   => [style => 'python', userbuf => ub(roomid => 7)],
    'go-style'       => [style => 'go'],
    'cpp-style'      => [style => 'cpp', userbuf => ub(strroom => 'r-1')],
    'expired'        => [time => $NOW - 200000],
    'ub-expired'     => [userbuf => ub(expire => $NOW - 1000)],
    'ub-account'     => [userbuf => ub(account => 'bob')],
    'ub-sdkappid'    => [userbuf => ub(sdkappid => 1)],
    'ub-short'       => [userbuf => substr(ub(roomid => 1), 0, 20)],
    'ub-bad-strroom' => [userbuf => ub(strroom => 'a/b')],
    'ub-nopad'       => [userbuf_b64 => do {
                            (my $b = encode_base64(ub(roomid => 9), ''))
                                =~ s/=+$//;
                            $b;
                        }],
    'sdkappid-other' => [sdkappid => 1400000001],
    'escaped-id'     => [fields => { 'TLS.identifier' => '"\u0061lice"' }],
);

put('verify', "signed-$_", tok(@{$signed{$_}})) for keys %signed;

my $json = inflate_token($v{usersig}{token});

my %bad = (
    'sig-short'      => tok(sig => 'AAAA'),
    'duplicate'      => tok(fields => { 'TLS.time' => "$NOW, \"TLS.time\": 1" }),
    'nul-escape'     => tok(fields => { 'TLS.identifier' => '"al\u0000ice"' }),
    'float-time'     => tok(fields => { 'TLS.time' => "$NOW.5" }),
    'not-object'     => b64_trtc(zlib('["TLS.ver", "2.0"]')),
    'trailing-json'  => b64_trtc(zlib("$json x")),
    'too-large'      => tok(fields => { pad => '"' . ('p' x 1100) . '"' }),
    'trailing-zlib'  => b64_trtc(zlib($json) . 'xx'),
    'raw-deflate'    => do {
        my ($d) = Compress::Zlib::deflateInit(-WindowBits => -15);
        my ($a) = $d->deflate($json);
        my ($b) = $d->flush();
        b64_trtc($a . $b);
    },
    'truncated'      => substr($v{pmk_room}{token}, 0, 100),
    'bad-char'       => '+' . $v{usersig}{token},
    'too-long'       => 'A' x 2049,
);

put('verify', "bad-$_", $bad{$_}) for keys %bad;

# padding may be left out
(my $nopad = $v{usersig}{token}) =~ s/_+$//;
put('verify', 'vector-usersig-no-padding', $nopad);

# json: what is inside a token

put('json', "vector-$_", inflate_token($v{$_}{token}))
    for qw(usersig pmk_room pmk_strroom);

my %json = (
    'usersig'        => [],
    'pmk-room'       => [userbuf => ub(roomid => 1234, privilege => 3)],
    'pmk-strroom'    => [userbuf => ub(strroom => 'room <1> & {x}')],
    'expired'        => [time => 1, expire => 10],
    'ub-account'     => [userbuf => ub(account => 'bob')],
    'ub-expired'     => [userbuf => ub(expire => 1)],
    'php-style'      => [style => 'php', userbuf => ub(roomid => 255)],
    'python-style'   => [style => 'python'],
    'escaped-id'     => [fields => { 'TLS.identifier' => '"\u0061lice"' }],
    'duplicate'      => [fields => { 'TLS.ver' => '"2.0", "TLS.ver": "2.0"' }],
    'numbers'        => [fields => { 'TLS.expire' => '8.64e4',
                                     'TLS.sdkappid' => '"1400000000"' }],
    'nested'         => [fields => { 'x' => '{"a": [1, {"b": null}], "c": true}' }],
);

put('json', "seed-$_", json(@{$json{$_}})) for keys %json;

# userbuf: userbufs, rooms, privileges, a key file

put('userbuf', "vector-$_", pack('H*', $v{$_}{userbuf_hex}))
    for qw(pmk_room pmk_strroom pmk_audience);

put('userbuf', 'ub-longest', ub(account => 'u' x 32,
                                strroom => join('', map { chr(33 + $_ % 90) }
                                                    0 .. 63) =~ tr{/"'*\\`}{.}r));
put('userbuf', 'ub-punct', ub(strroom => ' !#$%&()+-:;<=.>?@[]^_{}|~,'));
put('userbuf', 'ub-account-type', ub(account_type => 0xffffffff,
                                     privilege => 0x100));

my @rooms = ('1234', '4294967294', '4294967295', '0', '0123', 'room-1_~',
             'a' x 64);
put('userbuf', "room-$_", $rooms[$_]) for 0 .. $#rooms;

my @privileges = ('enter send_video', "create,recv_audio|42\treceive_screen",
                  '255', 'all', '256');
put('userbuf', "privilege-$_", $privileges[$_]) for 0 .. $#privileges;

put('userbuf', 'keyfile', "secret  \r\nsecond line\r\n");
