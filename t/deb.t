#!/usr/bin/perl

# The Debian package of `make deb` as an operator meets it: installed
# with apt, it puts the module in /usr/lib/nginx/modules/, its load file
# in modules-available/ and a link to it in modules-enabled/, so that an
# nginx.conf that includes modules-enabled/*.conf (as Debian's does) has
# the directives with no load_module of its own; it starts no nginx; the
# t/ suite passes against the installed module; a purge leaves none of
# it.  Installs and purges a package on this machine: needs root and
# TRTC_DEB, the .deb (make test-deb sets it, and TRTC_TOOL).  The suite
# leaves out the browser tests, soak.t, demo.t (conf/demo.sh runs the
# module of build/, not the installed one) and this file.

use strict;
use warnings;

use Test::More;

use lib 't/lib';
use TrtcTest qw(repo_dir);
use TrtcToken;

my $PKG = 'libnginx-mod-http-trtc';
my $SO = '/usr/lib/nginx/modules/ngx_http_trtc_module.so';
my $AVAILABLE = '/usr/share/nginx/modules-available/mod-http-trtc.conf';
my $ENABLED = '/etc/nginx/modules-enabled/50-mod-http-trtc.conf';

my $deb = $ENV{TRTC_DEB};

plan(skip_all => 'TRTC_DEB unset: the .deb to install (make test-deb)')
    unless $deb;
plan(skip_all => 'installs a package: needs root') unless $> == 0;

BAIL_OUT("TRTC_DEB: no file $deb") unless -f $deb;
$deb = "./$deb" unless $deb =~ m{^\.?/};

my $tool = $ENV{TRTC_TOOL} || repo_dir() . '/build/trtc-tool';
BAIL_OUT("no $tool (make build/trtc-tool)") unless -x $tool;

# what this test removes at its end must not be the operator's
BAIL_OUT("$PKG is installed already; remove it first")
    if installed();

# the system's nginx, were it running, would be reloaded by the package's
# trigger with the module in: not this test's to do
plan(skip_all => 'the system nginx is running (/run/nginx.pid)')
    if system_nginx();

$ENV{DEBIAN_FRONTEND} = 'noninteractive';

# purged whatever happens below, once this test may have put it in
my $ours;
END {
    local $?;
    qx{apt-get remove --purge -y $PKG 2>&1} if $ours && installed();
}

$ours = 1;
my $out = qx{apt-get install -y --no-install-recommends $deb 2>&1};
my $apt_ok = $? == 0;

ok($apt_ok, 'apt-get install the .deb') or diag($out);
ok(installed(), "$PKG installed");
ok(!system_nginx(), 'installing started no nginx');

ok(-f $SO, "the module in $SO");
is(read_text($AVAILABLE), "load_module modules/ngx_http_trtc_module.so;\n",
   "its load file in $AVAILABLE");
is(readlink($ENABLED), $AVAILABLE, "enabled: $ENABLED links to it");
ok(-f $ENABLED, "the link resolves");

like(qx{dpkg-query -W -f '\${Depends}' $PKG},
     qr/(?:^|, )nginx-abi-1\.22\.1-7(?:,|$)/,
     'depends on the nginx ABI it was built for');

my $t;
{
    # a configuration of an operator's: the module comes from the include
    local $ENV{TEST_NGINX_MODULE} = '';
    $t = TrtcTest->new();
}
$t->write_key('key', $TrtcToken::KEY);

# the load files name modules/ of the prefix, /usr/share/nginx/modules
# for the packaged nginx: the same link in the test's prefix
symlink('/usr/share/nginx/modules', $t->dir . '/modules')
    or BAIL_OUT("symlink: $!");

my $http = <<'EOF';
    trtc_sdkappid 1400000000;
    trtc_key_file %%TESTDIR%%/key;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/token {
            trtc_issue;
            trtc_issue_user $arg_userId;
            trtc_issue_room $arg_roomId;
        }
    }
EOF
my %main = (main => 'include /etc/nginx/modules-enabled/*.conf;');

my ($conf_ok, $conf_out) = $t->test_config($http, %main);
ok($conf_ok, 'nginx -t: the trtc directives with modules-enabled/*.conf')
    or diag($conf_out);

SKIP: {
    skip('nginx -t failed', 1) unless $conf_ok;

    $t->run($http, %main);
    my $j = $t->issue('alice', 1234);
    like($j->{userSig} // '', $TrtcTest::TOKEN_SHAPE,
         'the installed module issues a token');
    $t->stop;
}

my @suite = grep { !m{/(?:browser[^/]*|soak|demo|deb)\.t$} } glob('t/*.t');

ok(@suite > 5, 'the suite without the browser tests: ' . @suite . ' files');

{
    local $ENV{TEST_NGINX_BINARY} = '/usr/sbin/nginx';
    local $ENV{TEST_NGINX_MODULE} = $SO;
    local $ENV{TRTC_TOOL} = $tool;

    my $prove = qx{prove -I t/lib @suite 2>&1};
    ok($? == 0, 'the t/ suite passes against the installed module')
        or diag($prove);
    note($prove);
}

$out = qx{apt-get remove --purge -y $PKG 2>&1};
ok($? == 0, "apt-get remove --purge $PKG") or diag($out);

ok(!installed(), "$PKG gone");
ok(!-e $SO, 'the module gone');
ok(!-e $AVAILABLE, 'its load file gone');
ok(!-l $ENABLED && !-l "$ENABLED.removed", 'its link gone');

done_testing;

sub installed {
    my $s = qx{dpkg-query -W -f '\${Status}' $PKG 2>/dev/null};
    return $s =~ /^install ok installed$/;
}

sub system_nginx {
    my $pid = read_text('/run/nginx.pid');
    return $pid =~ /^(\d+)$/ && kill(0, $1);
}

sub read_text {
    my ($path) = @_;
    open(my $fh, '<', $path) or return '';
    local $/;
    my $text = <$fh>;
    close($fh);
    return $text;
}
