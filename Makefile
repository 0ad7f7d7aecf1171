# ngx_trtc_module: build against Debian's nginx-dev, test, and check.
#
#   make            the dynamic module, build/ngx_http_trtc_module.so
#   make deps       install what building and testing need (root, apt/npm)
#   make vendor     the TRTC Web SDK (npm, pinned in vendor/) copied into
#                   html/vendor/ for the TRTC Cloud mode (make test needs it)
#   make test       C unit tests of the token core, then t/*.t under prove
#   make static     nginx 1.22.1 from Debian's source with the module built
#                   in, and the t/ suite run against that binary
#
# Other nginx lines (t/nginx.sh builds them; README.md "Tested nginx
# versions"): the module built in (static) or as a dynamic module with
# nginx of the same source (dynamic, nchan built alongside for the tests
# of the room signaling), then the t/ suite against that nginx; builds
# under build/nginx-VERSION/, redone only when the module changed:
#
#   make static-1.26, make dynamic-1.26
#                   nginx 1.26.3, stable, Debian trixie's source
#   make static-mainline, make dynamic-mainline
#                   nginx 1.31.4, mainline, from NGINX_MAINLINE_TARBALL
#                   (default /work/shared/upstream/nginx-1.31.4.tar.gz)
#   make stable     both builds of 1.26.3; make mainline: both of 1.31.4
#   make nginx NGINX_VERSION=V NGINX_LINK=static|dynamic [NGINX_TARBALL=T]
#                   any version: Debian's source of V (bookworm, trixie),
#                   or the upstream tarball T
#   make soak       the soak test for SOAK_SECONDS (default 60): wrk with
#                   valid and invalid tokens through reloads and key
#                   rotation (t/soak.t runs 15 s of it in make test)
#   make scale      the demo's signaling under SCALE_N WebSocket subscribers
#                   (default 5000, rooms of 10): memory per connection and
#                   fan-out latency, measured by build/scale-client (C)
#   make scale-redis
#                   the same over two nginx servers sharing signaling
#                   through Redis (redis-server on 127.0.0.1): each room
#                   on both, fan-out on the same and the other server
#   make nchan      nchan 1.3.7 (Debian trixie's source, its .orig tarball
#                   through a private apt) built against the packaged
#                   nginx, build/nchan-1.3.7/ngx_nchan_module.so; built
#                   once, logs beside it (t/nchan/build.sh): to measure
#   make nchan-graceful
#                   stops of the demo's nginx with WebSockets open and
#                   messages in flight, GRACEFUL_ROUNDS (default 20) with
#                   SIGQUIT and as many with SIGTERM, for the packaged
#                   nchan 1.3.6 and 1.3.7: crashed workers, alerts, hangs
#                   (t/nchan/graceful.pl); reports, never fails
#   make check      deps, test and static: what CI runs
#   make deb        the Debian package libnginx-mod-http-trtc (debian/,
#                   as Debian packages its own nginx modules), built by
#                   dpkg-buildpackage in build/deb/ from the working
#                   tree's files but the git-ignored ones, then checked by
#                   lintian (an error fails); the .deb is copied to build/
#   make test-deb   make deb, then t/deb.t (root): installs the .deb with
#                   apt, nginx -t through /etc/nginx/modules-enabled/, t/*.t
#                   but the browser ones, soak.t and demo.t against the
#                   installed module, then purges it
#   make bench      nginx with the module under wrk, and the token core
#                   against the reference package (reports, never fails
#                   on speed)
#
# Hardening (rules in t/hardening.mk; clang-14, libclang-rt-14-dev and
# valgrind from apt):
#
#   make fuzz       each libFuzzer target of t/fuzz/ (verify: a token
#                   through trtc_verify and both base64 variants; json: the
#                   JSON inside a token, deflated and encoded here; userbuf:
#                   the userbuf, room, privilege and key file parsers) for
#                   FUZZ_SECONDS (default 60) with ASan and UBSan, seeded
#                   from t/fuzz/corpus/<target> (only read); new inputs in
#                   build/fuzz/<target>/corpus, a crash, leak or broken
#                   invariant fails and leaves its input in
#                   build/fuzz/<target>/ (keep it in t/fuzz/regressions/);
#                   FUZZ_OPTS adds libFuzzer flags
#   make fuzz-ci    the same, 10 s per target: what CI calls
#   make fuzz-replay
#                   only the committed inputs, t/fuzz/corpus and every
#                   file of t/fuzz/regressions, once through every target
#                   (fuzz and fuzz-ci start with it)
#   make test-asan  the module built with -fsanitize=address,undefined
#                   (build/asan/, same nginx-dev configure as make), the
#                   unit tests, then t/*.t but soak.t against the packaged
#                   nginx with libasan preloaded; any ASan or UBSan report,
#                   or a leak with a frame of the module, fails
#                   (ASAN_TESTS picks the files); the browser tests last,
#                   with leak detection off (ASAN_BROWSER_TESTS)
#   make test-valgrind
#                   t/*.t but soak.t and the browser tests, nginx (master
#                   and workers) under valgrind's memcheck with the module
#                   of make; any memcheck error, or a definite leak with a
#                   frame of the module, fails (VALGRIND_TESTS picks the
#                   files); both end with a summary of the reports

