# goretain — build, test and demo.
#
#   make            build build/goretain
#   make demo       build everything, make a core of the bundled leaky program, analyse it
#   make check      install what is missing, build with -Werror, unit + integration
#                   tests, then the same under ASan+UBSan; ends with a table of
#                   its stages' wall seconds (also build/make-check.times)
#   make check-layers the include layering of forensics/STAGES (in check)
#   make check-quick the developer's loop: build, unit tests and the integration
#                   suites on the newest toolchain's cores (plain build, warm cache)
#   make unit       cmocka unit tests only (current BUILD); a skipped test fails
#   make integration every integration suite (it-run it-html it-batch it-hostile
#                   it-slim it-pprof, each also a target of its own)
#   make cores      (re)generate the corpora core cache
#   make pprof-tool build pprof from a Go toolchain's source (for the tests)
#   make bench      scale cores (64 MB to 2 GB heaps, 100k goroutines; cached)
#                   and the timing table of docs/PERFORMANCE.md
#   make bench-smoke one run on the 64 MB core (part of make check)
#
# Variables: BUILD=dir (default build), SANITIZE=address,undefined,
#            GR_CACHE=dir for corpora cores (default $HOME/.cache/goretain),
#            GR_CHECK_JOBS=N parallel jobs (default: the number of CPUs),
#            GR_IT_SUBSET=newest|san the integration suites' cores (below),
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
              -I. -I/usr/include/libdwarf \
              -include forensics/01-base/banned.h -MMD -MP
ifneq ($(WERROR),)
ALL_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif
LIBS := -ldwarf -lelf -lzstd -lz -lxxhash -lm -pthread

