# Sourced by run.sh (suite "renew") inside the namespaces, before nginx
# starts: the demo's configuration with 20 s tokens, so that a call of
# a minute and a half lives through several renewals.

extra_sed+=(-e 's|trtc_issue_expire 2h;|trtc_issue_expire 20s;|')
export TRTC_RENEW_MEDIA=mesh
