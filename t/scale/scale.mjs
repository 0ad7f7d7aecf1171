// Signaling at size: N WebSocket subscribers in rooms of ROOM_SIZE on one
// nginx (nchan, gated by the module), messages fanned out to rooms, and
// the delivery latency and memory per connection measured.
//
//   node scale.mjs BASE_URL NGINX_MASTER_PID [N] [ROOM_SIZE] [MESSAGES]
//
// With SCALE_BASE2 and SCALE_NGINX2_PID (run.sh SCALE_REDIS=1): a second
// server sharing signaling with the first through Redis; the members of
// every room alternate between the two, messages are posted to the
// first, and deliveries are also counted and timed apart by where the
// subscriber is: "same" (the first server) or "cross" (the second).

import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

const [base, masterPid, nArg, roomArg, msgArg] = process.argv.slice(2);
const N = Number(nArg || 5000);
const ROOM_SIZE = Number(roomArg || 10);
const MESSAGES = Number(msgArg || 2000);
const rooms = Math.ceil(N / ROOM_SIZE);
const base2 = process.env.SCALE_BASE2 || '';
const masterPid2 = process.env.SCALE_NGINX2_PID || '';
const redisPort = process.env.SCALE_REDIS_PORT || '';

// subscriber i: room 1 + (i % rooms); its server alternates over the
// members of a room (0 the first, 1 the second)
const serverOf = (i) => (base2 ? Math.floor(i / rooms) % 2 : 0);
const wsBases = [base, base2].map((b) => b.replace(/^http/, 'ws'));

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
    const masters = masterPid2 ? [masterPid, masterPid2] : [masterPid];
    return masters.flatMap((pid) =>
        execSync(`pgrep -P ${pid}`).toString().trim().split(/\s+/));
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
const apart = [[], []];         // latencies by the subscriber's server
const pending = new Map();      // message id -> send time
let received = 0;

function open(i) {
    return new Promise((resolve, reject) => {
        const room = 1 + (i % rooms);
        const server = serverOf(i);
        const ws = new WebSocket(`${wsBases[server]}/signal/sub?room=${room}`
                                 + `&privateMapKey=${tokens[i]}`);
        ws.on('open', () => resolve(ws));
        ws.on('error', reject);
        ws.on('message', (data) => {
            const sent = pending.get(JSON.parse(data).data);
            if (sent !== undefined) {
                latencies.push(performance.now() - sent);
                apart[server].push(latencies[latencies.length - 1]);
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
const expectedApart = [0, 0];
const pubStart = performance.now();

for (let m = 0; m < MESSAGES; m++) {
    const i = (m * 7919) % N;
    const room = 1 + (i % rooms);
    const members = Math.floor(N / rooms) + (room - 1 < N % rooms ? 1 : 0);
    const id = `m${m}`;

    pending.set(id, performance.now());
    expected.push(members);
    for (let j = room - 1; j < N; j += rooms) {
        expectedApart[serverOf(j)]++;
    }

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

// what Redis holds with every subscriber still connected: keys, Pub/Sub
// channels (nchan's, one a channel with subscribers), its memory
function redisHolds() {
    const cli = (args) => execSync(`redis-cli -p ${redisPort} ${args}`).toString();
    return {
        keys: Number(cli('dbsize').trim()),
        pubsub_channels: cli('pubsub channels').split('\n').filter(Boolean).length,
        used_memory_kb: Math.round(Number(cli('info memory').match(/^used_memory:(\d+)/m)[1]) / 1024),
    };
}

// deliveries and latency of the subscribers of one server
function figures(k) {
    const l = apart[k].sort((a, b) => a - b);
    return {
        deliveries_expected: expectedApart[k],
        deliveries_received: l.length,
        latency_ms_p50: l.length ? Number(pct(l, 50).toFixed(2)) : null,
        latency_ms_p99: l.length ? Number(pct(l, 99).toFixed(2)) : null,
        latency_ms_max: l.length ? Number(l[l.length - 1].toFixed(2)) : null,
    };
}

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
    ...(base2 ? { servers: 2, same: figures(0), cross: figures(1) } : {}),
    ...(redisPort ? { redis: redisHolds() } : {}),
}, null, 1));

for (const ws of sockets) {
    ws.terminate();
}

process.exit(received === want ? 0 : 1);
