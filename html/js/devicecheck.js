/*
 * The device check wizard, offline: camera preview, microphone level,
 * a speaker tone made in the page, what the browser supports, and the
 * round trip to the server.  Each item of the step list carries
 * data-result = pending | pass | fail; the report sums them up.
 *
 * DeviceCheck.open({camera: deviceId, microphone: deviceId}), for login.js
 *
 * Touches: the dialog of index.html, the devices (released when it
 * closes), endpoints.ping.
 */
import * as T from './app.js';

var t = T.t;
var $ = T.$;

var ITEMS = ['camera', 'microphone', 'speaker', 'browser', 'network'];
var STEPS = ITEMS.concat(['report']);

var dialog, run = 0, current = 'camera';
var streams = [], audioCtx = null, meterTimer = null, devices = {};

function item(name) {
    return $('.check-steps [data-check="' + name + '"]');
}

function detail(name, text) {
    $('[data-detail="' + name + '"]').textContent = text || '';
}

function setResult(name, result, text, runId) {
    if (runId !== undefined && runId !== run) {
        return;                     /* a retest started meanwhile */
    }
    var li = item(name);
    li.setAttribute('data-result', result);
    var label = result === 'pending' && name === 'speaker'
                ? t('result.waiting') : t('result.' + result);
    li.querySelector('.badge').textContent = label;
    if (text !== undefined) {
        detail(name, text);
    }
    renderReport();
}

function show(step) {
    current = step;
    document.querySelectorAll('.check-panels [data-panel]').forEach(function (p) {
        p.hidden = p.getAttribute('data-panel') !== step;
    });
    document.querySelectorAll('.check-steps [data-step]').forEach(function (b) {
        b.classList.toggle('current', b.getAttribute('data-step') === step);
    });
    var i = STEPS.indexOf(step);
    $('#check-back').disabled = i === 0;
    $('#check-next').textContent = i === STEPS.length - 1 ? t('close') : t('next');
}

function renderReport() {
    var table = $('#check-report');
    table.textContent = '';
    var failed = 0, pending = 0, speakerOnly = false;
    ITEMS.forEach(function (name) {
        var li = item(name);
        var r = li.getAttribute('data-result');
        if (r === 'fail') { failed++; }
        if (r === 'pending') { pending++; speakerOnly = pending === 1 && name === 'speaker'; }
        table.appendChild(T.el('tr', {'data-report': name, 'data-result': r}, [
            T.el('th', {text: t('check.' + name)}),
            T.el('td', {class: 'badge', text: li.querySelector('.badge').textContent}),
            T.el('td', {text: $('[data-detail="' + name + '"]').textContent})
        ]));
    });
    $('#check-summary').textContent = failed ? t('reportSome', {n: failed, total: ITEMS.length})
                                      : pending ? t(speakerOnly ? 'reportSpeaker' : 'reportWait')
                                      : t('reportAll');
}

function stopMedia() {
    streams.forEach(T.stopTracks);
    streams = [];
    clearInterval(meterTimer);
    meterTimer = null;
    $('#check-video').srcObject = null;
    $('#check-mic-level').style.width = '0';
}

function withTimeout(p, ms, what) {
    return Promise.race([p, new Promise(function (_, reject) {
        setTimeout(function () {
            reject(new Error(what + ' timed out'));
        }, ms);
    })]);
}

function constraint(id) {
    return id ? {deviceId: id} : true;
}

/* ---- camera: a picture with a size ---- */
function checkCamera(runId) {
    setResult('camera', 'pending', '', runId);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        setResult('camera', 'fail', t('cameraFail', {error: 'getUserMedia'}), runId);
        return Promise.resolve();
    }
    return navigator.mediaDevices.getUserMedia({video: constraint(devices.camera)})
        .then(function (s) {
            if (runId !== run) { T.stopTracks(s); return; }
            streams.push(s);
            var v = $('#check-video');
            v.srcObject = s;
            v.play().catch(function () {});
            var track = s.getVideoTracks()[0];
            var over = false;       /* timed out: stop looking */
            return withTimeout(new Promise(function (resolve) {
                (function poll() {
                    if (over || runId !== run) {
                        return;     /* over, or a retest or close since */
                    }
                    if (v.videoWidth > 0 && track.readyState === 'live') {
                        return resolve();
                    }
                    setTimeout(poll, 100);
                })();
            }), 6000, 'video').finally(function () {
                over = true;
            }).then(function () {
                setResult('camera', 'pass', t('cameraOk', {
                    label: track.label || t('camera'),
                    w: v.videoWidth, h: v.videoHeight
                }), runId);
            });
        })
        .catch(function (e) {
            setResult('camera', 'fail', t('cameraFail', {error: T.errorText(e)}), runId);
        });
}

