# Sourced by run.sh (suite "renew-sfu"): the SFU mode as sfu.setup.sh
# sets it up (Janus, conf/trtc-sfu.conf), with 20 s tokens.

# shellcheck source=/dev/null
. "$here/sfu.setup.sh"
extra_sed+=(-e 's|trtc_issue_expire 2h;|trtc_issue_expire 20s;|')
export TRTC_RENEW_MEDIA=sfu
