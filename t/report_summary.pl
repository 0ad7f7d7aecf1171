#!/usr/bin/perl

# Sums up the report files that the harness copied (TEST_NGINX_REPORTS):
# per kind, how many processes reported, how many reports count (a
# sanitizer error, a valgrind error, or a leak with a frame of the
# module), how many leaks were let pass; and valgrind's leak summary
# added over every process.  Exits 1 when a report counts.
#
#   perl -I t/lib t/report_summary.pl build/valgrind/reports

use strict;
use warnings;

use TrtcTest qw(classify_report);

my $dir = shift or die "usage: $0 dir\n";

opendir(my $dh, $dir) or do {
    print "reports: none in $dir\n";
    exit 0;
};
my @files = sort grep { /-(asan|ubsan|valgrind)\.\d+$/ } readdir $dh;
closedir $dh;

my (%files, %bad, %ignored, %lost, %heap, @counted);

for my $f (@files) {
    my ($kind) = $f =~ /-(asan|ubsan|valgrind)\.\d+$/;

    open my $fh, '<', "$dir/$f" or next;
    my $text = do { local $/; <$fh> };
    close $fh;

    my ($b, $i) = classify_report($kind eq 'valgrind' ? 'valgrind'
                                                      : 'sanitizer', $text);
    $files{$kind}++;
    $bad{$kind} += @$b;
    $ignored{$kind} += $i;
    push @counted, map { "$f:\n$_" } @$b;

    next unless $kind eq 'valgrind';

    while ($text =~ /(?:(definitely|indirectly|possibly)[ ]lost|
                      (still[ ]reachable|suppressed)):[ ]([\d,]+)[ ]bytes
                      [ ]in[ ]([\d,]+)[ ]blocks/gx)
    {
        my ($k, $bytes, $blocks) = ($1 ? "$1 lost" : $2, $3, $4);
        tr/,//d for $bytes, $blocks;
        $lost{$k}[0] += $bytes;
        $lost{$k}[1] += $blocks;
    }

    $heap{processes}++;
    $heap{clean}++ if $text =~ /All heap blocks were freed/;
    $heap{errors} += $1 if $text =~ /ERROR SUMMARY: (\d+) errors/;
}

for my $kind (sort keys %files) {
    printf "%s: %d process(es) reported; %d report(s) count, "
           . "%d leak(s) without a frame of the module let pass\n",
           $kind, $files{$kind}, $bad{$kind}, $ignored{$kind};
}

if ($heap{processes}) {
    printf "valgrind: %d process(es), %d with every heap block freed, "
           . "%d error(s) in all (leaks included)\n",
           $heap{processes}, $heap{clean} // 0, $heap{errors} // 0;

    for my $k ('definitely lost', 'indirectly lost', 'possibly lost',
               'still reachable', 'suppressed')
    {
        printf "  %-16s %8d bytes in %5d blocks (all processes)\n",
               "$k:", @{$lost{$k} || [0, 0]};
    }
}

print "reports: none\n" unless @files;

if (@counted) {
    print "\nreports that count:\n\n", join("\n\n", @counted), "\n";
    exit 1;
}

exit 0;
