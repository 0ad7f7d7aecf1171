# Included by the Makefile: fuzzing of the token core, the t/ suite with
# the module built with AddressSanitizer and UBSan, and under valgrind.
# The targets are described in the Makefile's header.

# -- libFuzzer targets over the token core (t/fuzz/) -----------------------

FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_OPTS    ?=
FUZZ_TARGETS := verify json userbuf
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_CFLAGS  := -std=c99 -D_POSIX_C_SOURCE=200809L -g -O1 \
                -fno-omit-frame-pointer -Wall -Wextra -Werror \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -Ingx_trtc_module -It/fuzz

# the longest input tried: tokens end at 2048 bytes, JSON at 1024
FUZZ_MAXLEN_verify  := 4096
FUZZ_MAXLEN_json    := 1280
FUZZ_MAXLEN_userbuf := 1280

# verify's mutator works on the JSON inside the token (fuzz_verify.c)
FUZZ_DICT_verify  := t/fuzz/json.dict
FUZZ_DICT_json    := t/fuzz/json.dict
FUZZ_DICT_userbuf := t/fuzz/userbuf.dict

.PHONY: fuzz fuzz-ci fuzz-build fuzz-replay asan-module test-asan \
        test-valgrind

$(FUZZ_DIR)/fuzz_%: t/fuzz/fuzz_%.c t/fuzz/fuzz_common.c t/fuzz/fuzz.h \
                    $(CORE_SRC) $(CORE_HDR) t/hardening.mk
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: no $(FUZZ_CC);" \
	    "apt-get install clang-14 libclang-rt-14-dev" >&2; exit 1; }
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< t/fuzz/fuzz_common.c $(CORE_SRC) \
	    $(CORE_LIBS)

fuzz-build: $(FUZZ_BINS)

# each seed and each regression input, once, through every target
fuzz-replay: $(FUZZ_BINS)
	@inputs=$$(find t/fuzz/corpus t/fuzz/regressions -type f \
	               ! -name '*.md' | sort); \
	for t in $(FUZZ_TARGETS); do \
	    log=$(FUZZ_DIR)/replay-$$t.log; \
	    if ! $(FUZZ_DIR)/fuzz_$$t $$inputs > $$log 2>&1; then \
	        tail -n 60 $$log; \
	        echo "fuzz-replay: $$t fails on a committed input ($$log)"; \
	        exit 1; \
	    fi; \
	    echo "fuzz-replay: $$t: $$(grep -c '^Executed' $$log) inputs, ok"; \
	done

# new inputs go to build/fuzz/<target>/corpus (the first directory,
# the only one libFuzzer writes to); t/fuzz/corpus/<target> is only read
fuzz-run-%: fuzz-replay
	@mkdir -p $(FUZZ_DIR)/$*/corpus
	@echo "fuzz: $* for $(FUZZ_SECONDS) s, log in $(FUZZ_DIR)/$*/fuzz.log"
	@nice -n 10 $(FUZZ_DIR)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$(FUZZ_MAXLEN_$*) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 \
	    -dict=$(FUZZ_DICT_$*) \
	    -artifact_prefix=$(ABUILD)/fuzz/$*/ $(FUZZ_OPTS) \
	    $(FUZZ_DIR)/$*/corpus t/fuzz/corpus/$* \
	    > $(FUZZ_DIR)/$*/fuzz.log 2>&1; \
	rc=$$?; \
	grep -E -e '^#[0-9]+[[:space:]]+(INITED|DONE)' \
	    -e '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
	    $(FUZZ_DIR)/$*/fuzz.log | sed 's/^/  /'; \
	if [ $$rc != 0 ]; then \
	    grep -E -A 40 '^==[0-9]+==|invariant broken|runtime error|^SUMMARY' \
	        $(FUZZ_DIR)/$*/fuzz.log | head -n 80; \
	    echo "fuzz: $* failed (exit $$rc): the input is in" \
	         "$(FUZZ_DIR)/$*/ (crash-*, leak-*, timeout-*, oom-*);" \
	         "keep it in t/fuzz/regressions/"; \
	    exit 1; \
	fi

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-ci: FUZZ_SECONDS = 10
fuzz-ci: fuzz

# -- the module with AddressSanitizer and UBSan, t/ under it ---------------

ASAN_BUILD  := $(BUILD)/asan
AASAN_BUILD := $(abspath $(ASAN_BUILD))
ASAN_MODULE := $(ASAN_BUILD)/ngx_http_trtc_module.so
ASAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1

$(ASAN_BUILD)/nginx/Makefile: config
	mkdir -p $(ASAN_BUILD)
	cd $(NGINX_SRC) && . ./conf_flags && ./configure \
	    --with-cc-opt="$$(dpkg-buildflags --get CFLAGS) -fPIC $(ASAN_FLAGS)" \
	    --with-ld-opt="$$(dpkg-buildflags --get LDFLAGS) -fPIC $(ASAN_FLAGS)" \
	    "$${NGX_CONF_FLAGS[@]}" \
	    --add-dynamic-module=$(CURDIR) --builddir=$(AASAN_BUILD)/nginx \
	    > $(AASAN_BUILD)/configure.log

