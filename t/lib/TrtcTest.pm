package TrtcTest;

# A small harness in the manner of nginx's own test suite: each test file
# starts a real nginx on a free port with its own configuration, speaks
# raw HTTP to it, and fails on alerts, crashes or sanitizer reports in
# its error log.
#
# Environment:
#   TEST_NGINX_BINARY   nginx to run (default /usr/sbin/nginx)
#   TEST_NGINX_MODULE   the module .so to load; empty when built in
#   TEST_NGINX_NCHAN    nchan's .so for that nginx (default: NCHAN_MODULE
#                       as t/nchan/path.sh reads it, else Debian's, for
#                       the packaged nginx only)
#   TEST_NGINX_LEAVE    keep the test directory
#   TEST_NGINX_PRELOAD  LD_PRELOAD for nginx (sanitizer runtimes); the
#                       reports go to asan.PID and ubsan.PID in the test
#                       directory (log_path is added to ASAN_OPTIONS and
#                       UBSAN_OPTIONS), and fail the test like the log
#   TEST_NGINX_VALGRIND nginx (master and workers) runs under valgrind's
#                       memcheck, reports in valgrind.PID; the value is
#                       more valgrind options, or 1; timeouts are longer
#   TEST_NGINX_REPORTS  a directory to copy those report files to
#
# Sanitizer and valgrind reports fail a test, except leaks: nginx leaves
# some memory of its own at exit, so a leak counts only when a frame of
# its allocation is the module's (ngx_http_trtc_*, trtc_*), and only a
# direct ("definitely lost") one: what only a leaked block of nginx's
# points to is nginx's leak.

use strict;
use warnings;

use Cwd ();
use Exporter qw(import);
use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP ();
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep);

our @EXPORT_OK = qw(repo_dir classify_report json_body);

# valgrind is slow: every wait is this many times longer under it
our $SLOW = $ENV{TEST_NGINX_VALGRIND} ? 10 : 1;

# a frame of the module in a report's stack
our $OURS = qr/\bngx_http_trtc_\w+|\btrtc_\w+/;

# the packaged nginx, and Debian's nchan, a dynamic module built for it
# alone
our $PACKAGED = '/usr/sbin/nginx';
our $DEBIAN_NCHAN = '/usr/lib/nginx/modules/ngx_nchan_module.so';

# the nchan module named for the tests: TEST_NGINX_NCHAN, NCHAN_MODULE (as
# t/nchan/path.sh picks for the demo and the browser suites), else
# Debian's
sub nchan_path {
    for my $v (qw(TEST_NGINX_NCHAN NCHAN_MODULE)) {
        return $ENV{$v} if defined $ENV{$v} && $ENV{$v} ne '';
    }
    return $DEBIAN_NCHAN;
}

# is the module built into the nginx under test
sub static_build {
    return defined $ENV{TEST_NGINX_MODULE} && $ENV{TEST_NGINX_MODULE} eq '';
}

