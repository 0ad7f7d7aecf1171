/* stand-in of base-js/js/presetting.js: the login, which signs
 * synchronously with genTestUserSig(userId) */
class Presetting {
  login(share, callback) {
    let userId = document.getElementById('userId').value;
    if (share) {
      userId = 'share_' + userId;
    }
    const config = genTestUserSig(userId);
    const sdkAppId = config.sdkAppId;
    const userSig = config.userSig;
    const roomId = document.getElementById('roomId').value;

    callback({
      sdkAppId,
      userId,
      userSig,
      roomId
    });
  }
}
