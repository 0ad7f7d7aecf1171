package TrtcToken;

# An independent implementation of the TLS-sig-api-v2 token format, for
# tests: it makes well-formed tokens in the styles of the official
# libraries, and malformed ones in every way a test needs.

use strict;
use warnings;

use Exporter qw(import);
use Compress::Zlib ();
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64 decode_base64);

our @EXPORT_OK = qw(forge userbuf pmk b64_trtc unb64_trtc zlib inflate_token
                    sign_content);

our $KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
our $SDKAPPID = 1400000000;

sub b64_trtc {
    my $b = encode_base64($_[0], '');
    $b =~ tr{+/=}{*\-_};
    return $b;
}

sub unb64_trtc {
    my $b = $_[0];
    $b =~ tr{*\-_}{+/=};
    return decode_base64($b);
}

sub zlib {
    my ($data, $level) = @_;
    my ($d, $status) = Compress::Zlib::deflateInit(
        -Level => $level // 6);
    die "deflateInit: $status\n" unless $d;
    my ($out, $s1) = $d->deflate($data);
    my ($tail, $s2) = $d->flush();
    return $out . $tail;
}

sub inflate_token {
    my ($token) = @_;
    return Compress::Zlib::uncompress(unb64_trtc($token));
}

# userbuf bytes; ver 1 when a string room is given
sub userbuf {
    my (%a) = @_;
    my $account = $a{account} // 'alice';
    my $room = $a{strroom};
    my $ver = $a{ver} // (defined $room ? 1 : 0);

    my $b = pack('Cn', $ver, $a{account_len} // length $account)
            . $account
            . pack('NNNNN', $a{sdkappid} // $SDKAPPID, $a{roomid} // 0,
                   $a{expire} // time() + 3600, $a{privilege} // 255,
                   $a{account_type} // 0);

    if (defined $room) {
        $b .= pack('n', $a{room_len} // length $room) . $room;
    }

    return $b;
}

sub sign_content {
    my ($key, %f) = @_;
    my $c = "TLS.identifier:$f{identifier}\n"
            . "TLS.sdkappid:$f{sdkappid}\n"
            . "TLS.time:$f{time}\n"
            . "TLS.expire:$f{expire}\n";
    $c .= "TLS.userbuf:$f{userbuf}\n" if defined $f{userbuf};
    return encode_base64(hmac_sha256($c, $key), '');
}

# forge(identifier => .., time => .., expire => .., userbuf => bytes,
#       key => .., sdkappid => .., style => node|python|php|go|cpp,
#       level => zlib level, sig => override, json => override,
#       fields => { extra or replaced JSON members, raw JSON text })
sub forge {
    my (%a) = @_;
    my $key = $a{key} // $KEY;
    my $style = $a{style} // 'node';

    my %f = (
        identifier => $a{identifier} // 'alice',
        sdkappid   => $a{sdkappid} // $SDKAPPID,
        time       => $a{time} // time(),
        expire     => $a{expire} // 86400,
    );

    $f{userbuf} = encode_base64($a{userbuf}, '') if defined $a{userbuf};
    $f{userbuf} = $a{userbuf_b64} if defined $a{userbuf_b64};

    my $sig = $a{sig} // sign_content($a{sign_key} // $key, %f);

    my @members = (
        ['TLS.ver', '"2.0"'],
        ['TLS.identifier', qq("$f{identifier}")],
        ['TLS.sdkappid', $f{sdkappid}],
        ['TLS.time', $f{time}],
        ['TLS.expire', $f{expire}],
    );
    push @members, ['TLS.userbuf', qq("$f{userbuf}")] if defined $f{userbuf};
    push @members, ['TLS.sig', qq("$sig")];

    # raw JSON member values override or add: { 'TLS.time' => '"1"' }
    for my $k (sort keys %{$a{fields} || {}}) {
        my $v = $a{fields}{$k};
        my @m = grep { $_->[0] eq $k } @members;
        if (!defined $v) {
            @members = grep { $_->[0] ne $k } @members;
        } elsif (@m) {
            $m[0][1] = $v;
        } else {
            push @members, [$k, $v];
        }
    }

    my ($sep, $colon) = (',', ':');
    my $level = 6;
    my $tail = '';

    if ($style eq 'python') {
        ($sep, $colon) = (', ', ': ');
        @members = sort { $a->[0] cmp $b->[0] } @members;
    } elsif ($style eq 'php') {
        $_->[1] =~ s{/}{\\/}g for @members;
    } elsif ($style eq 'go') {
        $level = 0;
        $tail = "\n";
    } elsif ($style eq 'cpp') {
        $level = 1;
        @members = reverse @members;
    }

    $level = $a{level} if defined $a{level};

    my $json = $a{json}
        // '{' . join($sep, map { qq("$_->[0]"$colon$_->[1]) } @members)
           . '}' . $tail;

    my $token = b64_trtc(zlib($json, $level));

    # what a test makes, it looks for in the logs (TrtcTest)
    TrtcTest::note_tokens($token) if defined &TrtcTest::note_tokens;

    return $token;
}

# a PrivateMapKey of a user, its userbuf for the same account: by default
# alice's for room 1234 with every privilege; pmk(user => .., roomid => ..
# or strroom => .. (a string room, its room id 0 as the official libraries
# write it), privilege => .., ub => { raw userbuf fields, over these },
# and forge()'s fields)
sub pmk {
    my (%a) = @_;
    my $user = delete $a{user} // 'alice';
    my $strroom = delete $a{strroom};
    my $raw = delete $a{ub} || {};

    my %ub = (account => $user,
              roomid => delete $a{roomid} // (defined $strroom ? 0 : 1234));
    $ub{strroom} = $strroom if defined $strroom;
    $ub{privilege} = delete $a{privilege} if exists $a{privilege};

    return forge(identifier => $user, userbuf => userbuf(%ub, %$raw), %a);
}

1;