# is the nginx under test the packaged one
sub packaged {
    my $binary = $ENV{TEST_NGINX_BINARY} || $PACKAGED;
    return (Cwd::abs_path($binary) // '') eq Cwd::abs_path($PACKAGED);
}

# the test runs again inside new network, PID and mount namespaces, as
# t/browser/run.sh does, with the loopback up: fixed ports are free, and
# what it starts ends with it.  Needs root.
sub in_namespaces {
    if (!$ENV{TRTC_TEST_IN_NAMESPACE}) {
        $ENV{TRTC_TEST_IN_NAMESPACE} = 1;
        exec('unshare', '--net', '--pid', '--fork', '--kill-child',
             '--mount-proc', $^X, '-It/lib', $0)
            or Test::More::BAIL_OUT("unshare: $! ($0 runs as root)");
    }

    system('ip', 'link', 'set', 'lo', 'up') == 0
        or Test::More::BAIL_OUT('ip link set lo up');
}

# the test is skipped unless the nginx under test is the packaged one,
# loading the module: WHAT (conf/demo.sh, the browser suites) runs that
sub skip_unless_packaged {
    my ($what) = @_;

    plan(skip_all => "$what loads nchan and the module as dynamic modules; "
                     . 'not for a static build')
        if static_build();
    plan(skip_all => "$what runs the packaged nginx ($PACKAGED), not "
                     . $ENV{TEST_NGINX_BINARY})
        unless packaged();
}

# nchan for the nginx under test: TEST_NGINX_NCHAN (built with it, as
# t/nginx.sh does), else Debian's for the packaged nginx; the test is
# skipped when there is none (a static build, another nginx) and stopped
# when the one named is missing
sub nchan {
    plan(skip_all => 'nchan is a dynamic module; not for a static build')
        if static_build();

    my $nchan = nchan_path();

    if ($nchan ne $DEBIAN_NCHAN) {
        BAIL_OUT("no nchan module at $nchan (TEST_NGINX_NCHAN, NCHAN_MODULE; "
                 . 'make nchan)') unless -f $nchan;
        return $nchan;
    }

    plan(skip_all => "Debian's nchan loads only into the packaged nginx; "
                     . 'TEST_NGINX_NCHAN names one built for '
                     . $ENV{TEST_NGINX_BINARY})
        unless packaged();
    BAIL_OUT("no $DEBIAN_NCHAN (apt-get install libnginx-mod-nchan)")
        unless -f $DEBIAN_NCHAN;

    return $DEBIAN_NCHAN;
}

sub repo_dir {
    my $d = File::Spec->rel2abs(__FILE__);
    $d =~ s{/t/lib/TrtcTest\.pm$}{};
    return $d;
}

# new(workers => N (1), global => main-level directives added with -g,
# %%TESTDIR%% and %%PORT%% expanded, e.g. a working_directory for cores)
sub new {
    my ($class, %opts) = @_;

    my $self = bless {
        binary  => $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx',
        module  => defined $ENV{TEST_NGINX_MODULE}
                   ? $ENV{TEST_NGINX_MODULE}
                   : repo_dir() . '/build/ngx_http_trtc_module.so',
        workers => $opts{workers} || 1,
        global  => $opts{global} // '',
        dir     => tempdir('trtc-test-XXXXXX', TMPDIR => 1,
                           CLEANUP => !$ENV{TEST_NGINX_LEAVE}),
        ports   => {},
        owner   => $$,
    }, $class;

    if (!-x $self->{binary}) {
        plan(skip_all => "no nginx binary at $self->{binary}");
    }

    if ($self->{module} ne '' && !-f $self->{module}) {
        plan(skip_all => "module not built: $self->{module} (run make)");
    }

    return $self;
}

sub dir { $_[0]{dir} }

# the version of the nginx under test as its nginx_version macro has it
# (1.25.1 is 1025001), for configurations that differ by version
sub nginx_version {
    my ($self) = @_;

    return $self->{version} //= do {
        my $v = `$self->{binary} -v 2>&1`;
        $v =~ m{nginx/(\d+)\.(\d+)\.(\d+)}
            or die "no version from $self->{binary} -v: $v\n";
        $1 * 1000000 + $2 * 1000 + $3;
    };
}

# a free TCP port on 127.0.0.1, the same one for the same name
sub port {
    my ($self, $name) = @_;
    $name //= 'main';

    return $self->{ports}{$name} if $self->{ports}{$name};

    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Proto => 'tcp',
                                      Listen => 1, ReuseAddr => 0)
            or next;
        my $p = $s->sockport();
        close $s;
        next if grep { $_ == $p } values %{$self->{ports}};
        return $self->{ports}{$name} = $p;
    }

    die "no free port\n";
}

