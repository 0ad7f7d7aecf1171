# Tencent's demo folders (README.md, "Tencent's demo folders"), sourced
# by run.sh inside the namespaces (no network): the configuration is the
# README's own recipe (t/lib/TrtcRecipe.pm takes its blocks, with this
# run's paths, port and stand-in upstream), the folders are the
# stand-ins of t/data/tencent/ with this run's key pasted into v4's
# signing file (the story's step 3.2.2), and standin.js takes the place
# of Tencent's signaling and log hosts.  TRTC_RECIPE_DROP="= URI;/prefix/"
# leaves those locations out of the recipe: the suite must then fail.
#
# The real SDK v5 must be in html/vendor/ already (make vendor).

# shellcheck source=t/browser/standin.sh
. "$here/standin.sh"

need_sdk tencent.setup.sh

cp -r "$repo/t/data/tencent" "$work/folders"
key=$(cat "$work/trtc.key")
sed -i "s|PASTE-THE-SECRET-KEY-HERE|$key|" \
    "$work/folders/base-js/js/debug/GenerateTestUserSig.js"
grep -q "$key" "$work/folders/base-js/js/debug/GenerateTestUserSig.js"
chmod -R a+rX "$work/folders"

start_standin

conf=$work/tencent.conf
{
    echo 'load_module @MODULE@;'
    echo 'worker_processes 2;'
    echo 'pid @RUN@/nginx.pid;'
    echo 'error_log @RUN@/error.log info;'
    echo 'events { worker_connections 1024; }'
    echo 'http {'
    echo '    client_body_temp_path @RUN@/client_body_temp;'
    echo '    proxy_temp_path @RUN@/proxy_temp;'
    echo '    fastcgi_temp_path @RUN@/fastcgi_temp;'
    echo '    uwsgi_temp_path @RUN@/uwsgi_temp;'
    echo '    scgi_temp_path @RUN@/scgi_temp;'
    TRTC_RECIPE_PORT=$port perl -I "$repo/t/lib" -MTrtcRecipe=tencent_http -e '
        print tencent_http(port => $ENV{TRTC_RECIPE_PORT},
            key => "$ENV{TRTC_WORK}/trtc.key",
            access_log => "$ENV{TRTC_WORK}/access.log",
            upstream => "http://127.0.0.1:$ARGV[0]",
            repo => $ARGV[1], html => "$ENV{TRTC_WORK}/html",
            base_js => "$ENV{TRTC_WORK}/folders/base-js",
            quick_demo_js => "$ENV{TRTC_WORK}/folders/quick-demo-js",
            drop => $ENV{TRTC_RECIPE_DROP});
    ' "$standin_port" "$repo"
    echo '}'
} > "$conf"

export TRTC_ACCESS_LOG=$work/access.log TRTC_ERROR_LOG=$work/error.log
export TRTC_REF=$repo/t/ref/ref.js
