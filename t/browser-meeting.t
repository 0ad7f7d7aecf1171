#!/usr/bin/perl

# What people expect of a meeting room (people, hands, chat, speaker
# view, display names, the login preview, levels and network marks,
# switching devices): t/browser/run.sh meeting runs
# t/browser/meeting.test.js, and its screenshots go to t/artifacts/.

use strict;
use warnings;

use lib 't/lib';
use TrtcBrowser qw(run_suite);

run_suite('meeting');
