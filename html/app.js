'use strict';

// The login card: asks nginx for a token (trtc_issue at /api/token),
// which also sets the room cookie, then links to the gated room page.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

$('userId').value = params.get('userId') || 'user_'
    + Math.floor(Math.random() * 10000);
$('roomId').value = params.get('roomId') || '1234';

if (params.get('denied')) {
    $('denied').textContent = 'The room page refused your token: '
        + params.get('denied') + '. Get a new one below.';
    $('denied').hidden = false;
}

$('join').addEventListener('submit', async (ev) => {
    ev.preventDefault();

    const q = new URLSearchParams({ userId: $('userId').value,
                                    roomId: $('roomId').value });
    const res = await fetch('/api/token?' + q, { method: 'POST' });
    const body = await res.json();

    $('token').hidden = false;

    if (!res.ok) {
        $('token').textContent = 'Refused: ' + body.error;
        $('enter').hidden = true;
        return;
    }

    const shown = Object.assign({}, body);
    for (const k of ['userSig', 'privateMapKey']) {
        shown[k] = body[k].slice(0, 24) + '... (' + body[k].length
                   + ' bytes)';
    }

    $('token').textContent = JSON.stringify(shown, null, 2);
    $('enter').href = '/room/' + encodeURIComponent(body.roomId) + '/';
    $('enter').hidden = false;
});