sub write_file {
    my ($self, $name, $content, $mode) = @_;
    my $path = "$self->{dir}/$name";

    (my $d = $path) =~ s{/[^/]+$}{};
    system('mkdir', '-p', $d) == 0 or die "mkdir $d\n";

    open my $fh, '>', $path or die "open $path: $!\n";
    binmode $fh;
    print $fh $content;
    close $fh;

    chmod($mode // 0644, $path);

    return $path;
}

# a key file, mode 0600 unless told; its key is then looked for in every
# response and log of the test, and must be found in none
sub write_key {
    my ($self, $name, $key, $mode) = @_;
    push @{$self->{secrets}}, $key;
    return $self->write_file($name, "$key\n", $mode // 0600);
}

our $SEEN = '';

# the shape of a TRTC token: TRTC's base64 of a zlib stream (0x78 ..);
# of a Janus signed token: "<expiry>,janus...:<base64 HMAC-SHA1>"
our $TOKEN_SHAPE = qr/(?<![A-Za-z0-9*_\-])e[A-Za-z][A-Za-z0-9*_\-]{60,}/;
our $JANUS_SHAPE = qr/\d{10},janus[^:\s"]*:[A-Za-z0-9+\/]{27}=/;

# every token a test sent or received (24 characters and more, in a query,
# a header, a cookie, a body), to be looked for in the logs
our %TOKENS;

sub read_file {
    my ($self, $name) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{dir}/$name";

    open my $fh, '<', $path or return '';
    binmode $fh;
    local $/;
    my $c = <$fh>;
    close $fh;

    return $c // '';
}

# the whole configuration: main-level lines, then the http block's body;
# %%PORT%%, %%PORT_name%% and %%TESTDIR%% are replaced
sub config {
    my ($self, $http, %opts) = @_;
    my $dir = $self->{dir};

    my $load = $self->{module} ne ''
        ? "load_module $self->{module};\n" : '';
    my $user = $> == 0 ? "user root;\n" : '';
    my $main = $opts{main} // '';
    my $level = $opts{log_level} // 'info';

    my $conf = <<"EOF";
$load$main
${user}worker_processes $self->{workers};
pid $dir/nginx.pid;
error_log $dir/error.log $level;

events {
    worker_connections 1024;
}

http {
    # as README.md advises: no query string (tokens travel in them)
    log_format trtc_test '\$remote_addr [\$time_local] '
                         '"\$request_method \$uri" \$status '
                         '\$body_bytes_sent';
    access_log $dir/access.log trtc_test;
    client_body_temp_path $dir/client_body_temp;
    proxy_temp_path $dir/proxy_temp;
    fastcgi_temp_path $dir/fastcgi_temp;
    uwsgi_temp_path $dir/uwsgi_temp;
    scgi_temp_path $dir/scgi_temp;

$http
}
EOF

    return $self->expand($conf);
}

sub expand {
    my ($self, $text) = @_;

    $text =~ s/%%PORT_(\w+)%%/$self->port($1)/ge;
    $text =~ s/%%PORT%%/$self->port('main')/ge;
    $text =~ s/%%TESTDIR%%/$self->{dir}/g;

    return $text;
}

sub env_prefix {
    my ($self) = @_;
    my $dir = $self->{dir};
    my @cmd;

    if ($ENV{TEST_NGINX_PRELOAD}) {
        @cmd = ('env', "LD_PRELOAD=$ENV{TEST_NGINX_PRELOAD}",
                map {
                    my $o = $ENV{"${_}_OPTIONS"} // '';
                    "${_}_OPTIONS=$o" . ($o ne '' ? ':' : '')
                    . "log_path=$dir/" . lc $_
                } qw(ASAN UBSAN));
    }

    if ($ENV{TEST_NGINX_VALGRIND}) {
        push @cmd, 'valgrind', '--tool=memcheck', '--leak-check=full',
             '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite',
             '--num-callers=40', "--log-file=$dir/valgrind.%p",
             $ENV{TEST_NGINX_VALGRIND} eq '1'
             ? () : split(' ', $ENV{TEST_NGINX_VALGRIND});
    }

    return @cmd;
}

# runs "nginx -t" on a configuration; returns (ok, output)
sub test_config {
    my ($self, $http, %opts) = @_;

    $self->write_file('test.conf', $self->config($http, %opts));

    my @cmd = ($self->env_prefix, $self->{binary}, '-p', "$self->{dir}/",
               '-c', "$self->{dir}/test.conf", '-e', "$self->{dir}/test.log",
               '-t');
    my $out = qx{@cmd 2>&1};
    my $ok = $? == 0;

    # under ASan, nginx -t ends without freeing its cycle and LeakSanitizer
    # then exits with status 1 after a test that passed: nginx's verdict is
    # its own line, and the leaks are judged by reports() like any other
    $ok ||= $ENV{TEST_NGINX_PRELOAD} && $? >> 8 == 1
            && $out =~ /^nginx: configuration file \S+ test is successful$/m;

    my ($bad) = $self->reports;

    if (@$bad) {
        fail('no sanitizer or valgrind report from nginx -t');
        diag(join "\n", @$bad);
    }

    return ($ok, $out . $self->read_file('test.log'));
}

sub run {
    my ($self, $http, %opts) = @_;

    $self->{conf_http} = $http;
    $self->{conf_opts} = \%opts;

    $self->write_file('nginx.conf', $self->config($http, %opts));

    return $self->_start;
}

# a configuration of conf/ as shipped, its @NAME@ filled in: @RUN@ the
# test directory (which holds its logs, sockets and the key file
# trtc.key, made here), @PORT@ the main port, @MODULE@ the module,
# @NCHAN@ nchan (nchan_path), @HTML@ the repository's html/, and the
# others from %subst
sub run_shipped {
    my ($self, $file, %subst) = @_;

    my $text = $self->read_file(repo_dir() . "/conf/$file");
    my $dir = $self->{dir};

    # the configurations load nchan as @NCHAN@: the one of the nginx
    # under test
    my %v = (RUN => $dir, PORT => $self->port, MODULE => $self->{module},
             HTML => repo_dir() . '/html', %subst);
    $v{NCHAN} = nchan() if index($text, '@NCHAN@') >= 0;

    $text =~ s{\@(\w+)\@}{
        defined $v{$1} ? $v{$1} : die "run_shipped: no value for \@$1\@\n"
    }ge;

    system('mkdir', '-p', "$dir/http.d", "$dir/signal.d", "$dir/removal.d") == 0
        or die "mkdir\n";

    if (!-e "$dir/trtc.key") {
        $self->write_key('trtc.key', $TrtcToken::KEY // 'k' x 64);
    }

    $self->write_file('nginx.conf', $text);
    $self->{main_g} = $> == 0 ? 'user root;' : '';

    return $self->_start;
}

sub _start {
    my ($self) = @_;

    unlink "$self->{dir}/nginx.pid";

    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        open STDOUT, '>>', "$self->{dir}/stderr.log";
        open STDERR, '>>', "$self->{dir}/stderr.log";
        exec($self->env_prefix, $self->{binary}, '-p', "$self->{dir}/",
             '-c', "$self->{dir}/nginx.conf", '-e', "$self->{dir}/error.log",
             '-g', 'daemon off; ' . ($self->{main_g} // '')
                   . $self->expand($self->{global}))
            or die "exec: $!\n";
    }

    $self->{pid} = $pid;

    for (1 .. 100 * $SLOW) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $self->{pid};
            BAIL_OUT("nginx did not start:\n"
                     . $self->read_file('stderr.log')
                     . $self->read_file('error.log'));
        }

        if (-s "$self->{dir}/nginx.pid" && $self->_listening) {
            return $self;
        }

        sleep(0.05);
    }

    BAIL_OUT("nginx did not listen in time:\n"
             . $self->read_file('error.log'));
}

sub _listening {
    my ($self) = @_;

    for my $p (values %{$self->{ports}}) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $p, Proto => 'tcp')
            or next;
        close $s;
        return 1;
    }

    return !%{$self->{ports}};
}

