#!/usr/bin/perl

# The tables of "make bench", from the raw lines t/bench/bench.sh
# collected:
#
#   info <text>
#   nginx case=c round=1 RESULT requests=.. seconds=.. rps=.. p50_us=..
#         p99_us=.. non2xx=.. timeouts=.. sockerr=.. cpu_ticks=..
#         wrk_ticks=.. proc_ticks=.. irq_ticks=.. steal_ticks=..
#         idle_ticks=.. tck=..
#   core impl=c round=1 op=sign_usersig ops=.. seconds=.. ops_per_s=..
#         wall=..
#
# Figures are medians over the rounds; a ratio is taken within each
# round (the cases of a round ran a minute apart at most, so that the
# machine's drift touches both sides alike), then its median is shown
# with the rounds' range.  Two ratios: of wrk's requests per second,
# and of the nginx workers' CPU time per request (cpu_ticks: user and
# system time of both workers), which is what the first would be with
# nginx alone on the machine: wrk's share of the CPUs and other
# processes' drop out.  Targets print PASS or MISS and change nothing
# else: this reports, it does not judge.

use strict;
use warnings;

my %label = (
    a => 'return 200 (the ceiling)',
    b => 'static file, ungated',
    c => 'static file, trtc_auth, cache on',
    d => 'static file, trtc_auth, cache off',
    e => 'trtc_issue: UserSig',
    f => 'trtc_issue: UserSig + PrivateMapKey',
    g => 'static file, cache off, counters on',
    h => "return 200 of (e)'s reply",
    i => "return 200 of (f)'s reply",
);

my @targets = (
    [ 'c', 'b', 0.95 ],
    [ 'd', 'b', 0.92 ],
    [ 'e', 'a', 0.95 ],
    [ 'f', 'a', 0.95 ],
    [ 'e', 'h', 0.95 ],
    [ 'f', 'i', 0.95 ],
    [ 'g', 'd', 0.98 ],
);

my %ops = (
    sign_usersig   => 'sign a UserSig',
    sign_pmk       => 'sign a PrivateMapKey',
    verify_usersig => 'verify a UserSig',
    verify_pmk     => 'verify a PrivateMapKey',
);

my @op_order = qw(sign_usersig sign_pmk verify_usersig verify_pmk);

my (%nginx, %core, @info);

while (my $line = <>) {
    chomp $line;
    my ($kind) = $line =~ /^(\w+) /;

    if (defined $kind && $kind eq 'info') {
        push @info, substr($line, 5);
        next;
    }

    my %f = $line =~ /(\w+)=(\S+)/g;

    next unless defined $kind;

    if ($kind eq 'nginx') {
        $f{cpu_us} = $f{requests}
            ? $f{cpu_ticks} * 1e6 / $f{tck} / $f{requests} : 0;
        $nginx{$f{case}}{$f{round}} = \%f;

    } elsif ($kind eq 'core') {
        $core{$f{impl}}{$f{op}}{$f{round}} = $f{ops_per_s};
    }
}

