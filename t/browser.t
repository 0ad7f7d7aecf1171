#!/usr/bin/perl

# The demo's web app in a real browser: headless Chromium (Debian's) with
# fake camera, microphone and screen, several people in rooms, against
# nginx with conf/trtc-demo.conf, all inside a loopback-only network
# namespace: t/browser/run.sh mesh runs t/browser/mesh.test.js.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('mesh');
