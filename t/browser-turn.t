#!/usr/bin/perl

# Media through a TURN server: Debian's coturn on loopback with its REST
# API (use-auth-secret), credentials handed out by trtc_issue
# (trtc_turn_*), the page forced to relay-only; video flows over relay
# candidates, and credentials of another secret or past their expiry
# get nothing through: t/browser/run.sh turn runs t/browser/turn.test.js
# after t/browser/turn.setup.sh.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('turn');
