/*
 * Shared by the login page and the room page: the configuration nginx
 * injects, the words of the pages (labels.js) and of the server's
 * refusals, the rules for user and room ids, per-tab credentials, and
 * small DOM, URL and media helpers.  Everything is imported by name;
 * nothing is hung on window.  All user-controlled text goes into the
 * page through textContent, never innerHTML.
 *
 * Touches: the globals nginx injects (read), sessionStorage and
 * localStorage (trtc.*).
 */

import {LABELS} from './labels.js';

/* ---- configuration ------------------------------------------------ */

/* nginx writes TRTC_CONFIG and TRTC_ENDPOINTS into the page (sub_filter);
 * a page opened from disk has neither */
export const served = !!window.TRTC_ENDPOINTS && location.protocol !== 'file:';
export const endpoints = Object.assign({
    token: '/api/token',
    subscribe: '/signal/sub',
    publish: '/signal/pub',
    ping: '/api/ping'
}, window.TRTC_ENDPOINTS || {});

/* does the server's configuration name this endpoint (not a default)? */
export function offers(name) {
    return !!(window.TRTC_ENDPOINTS && window.TRTC_ENDPOINTS[name]);
}

export const PRIV = {
    CREATE: 1, ENTER: 2,
    SEND_AUDIO: 4, RECV_AUDIO: 8,
    SEND_VIDEO: 16, RECV_VIDEO: 32,
    SEND_SCREEN: 64, RECV_SCREEN: 128
};

export function has(privilege, bit) {
    return ((privilege | 0) & bit) === bit;
}

/* ---- the server's refusals -----------------------------------------
 * The words of trtc_strerror() (ngx_trtc_module/trtc_token.c) that say
 * a token is not valid at all: the login page says "not valid" for all
 * of them, and has a sentence of its own for the others it knows. */

const INVALID_TOKEN = ['empty', 'too_long', 'bad_base64', 'bad_zlib',
    'too_large', 'bad_json', 'duplicate_field', 'bad_version', 'bad_identifier',
    'bad_sdkappid', 'bad_time', 'bad_expire', 'bad_sig', 'bad_userbuf',
    'sdkappid_mismatch', 'signature_mismatch', 'userbuf_account_mismatch',
    'userbuf_sdkappid_mismatch', 'no_userbuf', 'user_mismatch', 'repeated_arg'];

export function refusalText(reason, room) {
    var key = 'denied.' + reason;
    if (INVALID_TOKEN.indexOf(reason) >= 0) {
        key = 'denied.invalid';
    } else if (!hasLabel(key)) {
        key = 'denied.other';
    }
    return t(key, {reason: reason, room: room || ''});
}

/* ---- ids: the server's rules, checked before asking it ------------ */

export function validUserId(s) {
    return /^[A-Za-z0-9_-]{1,32}$/.test(s);
}

export function validRoomId(s) {
    if (/^[0-9]+$/.test(s)) {
        /* digits are a number room, as the help says: 1 to 4294967294 */
        return /^[1-9][0-9]{0,9}$/.test(s) && Number(s) <= 4294967294;
    }
    /* a string room: TRTC's character set; "." and ".." would be
     * eaten by URL path normalisation */
    return /^[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,64}$/.test(s)
           && s !== '.' && s !== '..';
}

/* a display name as a member claims it: text of 64 characters at most,
 * no control characters; '' for anything else */
export function displayName(s) {
    if (typeof s !== 'string') {
        return '';
    }
    s = s.replace(/[\u0000-\u001f\u007f]/g, '').trim();
    return s.length <= 64 ? s : '';
}

export function roomPath(roomId) {
    return '/room/' + encodeURIComponent(String(roomId)) + '/';
}

/* a random hex id: a page's session, a connection */
export function randomId() {
    var a = new Uint8Array(9);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) {
        return ('0' + b.toString(16)).slice(-2);
    }).join('');
}

/* ---- per-tab credentials ------------------------------------------
 * The cookie is shared by all tabs of a browser (the last token issued
 * wins); each tab keeps its own token in sessionStorage and signals
 * with that one, so two tabs can be two people. */

var SESSION_PREFIX = 'trtc.session.';

export function saveSession(data) {
    sessionStorage.setItem(SESSION_PREFIX + String(data.token.roomId),
                           JSON.stringify(data));
}

export function loadSession(roomKey) {
    try {
        var s = JSON.parse(sessionStorage.getItem(SESSION_PREFIX + roomKey));
        if (s && s.token && typeof s.token.privateMapKey === 'string'
            && String(s.token.roomId) === roomKey
            && validUserId(s.token.userId))
        {
            return s;
        }
    } catch (e) { /* not JSON: as if absent */ }
    return null;
}

export function dropSession(roomKey) {
    sessionStorage.removeItem(SESSION_PREFIX + roomKey);
}

/* tokens from the issuer (trtc_issue), for joining and for renewing:
 * resolves with its JSON; rejects with the words of the failure */