SHELL := /bin/bash

NGINX_SRC ?= /usr/share/nginx/src
NGINX_BIN ?= /usr/sbin/nginx
BUILD     ?= build
ABUILD    := $(abspath $(BUILD))
CC        ?= cc

MODULE    := $(BUILD)/ngx_http_trtc_module.so
CORE_SRC  := $(addprefix ngx_trtc_module/, trtc_token.c trtc_key.c \
               trtc_json.c trtc_json_lex.c trtc_userbuf.c trtc_base64.c \
               trtc_cred.c trtc_sdp.c)
CORE_HDR  := $(addprefix ngx_trtc_module/, trtc_token.h trtc_token_int.h \
               trtc_cred.h trtc_sdp.h)
MOD_SRC   := $(wildcard ngx_trtc_module/ngx_http_trtc_*.[ch]) $(CORE_SRC) \
             $(CORE_HDR)

CORE_LIBS := -lcrypto -lz -lcjson
UNIT_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra -Werror \
               -fsanitize=address,undefined -fno-sanitize-recover=all \
               -Ingx_trtc_module

BENCH_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror \
                -Ingx_trtc_module

.PHONY: all deps test test-loaded unit prove static soak check bench profile \
        callgrind clean scale \
        scale-redis nchan

all: $(MODULE)

$(BUILD)/nginx/Makefile: config
	mkdir -p $(BUILD)
	cd $(NGINX_SRC) && . ./conf_flags && ./configure \
	    --with-cc-opt="$$(dpkg-buildflags --get CFLAGS) -fPIC" \
	    --with-ld-opt="$$(dpkg-buildflags --get LDFLAGS) -fPIC" \
	    "$${NGX_CONF_FLAGS[@]}" \
	    --add-dynamic-module=$(CURDIR) --builddir=$(ABUILD)/nginx \
	    > $(ABUILD)/configure.log

$(MODULE): $(BUILD)/nginx/Makefile $(MOD_SRC)
	$(MAKE) -f $(ABUILD)/nginx/Makefile -C $(NGINX_SRC) modules
	cp $(BUILD)/nginx/ngx_http_trtc_module.so $@.tmp
	mv -f $@.tmp $@     # a running nginx keeps the old file

# nchan 1.3.7 as a dynamic module of the packaged nginx (t/nchan/build.sh:
# the source through a private apt, configure with nginx-dev); built when
# missing only
NCHAN_VERSION := 1.3.7
NCHAN     := $(BUILD)/nchan-$(NCHAN_VERSION)/ngx_nchan_module.so

nchan: $(NCHAN)

$(NCHAN):
	NCHAN_VERSION=$(NCHAN_VERSION) NGINX_SRC=$(NGINX_SRC) \
	    bash t/nchan/build.sh $(ABUILD)/nchan-$(NCHAN_VERSION)

NCHAN_PACKAGED := /usr/lib/nginx/modules/ngx_nchan_module.so
GRACEFUL_ROUNDS ?= 20

.PHONY: nchan-graceful
nchan-graceful: $(MODULE) $(NCHAN)
	@for sig in QUIT TERM; do \
	    for so in $(NCHAN_PACKAGED) $(NCHAN); do \
	        perl t/nchan/graceful.pl --rounds $(GRACEFUL_ROUNDS) \
	            --signal $$sig --nchan $$so | grep -v '^ ' || true; \
	    done; \
	done

