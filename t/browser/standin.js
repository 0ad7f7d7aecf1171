'use strict';

/*
 * A stand-in for Tencent's signaling and log hosts, for the offline tests
 * of the TRTC Cloud mode (t/browser/cloud.test.js): nginx proxy_passes
 * the SDK's WebSocket (after trtc_auth let it through) and its log
 * reports here instead of to signaling.rtc.qq.com and yun.tim.qq.com.
 *
 * It speaks no TRTC: it answers a WebSocket upgrade with 101, records the
 * request (path, query, headers) and the first frames the client sends,
 * and keeps the socket open; any other request gets 200 "{}" and is
 * recorded with (the start of) its body.  Records go to LOGFILE, one JSON
 * object a line, so the test can read what arrived.
 *
 *   node standin.js PORT LOGFILE       (listens on 127.0.0.1 only)
 */

const http = require('http');
const crypto = require('crypto');
const fs = require('fs');

const PORT = Number(process.argv[2]);
const LOG = process.argv[3];
const FRAMES_KEPT = 5;
const BODY_KEPT = 4096;
const FRAME_KEPT = 65536;      /* a join command with its tokens is some 5 KiB */

if (!PORT || !LOG) {
    process.stderr.write('usage: node standin.js PORT LOGFILE\n');
    process.exit(2);
}

let seq = 0;

function record(obj) {
    obj.seq = ++seq;
    obj.at = Date.now();
    fs.appendFileSync(LOG, JSON.stringify(obj) + '\n');
}

function query(url) {
    const u = new URL(url, 'http://standin');
    const q = {};
    for (const [k, v] of u.searchParams) {
        q[k] = v;
    }
    return {path: u.pathname, query: q, keys: [...u.searchParams.keys()]};
}

/* client frames are masked (RFC 6455 5.3); enough of a parser for the
 * first few frames of a session */
function parseFrames(buf) {
    const out = [];
    let off = 0;
    while (buf.length - off >= 2) {
        const b0 = buf[off], b1 = buf[off + 1];
        let len = b1 & 0x7f;
        let p = off + 2;
        if (len === 126) {
            if (buf.length - p < 2) { break; }
            len = buf.readUInt16BE(p);
            p += 2;
        } else if (len === 127) {
            if (buf.length - p < 8) { break; }
            len = Number(buf.readBigUInt64BE(p));
            p += 8;
        }
        const masked = (b1 & 0x80) !== 0;
        const mask = masked ? buf.subarray(p, p + 4) : null;
        if (masked) { p += 4; }
        if (buf.length - p < len) { break; }
        const data = Buffer.from(buf.subarray(p, p + len));
        if (mask) {
            for (let i = 0; i < data.length; i++) {
                data[i] ^= mask[i & 3];
            }
        }
        out.push({opcode: b0 & 0x0f, data});
        off = p + len;
    }
    return {frames: out, rest: buf.subarray(off)};
}

const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
        if (size < BODY_KEPT) {
            chunks.push(c);
        }
        size += c.length;
    });
    req.on('end', () => {
        const body = Buffer.concat(chunks).subarray(0, BODY_KEPT).toString('utf8');
        record(Object.assign({kind: 'http', method: req.method, url: req.url,
                              headers: req.headers, bodySize: size, body}, query(req.url)));
        res.writeHead(200, {'Content-Type': 'application/json', 'Cache-Control': 'no-store'});
        res.end('{}');
    });
});

server.on('upgrade', (req, socket, head) => {
    const key = req.headers['sec-websocket-key'];
    const id = ++seq;
    record(Object.assign({kind: 'upgrade', id, url: req.url, headers: req.headers}, query(req.url)));
    if (!key || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
    }
    const accept = crypto.createHash('sha1')
        .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                 + 'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + '\r\n\r\n');
    let buf = Buffer.from(head || []);
    let kept = 0;
    const onData = (d) => {
        buf = Buffer.concat([buf, d]);
        const r = parseFrames(buf);
        buf = Buffer.from(r.rest);
        for (const f of r.frames) {
            if (f.opcode === 8) {
                record({kind: 'close', id});
                socket.end();
                return;
            }
            if (kept < FRAMES_KEPT && (f.opcode === 1 || f.opcode === 2)) {
                kept++;
                record({kind: 'frame', id, opcode: f.opcode, size: f.data.length,
                        text: f.opcode === 1 ? f.data.toString('utf8').slice(0, FRAME_KEPT) : null,
                        base64: f.opcode === 2 ? f.data.subarray(0, 512).toString('base64') : null});
            }
        }
    };
    if (buf.length) {
        onData(Buffer.alloc(0));
    }
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.on('close', () => record({kind: 'gone', id}));
});

server.listen(PORT, '127.0.0.1', () => {
    process.stdout.write('standin: listening on 127.0.0.1:' + PORT + '\n');
});

process.on('SIGTERM', () => process.exit(0));
