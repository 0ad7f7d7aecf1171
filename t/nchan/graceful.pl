#!/usr/bin/perl

# A stop of the demo's nginx with room signaling busy, measured: does
# nchan let the workers end cleanly when a SIGQUIT (nginx -s quit) or a
# SIGTERM (nginx -s stop) finds WebSockets open and messages in flight?
# Each round starts the packaged nginx with the shipped
# conf/trtc-demo.conf (2 workers, filled in as t/lib/TrtcTest.pm's
# run_shipped does, the nchan module under test as @NCHAN@, plus a
# working_directory for core files), opens N WebSocket subscribers of
# /signal/sub (N members, rooms of 5, tokens from the demo's issuer),
# publishes one message to each room and reads it on every socket,
# publishes one more that nobody reads, starts P publishers that post to
# rooms without pause (as the pages' heartbeats do; each POST goes
# through the /stamp subrequest), and once each has published, signals
# the master; a third of the members then close their sockets.  It
# waits (bounded by the deadline) for the master and its workers to be
# gone.  A round is
#
#   clean   nothing worse than [error] in the error log
#   crash   a worker "exited on signal": its core file goes through gdb,
#           the backtrace is printed and kept
#   alert   no crash, but [alert], [crit] or [emerg] lines: "open socket
#           #N left in connection" (a graceful stop finds nchan's
#           WebSockets open: nginx lets the worker exit, the kernel
#           closes them), and the stamping socket gone under a publish
#   hang    the master or a worker was still there after the deadline
#           (then killed)
#
# and the last line sums them up:
#
#   nchan LABEL: R rounds, C crashed, H hung (A with alerts, S clean; SIGx)
#
#   perl t/nchan/graceful.pl [--rounds R] [--sockets N] [--publishers P]
#        [--signal QUIT|TERM] [--nchan SO] [--label NAME]
#        [--deadline SECONDS] [--keep DIR]
#
# Defaults: 20 rounds, 50 sockets, 4 publishers, QUIT, a 60 s deadline;
# --nchan the module to measure (default what the tests load,
# TrtcTest::nchan_path), --label its name in the output (default the
# version it carries), --keep where each round that was not clean
# leaves its error log and backtraces (default build/nchan-graceful).
# Needs the module built (make); as root, the workers run as root and
# dump core.  Exit status: 0 when no round crashed or hung, 1 when one
# did, 2 on a broken set-up (a round that could not open its sockets).
# make nchan-graceful runs it for each nchan, with both signals.

use strict;
use warnings;

use Cwd qw(abs_path);
use FindBin;
use lib abs_path("$FindBin::Bin/../lib");

use File::Copy qw(copy);
use File::Path qw(make_path);
use Getopt::Long;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Test::More ();

use TrtcTest qw(repo_dir);
use TrtcToken;

my %o = (rounds => 20, sockets => 50, publishers => 4, deadline => 60,
         signal => 'QUIT',
         keep => repo_dir() . '/build/nchan-graceful');
GetOptions(\%o, 'rounds=i', 'sockets=i', 'publishers=i', 'nchan=s',
           'deadline=i', 'keep=s', 'signal=s', 'label=s')
    or die "usage: $0 [--rounds R] [--sockets N] [--nchan SO] "
           . "[--publishers P] [--signal QUIT|TERM] [--deadline S] "
           . "[--keep DIR] [--label NAME]\n";
$o{signal} =~ /^(QUIT|TERM)$/ or die "graceful: --signal QUIT or TERM\n";