UNIT_SRC  := $(wildcard t/unit/*.c)

$(BUILD)/unit: $(UNIT_SRC) t/unit/unit.h $(CORE_SRC) $(CORE_HDR)
	mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -It/unit -o $@ $(UNIT_SRC) $(CORE_SRC) $(CORE_LIBS)

$(BUILD)/trtc-tool: t/tool/trtc_tool.c t/tool/keyfile.h $(CORE_SRC) $(CORE_HDR)
	mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -It/tool -o $@ t/tool/trtc_tool.c $(CORE_SRC) \
	    $(CORE_LIBS)

$(BUILD)/token-bench: t/bench/token_bench.c t/tool/keyfile.h $(CORE_SRC) \
                      $(CORE_HDR)
	mkdir -p $(BUILD)
	$(CC) $(BENCH_CFLAGS) -It/tool -o $@ t/bench/token_bench.c $(CORE_SRC) \
	    $(CORE_LIBS)

SCALE_SRC := t/scale/scale_client.c t/scale/scale_wire.c

$(BUILD)/scale-client: $(SCALE_SRC) t/scale/scale_client.h
	mkdir -p $(BUILD)
	$(CC) $(BENCH_CFLAGS) -o $@ $(SCALE_SRC)

t/ref/node_modules/.package-lock.json: t/ref/package.json t/ref/package-lock.json
	cd t/ref && npm ci --no-audit --no-fund --loglevel=error

# the browser code the pages serve, pinned by vendor/package-lock.json and
# installed from the npm registry, never committed: the TRTC Web SDK of
# the TRTC Cloud mode, copied into html/vendor/ (git-ignored)
VENDOR_SDK := html/vendor/trtc-sdk-v5/trtc.js

.PHONY: vendor
vendor: $(VENDOR_SDK)

vendor/node_modules/.package-lock.json: vendor/package.json vendor/package-lock.json
	cd vendor && npm ci --no-audit --no-fund --loglevel=error

$(VENDOR_SDK): vendor/node_modules/.package-lock.json
	mkdir -p $(@D)
	cp vendor/node_modules/trtc-sdk-v5/package.json $(@D)/
	cp vendor/node_modules/trtc-sdk-v5/trtc.js $@.tmp
	mv -f $@.tmp $@

deps:
	bash t/deps.sh

unit: $(BUILD)/unit
	$(BUILD)/unit

prove: $(MODULE) $(BUILD)/trtc-tool t/ref/node_modules/.package-lock.json \
       $(VENDOR_SDK)
	TEST_NGINX_BINARY=$(NGINX_BIN) TEST_NGINX_MODULE=$(abspath $(MODULE)) \
	TRTC_TOOL=$(ABUILD)/trtc-tool prove -I t/lib t/

test: unit prove

# the README's test command while stress-ng keeps the CPUs busy, three
# runs in a row (knobs in t/loaded.sh)
test-loaded:
	bash t/loaded.sh

NGINX_STABLE   := 1.26.3
NGINX_MAINLINE := 1.31.4
NGINX_MAINLINE_TARBALL ?= /work/shared/upstream/nginx-$(NGINX_MAINLINE).tar.gz

# make nginx: one version, one way of linking the module
NGINX_VERSION ?= 1.22.1
NGINX_LINK    ?= static
NGINX_TARBALL ?=
NGINX_OUT      = $(ABUILD)/nginx-$(NGINX_VERSION)/$(NGINX_LINK)

.PHONY: nginx static-1.26 dynamic-1.26 stable static-mainline \
        dynamic-mainline mainline mainline-tarball

nginx: $(BUILD)/trtc-tool t/ref/node_modules/.package-lock.json
	NGINX_TARBALL=$(NGINX_TARBALL) bash t/nginx.sh $(CURDIR) \
	    $(ABUILD)/nginx-$(NGINX_VERSION) $(NGINX_VERSION) $(NGINX_LINK)
	TEST_NGINX_BINARY=$(NGINX_OUT)/nginx \
	TEST_NGINX_MODULE=$(if $(filter dynamic,$(NGINX_LINK)),$(NGINX_OUT)/ngx_http_trtc_module.so) \
	TEST_NGINX_NCHAN=$(if $(filter dynamic,$(NGINX_LINK)),$(NGINX_OUT)/ngx_nchan_module.so) \
	TRTC_TOOL=$(ABUILD)/trtc-tool prove -I t/lib t/

static:
	$(MAKE) --no-print-directory nginx NGINX_VERSION=1.22.1 NGINX_LINK=static

static-1.26 dynamic-1.26:
	$(MAKE) --no-print-directory nginx NGINX_VERSION=$(NGINX_STABLE) \
	    NGINX_LINK=$(@:-1.26=)

# one after the other, even under -j: both builds share one source
stable:
	$(MAKE) --no-print-directory static-1.26
	$(MAKE) --no-print-directory dynamic-1.26

static-mainline dynamic-mainline: mainline-tarball
	$(MAKE) --no-print-directory nginx NGINX_VERSION=$(NGINX_MAINLINE) \
	    NGINX_LINK=$(@:-mainline=) NGINX_TARBALL=$(NGINX_MAINLINE_TARBALL)

mainline:
	$(MAKE) --no-print-directory static-mainline
	$(MAKE) --no-print-directory dynamic-mainline

mainline-tarball:
	@test -f $(NGINX_MAINLINE_TARBALL) || { echo "no nginx \
	$(NGINX_MAINLINE) source at $(NGINX_MAINLINE_TARBALL): set \
	NGINX_MAINLINE_TARBALL to nginx's tarball (a git archive of \
	release-$(NGINX_MAINLINE))" >&2; exit 1; }

soak: $(MODULE)
	SOAK_SECONDS=$${SOAK_SECONDS:-60} TEST_NGINX_MODULE=$(abspath $(MODULE)) \
	prove -v -I t/lib t/soak.t

scale: $(MODULE) $(BUILD)/scale-client
	bash t/scale/run.sh $${SCALE_N:-5000} 10 2000

scale-redis: $(MODULE) $(BUILD)/scale-client
	SCALE_REDIS=1 bash t/scale/run.sh $${SCALE_N:-5000} 10 2000

# mesh against SFU: upstream and CPU per client at 2, 4 and 6 people
# (README.md "Large rooms: an SFU"); FIGURES_SIZES="2 4" for others
.PHONY: figures
figures: $(MODULE)
	bash t/browser/run.sh figures

check: deps test static

bench: $(MODULE) $(BUILD)/trtc-tool $(BUILD)/token-bench \
       t/ref/node_modules/.package-lock.json
	BUILD=$(ABUILD) NGINX_BIN=$(NGINX_BIN) MODULE=$(abspath $(MODULE)) \
	bash t/bench/bench.sh

# where the uncached gate's time goes: perf's shares of the workers' time
profile: $(MODULE) $(BUILD)/trtc-tool
	NGINX_BIN=$(NGINX_BIN) bash t/bench/profile.sh $(abspath $(MODULE))

# the same, counted: callgrind's instructions a request of a case
# (CALLGRIND_CASES="d e f", default d)
callgrind: $(MODULE) $(BUILD)/trtc-tool
	NGINX_BIN=$(NGINX_BIN) bash t/bench/callgrind.sh $(abspath $(MODULE))

# the Debian package: a copy of the working tree's files that git tracks
# or would (not those .gitignore names: build/, node_modules/, ...), as
# they are, built in build/deb/src with the output beside it; its version
# is debian/changelog's
DEB_PKG := libnginx-mod-http-trtc
DEB_DIR := $(BUILD)/deb

.PHONY: deb test-deb
deb:
	rm -rf $(DEB_DIR) $(BUILD)/$(DEB_PKG)_*.deb
	mkdir -p $(DEB_DIR)/src
	git ls-files -z --cached --others --exclude-standard | \
	    tar -c --null -T - --ignore-failed-read | tar -x -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b > ../build.log 2>&1 \
	    || { tail -n 40 ../build.log; exit 1; }
	lintian --fail-on error $(DEB_DIR)/$(DEB_PKG)_*.changes
	cp $(DEB_DIR)/$(DEB_PKG)_*.deb $(BUILD)/
	@ls $(BUILD)/$(DEB_PKG)_*.deb

# t/deb.t installs it (root): what the suite it runs needs is built first
test-deb: deb $(BUILD)/trtc-tool t/ref/node_modules/.package-lock.json \
          $(VENDOR_SDK)
	TRTC_DEB=$$(ls $(ABUILD)/$(DEB_PKG)_*.deb) TRTC_TOOL=$(ABUILD)/trtc-tool \
	prove -v -I t/lib t/deb.t

include t/hardening.mk

clean:
	rm -rf $(BUILD)
