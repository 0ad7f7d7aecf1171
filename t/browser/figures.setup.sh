# Sourced by run.sh (suite "figures", make figures) inside the
# namespaces: the SFU suite's set-up (Janus on 127.0.0.2, nginx with
# conf/trtc-sfu.conf at TRTC_BASE), and a second nginx with the mesh
# configuration (conf/trtc-demo.conf) on another port, TRTC_BASE_MESH,
# with its own run directory and the same key, module and pages, so
# that one run measures both media paths on the same machine.

# shellcheck source=t/browser/sfu.setup.sh
. "$here/sfu.setup.sh"

mesh=$work/mesh
mkdir -p "$mesh/http.d"
chmod 711 "$mesh"
cp "$work/trtc.key" "$mesh/trtc.key"
mesh_port=$(free_port)
while [ "$mesh_port" = "$port" ]; do
    mesh_port=$(free_port)
done

sed -e "s|@MODULE@|$work/module.so|" -e "s|@NCHAN@|$work/nchan.so|" \
    -e "s|@RUN@|$mesh|g" \
    -e "s|@PORT@|$mesh_port|" -e "s|@HTML@|$work/html|" \
    "$repo/conf/trtc-demo.conf" > "$mesh/nginx.conf"
"${nginx[@]}" -p "$mesh/" -c "$mesh/nginx.conf" -e "$mesh/error.log"

export TRTC_BASE_MESH=http://127.0.0.1:$mesh_port
