// Signaling at size: N WebSocket subscribers in rooms of ROOM_SIZE on one
// nginx (nchan, gated by the module), messages fanned out to rooms, and
// the delivery latency and memory per connection measured.
//
//   node scale.mjs BASE_URL NGINX_MASTER_PID [N] [ROOM_SIZE] [MESSAGES]

import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

const [base, masterPid, nArg, roomArg, msgArg] = process.argv.slice(2);
const N = Number(nArg || 5000);
const ROOM_SIZE = Number(roomArg || 10);
const MESSAGES = Number(msgArg || 2000);
const rooms = Math.ceil(N / ROOM_SIZE);
const wsBase = base.replace(/^http/, 'ws');

function rssKb(pids) {
    let total = 0;
    for (const pid of pids) {
        const m = readFileSync(`/proc/${pid}/status`, 'utf8')
                      .match(/^VmRSS:\s+(\d+)/m);
        total += m ? Number(m[1]) : 0;
    }
    return total;
}

function workers() {
    return execSync(`pgrep -P ${masterPid}`).toString().trim().split(/\s+/);
}

function pct(sorted, p) {
    return sorted[Math.min(sorted.length - 1,
                           Math.floor(sorted.length * p / 100))];
}

async function token(user, room) {
    const res = await fetch(`${base}/api/token?userId=${user}&roomId=${room}`,
                            { method: 'POST' });
    if (!res.ok) {
        throw new Error(`token: ${res.status}`);
    }
    return (await res.json()).privateMapKey;
}

// tokens, a few hundred requests at a time
const tokens = [];
for (let i = 0; i < N; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 200); j++) {
        batch.push(token(`u${j}`, 1 + (j % rooms)));
    }
    tokens.push(...await Promise.all(batch));
}

const before = rssKb(workers());
const latencies = [];
const pending = new Map();      // message id -> send time
let received = 0;

function open(i) {
    return new Promise((resolve, reject) => {
        const room = 1 + (i % rooms);
        const ws = new WebSocket(`${wsBase}/signal/sub?room=${room}`
                                 + `&privateMapKey=${tokens[i]}`);
        ws.on('open', () => resolve(ws));
        ws.on('error', reject);
        ws.on('message', (data) => {
            const sent = pending.get(JSON.parse(data).data);
            if (sent !== undefined) {
                latencies.push(performance.now() - sent);
                received++;
            }
        });
    });
}

const t0 = performance.now();
const sockets = [];
for (let i = 0; i < N; i += 250) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 250); j++) {
        batch.push(open(j));
    }
    sockets.push(...await Promise.all(batch));
}
const connectSeconds = (performance.now() - t0) / 1000;

await new Promise((r) => setTimeout(r, 1000));
const after = rssKb(workers());

// fan-out: one message at a time to a room, each with its own id, the
// publisher being a member of that room
const expected = [];
const pubStart = performance.now();

for (let m = 0; m < MESSAGES; m++) {
    const i = (m * 7919) % N;
    const room = 1 + (i % rooms);
    const members = Math.floor(N / rooms) + (room - 1 < N % rooms ? 1 : 0);
    const id = `m${m}`;

    pending.set(id, performance.now());
    expected.push(members);

    const res = await fetch(`${base}/signal/pub?room=${room}`, {
        method: 'POST',
        headers: { 'X-TRTC-Token': tokens[i] },
        body: id,
    });
    if (res.status !== 201 && res.status !== 202) {
        throw new Error(`publish: ${res.status}`);
    }
}

const want = expected.reduce((a, b) => a + b, 0);
const deadline = performance.now() + 10000;
while (received < want && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
}
const pubSeconds = (performance.now() - pubStart) / 1000;

latencies.sort((a, b) => a - b);

console.log(JSON.stringify({
    subscribers: N,
    rooms,
    room_size: ROOM_SIZE,
    connect_seconds: Number(connectSeconds.toFixed(2)),
    nginx_workers_rss_kb_before: before,
    nginx_workers_rss_kb_after: after,
    kb_per_connection: Number(((after - before) / N).toFixed(2)),
    messages: MESSAGES,
    deliveries_expected: want,
    deliveries_received: received,
    publish_seconds: Number(pubSeconds.toFixed(2)),
    latency_ms_p50: Number(pct(latencies, 50).toFixed(2)),
    latency_ms_p99: Number(pct(latencies, 99).toFixed(2)),
    latency_ms_max: Number(latencies[latencies.length - 1].toFixed(2)),
}, null, 1));

for (const ws of sockets) {
    ws.terminate();
}

process.exit(received === want ? 0 : 1);
