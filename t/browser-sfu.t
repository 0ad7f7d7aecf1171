#!/usr/bin/perl

# The SFU mode in a real browser: headless Chromium (Debian's) with fake
# devices, four people in one room whose media goes through Janus's
# VideoRoom (Debian's janus), against nginx with conf/trtc-sfu.conf, all
# inside a loopback-only network namespace: t/browser/run.sh sfu runs
# t/browser/sfu.setup.sh, then t/browser/sfu.test.js.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('sfu');
