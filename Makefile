# ngx_trtc_module: build against Debian's nginx-dev, test, and check.
#
#   make            the dynamic module, build/ngx_http_trtc_module.so
#   make deps       install what building and testing need (root, apt/npm)
#   make test       C unit tests of the token core, then t/*.t under prove
#   make static     nginx 1.22.1 from Debian's source with the module built
#                   in, and the t/ suite run against that binary
#   make soak       the soak test for SOAK_SECONDS (default 60): wrk with
#                   valid and invalid tokens through reloads and key
#                   rotation (t/soak.t runs 15 s of it in make test)
#   make check      deps, test and static: what CI runs

SHELL := /bin/bash

NGINX_SRC ?= /usr/share/nginx/src
NGINX_BIN ?= /usr/sbin/nginx
BUILD     ?= build
ABUILD    := $(abspath $(BUILD))
CC        ?= cc

MODULE    := $(BUILD)/ngx_http_trtc_module.so
CORE_SRC  := ngx_trtc_module/trtc_token.c
CORE_HDR  := ngx_trtc_module/trtc_token.h
MOD_SRC   := $(wildcard ngx_trtc_module/ngx_http_trtc_*.[ch]) $(CORE_SRC) \
             $(CORE_HDR)

CORE_LIBS := -lcrypto -lz -lcjson
UNIT_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra -Werror \
               -fsanitize=address,undefined -fno-sanitize-recover=all \
               -Ingx_trtc_module

.PHONY: all deps test unit prove static soak check clean

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
	cp $(BUILD)/nginx/ngx_http_trtc_module.so $@

$(BUILD)/unit: t/unit/test_token.c $(CORE_SRC) $(CORE_HDR)
	mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -o $@ t/unit/test_token.c $(CORE_SRC) $(CORE_LIBS)

$(BUILD)/trtc-tool: t/tool/trtc_tool.c $(CORE_SRC) $(CORE_HDR)
	mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -o $@ t/tool/trtc_tool.c $(CORE_SRC) $(CORE_LIBS)

t/ref/node_modules/.package-lock.json: t/ref/package.json t/ref/package-lock.json
	cd t/ref && npm ci --no-audit --no-fund --loglevel=error

deps:
	bash t/deps.sh

unit: $(BUILD)/unit
	$(BUILD)/unit

prove: $(MODULE) $(BUILD)/trtc-tool t/ref/node_modules/.package-lock.json
	TEST_NGINX_BINARY=$(NGINX_BIN) TEST_NGINX_MODULE=$(abspath $(MODULE)) \
	TRTC_TOOL=$(ABUILD)/trtc-tool prove -I t/lib t/

test: unit prove

static: $(BUILD)/trtc-tool t/ref/node_modules/.package-lock.json
	bash t/static.sh $(CURDIR) $(ABUILD)/static
	TEST_NGINX_BINARY=$(ABUILD)/static/nginx TEST_NGINX_MODULE= \
	TRTC_TOOL=$(ABUILD)/trtc-tool prove -I t/lib t/

soak: $(MODULE)
	SOAK_SECONDS=$${SOAK_SECONDS:-60} TEST_NGINX_MODULE=$(abspath $(MODULE)) \
	prove -v -I t/lib t/soak.t

check: deps test static

clean:
	rm -rf $(BUILD)
