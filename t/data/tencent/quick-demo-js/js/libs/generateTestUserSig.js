/* stand-in of quick-demo-js/js/libs/generateTestUserSig.js: signs in the
 * page with the key the person typed in */
function genTestUserSig({ sdkAppId, userId, sdkSecretKey }) {
  const SDKAPPID = sdkAppId;
  const EXPIRETIME = 604800;
  const SDKSECRETKEY = sdkSecretKey;
  const generator = new LibGenerateTestUserSig(SDKAPPID, SDKSECRETKEY, EXPIRETIME);
  const userSig = generator.genTestUserSig(userId);
  return {
    sdkAppId: SDKAPPID,
    userSig: userSig
  };
}
