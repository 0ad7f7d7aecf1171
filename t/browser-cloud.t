#!/usr/bin/perl

# The TRTC Cloud mode with the real TRTC Web SDK (make vendor) in
# headless Chromium, against nginx with conf/trtc-cloud.conf and a
# stand-in for Tencent's signaling and log hosts, inside a loopback-only
# network namespace: t/browser/run.sh cloud runs t/browser/cloud.test.js
# after t/browser/cloud.setup.sh.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('cloud');