$o{nchan} = abs_path($o{nchan} // TrtcTest::nchan_path());
-f $o{nchan} or die "graceful: no nchan module at $o{nchan}\n";
local $ENV{NCHAN_MODULE} = $o{nchan};

# TrtcTest speaks Test::More when something is wrong (a skip_all, a
# BAIL_OUT: then this stops); no test summary at the end
Test::More->builder->no_ending(1);

my $version = $o{label} // nchan_version($o{nchan});
(my $tag = $version) =~ s/[^\w.-]+/-/g;
$tag =~ s/^-+|-+$//g;
my $room_size = 5;
my %count = (clean => 0, crash => 0, alert => 0, hang => 0);

$| = 1;
print "nchan $version ($o{nchan}): $o{rounds} rounds, $o{sockets} "
      . "WebSockets and $o{publishers} publishers each, SIG$o{signal}, "
      . "$o{deadline} s deadline\n";

for my $round (1 .. $o{rounds}) {
    my ($result, $detail) = round($round);
    $count{$result}++;
    printf "round %d: %s%s\n", $round, $result,
           $detail ne '' ? " ($detail)" : '';
}

printf "nchan %s: %d rounds, %d crashed, %d hung (%d with alerts, "
       . "%d clean; SIG%s)\n", $version, $o{rounds}, $count{crash},
       $count{hang}, $count{alert}, $count{clean}, $o{signal};

exit($count{crash} || $count{hang} ? 1 : 0);

###############################################################################

# the version string nchan carries (NCHAN_VERSION), or "unknown"
sub nchan_version {
    my ($so) = @_;
    open my $fh, '<:raw', $so or return 'unknown';
    local $/;
    my $bin = <$fh>;
    close $fh;
    # NCHAN_VERSION, a few strings before nchan_variables.c's first name
    return $bin =~ /\0(\d+\.\d+\.\d+)\0[^\n]{0,64}?\0nchan_channel_id\0/s
           ? $1 : 'unknown';
}

# the processes whose parent is $ppid
sub children {
    my ($ppid) = @_;
    my @kids;
    opendir(my $dh, '/proc') or return;
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $stat = <$fh> // '';
        close $fh;
        push @kids, $p if $stat =~ /^\d+ \(.*\) \S (\d+) / && $1 == $ppid;
    }
    closedir $dh;
    return @kids;
}

sub alive { return kill(0, $_[0]) && -e "/proc/$_[0]" && !zombie($_[0]) }

sub zombie {
    open my $fh, '<', "/proc/$_[0]/stat" or return 1;
    my $stat = <$fh> // '';
    return $stat =~ /^\d+ \(.*\) Z /;
}

