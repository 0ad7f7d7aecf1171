#!/bin/bash
# Prints the path of the nchan module that the demo (conf/demo.sh), the
# browser suites and make scale load into the shipped configurations'
# @NCHAN@: NCHAN_MODULE when set, else the packaged one
# (/usr/lib/nginx/modules/ngx_nchan_module.so, libnginx-mod-nchan).
# t/lib/TrtcTest.pm's nchan_path() picks the same way.
#
#   nchan=$(bash t/nchan/path.sh)

set -eu

if [ -n "${NCHAN_MODULE:-}" ]; then
    echo "$NCHAN_MODULE"
else
    echo /usr/lib/nginx/modules/ngx_nchan_module.so
fi