# reloads the configuration; returns once the old workers stopped taking
# connections, so that what follows meets the new configuration
sub reload {
    my ($self) = @_;
    my $old = length $self->read_file('error.log');
    my $n = $self->{workers};

    kill 'HUP', $self->{pid};

    for (1 .. 200 * $SLOW) {
        my $log = substr($self->read_file('error.log'), $old);
        my $started = () = $log =~ /start worker process/g;
        my $stopping = () = $log =~ /gracefully shutting down/g;
        if ($started >= $n && $stopping >= $n) {
            sleep(0.1);     # the log line comes just before the close
            return 1;
        }
        return 0 if $log =~ /\[emerg\]/;
        sleep(0.05);
    }

    return 0;
}

sub stop {
    my ($self) = @_;

    $self->_end_standins;

    my $pid = delete $self->{pid} or return;

    kill 'QUIT', $pid;

    for (1 .. 100 * $SLOW) {
        last if waitpid($pid, WNOHANG) == $pid;
        sleep(0.05);
        if ($_ == 100 * $SLOW) {
            kill 'KILL', $pid;
            waitpid($pid, 0);
        }
    }

    $self->check_log;
    $self->check_secrets;
}

# a stand-in upstream on the port of $name: a child process that takes
# one connection at a time, reads the request's head, appends it to the
# file $heads of the test directory and answers with $reply->($socket,
# $head), or with 200 and no body; stop() ends it.  Returns the path of
# $heads.  Started before nginx, so that nginx finds it listening.
sub standin {
    my ($self, $name, $heads, $reply) = @_;
    my $path = "$self->{dir}/$heads";

    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                  LocalPort => $self->port($name),
                                  Listen => 64, ReuseAddr => 1)
        or die "stand-in $name: $!\n";

    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        $SIG{PIPE} = 'IGNORE';

        while (my $s = $l->accept) {
            my $head = '';
            while (my $line = <$s>) {
                $head .= $line;
                last if $line eq "\r\n";
            }

            if ($head ne '') {      # not a mere connect (_listening)
                open my $fh, '>>', $path or die "$path: $!\n";
                print $fh $head;
                close $fh;

                if ($reply) {
                    $reply->($s, $head);
                } else {
                    print $s "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                             . "Connection: close\r\n\r\n";
                }
            }

            close $s;
        }

        POSIX::_exit(0);
    }

    close $l;
    push @{$self->{standins}}, $pid;

    return $path;
}

