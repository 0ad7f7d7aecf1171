/* stand-in of base-js/js/debug/GenerateTestUserSig.js: the interface, and
 * the SDKAppID and key pasted in as in the story's step 3.2.2 (the tests
 * paste their own key over SECRETKEY's value in the copy they serve) */
function genTestUserSig(userID) {
  const SDKAPPID = 1400000000;
  const EXPIRETIME = 604800;
  const SECRETKEY = 'PASTE-THE-SECRET-KEY-HERE';
  const generator = new LibGenerateTestUserSig(SDKAPPID, SECRETKEY, EXPIRETIME);
  const userSig = generator.genTestUserSig(userID);
  return {
    sdkAppId: SDKAPPID,
    userSig: userSig
  };
}
