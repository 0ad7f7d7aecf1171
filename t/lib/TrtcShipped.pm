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

our @EXPORT_OK = qw(method_table);

our @METHODS = qw(GET HEAD POST PUT DELETE OPTIONS PATCH);

# the locations of a configuration file, as written
sub locations {
    my ($file) = @_;
    open my $fh, '<', repo_dir() . "/conf/$file" or die "$file: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text =~ /^\s*location\s+((?:[=~]\s+)?\S+)\s*\{/mg;
}

# method_table($t, $file, { location => [methods] or 'why not tested' },
#              { location => [uri, headers...] }): each method of @METHODS
# on each location is 405 unless the table lets it through
sub method_table {
    my ($t, $file, $table, $requests) = @_;

    my @missing = grep { !exists $table->{$_} } locations($file);
    ok(!@missing, "$file: every location says what it takes")
        or diag("not in the table: @missing");

    for my $loc (sort keys %$table) {
        my $allowed = $table->{$loc};
        next if !ref $allowed;          # internal, or reached otherwise
        my ($uri, @headers) = @{$requests->{$loc}};

        for my $m (@METHODS) {
            my %opts = (headers => \@headers);
            $opts{body} = '{"t":"x"}' if $m =~ /^(POST|PUT|PATCH)$/;
            my $st = $t->request($m, $uri, %opts)->{status};

            if (grep { $_ eq $m } @$allowed) {
                isnt($st, 405, "$file: $loc takes $m ($st)");
            } else {
                is($st, 405, "$file: $loc refuses $m");
            }
        }
    }
}

1;
