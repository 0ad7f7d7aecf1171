/*
 * Shared by the login page and the room page: the configuration nginx
 * injects, labels in English and Chinese, the rules for user and room
 * ids, per-tab credentials, and small DOM helpers.
 *
 * Plain script (no modules), so the pages also open from disk; there they
 * say that they need the server.  All user-controlled text goes into the
 * page through textContent, never innerHTML.
 */
(function () {
    'use strict';

    var TRTC = window.TRTC = window.TRTC || {};

    /* ---- configuration ------------------------------------------------ */

    TRTC.served = !!window.TRTC_ENDPOINTS && location.protocol !== 'file:';
    TRTC.config = window.TRTC_CONFIG || null;
    TRTC.endpoints = Object.assign({
        token: '/api/token',
        subscribe: '/signal/sub',
        publish: '/signal/pub',
        ping: '/api/ping'
    }, window.TRTC_ENDPOINTS || {});

    TRTC.PRIV = {
        CREATE: 1, ENTER: 2,
        SEND_AUDIO: 4, RECV_AUDIO: 8,
        SEND_VIDEO: 16, RECV_VIDEO: 32,
        SEND_SCREEN: 64, RECV_SCREEN: 128
    };

    TRTC.has = function (privilege, bit) {
        return ((privilege | 0) & bit) === bit;
    };

    /* ---- ids: the server's rules, checked before asking it ------------ */

    TRTC.validUserId = function (s) {
        return /^[A-Za-z0-9_-]{1,32}$/.test(s);
    };

    TRTC.validRoomId = function (s) {
        if (/^[1-9][0-9]{0,9}$/.test(s) && Number(s) <= 4294967294) {
            return true;
        }
        /* a string room: TRTC's character set; "." and ".." would be
         * eaten by URL path normalisation */
        return /^[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,64}$/.test(s)
               && s !== '.' && s !== '..';
    };

    TRTC.roomPath = function (roomId) {
        return '/room/' + encodeURIComponent(String(roomId)) + '/';
    };

    /* ---- per-tab credentials ------------------------------------------
     * The cookie is shared by all tabs of a browser (the last token issued
     * wins); each tab keeps its own token in sessionStorage and signals
     * with that one, so two tabs can be two people. */

    var SESSION_PREFIX = 'trtc.session.';

    TRTC.saveSession = function (data) {
        sessionStorage.setItem(SESSION_PREFIX + String(data.token.roomId),
                               JSON.stringify(data));
    };

    TRTC.loadSession = function (roomKey) {
        try {
            var s = JSON.parse(sessionStorage.getItem(SESSION_PREFIX + roomKey));
            if (s && s.token && typeof s.token.privateMapKey === 'string'
                && String(s.token.roomId) === roomKey
                && TRTC.validUserId(s.token.userId))
            {
                return s;
            }
        } catch (e) { /* not JSON: as if absent */ }
        return null;
    };

    TRTC.dropSession = function (roomKey) {
        sessionStorage.removeItem(SESSION_PREFIX + roomKey);
    };

    TRTC.store = {
        get: function (k) {
            try { return localStorage.getItem('trtc.' + k); } catch (e) { return null; }
        },
        set: function (k, v) {
            try { localStorage.setItem('trtc.' + k, v); } catch (e) { /* private mode */ }
        }
    };

    /* ---- labels ------------------------------------------------------- */

    var L = {
        en: {
            appName: 'TRTC Rooms',
            tagline: 'Video meetings; tokens signed by nginx',
            loginTitle: 'Join a room',
            loginHint: 'The server issues your token; no secret key ever reaches the browser.',
            userId: 'User name',
            userIdHelp: '1–32 letters, digits, _ or -',
            roomId: 'Room',
            roomIdHelp: 'A number (1–4294967294) or a name of up to 64 characters',
            role: 'Role',
            roleSpeaker: 'Speaker (camera and microphone)',
            roleAudience: 'Audience (watch only)',
            camera: 'Camera',
            microphone: 'Microphone',
            noCamera: 'No camera found',
            noMicrophone: 'No microphone found',
            devicesLoading: 'Looking for devices…',
            devicesDenied: 'Camera and microphone are not available ({error}): you can still join to watch and listen.',
            audienceDevices: 'The audience does not use a camera or microphone.',
            join: 'Join room',
            joining: 'Joining…',
            deviceCheck: 'Device check',
            firstVisit: 'First time here? Check your camera, microphone, speaker and network before you join.',
            firstVisitCheck: 'Check now',
            firstVisitSkip: 'Not now',
            errUserId: 'User name: 1 to 32 letters, digits, _ or -.',
            errRoomId: 'Room: a number from 1 to 4294967294, or a name of 1 to 64 letters, digits, spaces and !#$%&()+-:;<=.>?@[]^_{}|~,',
            errServer: 'The server refused: {error}',
            errHttp: 'The server answered {status}.',
            errNetwork: 'Cannot reach the server ({error}).',
            errNotServed: 'Open this page through the server (bash conf/demo.sh), not from disk.',
            deniedTitle: 'You were not let into the room.',
            'denied.room_mismatch': 'Your token is for another room. Join this room here to get a token for it.',
            'denied.expired': 'Your token has expired. Join again to get a new one.',
            'denied.userbuf_expired': 'Your token has expired. Join again to get a new one.',
            'denied.no_token': 'You have no token for that room. Join it here.',
            'denied.privilege_missing': 'Your token does not allow you to enter that room.',
            'denied.no_session': 'This tab has no credentials for room {room}. Join it here (each tab joins on its own).',
            'denied.signal_refused': 'The room refused this tab\'s token ({room}). Join again.',
            'denied.invalid': 'Your token is not valid (it was altered, or made by another server). Join again.',
            'denied.other': 'Access to the room was denied ({reason}).',
            checkTitle: 'Device check',
            'check.camera': 'Camera',
            'check.microphone': 'Microphone',
            'check.speaker': 'Speaker',
            'check.browser': 'Browser',
            'check.network': 'Network',
            'check.report': 'Report',
            'result.pass': 'Pass',
            'result.fail': 'Fail',
            'result.pending': 'Checking…',
            'result.waiting': 'Waiting',
            cameraHint: 'You should see yourself.',
            cameraOk: '{label}: {w}×{h}',
            cameraFail: 'No picture: {error}',
            micHint: 'Say something: the bar should move.',
            micOk: '{label}: sound detected',
            micSilent: '{label}: no sound detected',
            micFail: 'Cannot open the microphone: {error}',
            speakerHint: 'Play a test tone made in the page. Do you hear it?',
            speakerOutput: 'Output',
            playTone: 'Play tone',
            heard: 'Yes, I hear it',
            notHeard: 'No',
            speakerOk: 'You heard the tone.',
            speakerFail: 'You did not hear the tone: check the volume and the output device.',
            speakerNoAudio: 'This browser cannot play sound made in the page (Web Audio missing).',
            browserHint: 'What this browser supports',
            'cap.rtc': 'RTCPeerConnection (calls)',
            'cap.gum': 'getUserMedia (camera, microphone)',
            'cap.gdm': 'getDisplayMedia (screen sharing)',
            'cap.secure': 'Secure context (https or 127.0.0.1)',
            'cap.ws': 'WebSocket (signaling)',
            'cap.audio': 'Web Audio (level meters)',
            supported: 'yes',
            missing: 'no',
            browserOk: 'All that calls need is there.',
            browserFail: 'Missing: {list}',
            networkHint: 'Round trip to the server',
            rtt: '{median} ms (min {min}, max {max}, {n} samples)',
            networkFail: 'The server could not be reached: {error}',
            networkSlow: 'Slow: {median} ms round trip',
            reportAll: 'All checks passed.',
            reportSome: '{n} of {total} checks did not pass.',
            reportWait: 'Some checks are still running.',
            reportSpeaker: 'One step left: play the tone on the speaker step and say whether you heard it.',
            retest: 'Retest',
            next: 'Next',
            back: 'Back',
            close: 'Close',
            roomTitle: 'Room {room}',
            you: '(you)',
            audienceTag: 'audience',
            count: '{n} in the room',
            muteAudio: 'Mute',
            unmuteAudio: 'Unmute',
            muteVideo: 'Stop video',
            unmuteVideo: 'Start video',
            shareScreen: 'Share screen',
            stopShare: 'Stop sharing',
            leave: 'Leave',
            screenOf: '{user}: screen',
            enlargeHint: 'Click a tile to enlarge it.',
            noDevices: 'No camera or microphone could be opened ({error}). You joined receive-only: you see and hear the others, they do not see or hear you.',
            noCameraOnly: 'No camera ({error}): the others hear you but do not see you.',
            noMicOnly: 'No microphone ({error}): the others see you but do not hear you.',
            audienceNotice: 'You joined as audience: you can watch and listen, but not publish.',
            connecting: 'Connecting to the room…',
            connected: 'Connected',
            signalRefused: 'The room\'s signaling refused this tab\'s token (wrong room, or expired). Go back to the login page and join again.',
            signalLost: 'Lost the connection to the room; reconnecting…',
            signalDown: 'Cannot reach the room\'s signaling ({detail}); retrying…',
            publishRejected: 'The server rejected a message ({status}): your token may have expired. Leave and join again.',
            publishFailed: 'A message to the room could not be sent ({detail}).',
            shareFailed: 'Screen sharing failed: {error}',
            shareCancelled: 'Screen sharing was cancelled.',
            soundBlocked: 'The browser blocked sound until you interact with the page.',
            enableSound: 'Enable sound',
            dupUser: 'The name {user} is in this room in another tab or device too: use a different name in each.',
            peerFailed: 'The connection to {user} failed; retrying…',
            backToLogin: 'Back to the login page',
            tokenExpired: 'Your token has expired: leave and join again to keep talking.'
        },
        zh: {
            appName: 'TRTC 房间',
            tagline: '视频会议；令牌由 nginx 签发',
            loginTitle: '进入房间',
            loginHint: '令牌由服务器签发，密钥不会出现在浏览器中。',
            userId: '用户名',
            userIdHelp: '1–32 个字母、数字、_ 或 -',
            roomId: '房间号',
            roomIdHelp: '数字（1–4294967294）或不超过 64 个字符的名称',
            role: '角色',
            roleSpeaker: '主播（摄像头和麦克风）',
            roleAudience: '观众（仅观看）',
            camera: '摄像头',
            microphone: '麦克风',
            noCamera: '未找到摄像头',
            noMicrophone: '未找到麦克风',
            devicesLoading: '正在查找设备…',
            devicesDenied: '摄像头和麦克风不可用（{error}）：仍可进入房间观看和收听。',
            audienceDevices: '观众不使用摄像头和麦克风。',
            join: '进入房间',
            joining: '正在进入…',
            deviceCheck: '设备检测',
            firstVisit: '第一次使用？进入房间前先检测摄像头、麦克风、扬声器和网络。',
            firstVisitCheck: '立即检测',
            firstVisitSkip: '以后再说',
            errUserId: '用户名：1 到 32 个字母、数字、_ 或 -。',
            errRoomId: '房间号：1 到 4294967294 的数字，或由字母、数字、空格和 !#$%&()+-:;<=.>?@[]^_{}|~, 组成的 1 到 64 个字符的名称。',
            errServer: '服务器拒绝：{error}',
            errHttp: '服务器返回 {status}。',
            errNetwork: '无法连接服务器（{error}）。',
            errNotServed: '请通过服务器打开此页面（bash conf/demo.sh），不要直接打开文件。',
            deniedTitle: '未能进入房间。',
            'denied.room_mismatch': '您的令牌属于另一个房间。请在此页面进入该房间以获取对应的令牌。',
            'denied.expired': '您的令牌已过期，请重新进入以获取新令牌。',
            'denied.userbuf_expired': '您的令牌已过期，请重新进入以获取新令牌。',
            'denied.no_token': '您没有该房间的令牌，请在此页面进入。',
            'denied.privilege_missing': '您的令牌不允许进入该房间。',
            'denied.no_session': '此标签页没有房间 {room} 的凭证，请在此页面进入（每个标签页单独进入）。',
            'denied.signal_refused': '房间拒绝了此标签页的令牌（{room}），请重新进入。',
            'denied.invalid': '您的令牌无效（被篡改，或由其他服务器签发），请重新进入。',
            'denied.other': '进入房间被拒绝（{reason}）。',
            checkTitle: '设备检测',
            'check.camera': '摄像头',
            'check.microphone': '麦克风',
            'check.speaker': '扬声器',
            'check.browser': '浏览器',
            'check.network': '网络',
            'check.report': '检测报告',
            'result.pass': '通过',
            'result.fail': '未通过',
            'result.pending': '检测中…',
            'result.waiting': '等待确认',
            cameraHint: '您应能看到自己的画面。',
            cameraOk: '{label}：{w}×{h}',
            cameraFail: '没有画面：{error}',
            micHint: '请说话：音量条应有变化。',
            micOk: '{label}：检测到声音',
            micSilent: '{label}：未检测到声音',
            micFail: '无法打开麦克风：{error}',
            speakerHint: '播放页面生成的测试音，能听到吗？',
            speakerOutput: '输出设备',
            playTone: '播放测试音',
            heard: '能听到',
            notHeard: '听不到',
            speakerOk: '您听到了测试音。',
            speakerFail: '您没有听到测试音：请检查音量和输出设备。',
            speakerNoAudio: '此浏览器无法播放页面生成的声音（缺少 Web Audio）。',
            browserHint: '此浏览器支持的功能',
            'cap.rtc': 'RTCPeerConnection（通话）',
            'cap.gum': 'getUserMedia（摄像头、麦克风）',
            'cap.gdm': 'getDisplayMedia（屏幕共享）',
            'cap.secure': '安全上下文（https 或 127.0.0.1）',
            'cap.ws': 'WebSocket（信令）',
            'cap.audio': 'Web Audio（音量指示）',
            supported: '支持',
            missing: '不支持',
            browserOk: '通话所需功能齐全。',
            browserFail: '缺少：{list}',
            networkHint: '到服务器的往返时延',
            rtt: '{median} 毫秒（最小 {min}，最大 {max}，共 {n} 次）',
            networkFail: '无法连接服务器：{error}',
            networkSlow: '较慢：往返 {median} 毫秒',
            reportAll: '全部检测通过。',
            reportSome: '{total} 项中有 {n} 项未通过。',
            reportWait: '部分检测仍在进行。',
            reportSpeaker: '还剩一步：在扬声器一步播放测试音，并确认是否听到。',
            retest: '重新检测',
            next: '下一步',
            back: '上一步',
            close: '关闭',
            roomTitle: '房间 {room}',
            you: '（我）',
            audienceTag: '观众',
            count: '房间内 {n} 人',
            muteAudio: '静音',
            unmuteAudio: '取消静音',
            muteVideo: '关闭视频',
            unmuteVideo: '开启视频',
            shareScreen: '共享屏幕',
            stopShare: '停止共享',
            leave: '离开',
            screenOf: '{user}：屏幕',
            enlargeHint: '点击画面可放大。',
            noDevices: '无法打开摄像头和麦克风（{error}）。您以仅接收模式进入：可以看到和听到他人，他人看不到也听不到您。',
            noCameraOnly: '没有摄像头（{error}）：他人能听到您，但看不到您。',
            noMicOnly: '没有麦克风（{error}）：他人能看到您，但听不到您。',
            audienceNotice: '您以观众身份进入：可以观看和收听，不能发布音视频。',
            connecting: '正在连接房间…',
            connected: '已连接',
            signalRefused: '房间信令拒绝了此标签页的令牌（房间不符或已过期）。请返回登录页重新进入。',
            signalLost: '与房间的连接已断开，正在重连…',
            signalDown: '无法连接房间信令（{detail}），正在重试…',
            publishRejected: '服务器拒绝了一条消息（{status}）：令牌可能已过期。请离开后重新进入。',
            publishFailed: '一条消息未能发送到房间（{detail}）。',
            shareFailed: '屏幕共享失败：{error}',
            shareCancelled: '已取消屏幕共享。',
            soundBlocked: '浏览器在您操作页面之前禁止播放声音。',
            enableSound: '开启声音',
            dupUser: '用户名 {user} 也在另一个标签页或设备中进入了此房间：请各用不同的名称。',
            peerFailed: '与 {user} 的连接失败，正在重试…',
            backToLogin: '返回登录页',
            tokenExpired: '您的令牌已过期：请离开后重新进入。'
        }
    };

    function pickLang() {
        var forced = new URLSearchParams(location.search).get('lang');
        var l = forced || navigator.language || 'en';
        return /^zh/i.test(l) ? 'zh' : 'en';
    }

    TRTC.lang = pickLang();

    TRTC.t = function (key, params) {
        var s = L[TRTC.lang][key];
        if (s === undefined) {
            s = L.en[key] !== undefined ? L.en[key] : key;
        }
        if (params) {
            s = s.replace(/\{(\w+)\}/g, function (m, k) {
                return params[k] !== undefined ? String(params[k]) : m;
            });
        }
        return s;
    };

    TRTC.hasLabel = function (key) {
        return L.en[key] !== undefined;
    };

    /* data-i18n="key" sets textContent; data-i18n-title, -placeholder and
     * -aria-label set those attributes */
    TRTC.translate = function (root) {
        root = root || document;
        document.documentElement.lang = TRTC.lang === 'zh' ? 'zh-CN' : 'en';
        root.querySelectorAll('[data-i18n]').forEach(function (e) {
            e.textContent = TRTC.t(e.getAttribute('data-i18n'));
        });
        ['title', 'placeholder', 'aria-label'].forEach(function (a) {
            root.querySelectorAll('[data-i18n-' + a + ']').forEach(function (e) {
                e.setAttribute(a, TRTC.t(e.getAttribute('data-i18n-' + a)));
            });
        });
    };

    /* ---- DOM helpers -------------------------------------------------- */

    /* el('div', {class: 'x', 'data-user': u}, [child, 'text']) */
    TRTC.el = function (tag, attrs, children) {
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
    };

    TRTC.errorText = function (e) {
        if (!e) {
            return '?';
        }
        return e.name && e.message ? e.name + ': ' + e.message
               : String(e.message || e.name || e);
    };

    TRTC.sleep = function (ms) {
        return new Promise(function (r) { setTimeout(r, ms); });
    };

    /* RMS of an analyser's current window, 0..1 */
    TRTC.level = function (analyser, buf) {
        analyser.getFloatTimeDomainData(buf);
        var sum = 0;
        for (var i = 0; i < buf.length; i++) {
            sum += buf[i] * buf[i];
        }
        return Math.sqrt(sum / buf.length);
    };
})();
