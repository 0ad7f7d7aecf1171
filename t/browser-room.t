#!/usr/bin/perl

# The room as a first-time user meets it: the controls
# on screen on every viewport, the tiles filling the stage, room links,
# two tabs in two rooms, connecting versus muted, one user id one
# person, and the login page's small things: t/browser/run.sh room runs
# t/browser/room.test.js, and its screenshots go to t/artifacts/.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('room');
