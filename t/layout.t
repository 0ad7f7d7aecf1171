#!/usr/bin/perl

# README.md's "Layout" section names every file of the module
# (ngx_trtc_module/) and of the web app's code (html/js/), each by its
# own name, so that a newcomer finds from the README where each file's
# concern lives.  Needs no nginx.

use strict;
use warnings;

use Test::More;

use lib 't/lib';
use TrtcTest qw(repo_dir);

my $repo = repo_dir();

open(my $fh, '<', "$repo/README.md") or BAIL_OUT("README.md: $!");
my $readme = do { local $/; <$fh> };
close($fh);

my ($layout) = $readme =~ /^## Layout\n(.*?)(?=^## |\z)/ms;
ok(defined $layout, 'README.md has a "Layout" section')
    or BAIL_OUT('no "## Layout" in README.md');

# the names in backquotes of the table's first column, as written (not
# those of the prose around it)
my %named = map { $_ => 1 }
            map { /`([^`]+)`/g } $layout =~ /^\|\s*([^|]*?)\s*\|/mg;

ok(keys %named > 10, 'the layout table names files ('
                     . scalar(keys %named) . ')');

for my $dir ('ngx_trtc_module', 'html/js') {
    opendir(my $dh, "$repo/$dir") or BAIL_OUT("$dir: $!");
    my @files = sort grep { /\.(?:c|h|js)\z/ } readdir($dh);
    closedir($dh);

    ok(@files > 3, "$dir has its files");

    for my $f (@files) {
        ok($named{$f} || $named{"$dir/$f"},
           "the layout names $dir/$f");
    }
}

done_testing();