/* ---- microphone: a live track and some sound within a few seconds ---- */
function checkMicrophone(runId) {
    setResult('microphone', 'pending', '', runId);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !audioCtx) {
        setResult('microphone', 'fail', t('micFail', {error: 'getUserMedia / Web Audio'}), runId);
        return Promise.resolve();
    }
    return navigator.mediaDevices.getUserMedia({audio: constraint(devices.microphone)})
        .then(function (s) {
            if (runId !== run) { T.stopTracks(s); return; }
            streams.push(s);
            var track = s.getAudioTracks()[0];
            var label = track.label || t('microphone');
            var src = audioCtx.createMediaStreamSource(s);
            var an = audioCtx.createAnalyser();
            an.fftSize = 1024;
            src.connect(an);
            var buf = new Float32Array(an.fftSize);
            var heard = false, started = Date.now();
            clearInterval(meterTimer);
            return new Promise(function (resolve) {
                meterTimer = setInterval(function () {
                    var lv = T.level(an, buf);
                    $('#check-mic-level').style.width = Math.min(100, lv * 400) + '%';
                    if (!heard && lv > 0.005 && track.readyState === 'live') {
                        heard = true;
                        setResult('microphone', 'pass', t('micOk', {label: label}), runId);
                        resolve();
                    } else if (!heard && Date.now() - started > 5000) {
                        heard = true;   /* stop deciding; the meter keeps going */
                        setResult('microphone', 'fail', t('micSilent', {label: label}), runId);
                        resolve();
                    }
                }, 100);
            });
        })
        .catch(function (e) {
            setResult('microphone', 'fail', t('micFail', {error: T.errorText(e)}), runId);
        });
}

/* ---- speaker: the person says whether they heard the tone ---- */
function prepareSpeaker(runId) {
    setResult('speaker', 'pending', audioCtx ? '' : t('speakerNoAudio'), runId);
    if (!audioCtx) {
        setResult('speaker', 'fail', t('speakerNoAudio'), runId);
        return;
    }
    var field = $('#check-output-field');
    if (typeof audioCtx.setSinkId !== 'function') {
        field.hidden = true;
        return;
    }
    navigator.mediaDevices.enumerateDevices().then(function (list) {
        var outs = list.filter(function (d) { return d.kind === 'audiooutput'; });
        var sel = $('#check-output');
        sel.textContent = '';
        outs.forEach(function (d, i) {
            sel.appendChild(T.el('option', {value: d.deviceId,
                text: d.label || t('speakerOutput') + ' ' + (i + 1)}));
        });
        field.hidden = outs.length < 2;
    }).catch(function () { field.hidden = true; });
}

function playTone() {
    if (!audioCtx) {
        return;
    }
    var sink = $('#check-output').value;
    var ready = audioCtx.resume();
    if (sink && typeof audioCtx.setSinkId === 'function' && !$('#check-output-field').hidden) {
        ready = ready.then(function () { return audioCtx.setSinkId(sink); })
                     .catch(function () {});
    }
    ready.then(function () {
        var now = audioCtx.currentTime;
        var osc = audioCtx.createOscillator();
        var gain = audioCtx.createGain();
        osc.type = 'sine';
        osc.frequency.setValueAtTime(440, now);
        osc.frequency.setValueAtTime(660, now + 0.5);
        osc.frequency.setValueAtTime(880, now + 1.0);
        gain.gain.setValueAtTime(0, now);
        gain.gain.linearRampToValueAtTime(0.25, now + 0.05);
        gain.gain.setValueAtTime(0.25, now + 1.4);
        gain.gain.linearRampToValueAtTime(0, now + 1.5);
        osc.connect(gain).connect(audioCtx.destination);
        osc.start(now);
        osc.stop(now + 1.55);
    });
}

/* ---- browser ---- */
function checkBrowser(runId) {
    var md = navigator.mediaDevices || {};
    var caps = [
        ['cap.rtc', typeof window.RTCPeerConnection === 'function', true],
        ['cap.gum', typeof md.getUserMedia === 'function', true],
        ['cap.gdm', typeof md.getDisplayMedia === 'function', false],
        ['cap.secure', window.isSecureContext === true, true],
        ['cap.ws', typeof window.WebSocket === 'function', true],
        ['cap.audio', typeof (window.AudioContext || window.webkitAudioContext) === 'function', false]
    ];
    var table = $('#check-caps');
    table.textContent = '';
    var missing = [];
    caps.forEach(function (c) {
        table.appendChild(T.el('tr', {'data-cap': c[0].slice(4), 'data-ok': c[1] ? '1' : '0'}, [
            T.el('th', {text: t(c[0])}),
            T.el('td', {class: c[1] ? 'yes' : 'no', text: c[1] ? t('supported') : t('missing')})
        ]));
        if (!c[1]) {
            missing.push(t(c[0]));
        }
    });
    var essentialsOk = caps.every(function (c) { return c[1] || !c[2]; });
    setResult('browser', essentialsOk ? 'pass' : 'fail',
              missing.length ? t('browserFail', {list: missing.join(', ')}) : t('browserOk'),
              runId);
}

