# libFuzzer targets, built with clang into $(FUZZ_BUILD) apart from the
# ordinary build.  Include from the top Makefile; should it come before `all`,
# the guard keeps `all` the default goal.
#
#   make fuzz-input [FUZZ_SECONDS=30]   build and fuzz gr_input's decoders

ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer \
                -Wall -Wextra -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
                -I. -include forensics/01-base/banned.h \
                -DGR_INPUT_BUF_SIZE=8192

# Small stream buffers (GR_INPUT_BUF_SIZE) let inputs of a few KiB cross
# buffer boundaries, and spare ASan the cost of two 1 MiB allocations a run.
# gr_input needs only gr_error: compile the two directly rather than the
# whole library, whose objects are not built for the fuzzer.
FUZZ_INPUT_SRC := tests/fuzz/fuzz_input.c forensics/02-input/input.c forensics/01-base/error.c

$(FUZZ_BUILD)/fuzz_input: $(FUZZ_INPUT_SRC) forensics/02-input/input.h forensics/01-base/error.h \
		tests/fuzz/fuzz_memfd.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_INPUT_SRC) -lzstd -lz

# Seeds: one small file per shape the decoders handle.  /bin/sh may be dash,
# whose printf knows octal escapes only.
$(FUZZ_BUILD)/seeds/input.stamp: tests/fuzz/fuzz.mk
	rm -rf $(FUZZ_BUILD)/seeds/input
	mkdir -p $(FUZZ_BUILD)/seeds/input
	cd $(FUZZ_BUILD)/seeds/input && \
	printf 'ELF-ish raw core bytes' > raw && \
	printf 'hello' | gzip -9nc > one.gz && \
	{ printf 'first' | gzip -1nc; printf '' | gzip -nc; \
	  printf 'second' | gzip -9nc; } > multi.gz && \
	{ cat one.gz; head -c 64 /dev/zero; } > padded.gz && \
	{ head -c 20000 /dev/zero; seq 1 2000; head -c 9000 /dev/zero; } | \
		gzip -6nc > mixed.gz && \
	printf 'hello' | zstd -qc > one.zst && \
	{ printf 'first' | zstd -qc; printf 'second' | zstd -qc --no-check; } \
		> multi.zst && \
	{ printf '\120\052\115\030\004\000\000\000skip'; cat one.zst; \
	  printf '\137\052\115\030\000\000\000\000'; } > skippable.zst && \
	{ head -c 20000 /dev/zero; seq 1 2000; head -c 9000 /dev/zero; } | \
		zstd -qc -3 > mixed.zst
	touch $@

fuzz-input: $(FUZZ_BUILD)/fuzz_input $(FUZZ_BUILD)/seeds/input.stamp
	@mkdir -p $(FUZZ_BUILD)/corpus/input
	$(FUZZ_BUILD)/fuzz_input -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-max_len=65536 -print_final_stats=1 \
		$(FUZZ_BUILD)/corpus/input $(FUZZ_BUILD)/seeds/input

.PHONY: fuzz-input

# ---------------------------------------------------------------------------
# Every other parser.  The library is compiled once for fuzzing (coverage
# instrumentation without libFuzzer's main: -fsanitize=fuzzer-no-link) into
# $(FUZZ_BUILD)/lib.a; each target links its one file against it.
#
#   make fuzz [FUZZ_SECONDS=30]   build every target, run each in turn
#   make fuzz-quick               the same for 5 s each (CI)
#   make fuzz-TARGET              one of $(FUZZ_TARGETS)
#
# Seeds are cut from the corpora cache (`make cores`) at build time, never
# committed; without the cache fuzz_core, fuzz_exe and fuzz_dwarf start
# from empty inputs and fuzz_heap refuses to start (it needs the core).
# Crashes land in $(FUZZ_BUILD)/artifacts/TARGET/; reproduce one with
# `$(FUZZ_BUILD)/fuzz_TARGET FILE` (fuzz_heap: with FUZZ_HEAP_DIR set).

FUZZ_CORES   ?= $(or $(GR_CACHE),$(HOME)/.cache/goretain)/cores
# fuzz_heap and fuzz_dwarf need one real Go 1.22 core and its binary.
FUZZ_HEAP_DIR ?= $(FUZZ_CORES)/go1.22/pool-exe
FUZZ_LIB_CFLAGS := $(filter-out -fsanitize=fuzzer%,$(FUZZ_CFLAGS)) \
                   -fsanitize=fuzzer-no-link,address,undefined \
                   -I/usr/include/libdwarf
