/*
 * The room's side panel and what goes with it: the people in the room
 * (everyone, the audience too, with microphone, camera, screen share,
 * host and a raised hand), the chat, and the footer's buttons for both
 * and for raising a hand.
 *
 * Chat messages go through the room's signaling like every message, so
 * nginx stamps each with its sender's verified user id (trtc_stamp):
 * the name a message shows is that one, marked as verified, and no page
 * can write another's.  A message is plain text of CHAT_MAX characters
 * at most, shown as text (never as HTML), and kept only in the pages
 * (the server stores none: who joins later does not see earlier ones).
 *
 * A backend that carries chat and hands calls enable(); one that does
 * not leaves those buttons hidden and only lists people (TRTC Cloud
 * where the server offers no room signaling: room-chat.js).
 *
 * Touches: room.html's side panel and footer buttons.
 */

import * as T from './app.js';

var t = T.t;
var $ = T.$;
var P = T.PRIV;

var CHAT_MAX = 500;
var CHAT_KEPT = 200;

/* the state of this page's createPanel() */
var me, handlers, hand, unread, shown;


export function createPanel(meArg) {
    me = meArg;
    handlers = null;
    hand = false;
    unread = 0;
    shown = null;

    $('#open-people').addEventListener('click', function () { toggle('people'); });
    $('#open-chat').addEventListener('click', function () { toggle('chat'); });
    $('#tab-people').addEventListener('click', function () { show('people'); });
    $('#tab-chat').addEventListener('click', function () { show('chat'); });
    $('#side-close').addEventListener('click', function () { show(null); });
    $('#raise-hand').addEventListener('click', function () { setHand(!hand); });
    $('#chat-form').addEventListener('submit', submit);
    $('#chat-input').maxLength = CHAT_MAX;

    return {
        enable: enable,
        setPeople: setPeople,
        receive: receive,
        hand: function () { return hand; },
        lowerHand: function () { setHand(false); }
    };
}


/* h: {send(text) -> Promise, hand(up)} */
function enable(h) {
    handlers = h;
    $('#open-chat').hidden = false;
    $('#raise-hand').hidden = false;
}


function toggle(which) {
    show(shown === which ? null : which);
}


function show(which) {
    shown = which;
    $('#side').hidden = !which;
    ['people', 'chat'].forEach(function (k) {
        $('#' + k).hidden = k !== which;
        $('#tab-' + k).setAttribute('aria-selected', k === which ? 'true' : 'false');
    });
    $('#open-people').setAttribute('aria-pressed', which === 'people' ? 'true' : 'false');
    $('#open-chat').setAttribute('aria-pressed', which === 'chat' ? 'true' : 'false');
    if (which === 'chat') {
        unread = 0;
        badge();
        $('#chat-input').focus();
        var log = $('#chat-log');
        log.scrollTop = log.scrollHeight;
    }
}


function setHand(up) {
    if (!handlers || hand === up) {
        return;
    }
    hand = up;
    var b = $('#raise-hand');
    b.setAttribute('aria-pressed', up ? 'true' : 'false');
    b.querySelector('.ctl-label').textContent = t(up ? 'lowerHand' : 'raiseHand');
    handlers.hand(up);
}


/* ---- people ---- */

/* list: [{uid, me, priv, audio, video, screen, hand, conn}] */
function setPeople(list) {
    var ul = $('#people');
    ul.textContent = '';
    list.slice().sort(function (a, b) {
        return (b.me ? 1 : 0) - (a.me ? 1 : 0) || (b.hand ? 1 : 0) - (a.hand ? 1 : 0)
               || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
    }).forEach(function (p) {
        var host = T.has(p.priv, P.CREATE);
        var audience = !T.has(p.priv, P.SEND_AUDIO) && !T.has(p.priv, P.SEND_VIDEO);
        var tags = [];
        if (p.me) { tags.push(t('you')); }
        if (host) { tags.push(t('hostTag')); }
        if (audience) { tags.push(t('audienceTag')); }
        ul.appendChild(T.el('li', {
            'data-user': p.uid, 'data-is-host': host ? '1' : '0',
            'data-audience': audience ? '1' : '0', 'data-hand': p.hand ? '1' : '0',
            'data-audio': p.audio ? 'on' : 'off', 'data-video': p.video ? 'on' : 'off',
            'data-screen': p.screen ? 'on' : 'off'
        }, [
            T.el('span', {class: 'who'}, [
                T.el('span', {class: 'name', text: p.name && p.name !== p.uid
                                                   ? p.name + ' · ' + p.uid + ' ✓' : p.uid}),
                T.el('span', {class: 'tag', text: tags.join(' · ')})
            ]),
            T.el('span', {class: 'marks'}, [
                T.el('span', {class: 'mark hand', title: t('handRaised'), text: '✋'}),
                T.el('span', {class: 'mark ctl-icon i-screen', title: t('sharing')}),
                T.el('span', {class: 'mark ctl-icon cam', title: t(p.video ? 'cameraOn' : 'cameraOff')}),
                T.el('span', {class: 'mark ctl-icon mic', title: t(p.audio ? 'micOn' : 'micOff')})
            ])
        ]));
    });
    $('#people-count').textContent = String(list.length);
}


/* ---- chat ---- */

function submit(ev) {
    ev.preventDefault();
    var input = $('#chat-input');
    var text = input.value.trim();
    if (!text || !handlers) {
        return;
    }
    if (text.length > CHAT_MAX) {
        text = text.slice(0, CHAT_MAX);
    }
    input.value = '';
    handlers.send(text).then(function (ok) {
        if (!ok) {
            line(me.uid, text, true, true, me.name);
        }
    });
    line(me.uid, text, true, false, me.name);
}


/* a message the room brought: from is the stamped sender, name what
 * that member calls itself */
function receive(from, text, name) {
    if (typeof text !== 'string' || !text || text.length > CHAT_MAX) {
        return;
    }
    line(from, text, false, false, name);
    if (shown !== 'chat') {
        unread++;
        badge();
    }
}


function line(from, text, mine, failed, name) {
    var log = $('#chat-log');
    var stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    var time = new Date();
    log.appendChild(T.el('li', {'data-from': from, 'data-mine': mine ? '1' : '0',
                                'data-failed': failed ? '1' : null}, [
        T.el('div', {class: 'meta'}, [
            T.el('span', {class: 'claim', text: name && name !== from ? name : ''}),
            T.el('span', {class: 'from', text: from}),
            T.el('span', {class: 'verified', title: t('verifiedTitle'), text: '✓'}),
            T.el('time', {text: ('0' + time.getHours()).slice(-2) + ':'
                                + ('0' + time.getMinutes()).slice(-2)})
        ]),
        T.el('p', {class: 'text', text: failed ? t('chatFailed') : text})
    ]));
    while (log.children.length > CHAT_KEPT) {
        log.removeChild(log.firstChild);
    }
    if (stick || mine) {
        log.scrollTop = log.scrollHeight;
    }
}


function badge() {
    var b = $('#chat-unread');
    b.textContent = unread > 99 ? '99+' : String(unread);
    b.hidden = unread === 0;
}
