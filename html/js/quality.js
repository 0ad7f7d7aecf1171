/*
 * Each member's network quality, from the statistics of the connection
 * its media comes in on: the round-trip time of the selected candidate
 * pair and the share of packets lost since the last look.  As TRTC's
 * own demo shows it: good, fair or poor, a mark on the member's tile.
 *
 *   good   round trip under 200 ms and under 2% lost
 *   fair   under 500 ms and under 8%
 *   poor   anything worse
 *
 * Touches: the connections' getStats(), the tiles' data-quality.
 */

var EVERY_MS = 2000;

/* members(): [{tiles: {camera}, ...}]; pcOf(p): its connection or null */
export function watchQuality(members, pcOf) {
    var seen = new WeakMap();       /* pc -> {lost, received} at the last look */

    function look(p) {
        var pc = pcOf(p);
        if (!pc || pc.connectionState === 'closed') {
            return Promise.resolve();
        }
        return pc.getStats().then(function (report) {
            var rtt = null, lost = 0, received = 0;
            report.forEach(function (s) {
                if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded'
                    && typeof s.currentRoundTripTime === 'number')
                {
                    rtt = s.currentRoundTripTime * 1000;
                }
                if (s.type === 'inbound-rtp') {
                    lost += Math.max(0, s.packetsLost || 0);
                    received += s.packetsReceived || 0;
                }
            });
            var last = seen.get(pc) || {lost: 0, received: 0};
            seen.set(pc, {lost: lost, received: received});
            var dl = lost - last.lost, dr = received - last.received;
            var loss = dl + dr > 0 ? dl / (dl + dr) : 0;
            var q = rtt === null ? '' : rtt < 200 && loss < 0.02 ? 'good'
                    : rtt < 500 && loss < 0.08 ? 'fair' : 'poor';
            var el = p.tiles.camera && p.tiles.camera.el;
            if (el) {
                el.setAttribute('data-quality', q);
                el.setAttribute('data-rtt', rtt === null ? '' : String(Math.round(rtt)));
                el.setAttribute('data-loss', String(Math.round(loss * 1000) / 10));
            }
        }).catch(function () {});
    }

    return setInterval(function () {
        members().forEach(look);
    }, EVERY_MS);
}