FUZZ_LIB_SRC := $(sort $(wildcard forensics/*/*.c layouts/*.c report/*.c))
# The HTML page's script and style, embedded as report/html/html.mk does.
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
                $(FUZZ_BUILD)/obj/gen/html_assets.o \
                $(FUZZ_BUILD)/obj/gen/layout_packs.o
FUZZ_LIBS    := -ldwarf -lelf -lzstd -lz -lxxhash -lm
FUZZ_TARGETS := core exe dwarf heap report pack json code

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -MMD -MP -c -o $@ $<

-include $(FUZZ_LIB_OBJ:.o=.d)

$(FUZZ_BUILD)/gen/report.js: $(sort $(wildcard report/html/js/*.js))
	@mkdir -p $(dir $@)
	cat $^ >$@

$(FUZZ_BUILD)/gen/html_assets.c: $(FUZZ_BUILD)/gen/report.js \
		report/html/report.css scripts/embed.sh
	@mkdir -p $(dir $@)
	scripts/embed.sh $@ gr_html_report_js=$(FUZZ_BUILD)/gen/report.js \
		gr_html_report_css=report/html/report.css

$(FUZZ_BUILD)/obj/gen/html_assets.o: $(FUZZ_BUILD)/gen/html_assets.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/gen/layout_packs.c: $(sort $(wildcard layouts/packs/go1.*.pack)) \
		scripts/embed-packs.sh scripts/embed.sh
	@mkdir -p $(dir $@)
	scripts/embed-packs.sh $@ $(sort $(wildcard layouts/packs/go1.*.pack))

$(FUZZ_BUILD)/obj/gen/layout_packs.o: $(FUZZ_BUILD)/gen/layout_packs.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/lib.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%): $(FUZZ_BUILD)/fuzz_%: \
		tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/lib.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -o $@ $< \
		$(FUZZ_BUILD)/lib.a $(FUZZ_LIBS)

-include $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%.d)

# Seeds.  fuzz_core: the first 64 KiB of a few cores (headers and notes
# live there); fuzz_exe: a Go binary cut down by objcopy to its Go sections
# (build info alone, and build info + pclntab + data for moduledata);
# fuzz_dwarf: the first compile units of a binary's .debug_abbrev and
# .debug_info, in the target's input format (tests/fuzz/fuzz_dwarf.c);
# fuzz_heap: an empty patch list plus a few one-byte patches;
# fuzz_report: a few awkward strings; fuzz_pack: a real layout pack and a
# cut of one; fuzz_json: the report schema (a JSON document) and small ones;
# fuzz_code: pieces of a Go binary's .text (whole functions and cuts).
$(FUZZ_BUILD)/seeds/parsers.stamp: tests/fuzz/fuzz.mk tests/fuzz/dwarf_seed.py \
		$(wildcard layouts/packs/go1.*.pack) docs/report-schema.json
	rm -rf $(FUZZ_BUILD)/seeds/core $(FUZZ_BUILD)/seeds/exe \
	       $(FUZZ_BUILD)/seeds/dwarf $(FUZZ_BUILD)/seeds/heap \
	       $(FUZZ_BUILD)/seeds/report $(FUZZ_BUILD)/seeds/pack \
	       $(FUZZ_BUILD)/seeds/json $(FUZZ_BUILD)/seeds/code
	mkdir -p $(FUZZ_BUILD)/seeds/code
	mkdir -p $(FUZZ_BUILD)/seeds/core $(FUZZ_BUILD)/seeds/exe \
	         $(FUZZ_BUILD)/seeds/dwarf $(FUZZ_BUILD)/seeds/heap \
	         $(FUZZ_BUILD)/seeds/report $(FUZZ_BUILD)/seeds/pack \
	         $(FUZZ_BUILD)/seeds/json
	for p in layouts/packs/go1.*.pack; do \
		[ -f $$p ] || continue; \
		head -c 4000 $$p > $(FUZZ_BUILD)/seeds/pack/head-$${p##*/}; \
	done
	p=$$(ls layouts/packs/go1.*.pack 2>/dev/null | tail -n 1); \
	[ -z "$$p" ] || cp $$p $(FUZZ_BUILD)/seeds/pack/full
	cp docs/report-schema.json $(FUZZ_BUILD)/seeds/json/schema
	printf '{"a":[1,-2.5e3,"\\u00e9\\ud83d\\ude00",true,null,{}]}' \
		> $(FUZZ_BUILD)/seeds/json/small
	n=0; for c in $(FUZZ_CORES)/go1.19/pool-exe/core \
	              $(FUZZ_CORES)/go1.22/pool-exe/core \
	              $(FUZZ_CORES)/go1.22/pool-pie/core \
	              $(FUZZ_CORES)/go1.26/pool-exe/core; do \
		n=$$((n + 1)); [ -f $$c ] || continue; \
		head -c 65536 $$c > $(FUZZ_BUILD)/seeds/core/core$$n; \
	done
	if [ -f $(FUZZ_HEAP_DIR)/bin ]; then \
		objcopy -O elf64-x86-64 -j .go.buildinfo -j .note.go.buildid \
			$(FUZZ_HEAP_DIR)/bin $(FUZZ_BUILD)/seeds/exe/buildinfo && \
		objcopy -O elf64-x86-64 -j .go.buildinfo -j .note.go.buildid \
			-j .gopclntab -j .noptrdata -j .data \
			$(FUZZ_HEAP_DIR)/bin $(FUZZ_BUILD)/seeds/exe/pclntab && \
		python3 tests/fuzz/dwarf_seed.py $(FUZZ_HEAP_DIR)/bin \
			$(FUZZ_BUILD)/seeds/dwarf/first-units && \
		objcopy -O binary -j .text $(FUZZ_HEAP_DIR)/bin \
			$(FUZZ_BUILD)/seeds/code/text && \
		for off in 0 65536 262144 524288; do \
			dd if=$(FUZZ_BUILD)/seeds/code/text bs=4096 \
				skip=$$((off / 4096)) count=4 \
				of=$(FUZZ_BUILD)/seeds/code/cut$$off 2>/dev/null; \
		done && rm $(FUZZ_BUILD)/seeds/code/text; \
	fi
	printf '' > $(FUZZ_BUILD)/seeds/heap/empty
	printf '\000\020\000\000\000\001\377' > $(FUZZ_BUILD)/seeds/heap/mheap
	printf '\001\000\001\000\000\010\377\377\377\377\377\377\377\377' \
		> $(FUZZ_BUILD)/seeds/heap/span
	printf 'plain' > $(FUZZ_BUILD)/seeds/report/plain
	printf '</script><!--\342\200\250\033[31m"\\\300\200\355\240\200\177' \
		> $(FUZZ_BUILD)/seeds/report/nasty
	printf 'caf\303\251 \360\237\230\200 \302\205' \
		> $(FUZZ_BUILD)/seeds/report/utf8
	touch $@

# Per target: the longest input worth mutating.
FUZZ_MAXLEN_core   := 65536
FUZZ_MAXLEN_exe    := 1048576
FUZZ_MAXLEN_dwarf  := 65536
FUZZ_MAXLEN_heap   := 4096
FUZZ_MAXLEN_report := 4096
FUZZ_MAXLEN_pack   := 65536
FUZZ_MAXLEN_json   := 65536
FUZZ_MAXLEN_code   := 65536

# fuzz_dwarf: libdwarf's own leak on malformed DIEs is suppressed
# (tests/fuzz/lsan.supp says why and at what cost).
FUZZ_ENV_dwarf := LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp
# fuzz_heap runs the whole analysis (about a second an input): without
# -len_control=0 libFuzzer would keep its patch lists a few bytes long.
FUZZ_OPTS_heap := -len_control=0

$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FUZZ_BUILD)/fuzz_% \
		$(FUZZ_BUILD)/seeds/parsers.stamp
	@mkdir -p $(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/artifacts/$*/
	FUZZ_HEAP_DIR=$(FUZZ_HEAP_DIR) $(FUZZ_ENV_$*) \
	$(FUZZ_BUILD)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-rss_limit_mb=2048 -max_len=$(FUZZ_MAXLEN_$*) \
		-print_final_stats=1 $(FUZZ_OPTS_$*) \
		-artifact_prefix=$(FUZZ_BUILD)/artifacts/$*/ \
		$(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/seeds/$*

# One target after another, so FUZZ_SECONDS is per target and a crash
# stops the run with the target named.
fuzz:
	@set -e; for t in input $(FUZZ_TARGETS); do \
		echo "== fuzz-$$t ($(FUZZ_SECONDS) s)"; \
		$(MAKE) --no-print-directory fuzz-$$t FUZZ_SECONDS=$(FUZZ_SECONDS); \
	done

fuzz-quick:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

.PHONY: fuzz fuzz-quick $(FUZZ_TARGETS:%=fuzz-%)