sub _end_standins {
    my ($self) = @_;
    return unless $self->{owner} == $$;

    for my $pid (splice @{$self->{standins} || []}) {
        kill 'TERM', $pid;
        waitpid($pid, 0);
    }
}

# the keys of write_key() appear in no response and no log; no token
# (a TRTC token or a Janus token, by its shape, and every token the test
# sent or got, valid or not) appears in any log
sub check_secrets {
    my ($self) = @_;

    opendir(my $dh, $self->{dir}) or return;
    my @names = sort grep { /\.log$/ } readdir $dh;
    closedir $dh;

    my %logs = map { $_ => $self->read_file($_) } @names;

    if (my @secrets = @{$self->{secrets} || []}) {
        my @found = grep {
            my $k = $_;
            index($SEEN, $k) >= 0 || grep { index($_, $k) >= 0 } values %logs
        } @secrets;

        ok(!@found, 'no key in any response or log ('
                    . length($SEEN) . ' bytes of responses)');
    }

    my @leaks;

    for my $name (@names) {
        push @leaks, map { "$name: token-shaped \"$_\"" }
                     $logs{$name} =~ /($TOKEN_SHAPE|$JANUS_SHAPE)/g;
        push @leaks, map { "$name: a token of the test" }
                     grep { index($logs{$name}, $_) >= 0 } keys %TOKENS;
    }

    ok(!@leaks, 'no token in any log (' . scalar(keys %TOKENS)
                . ' tokens used, ' . scalar(@names) . ' logs)')
        or diag(join "\n", @leaks[0 .. ($#leaks > 9 ? 9 : $#leaks)]);
}

sub note_tokens {
    my ($text) = @_;
    return unless defined $text;
    $TOKENS{$1} = 1
        while $text =~ /(?<![A-Za-z0-9*_\-])(e[A-Za-z][A-Za-z0-9*_\-]{22,})/g;
    $TOKENS{$1} = 1 while $text =~ /($JANUS_SHAPE)/g;
}

# fails the test on lines no run may leave in the error log: a directive
# that the nginx under test deprecates is one (a newer nginx warns where
# the packaged one did not)
sub check_log {
    my ($self) = @_;
    my @bad = grep {
        /\[(alert|emerg|crit)\]/
        || /\[warn\] .* is deprecated/
        || /exited on signal/
        || /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehavior/
    } split /\n/, $self->read_file('error.log')
                  . $self->read_file('stderr.log');

    my ($reports, $ignored) = $self->reports;
    push @bad, @$reports;

    ok(!@bad, 'no alerts, deprecations, crashes or sanitizer reports in error log')
        or diag(join "\n", @bad);

    note("$ignored leak report(s) without a frame of the module let pass")
        if $ignored;
}

# the report files (asan.PID, ubsan.PID, valgrind.PID) written since the
# last look: returns the reports that fail the test, and the number of
# leaks let pass; a valgrind file is read once its process has ended
sub reports {
    my ($self) = @_;
    my (@bad, $ignored);

    opendir(my $dh, $self->{dir}) or return ([], 0);
    my @files = sort grep { /^(asan|ubsan|valgrind)\.\d+$/ } readdir $dh;
    closedir $dh;

    for my $f (@files) {
        my $text = $self->read_file($f);
        my $seen = $self->{reported}{$f} // 0;

        next if length($text) <= $seen;
        next if $f =~ /^valgrind/ && $text !~ /ERROR SUMMARY:/;

        $self->{reported}{$f} = length $text;

        if (my $to = $ENV{TEST_NGINX_REPORTS}) {
            (my $name = $0) =~ s{.*/}{};
            make_path($to);
            copy("$self->{dir}/$f", "$to/$name-$f");
        }

        my $kind = $f =~ /^valgrind/ ? 'valgrind' : 'sanitizer';
        my ($b, $i) = classify_report($kind, substr($text, $seen));
        push @bad, map { "$f:\n$_" } @$b;
        $ignored += $i;
    }

    return (\@bad, $ignored // 0);
}

# splits a sanitizer's or valgrind's output into reports; returns those
# that count (all but leaks outside the module) and how many did not
sub classify_report {
    my ($kind, $text) = @_;
    my (@bad, $ignored);

    $ignored = 0;

    if ($kind eq 'valgrind') {
        $text =~ s/^==\d+== ?//mg;

        for my $r (split /\n\s*\n/, $text) {
            next unless $r =~ /^\s+(?:at|by) 0x/m;

            if ($r =~ /are[ ](definitely|indirectly|possibly)[ ]lost
                       |still[ ]reachable/x)
            {
                if ($1 && $1 eq 'definitely' && $r =~ $OURS) {
                    push @bad, $r;
                } else {
                    $ignored++;
                }
                next;
            }

            push @bad, $r;
        }

        return (\@bad, $ignored);
    }

    # LeakSanitizer: one report per leak, between its header and summary

    my $lsan = qr/^==\d+==ERROR:\ LeakSanitizer:[^\n]*\n(.*?)
                  (?:^SUMMARY:[^\n]*leaked[^\n]*\n|\z)/msx;

    while ($text =~ s/$lsan//) {
        for my $r (split /\n\s*\n/, $1) {
            next unless $r =~ /^(Direct|Indirect) leak of/m;

            if ($r =~ /^Direct/m && $r =~ $OURS) {
                push @bad, $r;
            } else {
                $ignored++;
            }
        }
    }

    $text =~ s/^=+\n//mg;
    push @bad, $text if $text =~ /\S/;

    return (\@bad, $ignored);
}

# only in the test's own process: a child the test forked (a client, a
# stand-in) that exits must not kill nginx's master, whose workers would
# then outlive the test
sub DESTROY {
    my ($self) = @_;
    local $?;       # the test's exit status is not nginx's
    if ($self->{pid} && $self->{owner} == $$) {
        kill 'KILL', $self->{pid};
        waitpid($self->{pid}, 0);
    }
    $self->_end_standins;
}

# the error log from here on: $t->log_mark; ...; $t->log_since
sub log_mark {
    my ($self) = @_;
    $self->{mark} = length $self->read_file('error.log');
}

sub log_since {
    my ($self) = @_;
    return substr($self->read_file('error.log'), $self->{mark} // 0);
}

# one raw request; returns the raw response
sub raw {
    my ($self, $request, %opts) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $opts{port} // $self->port,
                                  Proto => 'tcp', Timeout => 5 * $SLOW)
        or die "connect: $!\n";

    $s->autoflush(1);
    binmode $s;
    print $s $request;
    note_tokens($request);

    my $response = '';
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm(10 * $SLOW);
    while (1) {
        my $n = sysread($s, my $buf, 65536);
        last if !$n;
        $response .= $buf;
    }
    alarm(0);
    close $s;

    $SEEN .= $response;
    note_tokens($response);

    return $response;
}

# GET (or another method) with HTTP/1.0; returns
# { status, headers => { lc name => [values] }, body, raw }, whose JSON
# json_body() reads; %opts: headers => [name => value ...], body, port,
# and token: a token in X-TRTC-Token, the module's first default source
# (no header when undef)
sub request {
    my ($self, $method, $uri, %opts) = @_;
    my $headers = $opts{headers} || [];
    my $body = $opts{body};

    my $req = "$method $uri HTTP/1.0\r\nHost: localhost\r\n";
    $req .= "X-TRTC-Token: $opts{token}\r\n" if defined $opts{token};
    for (my $i = 0; $i < @$headers; $i += 2) {
        $req .= "$headers->[$i]: $headers->[$i + 1]\r\n";
    }
    $req .= 'Content-Length: ' . length($body) . "\r\n" if defined $body;
    $req .= "\r\n";
    $req .= $body if defined $body;

    return parse_response($self->raw($req, %opts));
}

sub get {
    my ($self, $uri, @headers) = @_;
    return $self->request('GET', $uri, headers => \@headers);
}

# tokens from a trtc_issue location of the test's nginx: its JSON reply,
# decoded; issue($user, $room, role => .., at => location (/api/token,
# as shipped), method => GET); an undefined room asks for a UserSig
# alone.  The values go into the query as given, escaped or not.
sub issue {
    my ($self, $user, $room, %o) = @_;

    my $uri = ($o{at} // '/api/token') . "?userId=$user";
    $uri .= "&roomId=$room" if defined $room;
    $uri .= "&role=$o{role}" if $o{role};

    my $r = $self->request($o{method} // 'GET', $uri);

    return json_body($r) // die "issue $uri: $r->{status}, no JSON\n";
}

sub parse_response {
    my ($raw) = @_;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my @lines = split /\r\n/, $head // '';
    my $status_line = shift @lines // '';
    my ($status) = $status_line =~ m{^HTTP/\d\.\d (\d{3})};
    my %h;

    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        push @{$h{lc $k}}, $v;
    }

    return { status => $status // 0, headers => \%h, body => $body // '',
             raw => $raw };
}

# a WebSocket client, enough for tests: the handshake, then text frames
# from the server (unmasked); returns (socket or undef, status line)
sub ws_open {
    my ($self, $uri, @headers) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $self->port, Proto => 'tcp',
                                  Timeout => 5 * $SLOW)
        or die "connect: $!\n";

    binmode $s;
    my $req = "GET $uri HTTP/1.1\r\nHost: localhost\r\n"
              . "Upgrade: websocket\r\nConnection: Upgrade\r\n"
              . "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              . "Sec-WebSocket-Version: 13\r\n";
    for (my $i = 0; $i < @headers; $i += 2) {
        $req .= "$headers[$i]: $headers[$i + 1]\r\n";
    }
    print $s "$req\r\n";
    note_tokens($req);

    my $head = '';
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm(5 * $SLOW);
    while (defined(my $line = <$s>)) {
        $head .= $line;
        last if $line eq "\r\n";
    }
    alarm(0);

    my ($status) = split /\r\n/, $head;
    return ($head =~ m{^HTTP/1\.1 101} ? $s : undef, $status // '');
}

# the next text frame's payload, or undef after $timeout seconds
sub ws_read {
    my ($s, $timeout) = @_;
    my $payload;

    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm(($timeout // 2) * $SLOW);

        while (1) {
            _read_n($s, my $h, 2) or die "closed\n";
            my ($b1, $b2) = unpack('CC', $h);
            my $len = $b2 & 0x7f;

            if ($len == 126) {
                _read_n($s, $h, 2) or die "closed\n";
                $len = unpack('n', $h);
            } elsif ($len == 127) {
                _read_n($s, $h, 8) or die "closed\n";
                $len = unpack('Q>', $h);
            }

            my $data = '';
            _read_n($s, $data, $len) or die "closed\n" if $len;

            next if ($b1 & 0x0f) != 1;      # pings and the like
            $payload = $data;
            $SEEN .= $data;
            note_tokens($data);
            last;
        }

        alarm(0);
    };

    alarm(0);
    return $payload;
}

# a text frame to the server, masked as a client's must be
sub ws_send {
    my ($s, $payload) = @_;
    my $len = length $payload;
    my $mask = pack('N', int(rand(0xffffffff)));
    my $head = pack('C', 0x81)
               . ($len < 126 ? pack('C', 0x80 | $len)
                  : $len < 65536 ? pack('Cn', 0x80 | 126, $len)
                  : pack('CQ>', 0x80 | 127, $len));
    my $masked = $payload ^ substr($mask x (int($len / 4) + 1), 0, $len);
    note_tokens($payload);
    return print $s $head . $mask . $masked;
}

sub _read_n {
    my ($s, undef, $n) = @_;
    my $buf = '';
    while (length $buf < $n) {
        my $got = sysread($s, $buf, $n - length $buf, length $buf);
        return 0 if !$got;
    }
    $_[1] = $buf;
    return 1;
}

sub header {
    my ($r, $name) = @_;
    my $v = $r->{headers}{lc $name};
    return $v ? $v->[0] : undef;
}

# the JSON body of a response, decoded once (undef when it is not JSON);
# with a name, that member of it
sub json_body {
    my ($r, $name) = @_;

    $r->{json} = eval { JSON::PP::decode_json($r->{body}) }
        unless exists $r->{json};

    return $r->{json} unless defined $name;
    return ref $r->{json} eq 'HASH' ? $r->{json}{$name} : undef;
}

1;