sub median {
    my @v = sort { $a <=> $b } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

sub us {
    my ($v) = @_;
    return $v >= 1000 ? sprintf('%.2f ms', $v / 1000) : sprintf('%d us', $v);
}

print map { "$_\n" } @info;

if (%nginx) {
    my $rounds = keys %{ (values %nginx)[0] };

    print "\nnginx with ngx_trtc_module under wrk, median of $rounds rounds\n\n";
    printf "%-40s %10s %10s %10s %14s\n", 'case', 'req/s', 'p50', 'p99',
           'nginx CPU/req';

    for my $c (sort keys %nginx) {
        my @r = values %{ $nginx{$c} };
        my ($bad, $timeouts, $sockerr) = (0, 0, 0);

        for (@r) {
            $bad += $_->{non2xx};
            $timeouts += $_->{timeouts};
            $sockerr += $_->{sockerr};
        }

        printf "%-40s %10.0f %10s %10s %11.1f us%s%s%s\n", "($c) $label{$c}",
               median(map { $_->{rps} } @r),
               us(median(map { $_->{p50_us} } @r)),
               us(median(map { $_->{p99_us} } @r)),
               median(map { $_->{cpu_us} } @r),
               $bad ? "  INVALID: $bad non-2xx answers" : '',
               $timeouts ? "  $timeouts timeouts" : '',
               $sockerr ? "  $sockerr socket errors" : '';
    }

    # where the machine's CPU time went while wrk measured: "other" says
    # how much the run was disturbed (other processes, and interrupt
    # time the kernel charged to neither nginx nor wrk)

    my @name = ('nginx', 'wrk', 'other', 'stolen', 'idle');
    my @share;

    for my $c (keys %nginx) {
        for my $f (values %{ $nginx{$c} }) {
            my $busy = ($f->{proc_ticks} // 0) + ($f->{irq_ticks} // 0);
            my $all = $busy + ($f->{steal_ticks} // 0)
                      + ($f->{idle_ticks} // 0);
            next unless $all;
            my $other = $busy - $f->{cpu_ticks} - $f->{wrk_ticks};
            push @share, [ map { $_ / $all } $f->{cpu_ticks},
                           $f->{wrk_ticks}, $other < 0 ? 0 : $other,
                           $f->{steal_ticks}, $f->{idle_ticks} ];
        }
    }

    if (@share) {
        my @parts;

        for my $i (0 .. $#name) {
            my @v = sort { $a <=> $b } map { $_->[$i] } @share;
            push @parts, sprintf('%s %.0f%% (%.0f%%)', $name[$i],
                                 100 * median(@v), 100 * $v[-1]);
        }

        print "\nthe CPUs while wrk measured, median (max) over the runs: "
              . join(', ', @parts) . "\n";
    }

    # the CPU ratio: what the req/s ratio would be with nginx alone on
    # the machine, wrk's own share of the CPUs taken out

    print "\n";
    printf "%-10s %8s %15s %7s %5s   %9s %5s %10s\n", 'ratio', 'req/s',
           'rounds', 'target', '', 'nginx CPU', '', 'added CPU';

    for my $t (@targets) {
        my ($x, $y, $goal) = @$t;
        next unless $nginx{$x} && $nginx{$y};

        my @rounds = grep { $nginx{$y}{$_} } sort keys %{ $nginx{$x} };
        my @q = map { $nginx{$x}{$_}{rps} / $nginx{$y}{$_}{rps} } @rounds;
        my @p = map { $nginx{$x}{$_}{cpu_us}
                      ? $nginx{$y}{$_}{cpu_us} / $nginx{$x}{$_}{cpu_us} : 0 }
                @rounds;
        my @d = map { $nginx{$x}{$_}{cpu_us} - $nginx{$y}{$_}{cpu_us} }
                @rounds;
        my $m = median(@q);
        my $pm = median(@p);
        my @s = sort { $a <=> $b } @q;

        # added CPU: what the case costs the workers a request more than
        # its baseline, median over the rounds
        printf "%-10s %7.1f%% %6.1f%%-%5.1f%% %7s %-5s   %8.1f%% %-5s"
               . " %7.1f us\n",
               "($x)/($y)", 100 * $m, 100 * $s[0], 100 * $s[-1],
               sprintf('>=%d%%', 100 * $goal), $m >= $goal ? 'PASS' : 'MISS',
               100 * $pm, $pm >= $goal ? 'PASS' : 'MISS', median(@d);
    }
}

if (%core) {
    my $rounds = keys %{ (values %{ (values %core)[0] })[0] };

    print "\ntoken core alone on one CPU: operations per second of CPU time,"
          . " median of $rounds rounds\n\n";
    printf "%-40s %12s %14s %8s\n", 'operation', 'C (core)',
           'node (ref.)', 'C/node';

    for my $op (@op_order) {
        my $c = median(values %{ $core{c}{$op} || {} });
        my $n = median(values %{ $core{node}{$op} || {} });

        next unless defined $c || defined $n;

        printf "%-40s %12s %14s %8s\n", $ops{$op},
               defined $c ? sprintf('%.0f', $c) : '-',
               defined $n ? sprintf('%.0f', $n) : '-',
               (defined $c && defined $n) ? sprintf('%.2fx', $c / $n) : '-';
    }
}

# issuing's floor: the signing alone, as the core signs, added to (a)'s
# nginx CPU a request; (e) and (f) by nginx CPU cannot pass it

my %signs = (e => [ 'sign_usersig' ], f => [ 'sign_usersig', 'sign_pmk' ]);

if ($nginx{a} && $core{c}) {
    my $a = median(map { $_->{cpu_us} } values %{ $nginx{a} });
    my @lines;

    for my $c (sort keys %signs) {
        my @ops = map { median(values %{ $core{c}{$_} || {} }) }
                  @{ $signs{$c} };
        next if !$nginx{$c} || grep { !$_ } @ops;

        my $sign = 0;
        $sign += 1e6 / $_ for @ops;

        my @p = map { $nginx{$_->[0]}{$_->[1]}{cpu_us}
                      ? $nginx{a}{$_->[1]}{cpu_us}
                        / $nginx{$_->[0]}{$_->[1]}{cpu_us} : 0 }
                map { [ $c, $_ ] }
                grep { $nginx{a}{$_} } keys %{ $nginx{$c} };

        push @lines, sprintf("(%s)/(a) %6.1f%% of at most %5.1f%%: the"
                             . " signing alone %.2f us, on (a)'s %.1f us",
                             $c, 100 * median(@p), 100 * $a / ($a + $sign),
                             $sign, $a);
    }

    if (@lines) {
        print "
issuing's floor, by nginx CPU: what (a) would be with the"
              . " core's signing added

";
        print map { "$_\n" } @lines;
    }
}

print "\n";
