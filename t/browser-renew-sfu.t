#!/usr/bin/perl

# Tokens that expire during a call (through Janus): the pages renew
# them unseen, and a page that cannot is cut off by nginx:
# t/browser/run.sh renew-sfu runs t/browser/renew-sfu.test.js after
# t/browser/renew-sfu.setup.sh.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('renew-sfu');
