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
                -I. -Iforensics -include forensics/banned.h \
                -DGR_INPUT_BUF_SIZE=8192

# Small stream buffers (GR_INPUT_BUF_SIZE) let inputs of a few KiB cross
# buffer boundaries, and spare ASan the cost of two 1 MiB allocations a run.
# gr_input needs only gr_error: compile the two directly rather than the
# whole library, whose objects are not built for the fuzzer.
FUZZ_INPUT_SRC := tests/fuzz/fuzz_input.c forensics/input.c forensics/error.c

$(FUZZ_BUILD)/fuzz_input: $(FUZZ_INPUT_SRC) forensics/input.h forensics/error.h
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
