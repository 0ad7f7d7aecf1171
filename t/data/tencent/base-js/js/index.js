/* stand-in of base-js/js/index.js: the join button, as the demo wires it
 * (presetting.login, then an RtcClient that joins); the outcome goes to
 * #status for the test */
const presetting = new Presetting();
let rtc = null;

document.getElementById('login-btn').addEventListener('click', function () {
  presetting.login(false, async function (options) {
    rtc = new RtcClient(options);
    try {
      await rtc.join();
      document.getElementById('status').textContent = 'joined';
    } catch (e) {
      document.getElementById('status').textContent = 'failed: ' + e.message;
    }
  });
});