/* ---- network: a few round trips to /api/ping ---- */
function checkNetwork(runId) {
    setResult('network', 'pending', '', runId);
    $('#check-rtt').textContent = '…';
    if (!T.served) {
        setResult('network', 'fail', t('networkFail', {error: t('errNotServed')}), runId);
        $('#check-rtt').textContent = '—';
        return Promise.resolve();
    }
    var samples = [];
    function once() {
        var ctl = new AbortController();
        var timer = setTimeout(function () { ctl.abort(); }, 3000);
        var t0 = performance.now();
        return fetch(T.endpoints.ping + '?t=' + Date.now(), {cache: 'no-store', signal: ctl.signal})
            .then(function (res) {
                clearTimeout(timer);
                if (res.status !== 204 && !res.ok) {
                    throw new Error('HTTP ' + res.status);
                }
                samples.push(performance.now() - t0);
            });
    }
    var chain = Promise.resolve();
    for (var i = 0; i < 5; i++) {
        chain = chain.then(once).then(function () { return T.sleep(100); });
    }
    return chain.then(function () {
        samples.sort(function (a, b) { return a - b; });
        var r = {
            median: Math.round(samples[Math.floor(samples.length / 2)]),
            min: Math.round(samples[0]),
            max: Math.round(samples[samples.length - 1]),
            n: samples.length
        };
        if (runId !== run) { return; }
        $('#check-rtt').textContent = t('rttMedian', r);   /* the detail says the rest */
        if (r.median > 500) {
            setResult('network', 'fail', t('networkSlow', r), runId);
        } else {
            setResult('network', 'pass', t('rtt', r), runId);
        }
    }).catch(function (e) {
        if (runId !== run) { return; }
        $('#check-rtt').textContent = '—';
        setResult('network', 'fail', t('networkFail', {error: T.errorText(e)}), runId);
    });
}

function start() {
    run++;
    var runId = run;
    stopMedia();
    if (!audioCtx && (window.AudioContext || window.webkitAudioContext)) {
        audioCtx = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audioCtx) {
        audioCtx.resume().catch(function () {});
    }
    ITEMS.forEach(function (n) { setResult(n, 'pending', ''); });
    checkBrowser(runId);
    prepareSpeaker(runId);
    checkNetwork(runId);
    /* one device at a time: some systems open only one at once */
    checkCamera(runId).then(function () { return checkMicrophone(runId); });
}

function close() {
    run++;
    stopMedia();
    if (audioCtx) {
        audioCtx.close().catch(function () {});
        audioCtx = null;
    }
    if (dialog.open) {
        dialog.close();
    }
}

function init() {
    dialog = $('#check-dialog');
    document.querySelectorAll('.check-steps [data-step]').forEach(function (b) {
        b.addEventListener('click', function () { show(b.getAttribute('data-step')); });
    });
    $('#check-next').addEventListener('click', function () {
        var i = STEPS.indexOf(current);
        if (i === STEPS.length - 1) {
            close();
        } else {
            show(STEPS[i + 1]);
        }
    });
    $('#check-back').addEventListener('click', function () {
        var i = STEPS.indexOf(current);
        show(STEPS[Math.max(0, i - 1)]);
    });
    $('#retest').addEventListener('click', function () {
        start();
        show('camera');
    });
    $('#check-close').addEventListener('click', close);
    dialog.addEventListener('cancel', function (e) { e.preventDefault(); close(); });
    $('#check-tone').addEventListener('click', playTone);
    $('#check-heard').addEventListener('click', function () {
        setResult('speaker', 'pass', t('speakerOk'));
    });
    $('#check-not-heard').addEventListener('click', function () {
        setResult('speaker', 'fail', t('speakerFail'));
    });
}

export const DeviceCheck = {
    open: function (opts) {
        if (!dialog) {
            init();
        }
        devices = opts || {};
        if (!dialog.open) {
            dialog.showModal();
        }
        show('camera');
        start();
    },
    close: function () {
        if (dialog) {
            close();
        }
    }
};
