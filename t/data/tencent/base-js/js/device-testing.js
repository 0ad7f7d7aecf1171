/* stand-in of base-js/js/device-testing.js: the network test, which
 * awaits genTestUserSig(userId), creates a client of its own, and reads
 * data/mock.json relative to the page */
async function uplinkTest(userId) {
  const { sdkAppId, userSig } = await genTestUserSig(userId);
  window.uplinkClient = TRTC.createClient({
    mode: 'rtc',
    sdkAppId,
    userId,
    userSig
  });
  return { sdkAppId, userSig };
}

function readMock() {
  return new Promise(function (resolve) {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', 'data/mock.json', true);
    xhr.onload = function () { resolve(xhr.status === 200 ? xhr.responseText : null); };
    xhr.onerror = function () { resolve(null); };
    xhr.send();
  });
}
