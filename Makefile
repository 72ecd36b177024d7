# goretain — build, test and demo.
#
#   make            build build/goretain
#   make demo       build everything, make a core of the bundled leaky program, analyse it
#   make check      install what is missing, build with -Werror, unit + integration
#                   tests, then the same suite under ASan+UBSan
#   make unit       cmocka unit tests only (current BUILD)
#   make cores      (re)generate the corpora core cache
#   make pprof-tool build pprof from a Go toolchain's source (for the tests)
#   make bench      scale cores (64 MB to 2 GB heaps, 100k goroutines; cached)
#                   and the timing table of docs/PERFORMANCE.md
#   make bench-smoke one run on the 64 MB core (part of make check)
#
# Variables: BUILD=dir (default build), SANITIZE=address,undefined,
#            GR_CACHE=dir for corpora cores (default $HOME/.cache/goretain),
#            BENCH_ARGS=... for scripts/bench.py (e.g. --runs 1 --remeasure).

.DELETE_ON_ERROR:
.SUFFIXES:
# Keep the test objects between `make tests` and `make unit`.
.SECONDARY:

CC       ?= cc
BUILD    ?= build
SANITIZE ?=
GR_CACHE ?= $(HOME)/.cache/goretain

WARN   := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
          -Wformat=2 -Wvla -Wno-format-nonliteral -fno-common
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
              -I. -Iforensics -Ilayouts -Ireport -Icli -Itests/support -I/usr/include/libdwarf \
              -include forensics/banned.h -MMD -MP
ifneq ($(WERROR),)
ALL_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif
LIBS := -ldwarf -lelf -lzstd -lz -lxxhash -lm -pthread

LIB_SRC := $(sort $(wildcard forensics/*.c layouts/*.c report/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_SUPPORT_SRC := $(sort $(wildcard tests/support/*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/goretain

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libgoretain.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/goretain: $(CLI_OBJ) $(BUILD)/libgoretain.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libgoretain.a $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJ) $(BUILD)/libgoretain.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJ) $(BUILD)/libgoretain.a $(LIBS) -lcmocka

# The corruption suite's case generator (tests/integration/hostile.sh).
$(BUILD)/tests/gr-corrupt: $(BUILD)/obj/tests/tools/corrupt.o $(BUILD)/libgoretain.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libgoretain.a $(LIBS)

# The layout pack maker (scripts/make-packs.sh, layouts/packs.h).
$(BUILD)/tests/gr-mkpack: $(BUILD)/obj/tests/tools/mkpack.o $(BUILD)/libgoretain.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libgoretain.a $(LIBS)

tests: $(TEST_BIN) $(BUILD)/tests/gr-corrupt $(BUILD)/tests/gr-mkpack

unit: $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; $$t; done

# The integration suite runs the built binary over every cached core.
integration: $(BUILD)/goretain $(BUILD)/tests/test_html $(BUILD)/tests/gr-corrupt
	GORETAIN=$(BUILD)/goretain GR_CACHE=$(GR_CACHE) tests/integration/run.sh
	GORETAIN=$(BUILD)/goretain GR_CACHE=$(GR_CACHE) GR_HTML_RENDER=$(BUILD)/tests/test_html \
		tests/integration/html.sh $(BUILD)/html-test
	GORETAIN=$(BUILD)/goretain GR_CACHE=$(GR_CACHE) tests/integration/batch.sh
	GORETAIN=$(BUILD)/goretain GR_CORRUPT=$(BUILD)/tests/gr-corrupt \
		GR_CACHE=$(GR_CACHE) tests/integration/hostile.sh
	GORETAIN=$(BUILD)/goretain GR_CACHE=$(GR_CACHE) tests/integration/slim.sh
	GORETAIN=$(BUILD)/goretain GR_CACHE=$(GR_CACHE) GR_PPROF=$(GR_CACHE)/tools/pprof \
		tests/integration/pprof.sh

# The benchmark (docs/PERFORMANCE.md): measures, never fails on slowness.
BENCH_SMOKE_GO ?= 1.26
bench-cores:
	GR_CACHE=$(GR_CACHE) scripts/make-bench-cores.sh

bench: $(BUILD)/goretain bench-cores
	GORETAIN=$(BUILD)/goretain GR_CACHE=$(GR_CACHE) scripts/bench.py $(BENCH_ARGS)

bench-smoke: $(BUILD)/goretain
	GR_CACHE=$(GR_CACHE) GR_BENCH_GO=$(BENCH_SMOKE_GO) GR_BENCH_VARIANTS=heap-64m \
		scripts/make-bench-cores.sh
	GORETAIN=$(BUILD)/goretain GR_CACHE=$(GR_CACHE) scripts/bench.py --smoke \
		--go $(BENCH_SMOKE_GO) --variants heap-64m

deps:
	scripts/install-deps.sh

go-toolchains:
	scripts/install-go.sh

cores: $(BUILD)/goretain
	GR_CACHE=$(GR_CACHE) scripts/make-cores.sh

# The real pprof (Debian's Go packages lack it), built from a toolchain's
# own source and cached; the integration suite opens our profiles with it.
pprof-tool:
	GR_CACHE=$(GR_CACHE) scripts/build-pprof.sh >/dev/null

demo:
	scripts/install-deps.sh
	scripts/install-go.sh --newest
	$(MAKE) all
	GORETAIN=$(BUILD)/goretain scripts/demo.sh

# check: everything a fresh Debian machine needs, then every test, plain and
# under ASan+UBSan.  Each stage is its own make invocation so a failure stops
# the run with the stage named.
check:
	scripts/install-deps.sh
	scripts/install-go.sh
	$(MAKE) WERROR=1 all tests
	$(MAKE) WERROR=1 cores
	$(MAKE) pprof-tool
	$(MAKE) WERROR=1 unit
	$(MAKE) WERROR=1 integration
	$(MAKE) WERROR=1 bench-smoke
	$(MAKE) WERROR=1 BUILD=build-san SANITIZE=address,undefined all tests
	ASAN_OPTIONS=detect_leaks=1 $(MAKE) WERROR=1 BUILD=build-san SANITIZE=address,undefined unit
	ASAN_OPTIONS=detect_leaks=1 GR_IT_LIGHT=1 $(MAKE) WERROR=1 BUILD=build-san SANITIZE=address,undefined integration
	@echo "make check: all passed"

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) $(wildcard */*.h tests/*/*.h)

clean:
	rm -rf build build-san build-fuzz

.PHONY: all tests unit integration deps go-toolchains cores pprof-tool demo check format clean \
	bench bench-cores bench-smoke

include tests/fuzz/fuzz.mk
include report/html/html.mk
include layouts/packs/packs.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