# one round: (result, what was seen)
sub round {
    my ($round) = @_;

    # a crashing worker leaves its core file in the test directory
    my $t = TrtcTest->new(global => 'working_directory %%TESTDIR%%; '
                                    . 'worker_rlimit_core 1g;');
    my $dir = $t->dir;

    $t->run_shipped('trtc-demo.conf');

    my $master = $t->{pid};
    my @workers = children($master);

    my (@socks, @members, $opened);

    for my $i (0 .. $o{sockets} - 1) {
        my $room = 100 + int($i / $room_size);
        my $tok = eval { $t->issue("u$i", $room) };
        last unless $tok && $tok->{privateMapKey};
        my ($s, $status) = eval {
            $t->ws_open("/signal/sub?room=$room"
                        . "&privateMapKey=$tok->{privateMapKey}")
        };
        last unless $s;
        push @socks, $s;
        push @members, [$room, $tok->{privateMapKey}];
    }

    if (@socks != $o{sockets}) {
        kill 'KILL', $master;
        waitpid($master, 0);
        delete $t->{pid};
        print "graceful: round $round opened ", scalar @socks, " of ",
              "$o{sockets} WebSockets; error log:\n",
              $t->read_file('error.log');
        exit 2;
    }

    # one message to each room, read on every socket: the sockets carry
    # data; then one more nobody reads, in flight at the stop
    my $unread = 0;
    for my $pass (1, 2) {
        for (my $i = 0; $i < @members; $i += $room_size) {
            my ($room, $pmk) = @{$members[$i]};
            my $r = $t->request(POST => "/signal/pub?room=$room",
                                token => $pmk,
                                body => qq({"t":"hello","pass":$pass}));
            $r->{status} =~ /^20[12]$/
                or die "graceful: publish to room $room: $r->{status}\n";
        }
        last if $pass == 2;
        for my $s (@socks) {
            my $m = TrtcTest::ws_read($s, 10);
            $unread++ unless defined $m && $m =~ /"pass\\?":1/;
        }
    }
    die "graceful: $unread of " . scalar(@socks) . " sockets missed the "
        . "message\n" if $unread;

    # publishers still posting as the stop comes, as the pages' heartbeats
    # do (each POST goes through the /stamp subrequest to the stamping
    # server, which is stopping too): each says when it has published,
    # and goes on until nginx refuses it
    my @pubs;
    pipe(my $ready_r, my $ready_w) or die "pipe: $!\n";
    for my $k (0 .. $o{publishers} - 1) {
        my ($room, $pmk) = @{$members[($k * $room_size) % @members]};
        my $pid = fork() // die "fork: $!\n";
        if ($pid == 0) {
            close $ready_r;
            my $said;
            local $SIG{PIPE} = 'IGNORE';
            my $until = time + $o{deadline};
            while (time < $until) {
                my $r = eval {
                    $t->request(POST => "/signal/pub?room=$room", token => $pmk,
                                body => '{"t":"heartbeat"}')
                } or last;
                if (!$said && $r->{status} =~ /^20[12]$/) {
                    syswrite($ready_w, 'p');
                    $said = 1;
                }
            }
            POSIX::_exit(0);
        }
        push @pubs, $pid;
    }
    close $ready_w;
    my $ready = '';
    my $by = time + 30;
    while (length $ready < @pubs && time < $by) {
        my $rin = '';
        vec($rin, fileno($ready_r), 1) = 1;
        select(my $rout = $rin, undef, undef, 0.5) or next;
        sysread($ready_r, $ready, 1, length $ready) or last;
    }
    die "graceful: only " . length($ready) . " of " . scalar(@pubs)
        . " publishers got through\n" if length $ready < @pubs;

    my $mark = length $t->read_file('error.log');

    # the graceful stop, with every socket open; then a third of the
    # members leave, as pages do when their tab closes
    kill $o{signal}, $master;
    my $start = time;
    for (my $i = 0; $i < @socks; $i += 3) {
        close $socks[$i];
    }
    my $hung = 0;

    while (1) {
        waitpid($master, WNOHANG);
        last if !alive($master) && !grep { alive($_) } @workers;
        if (time - $start > $o{deadline}) {
            $hung = 1;
            kill 'KILL', $master, @workers;
            waitpid($master, 0);
            last;
        }
        sleep(0.05);
    }
    my $took = time - $start;
    delete $t->{pid};
    close $_ for @socks;
    kill 'KILL', @pubs;
    waitpid($_, 0) for @pubs;

    my $log = substr($t->read_file('error.log'), $mark)
              . $t->read_file('stderr.log');
    my @crashes = $log =~ /^.*exited on signal.*$/mg;
    my @alerts = grep { !/exited on signal/ }
                 $log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg;

    opendir(my $dh, $dir) or die;
    my @cores = grep { /^core(\.\d+)?$/ } readdir $dh;
    closedir $dh;

    my $result = $hung ? 'hang' : @crashes ? 'crash'
                 : @alerts ? 'alert' : 'clean';
    my @detail = (sprintf('%.2f s', $took));
    push @detail, scalar(@crashes) . ' exited on signal' if @crashes;
    push @detail, scalar(@alerts) . ' alerts' if @alerts;
    push @detail, scalar(@cores) . ' core' if @cores;

    if ($result ne 'clean') {
        my $keep = "$o{keep}/$tag-$o{signal}/round-$round";
        make_path($keep);
        copy("$dir/error.log", "$keep/error.log");
        print "  $_\n" for grep { defined } (@crashes, @alerts)[0 .. 4];
        for my $c (@cores) {
            my $bt = qx{gdb -batch -nx -ex 'bt 30' /usr/sbin/nginx '$dir/$c' 2>&1};
            open my $fh, '>', "$keep/$c.bt" or die;
            print $fh $bt;
            close $fh;
            print "  backtrace of $c ($keep/$c.bt):\n";
            my @frames = grep { /^#\d/ } split /\n/, $bt;
            print "    $_\n" for grep { defined } @frames[0 .. 15];
        }
        push @detail, "kept in $keep";
    }

    return ($result, join(', ', @detail));
}
