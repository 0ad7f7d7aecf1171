'use strict';

/*
 * Figures: mesh against SFU, at 2, 4 and 6 people in a room, in one run
 * on one machine (make figures: run.sh suite "figures", after
 * figures.setup.sh, which serves the mesh at TRTC_BASE_MESH and the SFU
 * at TRTC_BASE).  Headless Debian Chromium with fake devices (640x360
 * camera and a microphone), every page in one browser.
 *
 * For each size and media path: everyone joins one room; once each page
 * decodes the video of all the others, and after a warm-up (WARMUP_MS:
 * the bandwidth estimate grows from its start), a window of
 * WINDOW_MS measures
 *   - upstream per client: the growth of bytesSent of the page's
 *     outbound-rtp streams (audio and video, every sending connection:
 *     one per other member in the mesh, the publisher in the SFU), in
 *     kbit/s; the mean over the pages, and the largest;
 *   - CPU per client: the growth of utime + stime (/proc/PID/stat) of
 *     every Chromium process, divided by the number of pages, in % of
 *     one core; and Janus's own CPU for the SFU;
 *   - how many remote camera tiles kept decoding through the window
 *     (frames decoded grew), out of n * (n - 1).
 *
 * Output: "PLAN n", a "RESULT {name, ok, diag}" per size and path (diag:
 * the figures), then the table as lines starting "FIGURES ".
 *
 * Environment: TRTC_BASE, TRTC_BASE_MESH, TRTC_JANUS_DIR; CHROMIUM;
 * FIGURES_SIZES (default "2 4 6"), FIGURES_WINDOW_MS (default 10000).
 */

const fs = require('fs');
const path = require('path');
const {
    BASE, check, assert, sleep, poll, newContext, joinRoom, pageErrors, run
} = require('./harness');

const BASE_MESH = process.env.TRTC_BASE_MESH;
const JANUS_DIR = process.env.TRTC_JANUS_DIR;
const SIZES = (process.env.FIGURES_SIZES || '2 4 6').trim().split(/\s+/).map(Number);
const WINDOW_MS = Number(process.env.FIGURES_WINDOW_MS || 10000);
const WARMUP_MS = 5000;
const TICKS = 100;          /* USER_HZ: /proc's clock ticks a second */

/* ---- what a page sends and receives ---- */

/* bytes sent on all the page's sending connections; frames decoded and
 * width of each other member's camera */
function look(page) {
    return page.evaluate(async () => {
        let sent = 0;
        for (const pc of window.trtcDebug.senders()) {
            const report = await pc.getStats();
            report.forEach((s) => {
                if (s.type === 'outbound-rtp') {
                    sent += s.bytesSent || 0;
                }
            });
        }
        return {sent, seen: await window.trtcDebug.stats(), at: performance.now()};
    });
}

/* CPU ticks (utime + stime) of the processes whose name matches re */
function cpuTicks(re) {
    let total = 0;
    for (const pid of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) {
            continue;
        }
        try {
            const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
            const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            if (!re.test(name)) {
                continue;
            }
            const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            total += Number(f[11]) + Number(f[12]);     /* utime, stime */
        } catch (e) {
            /* gone meanwhile */
        }
    }
    return total;
}

function janusTicks() {
    const pid = fs.readFileSync(path.join(JANUS_DIR, 'janus.pid'), 'utf8').trim();
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
}

const rows = [];

async function measure(mode, base, n) {
    const room = mode + '-' + n;
    const users = [];
    for (let i = 0; i < n; i++) {
        users.push('u' + i);
    }
    const ctxs = [];
    const pages = {};
    try {
        await Promise.all(users.map(async (u) => {
            const ctx = await newContext();
            ctxs.push(ctx);
            pages[u] = await joinRoom(ctx, u, room, {base: base});
        }));
        /* everyone decodes everyone */
        await poll(async () => {
            for (const u of users) {
                const seen = (await look(pages[u])).seen;
                for (const o of users) {
                    if (o !== u && !(seen[o] && seen[o].framesDecoded > 0 && seen[o].videoWidth > 0)) {
                        return null;
                    }
                }
            }
            return true;
        }, 60000, 'everyone sees everyone (' + mode + ', ' + n + ')');
        await sleep(WARMUP_MS);

        const before = {};
        for (const u of users) {
            before[u] = await look(pages[u]);
        }
        const cpu0 = cpuTicks(/^chrom/);
        const janus0 = janusTicks();
        const t0 = Date.now();
        await sleep(WINDOW_MS);
        const after = {};
        for (const u of users) {
            after[u] = await look(pages[u]);
        }
        const secs = (Date.now() - t0) / 1000;
        const cpu = (cpuTicks(/^chrom/) - cpu0) / TICKS / secs * 100;
        const janus = (janusTicks() - janus0) / TICKS / secs * 100;

        const kbps = users.map((u) => (after[u].sent - before[u].sent) * 8 / 1000
                                      / ((after[u].at - before[u].at) / 1000));
        /* remote tiles whose frames kept coming through the window (a
         * starved machine may drop some: counted, not hidden) */
        let kept = 0;
        for (const u of users) {
            for (const o of users) {
                const a = before[u].seen[o], b = after[u].seen[o];
                if (o !== u && a && b && b.framesDecoded > a.framesDecoded) {
                    kept++;
                }
            }
        }
        const row = {
            mode, n,
            upKbps: Math.round(kbps.reduce((x, y) => x + y, 0) / n),
            upKbpsMax: Math.round(Math.max(...kbps)),
            cpuPerClient: Math.round(cpu / n),
            janusCpu: mode === 'sfu' ? Math.round(janus) : null,
            windowS: Math.round(secs * 10) / 10,
            decoding: kept + '/' + n * (n - 1)
        };
        assert(row.upKbps > 0, 'something was sent');
        rows.push(row);
        return row;
    } finally {
        for (const ctx of ctxs) {
            await ctx.close().catch(() => {});
        }
        await sleep(2000);      /* the room empties, Chromium settles */
    }
}

for (const n of SIZES) {
    for (const [mode, base] of [['mesh', () => BASE_MESH], ['sfu', () => BASE]]) {
        check(mode + ', ' + n + ' people: everyone sees everyone; upstream and CPU measured',
              {timeout: 120000}, () => measure(mode, base(), n));
    }
}

check('the table', async () => {
    assert(rows.length === SIZES.length * 2, 'every size and path measured');
    assert(pageErrors.length === 0, pageErrors.join('\n'));
    const lines = [
        '| people | media | upstream per client, kbit/s (mean / max) | Chromium CPU per client, % of a core | Janus CPU, % of a core | remote videos decoding |',
        '| --- | --- | --- | --- | --- | --- |'
    ];
    for (const r of rows) {
        lines.push('| ' + r.n + ' | ' + r.mode + ' | ' + r.upKbps + ' / ' + r.upKbpsMax + ' | '
                   + r.cpuPerClient + ' | ' + (r.janusCpu === null ? '-' : r.janusCpu) + ' | '
                   + r.decoding + ' |');
    }
    for (const l of lines) {
        process.stdout.write('FIGURES ' + l + '\n');
    }
});

run({env: ['TRTC_BASE_MESH', 'TRTC_JANUS_DIR']});
