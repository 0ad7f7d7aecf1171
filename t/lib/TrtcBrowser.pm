package TrtcBrowser;

# One browser suite of t/browser/: runs t/browser/run.sh SUITE (its own
# nginx, and whatever t/browser/SUITE.setup.sh starts, inside fresh
# network, PID and mount namespaces) and turns each of its "RESULT" lines
# into one test.
#
# Skipped only for a static build or an nginx other than the packaged
# one: the demo loads Debian's nchan, a dynamic module of the packaged
# nginx.  Anything else missing fails.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);

use TrtcTest qw(repo_dir);

use Exporter qw(import);
our @EXPORT_OK = qw(run_suite);

sub run_suite {
    my ($suite) = @_;

    TrtcTest::skip_unless_packaged('the demo');

    my $repo = repo_dir();
    my $limit = $ENV{TRTC_BROWSER_TIMEOUT} || 480;     # seconds, everything

    local $ENV{TRTC_MODULE} = $ENV{TEST_NGINX_MODULE}
        if $ENV{TEST_NGINX_MODULE};
    local $ENV{TRTC_NGINX} = $ENV{TEST_NGINX_BINARY}
        if $ENV{TEST_NGINX_BINARY};
    local $ENV{TRTC_PRELOAD} = $ENV{TEST_NGINX_PRELOAD}
        if $ENV{TEST_NGINX_PRELOAD};

    pipe(my $r, my $w) or die "pipe: $!\n";

    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        close $r;
        POSIX::setsid();                # its own group: killed as one on timeout
        open STDOUT, '>&', $w or die;
        open STDERR, '>&', $w or die;
        open STDIN, '<', '/dev/null' or die;
        exec('bash', "$repo/t/browser/run.sh", $suite) or die "exec: $!\n";
    }

    close $w;

    my $json = JSON::PP->new->utf8;
    my ($planned, $results, @log) = (undef, 0);
    my $start = time;
    my $timed_out = 0;

    local $SIG{ALRM} = sub { $timed_out = 1; kill 'KILL', -$pid; };
    alarm($limit);

    while (defined(my $line = <$r>)) {
        chomp $line;

        if ($line =~ /^PLAN (\d+)$/) {
            $planned = $1;

        } elsif ($line =~ /^RESULT (\{.*\})$/) {
            my $res = eval { $json->decode($1) };

            if (!$res) {
                fail("unreadable result line: $line");
                next;
            }

            $results++;
            ok($res->{ok}, $res->{name})
                or diag($res->{diag});
            note($res->{diag}) if $res->{ok} && $res->{diag};

        } else {
            push @log, $line;
            shift @log if @log > 200;
        }
    }

    alarm(0);
    close $r;
    waitpid($pid, 0);
    my $status = $?;

    # the namespaces end every process of the run; make sure of the group too
    kill 'KILL', -$pid;

    ok(!$timed_out, "browser run finished within ${limit}s")
        or diag("killed after ${limit}s");

    ok(defined $planned, 'the browser tests started')
        or diag(join "\n", @log);

    # every check of SUITE.test.js reported, plus run.sh's two log checks
    is($results, ($planned // 0) + 2, 'every browser check reported')
        if defined $planned;

    ok($status == 0, 'run.sh exited 0')
        or diag("exit status " . ($status >> 8) . ", signal " . ($status & 127)
                . "\n" . join("\n", @log));

    note(sprintf('browser run (%s): %.1fs', $suite, time - $start));

    done_testing();
    }

1;