export function issueToken(userId, roomId, role) {
    var url = endpoints.token + '?userId=' + encodeURIComponent(userId)
              + '&roomId=' + encodeURIComponent(roomId)
              + '&role=' + (role === 'audience' || role === 'host' ? role : 'speaker');

    return fetch(url, {method: 'POST', cache: 'no-store', credentials: 'same-origin'})
        .then(function (res) {
            return res.text().then(function (body) {
                var json = null;
                try { json = JSON.parse(body); } catch (e) { /* not JSON */ }
                if (!res.ok) {
                    throw new Error(json && json.error ? t('errServer', {error: json.error})
                                    : t('errHttp', {status: res.status}));
                }
                if (!json || typeof json.privateMapKey !== 'string') {
                    throw new Error(t('errHttp', {status: res.status}));
                }
                json.receivedAt = Date.now();   /* for serverNow() */
                return json;
            });
        }, function (e) {
            throw new Error(t('errNetwork', {error: errorText(e)}));
        });
}

/* now by the issuer's clock (to a second), in ms: the token says when
 * it was signed, and this page when it came; a page's clock may be off */
export function serverNow(token) {
    var signed = ((token.expiresAt | 0) - (token.expire | 0)) * 1000;
    if (!signed || typeof token.receivedAt !== 'number') {
        return Date.now();
    }
    return Date.now() + signed - token.receivedAt;
}

export const store = {
    get: function (k) {
        try { return localStorage.getItem('trtc.' + k); } catch (e) { return null; }
    },
    set: function (k, v) {
        try { localStorage.setItem('trtc.' + k, v); } catch (e) { /* private mode */ }
    }
};

/* ---- labels ------------------------------------------------------- */

function pickLang() {
    var forced = new URLSearchParams(location.search).get('lang');
    var l = forced || navigator.language || 'en';
    return /^zh/i.test(l) ? 'zh' : 'en';
}

const lang = pickLang();

export function t(key, params) {
    var s = LABELS[lang][key];
    if (s === undefined) {
        s = LABELS.en[key] !== undefined ? LABELS.en[key] : key;
    }
    if (params) {
        s = s.replace(/\{(\w+)\}/g, function (m, k) {
            return params[k] !== undefined ? String(params[k]) : m;
        });
    }
    return s;
}

function hasLabel(key) {
    return LABELS.en[key] !== undefined;
}

/* data-i18n="key" sets textContent; data-i18n-title, -placeholder and
 * -aria-label set those attributes */
export function translate(root) {
    root = root || document;
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    root.querySelectorAll('[data-i18n]').forEach(function (e) {
        e.textContent = t(e.getAttribute('data-i18n'));
    });
    ['title', 'placeholder', 'aria-label'].forEach(function (a) {
        root.querySelectorAll('[data-i18n-' + a + ']').forEach(function (e) {
            e.setAttribute(a, t(e.getAttribute('data-i18n-' + a)));
        });
    });
}

/* ---- DOM helpers -------------------------------------------------- */

export function $(selector) {
    return document.querySelector(selector);
}

/* el('div', {class: 'x', 'data-user': u}, [child, 'text']) */
export function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) {
            return;
        }
        if (k === 'text') {
            e.textContent = v;
        } else if (k.slice(0, 2) === 'on' && typeof v === 'function') {
            e.addEventListener(k.slice(2), v);
        } else if (k in e && typeof v !== 'string') {
            e[k] = v;
        } else {
            e.setAttribute(k, v === true ? '' : v);
        }
    });
    (children || []).forEach(function (c) {
        if (c !== null && c !== undefined) {
            e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
        }
    });
    return e;
}

export function errorText(e) {
    if (!e) {
        return '?';
    }
    return e.name && e.message ? e.name + ': ' + e.message
           : String(e.message || e.name || e);
}

/* a signaling message POSTed with the token in its header: resolves
 * with the HTTP status, 0 when it did not get through in 5 s;
 * keepalive: the request outlives the page */
export function postMessage(url, token, body, keepalive) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, 5000);
    return fetch(url, {
        method: 'POST',
        headers: {'X-TRTC-Token': token, 'Content-Type': 'text/plain;charset=UTF-8'},
        body: body,
        cache: 'no-store',
        keepalive: keepalive === true,
        signal: ctl.signal
    }).then(function (res) {
        return res.status;
    }, function () {
        return 0;
    }).finally(function () {
        clearTimeout(timer);
    });
}

/* this host's WebSocket URL of a path (with its query) */
export function wsUrl(path) {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
}

/* a stream's tracks stopped (its camera, microphone or screen let go) */
export function stopTracks(stream) {
    if (stream) {
        stream.getTracks().forEach(function (tr) { tr.stop(); });
    }
}

export function sleep(ms) {
    return new Promise(function (r) { setTimeout(r, ms); });
}

/* RMS of an analyser's current window, 0..1 */
export function level(analyser, buf) {
    analyser.getFloatTimeDomainData(buf);
    var sum = 0;
    for (var i = 0; i < buf.length; i++) {
        sum += buf[i] * buf[i];
    }
    return Math.sqrt(sum / buf.length);
}
