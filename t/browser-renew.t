#!/usr/bin/perl

# Tokens that expire during a call (the mesh): the pages renew
# them unseen, and a page that cannot is cut off by nginx:
# t/browser/run.sh renew runs t/browser/renew.test.js after
# t/browser/renew.setup.sh.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('renew');
