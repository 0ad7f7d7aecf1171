#!/usr/bin/perl

# A room's host in the browser (the mesh): ask to mute, remove, end the
# meeting, and nobody else can: t/browser/run.sh host runs
# t/browser/host.test.js.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('host');
