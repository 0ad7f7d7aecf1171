// The reference: Tencent's official tls-sig-api-v2 for Node.js.
//
//   node ref.js sign   '{"sdkappid":N,"key":"..","user":"alice","expire":S,
//                        "now":T?, "room":1234 | "str"?, "privilege":255?}'
//   node ref.js verify '{"sdkappid":N,"key":"..","token":"..","now":T?}'
//
// The package signs but has no verifier: verify follows the official
// algorithm and recomputes the signature and the userbuf with the
// package's own code, so a token that passes is one the package itself
// would have produced from the same fields.  "now" pins the clock.

'use strict';

const zlib = require('zlib');
const TLSSigAPIv2 = require('tls-sig-api-v2');

const [cmd, arg] = process.argv.slice(2);
const a = JSON.parse(arg);

if (a.now !== undefined) {
    const fixed = a.now * 1000;
    Date.now = () => fixed;
}

const api = new TLSSigAPIv2.Api(a.sdkappid, a.key);

function out(o) {
    process.stdout.write(JSON.stringify(o) + '\n');
}

if (cmd === 'sign') {
    let token;

    if (a.room === undefined) {
        token = api.genUserSig(a.user, a.expire);
    } else if (typeof a.room === 'number') {
        token = api.genPrivateMapKey(a.user, a.expire, a.room,
                                     a.privilege ?? 255);
    } else {
        token = api.genPrivateMapKeyWithStringRoomID(a.user, a.expire, a.room,
                                                     a.privilege ?? 255);
    }

    out({ token });

} else if (cmd === 'verify') {
    const b64 = a.token.replace(/\*/g, '+').replace(/-/g, '/')
                       .replace(/_/g, '=');
    const doc = JSON.parse(zlib.inflateSync(Buffer.from(b64, 'base64')));
    const now = Math.floor(Date.now() / 1000);
    const r = { doc };

    const sig = api._hmacsha256(doc['TLS.identifier'], doc['TLS.time'],
                                doc['TLS.expire'],
                                doc['TLS.userbuf'] ?? null);

    r.sig_ok = sig === doc['TLS.sig'];
    r.sdkappid_ok = doc['TLS.sdkappid'] === Number(a.sdkappid);
    r.ver_ok = doc['TLS.ver'] === '2.0';
    r.fresh = now <= doc['TLS.time'] + doc['TLS.expire'];

    if (doc['TLS.userbuf'] !== undefined) {
        const ub = Buffer.from(doc['TLS.userbuf'], 'base64');
        const ver = ub[0];
        const len = ub.readUInt16BE(1);
        const p = 3 + len;

        r.userbuf = {
            ver,
            account: ub.subarray(3, p).toString(),
            sdkappid: ub.readUInt32BE(p),
            roomid: ub.readUInt32BE(p + 4),
            expire: ub.readUInt32BE(p + 8),
            privilege: ub.readUInt32BE(p + 12),
            account_type: ub.readUInt32BE(p + 16),
        };

        if (ver === 1) {
            const rl = ub.readUInt16BE(p + 20);
            r.userbuf.strroom = ub.subarray(p + 22, p + 22 + rl).toString();
        }

        // the package's own userbuf for the same fields, with its clock
        // set to the token's time: expiry = time + expire
        Date.now = () => doc['TLS.time'] * 1000;
        const ref = api._genUserbuf(r.userbuf.account,
                                    ver === 1 ? 0 : r.userbuf.roomid,
                                    doc['TLS.expire'], r.userbuf.privilege,
                                    0, ver === 1 ? r.userbuf.strroom : null);

        r.userbuf_ok = Buffer.compare(ref, ub) === 0;
    }

    r.ok = r.sig_ok && r.sdkappid_ok && r.ver_ok && r.fresh
           && (r.userbuf_ok ?? true);

    out(r);

} else {
    process.stderr.write('usage: node ref.js sign|verify JSON\n');
    process.exit(2);
}
