-- wrk's summary as one machine-readable line, for t/bench/bench.sh:
--
--   RESULT requests=N seconds=S rps=R p50_us=U p99_us=U non2xx=N
--          timeouts=N sockerr=N
--
-- non2xx counts responses outside 2xx and 3xx: a run with any is no
-- measurement of the case it names.  timeouts are requests unanswered
-- after wrk's 2 s (a loaded machine), sockerr connect, read and write
-- errors.

function done(summary, latency, requests)
    local e = summary.errors
    local seconds = summary.duration / 1e6

    io.write(string.format(
        "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d "
        .. "non2xx=%d timeouts=%d sockerr=%d\n",
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50), latency:percentile(99),
        e.status, e.timeout, e.connect + e.read + e.write))
end
