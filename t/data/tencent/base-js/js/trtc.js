/* stand-in of the TRTC Web SDK v4 (base-js/js/trtc.js), only what the
 * tests look at: createClient, setProxyServer (a wss:// string, or
 * {websocketProxy, loggerProxy}) and join, which opens the signaling
 * socket at the proxy as the SDK 4.14 does,
 *     <proxy>?sdkAppId=..&userId=..&userSig=..
 * and sends a join command with the room and the PrivateMapKey.  Without
 * a proxy the SDK would ask Tencent's schedule service for its signaling
 * host: here an address that resolves nowhere.  window.trtcV4 keeps what
 * each client did, for the test. */
(function () {
  'use strict';
  window.trtcV4 = [];

  function Client(config) {
    this.config_ = config;
    this.proxy_ = null;
    this.seen_ = {userId: config.userId, proxy: null, url: null, state: 'new'};
    window.trtcV4.push(this.seen_);
  }

  Client.prototype.setProxyServer = function (p) {
    if (typeof p === 'string') {
      if (p.indexOf('wss://') !== 0) {
        throw new Error('INVALID_PARAMETER: proxy must be wss://');
      }
      this.proxy_ = p;
    } else if (p && p.websocketProxy) {
      this.proxy_ = p.websocketProxy;
    }
    this.seen_.proxy = this.proxy_;
  };

  Client.prototype.join = function (options) {
    const c = this.config_;
    const seen = this.seen_;
    const base = this.proxy_ || 'wss://schedule.trtc-standin.invalid/';
    const url = base + '?sdkAppId=' + encodeURIComponent(c.sdkAppId)
      + '&userId=' + encodeURIComponent(c.userId)
      + '&userSig=' + encodeURIComponent(c.userSig);
    seen.url = url;
    seen.roomId = options.roomId;
    seen.privateMapKey = options.privateMapKey || null;
    seen.state = 'connecting';
    return new Promise(function (resolve, reject) {
      const ws = new WebSocket(url);
      ws.onopen = function () {
        seen.state = 'open';
        ws.send(JSON.stringify({cmd: 'join/v4', data: {roomId: options.roomId,
                                                       privateMapKey: options.privateMapKey || ''}}));
        resolve();
      };
      ws.onerror = function () {
        seen.state = 'failed';
        reject(new Error('signaling socket failed'));
      };
    });
  };

  window.TRTC = {
    VERSION: '4.14.4-standin',
    createClient: function (config) { return new Client(config); }
  };
}());
