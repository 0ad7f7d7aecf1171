/* stand-in of base-js/js/share-client.js: the screen share's own client */
class ShareClient {
  constructor(options) {
    this.sdkAppId_ = options.sdkAppId;
    this.userId_ = options.userId;
    this.userSig_ = options.userSig;
    this.roomId_ = options.roomId;

    this.client_ = TRTC.createClient({
      mode: 'rtc',
      sdkAppId: this.sdkAppId_,
      userId: this.userId_,
      userSig: this.userSig_
    });
  }

  async join() {
    await this.client_.join({
      roomId: parseInt(this.roomId_)
    });
  }
}
