/* stand-in of quick-demo-js/js/index.js: the page's parameters from its
 * inputs, the synchronous signing with the typed-in key, enterRoom with
 * the v5 signature, and the invite link with a UserSig in it; the
 * outcome goes to #status for the test */
document.getElementById('sdkAppId').value = getQueryString('sdkAppId');
document.getElementById('sdkSecretKey').value = getQueryString('sdkSecretKey');
document.getElementById('userId').value = getQueryString('userId') || Math.floor(Math.random() * 1000000);
document.getElementById('roomId').value = getQueryString('roomId') || Math.floor(Math.random() * 1000);
const state = { url:window.location.href.split("?")[0] };
window.history.pushState(state,'', 'index.html');

let sdkAppId;
let sdkSecretKey;
let roomId;
let userId;
let trtc = TRTC.create();

function initParams() {
	sdkAppId = parseInt(document.getElementById('sdkAppId').value);
	sdkSecretKey = document.getElementById('sdkSecretKey').value;
	roomId = parseInt(document.getElementById('roomId').value);
	userId = document.getElementById('userId').value;
	if (!(sdkAppId && sdkSecretKey && roomId && userId)) {
		throw new Error('Please enter the correct SDKAppId, SDKSecretKey, userId, roomId');
	}
}

async function enterRoom() {
	const status = document.getElementById('status');
	try {
		initParams();
		const { userSig } = genTestUserSig({ sdkAppId, userId, sdkSecretKey });
		document.getElementById('invite').style.display = 'flex';
		status.textContent = 'entering';
		await trtc.enterRoom({ roomId, sdkAppId, userId, userSig })
		status.textContent = 'entered';
	} catch (error) {
		status.textContent = 'failed: ' + error.message;
	}
}

function createShareLink() {
	const userId = String(Math.floor(Math.random() * 1000000));
	const { userSig } = genTestUserSig({ sdkAppId, userId, sdkSecretKey });
	const { origin } = window.location;
	const pathname = window.location.pathname.replace('index.html', 'invite/invite.html');
	return `${origin}${pathname}?userSig=${userSig}&&SDKAppId=${sdkAppId}&&userId=${userId}&&roomId=${roomId}`;
}

document.getElementById('enter').addEventListener('click', enterRoom, false);
document.getElementById('inviteBtn').addEventListener('click', function () {
	document.getElementById('inviteUrl').value = createShareLink();
}, false);
