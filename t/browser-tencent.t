#!/usr/bin/perl

# Tencent's demo folders served by README.md's recipe ("Tencent's demo
# folders"), in headless Chromium with the real TRTC Web SDK v5 and a
# stand-in of v4's, against a stand-in of Tencent's signaling host,
# inside a loopback-only network namespace: t/browser/run.sh tencent
# runs t/browser/tencent.test.js after t/browser/tencent.setup.sh.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('tencent');
