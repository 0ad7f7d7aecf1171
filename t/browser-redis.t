#!/usr/bin/perl

# Room signaling shared by two nginx servers through Redis (nchan's Redis
# mode, Debian's redis-server on loopback): headless Chromium people on
# either server in the same room and in another, and a restart of one
# server, all inside a loopback-only network namespace: t/browser/run.sh
# redis runs t/browser/redis.setup.sh, then t/browser/redis.test.js.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('redis');