$(ASAN_MODULE): $(ASAN_BUILD)/nginx/Makefile $(MOD_SRC)
	$(MAKE) -f $(AASAN_BUILD)/nginx/Makefile -C $(NGINX_SRC) modules
	cp $(ASAN_BUILD)/nginx/ngx_http_trtc_module.so $@.tmp
	mv -f $@.tmp $@

asan-module: $(ASAN_MODULE)

# dlclose() that does nothing, preloaded: see t/preload/no_dlclose.c
NO_DLCLOSE := $(BUILD)/no_dlclose.so

$(NO_DLCLOSE): t/preload/no_dlclose.c
	@mkdir -p $(BUILD)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -Werror -o $@ $<

# every t/*.t but the soak test: its "memory flat" check samples the RSS
# of old and new workers across reloads, and an ASan worker is tens of MB
# of shadow memory and quarantine, so the band means nothing there (all
# its other checks pass under ASan: make test-asan ASAN_TESTS=t/soak.t);
# nor t/demo.t and t/scale.t, which run conf/demo.sh and t/scale/run.sh:
# the packaged nginx as it is, nothing preloaded
ASAN_TESTS   ?= $(filter-out t/soak.t t/demo.t t/scale.t t/browser%.t,\
                             $(wildcard t/*.t))

# the browser tests run their own nginx (t/browser/run.sh), which fails on
# any LeakSanitizer line, and nginx leaks a little of its own at exit
# (a PCRE2 context of each regex location, 72 bytes): they run with leak
# detection off; ASan and UBSan errors still reach their error log check.
# Not the room's own suites (room, meeting): they test the pages, and
# what they ask of the module (issue, page, signaling, stamping) is what
# browser.t asks already
ASAN_BROWSER_TESTS ?= $(filter-out t/browser-room.t t/browser-meeting.t,\
                                   $(wildcard t/browser*.t))
ASAN_RUNTIME  = $(shell $(CC) -print-file-name=libasan.so)

# reports to files (the harness adds log_path); leaks are looked for at
# each process's exit, with full stacks so that the harness can tell the
# module's leaks from nginx's own
ASAN_RUN_OPTIONS  := detect_leaks=1:fast_unwind_on_malloc=0
ASAN_RUN_OPTIONS  := $(ASAN_RUN_OPTIONS):malloc_context_size=30
UBSAN_RUN_OPTIONS := print_stacktrace=1

ASAN_ENV = UBSAN_OPTIONS=$(UBSAN_RUN_OPTIONS) \
           TEST_NGINX_PRELOAD=$(ASAN_RUNTIME):$(abspath $(NO_DLCLOSE)) \
           TEST_NGINX_BINARY=$(NGINX_BIN) \
           TEST_NGINX_MODULE=$(abspath $(ASAN_MODULE)) \
           TEST_NGINX_REPORTS=$(AASAN_BUILD)/reports \
           TRTC_TOOL=$(ABUILD)/trtc-tool

test-asan: $(ASAN_MODULE) $(NO_DLCLOSE) $(BUILD)/unit $(BUILD)/trtc-tool \
           t/ref/node_modules/.package-lock.json $(VENDOR_SDK)
	$(BUILD)/unit
	rm -rf $(ASAN_BUILD)/reports
	rc=0; \
	$(ASAN_ENV) ASAN_OPTIONS=$(ASAN_RUN_OPTIONS) \
	    prove -I t/lib $(ASAN_TESTS) || rc=1; \
	if [ -n "$(ASAN_BROWSER_TESTS)" ]; then \
	    $(ASAN_ENV) ASAN_OPTIONS=detect_leaks=0 \
	        prove -I t/lib $(ASAN_BROWSER_TESTS) || rc=1; \
	fi; \
	perl -I t/lib t/report_summary.pl $(ASAN_BUILD)/reports || rc=1; \
	exit $$rc

# -- t/ with nginx under valgrind ------------------------------------------

# the soak test is load, RSS and reload timing, nothing for valgrind;
# the browser tests wait on Chromium with their own timeouts, which a
# nginx ten to fifty times slower does not meet; t/demo.t and t/scale.t
# run conf/demo.sh and t/scale/run.sh, with the packaged nginx as it is
VALGRIND_TESTS ?= $(filter-out t/soak.t t/demo.t t/scale.t t/browser%.t,\
                               $(wildcard t/*.t))

test-valgrind: $(MODULE) $(NO_DLCLOSE) $(BUILD)/trtc-tool \
               t/ref/node_modules/.package-lock.json
	@command -v valgrind >/dev/null || { echo "test-valgrind: no valgrind;" \
	    "apt-get install valgrind" >&2; exit 1; }
	rm -rf $(BUILD)/valgrind/reports
	TEST_NGINX_VALGRIND=--suppressions=$(CURDIR)/t/valgrind.supp \
	TEST_NGINX_PRELOAD=$(abspath $(NO_DLCLOSE)) \
	TEST_NGINX_BINARY=$(NGINX_BIN) TEST_NGINX_MODULE=$(abspath $(MODULE)) \
	TEST_NGINX_REPORTS=$(ABUILD)/valgrind/reports \
	TRTC_TOOL=$(ABUILD)/trtc-tool prove -I t/lib $(VALGRIND_TESTS); \
	rc=$$?; perl -I t/lib t/report_summary.pl $(BUILD)/valgrind/reports \
	    || rc=1; exit $$rc
