package TrtcShipped;

# What each location of a shipped configuration (conf/*.conf) takes: a
# table of its locations, as written in the file, with the methods each
# lets through; every location of the file must be in the table, so that
# a new one says what it takes.  Used by t/shipped.t and t/sfu.t.

use strict;
use warnings;

use Exporter qw(import);
use Test::More;

use TrtcTest qw(repo_dir);

our @EXPORT_OK = qw(method_table page_rows signal_rows removal_rows
                    skip_unless_shipped);

our @METHODS = qw(GET HEAD POST PUT DELETE OPTIONS PATCH);

# the shipped configurations load nchan and the module as dynamic modules;
# TrtcTest::run_shipped loads the nchan of the nginx under test
sub skip_unless_shipped {
    TrtcTest::nchan();
}

# the locations of a configuration file, as written: with a modifier
# ("=", "~", "~*", "^~") or none, and named ones
sub locations {
    my ($file) = @_;
    open my $fh, '<', repo_dir() . "/conf/$file" or die "$file: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text =~ /^\s*location\s+((?:(?:=|~\*?|\^~)\s+)?\S+)\s*\{/mg;
}

# method_table($t, $file, @rows): each row [location as written, the
# methods it takes or why it is not asked, uri, headers...]; each method
# of @METHODS on each location is 405 unless the row lets it through,
# and then a real answer: not 405, and not a failure (no response, 5xx)
sub method_table {
    my ($t, $file, @rows) = @_;

    my %table = map { $_->[0] => $_ } @rows;
    my @missing = grep { !exists $table{$_} } locations($file);
    ok(!@missing, "$file: every location says what it takes")
        or diag("not in the table: @missing");

    for my $row (@rows) {
        my ($loc, $allowed, $uri, @headers) = @$row;
        next if !ref $allowed;          # internal, or reached otherwise

        for my $m (@METHODS) {
            my %opts = (headers => \@headers);
            $opts{body} = '{"t":"x"}' if $m =~ /^(POST|PUT|PATCH)$/;
            my $st = $t->request($m, $uri, %opts)->{status};

            if (grep { $_ eq $m } @$allowed) {
                ok($st >= 100 && $st < 500 && $st != 405,
                   "$file: $loc takes $m ($st)");
            } else {
                is($st, 405, "$file: $loc refuses $m");
            }
        }
    }
}

# the rows of the pages, in every configuration: a PrivateMapKey of the
# room for the room page's cookie
sub page_rows {
    my ($room, $pmk) = @_;
    return (
        ['= /', [qw(GET HEAD)], '/'],
        ['/static/', [qw(GET HEAD)], '/static/js/app.js'],
        ['= /api/token', [qw(GET HEAD POST)], '/api/token?userId=zoe&roomId=3'],
        ['= /api/ping', [qw(GET HEAD)], '/api/ping'],
        ['~ ^/room/(?<page_room>[^/]+)/$', [qw(GET HEAD)], "/room/$room/",
         Cookie => "trtc_token=$pmk"],
        ['@denied', 'error_page'],
    );
}

# the rows of the room signaling (nchan) of the mesh and the SFU modes
sub signal_rows {
    my ($room, $pmk) = @_;
    return (
        ['= /signal/sub', [qw(GET)], "/signal/sub?room=$room&privateMapKey=$pmk"],
        ['= /signal/pub', [qw(POST)], "/signal/pub?room=$room",
         'X-TRTC-Token' => $pmk],
        ['= /stamp', 'internal, and the unix socket'],
        ['@unpublished', 'error_page'],
    );
}

# the rows of a host's removals (trtc_remove, published by nchan)
sub removal_rows {
    my ($room, $pmk) = @_;
    return (
        ['= /api/remove', [qw(POST)], "/api/remove?room=$room&user=nobody&time=1",
         'X-TRTC-Token' => $pmk],
        ['= /remove', 'internal, and the unix socket'],
        ['= /removals', 'the unix socket: what trtc_removal_zone watches'],
    );
}

1;