LIB_SRC := $(sort $(wildcard forensics/*/*.c layouts/*.c report/*.c))
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

# The command line's modules but main(), for the unit tests of its
# orchestration (batch planning, executable lookup).
$(BUILD)/libgoretain-cli.a: $(filter-out $(BUILD)/obj/cli/goretain.o,$(CLI_OBJ))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/goretain: $(CLI_OBJ) $(BUILD)/libgoretain.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libgoretain.a $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJ) $(BUILD)/libgoretain-cli.a $(BUILD)/libgoretain.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJ) $(BUILD)/libgoretain-cli.a $(BUILD)/libgoretain.a $(LIBS) -lcmocka

# The corruption suite's case generator (tests/integration/hostile.sh).
$(BUILD)/tests/gr-corrupt: $(BUILD)/obj/tests/tools/corrupt.o $(BUILD)/libgoretain.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libgoretain.a $(LIBS)

# The layout pack maker (scripts/make-packs.sh, layouts/packs.h).
$(BUILD)/tests/gr-mkpack: $(BUILD)/obj/tests/tools/mkpack.o $(BUILD)/obj/tests/tools/pack_write.o $(BUILD)/libgoretain.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libgoretain.a $(LIBS)

# Object-by-object type comparison of a stripped analysis with its DWARF
# twin (scripts/stripped-compare.py, make it-stripped).
$(BUILD)/tests/gr-typecmp: $(BUILD)/obj/tests/tools/typecmp.o $(BUILD)/libgoretain.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libgoretain.a $(LIBS)

tests: $(TEST_BIN) $(BUILD)/tests/gr-corrupt $(BUILD)/tests/gr-mkpack $(BUILD)/tests/gr-typecmp

# Test binaries GR_CHECK_JOBS at a time, output in order, skips count as
# failures (tests/run-unit.sh).
unit: $(TEST_BIN)
	@tests/run-unit.sh $(TEST_BIN)

# The integration suites run the built binary over the cached cores; each
# checks independent cores GR_CHECK_JOBS at a time, output in a stable order.
#
# GR_IT_SUBSET chooses the cores of run.sh and pprof.sh (the other suites
# use a fixed handful already):
#   (unset)  every core of every installed toolchain: the plain pass of
#            make check, so every toolchain's cores are checked;
#   newest   the newest toolchain's cores only: make check-quick;
#   san      the sanitizer pass of make check, SAN_IT_SUBSET below.
# SAN_IT_SUBSET: the oldest and the newest installed toolchain, every core
# of both: every corpus program in exe and PIE, the stripped (-s -w), cgo,
# gcore, grown and compressed variants.  ASan+UBSan look for memory and
# undefined-behaviour errors in goretain's code; which code runs depends on
# the core's shape (program, build mode, stripped or not, the oldest
# runtime's layouts and the newest's), not on the toolchain count, and the
# answers themselves are checked on every toolchain by the plain pass.  The
# middle toolchains' layouts are still exercised under the sanitizers by the
# unit tests, which run on every toolchain's cores in both passes.
# The sanitizer pass also sets GR_IT_SANITIZER=1: hostile.sh then runs every
# third corruption case (as before this subset existed) without RLIMIT_DATA,
# which ASan's shadow mapping would exceed.
SAN_IT_SUBSET := oldest and newest toolchain, every program and variant
IT_ENV = GORETAIN=$(BUILD)/goretain GR_CACHE=$(GR_CACHE)
integration: it-run it-html it-batch it-hostile it-slim it-pprof it-stripped it-servers it-arm64
it-run: $(BUILD)/goretain
	$(IT_ENV) tests/integration/run.sh
# The linux/arm64 cores qemu-user wrote (scripts/make-cores.sh), through
# the same checks against their programs' oracles.
it-arm64: $(BUILD)/goretain
	$(IT_ENV) GR_IT_CORES=$(GR_CACHE)/cores-arm64 tests/integration/run.sh
it-html: $(BUILD)/goretain $(BUILD)/tests/test_html
	$(IT_ENV) GR_HTML_RENDER=$(BUILD)/tests/test_html tests/integration/html.sh $(BUILD)/html-test
it-batch: $(BUILD)/goretain
	$(IT_ENV) tests/integration/batch.sh
it-hostile: $(BUILD)/goretain $(BUILD)/tests/gr-corrupt
	$(IT_ENV) GR_CORRUPT=$(BUILD)/tests/gr-corrupt tests/integration/hostile.sh
it-slim: $(BUILD)/goretain
	$(IT_ENV) tests/integration/slim.sh
it-pprof: $(BUILD)/goretain
	$(IT_ENV) GR_PPROF=$(GR_CACHE)/tools/pprof tests/integration/pprof.sh
# Each corpus core analysed with a strip -s copy of its executable: live
# totals identical to the DWARF analysis, and the typed share, the
# per-object agreement of inferred types and the exactly typed bytes named
# otherwise held at tests/integration/stripped-floor.txt (a ratchet: move
# it with --write-floor when typing of stripped binaries improves).
# Real Go servers as Debian ships them (scripts/make-server-cores.sh):
# their own /metrics against the heap, typed share, first suspect named.
it-servers: $(BUILD)/goretain
	$(IT_ENV) tests/integration/servers.sh
it-stripped: $(BUILD)/goretain $(BUILD)/tests/gr-typecmp
	GR_CACHE=$(GR_CACHE) scripts/stripped-compare.py \
		--typecmp $(BUILD)/tests/gr-typecmp \
		--floor tests/integration/stripped-floor.txt

# The thread pass (tests/integration/threads.sh): a ThreadSanitizer build
# analyses the newest toolchain's cores with --threads 2 and must give the
# one-thread answers without a race report.  Not part of `integration`: it
# needs the ThreadSanitizer build, `make tsan` (check.sh times both).
TSAN_BUILD := build-tsan
tsan:
	$(MAKE) BUILD=$(TSAN_BUILD) SANITIZE=thread CFLAGS='-O1 -g' \
		$(TSAN_BUILD)/goretain
it-threads: $(BUILD)/goretain
	$(IT_ENV) GORETAIN_TSAN=$(TSAN_BUILD)/goretain tests/integration/threads.sh

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

# The corpora cores, and the unit tests' own Go subjects (tests/tools/
# testbins.sh), both cached under GR_CACHE.
cores: $(BUILD)/goretain
	GR_CACHE=$(GR_CACHE) scripts/make-cores.sh
	GR_CACHE=$(GR_CACHE) scripts/make-server-cores.sh
	GR_CACHE=$(GR_CACHE) tests/tools/testbins.sh >/dev/null

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
# under ASan+UBSan, each stage timed (scripts/check.sh: the stages, the
# table, build/make-check.times).  check-quick: the developer's loop.
check:
	@MAKE="$(MAKE)" scripts/check.sh

# The layering of forensics/STAGES (scripts/check-layers.py): no include
# from a stage to a later one, path-qualified includes, internal headers
# kept in their folder, the diagram of docs/ARCHITECTURE.md up to date.
check-layers:
	scripts/check-layers.py --self-test
	scripts/check-layers.py

check-quick:
	@MAKE="$(MAKE)" scripts/check.sh --quick

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) $(wildcard */*.h tests/*/*.h)

clean:
	rm -rf build build-san build-fuzz

.PHONY: all check-layers tests unit integration it-run it-html it-batch it-hostile it-slim it-pprof \
	tsan it-threads \
	check-quick deps go-toolchains cores pprof-tool demo check format clean \
	bench bench-cores bench-smoke

include tests/fuzz/fuzz.mk
include report/html/html.mk
include layouts/packs/packs.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
