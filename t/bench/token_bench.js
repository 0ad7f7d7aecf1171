// The reference's side of the token core benchmark: Tencent's official
// tls-sig-api-v2 (npm) signing, and the official verification algorithm
// as t/ref/ref.js runs it, in the same loop shape and with the same
// output as token_bench.c:
//
//   node token_bench.js KEYFILE SDKAPPID [SECONDS] [OPS]
//
//   op=sign_usersig ops=123456 seconds=2.000 ops_per_s=61728.0 wall=2.010
//
// seconds is the process's CPU time (all of node's threads: the garbage
// collector's work counts), ops_per_s per second of it, as in the C
// benchmark; wall is the elapsed time.
//
// Verification: base64-unescape, base64-decode, inflateSync, JSON.parse,
// the package's own HMAC and a comparison, the version, SDKAppID and
// clock checks, and for a PrivateMapKey the userbuf's fields read and
// checked against the token (account, SDKAppID, expiry, room).  Every
// result is checked, as in the C benchmark.

'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const TLSSigAPIv2 = require(path.join(__dirname, '..', 'ref', 'node_modules',
                                      'tls-sig-api-v2'));

const USER = 'alice';
const ROOM = 1234;
const EXPIRE = 86400;
const BATCH = 64;

const [keyFile, appArg, secondsArg, opsArg] = process.argv.slice(2);

if (!keyFile || !appArg) {
    process.stderr.write('usage: node token_bench.js KEYFILE SDKAPPID '
                         + '[SECONDS] [OPS]\n');
    process.exit(2);
}

// the key file's first line, trailing blanks cut, as trtc_key_load does
const key = fs.readFileSync(keyFile, 'latin1').split(/\r?\n/)[0]
              .replace(/[ \t]+$/, '');
const sdkappid = Number(appArg);
const seconds = Number(secondsArg || 2);
const api = new TLSSigAPIv2.Api(sdkappid, key);

function verify(token, room) {
    const b64 = token.replace(/\*/g, '+').replace(/-/g, '/')
                     .replace(/_/g, '=');
    const doc = JSON.parse(zlib.inflateSync(Buffer.from(b64, 'base64')));
    const now = Math.floor(Date.now() / 1000);
    const userbuf = doc['TLS.userbuf'];

    const sig = api._hmacsha256(doc['TLS.identifier'], doc['TLS.time'],
                                doc['TLS.expire'], userbuf ?? null);

    if (sig !== doc['TLS.sig'] || doc['TLS.sdkappid'] !== sdkappid
        || doc['TLS.ver'] !== '2.0'
        || now > doc['TLS.time'] + doc['TLS.expire'])
    {
        return false;
    }

    if (room === undefined) {
        return true;
    }

    if (userbuf === undefined) {
        return false;
    }

    const ub = Buffer.from(userbuf, 'base64');
    const len = ub.readUInt16BE(1);
    const p = 3 + len;

    return ub[0] === 0
           && ub.subarray(3, p).toString() === doc['TLS.identifier']
           && ub.readUInt32BE(p) === sdkappid
           && ub.readUInt32BE(p + 4) === room
           && now <= ub.readUInt32BE(p + 8);
}

const usersig = api.genUserSig(USER, EXPIRE);
const pmk = api.genPrivateMapKey(USER, EXPIRE, ROOM, 255);

let sink = 0;

const ops = {
    sign_usersig: () => { sink += api.genUserSig(USER, EXPIRE).length; },
    sign_pmk: () => {
        sink += api.genPrivateMapKey(USER, EXPIRE, ROOM, 255).length;
    },
    verify_usersig: () => {
        if (!verify(usersig)) {
            throw new Error('verification failed: UserSig');
        }
    },
    verify_pmk: () => {
        if (!verify(pmk, ROOM)) {
            throw new Error('verification failed: PrivateMapKey');
        }
    },
};

const wanted = opsArg ? opsArg.split(',') : Object.keys(ops);

for (const name of wanted) {
    const run = ops[name];

    if (run === undefined) {
        process.stderr.write(`token_bench.js: unknown operation ${name}\n`);
        process.exit(2);
    }

    // warm-up: the JIT compiles the loop before it is timed
    for (let i = 0; i < 2000; i++) {
        run();
    }

    let n = 0;
    let elapsed;
    const wall = process.hrtime.bigint();
    const start = process.cpuUsage();

    do {
        for (let i = 0; i < BATCH; i++) {
            run();
        }

        n += BATCH;

        const used = process.cpuUsage(start);
        elapsed = (used.user + used.system) / 1e6;

    } while (elapsed < seconds);

    const w = Number(process.hrtime.bigint() - wall) / 1e9;

    process.stdout.write(`op=${name} ops=${n} seconds=${elapsed.toFixed(3)} `
                         + `ops_per_s=${(n / elapsed).toFixed(1)} `
                         + `wall=${w.toFixed(3)}\n`);
}

if (sink < 0) {
    process.stdout.write('\n');
}
