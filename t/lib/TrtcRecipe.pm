package TrtcRecipe;

# README.md's recipe for Tencent's demo folders ("Tencent's demo
# folders"), taken from the README itself so that the tests serve exactly
# what it shows: the nginx blocks after the "<!-- tencent-recipe: NAME -->"
# markers, with the README's example paths and hosts replaced by the
# test's (and nothing else changed).
#
#   tencent_http(%v): the body of http {}: the MIME types of Debian's
#   nginx.conf, the "http" block, then one
#   server on 127.0.0.1:$v{port} with the "common", "base-js" and
#   "quick-demo-js" blocks; %v: port, key (the key file), base_js and
#   quick_demo_js (the folders), repo (for /opt/ngx_trtc_module), html
#   (for its html/, default repo's), upstream (http://127.0.0.1:N in
#   place of Tencent's signaling and log hosts), access_log (its file),
#   server_root (a root for the whole server), drop (locations,
#   "= URI;/prefix/", whose blocks are left out: to show that a test
#   fails without them)

use strict;
use warnings;

use Exporter qw(import);
our @EXPORT_OK = qw(tencent_blocks tencent_http);

use TrtcTest qw(repo_dir);

sub tencent_blocks {
    my $path = repo_dir() . '/README.md';

    open(my $fh, '<', $path) or die "$path: $!\n";
    my $readme = do { local $/; <$fh> };
    close($fh);

    my %b;

    while ($readme =~ /^<!-- tencent-recipe: ([\w-]+) -->\n```nginx\n(.*?)^```$/msg) {
        $b{$1} = $2;
    }

    for (qw(http common base-js quick-demo-js)) {
        die "README.md: no tencent-recipe block \"$_\"\n" unless defined $b{$_};
    }

    return \%b;
}

sub tencent_http {
    my (%v) = @_;
    my $b = tencent_blocks();
    my $html = $v{html} // "$v{repo}/html";

    my $server = join "\n", map { $b->{$_} } qw(common base-js quick-demo-js);

    for my $drop (split /;/, $v{drop} // '') {
        $server =~ s/^location \Q$drop\E \{\n.*?^\}\n//ms
            or die "no location $drop in the recipe\n";
    }

    # what the http {} of a distribution's nginx.conf has already
    # the worst case of an operator's server: its root at the folder
    $server = "root $v{server_root};\n\n$server" if $v{server_root};

    my $text = "include /etc/nginx/mime.types;\n"
               . "default_type application/octet-stream;\n\n"
               . $b->{http} . "\nserver {\n    listen 127.0.0.1:$v{port};\n\n"
               . join('', map { "    $_\n" } split /\n/, $server) . "}\n";

    my @subst = (
        '/etc/nginx/trtc.key'          => $v{key},
        '/var/log/nginx/access.log'    => $v{access_log},
        'https://signaling.rtc.qq.com' => $v{upstream},
        'https://yun.tim.qq.com'       => $v{upstream},
        '/opt/ngx_trtc_module/html/'   => "$html/",
        '/srv/base-js/'                => "$v{base_js}/",
        '/srv/base-js;'                => "$v{base_js};",
        '/srv/quick-demo-js/'          => "$v{quick_demo_js}/",
    );

    while (my ($from, $to) = splice @subst, 0, 2) {
        $text =~ s/\Q$from\E/$to/g;
    }

    die "recipe: a path or host of the README left: $1\n"
        if $text =~ m{(/srv/\S*|/opt/\S*|/etc/nginx/(?!mime\.types)\S*|https://(?!web\.sdk\.qcloud\.com/)\S+)};

    return $text;
}

1;
