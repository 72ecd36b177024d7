/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for everything above the parsers: the heap walker and
 * the whole analysis (roots, graph, marking, types and maps, dominators)
 * plus the memory profile reader, over one real core whose heap metadata
 * the input patches.
 *
 * The core and its executable come from $FUZZ_HEAP_DIR/{core,bin} (default
 * the Go 1.22 pool-exe core of the corpora cache: the smallest on disk).
 * The core is copied once into a memfd; each input is a list of patches
 *
 *   u8 region, u32 offset (little-endian), u8 length, length bytes
 *
 * written into the memfd with pwrite() and undone after the run, so a run
 * costs the patched bytes, not a copy of the core (gr_input maps the file
 * by path, so the session API cannot take a buffer: the memfd is opened as
 * /proc/self/fd/N).  The region byte picks what the offset indexes, modulo
 * its size:
 *   0      runtime.mheap_ (the arena index pointers, allspans, central
 *          lists, page allocator state);
 *   1, 2   one of the mspan structs of the pristine heap (offset >> 12
 *          picks the span, the low 12 bits the byte inside it);
 *   3      any byte of the core's PT_LOAD data.
 * Whatever the patches, the session and the analysis must end in an error
 * or a result: never a crash, a leak or a sanitizer report.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forensics/02-input/core.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"
#include "forensics/08-stacks/memprofile.h"
#include "forensics/12-query/analysis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

enum { MAX_PATCHES = 64, MAX_SPANS = 65536 };

struct region {
	uint64_t off, len; /* in the core file */
};

static struct {
	int fd;
	char core_path[64];
	char exe_path[4096];
	struct region mheap;
	struct region *spans;
	size_t nspans;
	struct region *loads;
	size_t nloads;
	uint64_t load_bytes;
} g = {.fd = -1};

static void die(const char *what)
{
	fprintf(stderr, "fuzz_heap: %s\n", what);
	exit(1);
}

/* File offset of runtime address @addr, or UINT64_MAX if not in the core. */
static uint64_t file_offset(const struct gr_core *core, uint64_t addr,
			    uint64_t len)
{
	for (size_t i = 0; i < gr_core_load_count(core); i++) {
		const struct gr_core_load *l = gr_core_load(core, i);
		if (addr >= l->vaddr && addr - l->vaddr < l->present &&
		    l->present - (addr - l->vaddr) >= len)
			return l->offset + (addr - l->vaddr);
	}
	return UINT64_MAX;
}

/* Find mheap_, the mspans and the loaded bytes in the pristine core. */
static void find_regions(void)
{
	struct gr_session_options opts = {.core_path = g.core_path,
					  .exe_path = g.exe_path};
	struct gr_session *s = NULL;
	struct gr_error *err = gr_session_open(&opts, &s);
	if (err)
		die(err->message);
	struct gr_core *core = gr_session_core(s);
	uint64_t addr, size;
	if (!gr_exe_symbol(gr_session_exe(s), "runtime.mheap_", &addr, &size))
		die("no runtime.mheap_");
	addr += gr_session_load_bias(s);
	g.mheap.off = file_offset(core, addr, size);
	g.mheap.len = size;
	if (g.mheap.off == UINT64_MAX || !size)
		die("runtime.mheap_ not in the core");

	uint32_t id;
	uint64_t span_size = 160;
	struct gr_dwarf *d = gr_session_dwarf(s);
	if (!(err = gr_dwarf_type_by_name(d, "runtime.mspan", &id)) &&
	    gr_dwarf_type(d, id)->has_size)
		span_size = gr_dwarf_type(d, id)->size;
	gr_error_destroy(err);

	struct gr_heap *h = NULL;
	if ((err = gr_heap_load(s, &h)))
		die(err->message);
	g.spans = calloc(MAX_SPANS, sizeof(*g.spans));
	for (size_t i = 0; i < gr_heap_span_count(h) && g.nspans < MAX_SPANS;
	     i++) {
		uint64_t off = file_offset(core, gr_heap_span(h, i)->addr,
					   span_size);
		if (off != UINT64_MAX)
			g.spans[g.nspans++] = (struct region){off, span_size};
	}
	gr_heap_destroy(h);

	g.loads = calloc(gr_core_load_count(core) + 1, sizeof(*g.loads));
	for (size_t i = 0; i < gr_core_load_count(core); i++) {
		const struct gr_core_load *l = gr_core_load(core, i);
		if (l->present)
			g.loads[g.nloads++] =
				(struct region){l->offset, l->present};
		g.load_bytes += l->present;
	}
	gr_session_destroy(s);
	if (!g.nspans || !g.nloads)
		die("no spans or no loaded bytes in the core");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *dir = getenv("FUZZ_HEAP_DIR");
	char def[4096];
	if (!dir) {
		const char *home = getenv("HOME");
		snprintf(def, sizeof(def),
			 "%s/.cache/goretain/cores/go1.22/pool-exe",
			 home ? home : "");
		dir = def;
	}
	char core[4096];
	snprintf(core, sizeof(core), "%s/core", dir);
	snprintf(g.exe_path, sizeof(g.exe_path), "%s/bin", dir);

	int in = open(core, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (in < 0 || fstat(in, &st) != 0)
		die("cannot open the core (set FUZZ_HEAP_DIR)");
	g.fd = memfd_create("fuzz-heap", MFD_CLOEXEC);
	if (g.fd < 0)
		die("memfd_create");
	static char buf[1 << 16];
	for (ssize_t n; (n = read(in, buf, sizeof(buf))) != 0;)
		if (n < 0 || write(g.fd, buf, (size_t)n) != n)
			die("copying the core");
	close(in);
	snprintf(g.core_path, sizeof(g.core_path), "/proc/self/fd/%d", g.fd);
	find_regions();
	return 0;
}

struct patch {
	uint64_t off;
	uint8_t len;
	uint8_t old[255];
};

static uint64_t target(uint8_t region, uint32_t off, uint8_t len)
{
	const struct region *r;
	uint64_t in;
	switch (region % 4) {
	case 0:
		r = &g.mheap, in = off;
		break;
	case 1:
	case 2:
		r = &g.spans[(off >> 12) % g.nspans], in = off & 0xfff;
		break;
	default: {
		uint64_t at = off % g.load_bytes;
		size_t i = 0;
		while (at >= g.loads[i].len)
			at -= g.loads[i++].len;
		r = &g.loads[i], in = at;
		break;
	}
	}
	uint64_t room = r->len > len ? r->len - len + 1 : 1;
	return r->off + in % room;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct patch patches[MAX_PATCHES];
	size_t n = 0;
	for (size_t i = 0; n < MAX_PATCHES && size - i >= 6;) {
		uint8_t region = data[i];
		uint32_t off = (uint32_t)data[i + 1] |
			       (uint32_t)data[i + 2] << 8 |
			       (uint32_t)data[i + 3] << 16 |
			       (uint32_t)data[i + 4] << 24;
		uint8_t len = data[i + 5];
		i += 6;
		if (len > size - i)
			len = (uint8_t)(size - i);
		if (!len)
			break;
		struct patch *p = &patches[n++];
		p->off = target(region, off, len);
		p->len = len;
		if (pread(g.fd, p->old, len, (off_t)p->off) != len ||
		    pwrite(g.fd, data + i, len, (off_t)p->off) != len)
			abort();
		i += len;
	}

	struct gr_session_options opts = {.core_path = g.core_path,
					  .exe_path = g.exe_path};
	struct gr_session *s = NULL;
	struct gr_error *err = gr_session_open(&opts, &s);
	if (!err) {
		struct gr_analysis *a = NULL;
		err = gr_analysis_run(s, NULL, &a);
		if (!err) {
			struct gr_memprof *mp = NULL;
			struct gr_error *e2 = gr_memprof_read(s, &mp);
			if (!e2) {
				for (size_t i = 0; i < gr_memprof_count(mp) &&
						   i < 64;
				     i++) {
					const struct gr_memprof_frame *fr;
					size_t nf;
					gr_error_destroy(gr_memprof_frames(
						mp, i, &fr, &nf));
				}
			}
			gr_memprof_destroy(mp);
			gr_error_destroy(e2);
		}
		gr_analysis_destroy(a);
	}
	if (err && (!err->message || !*err->message))
		abort();
	gr_error_destroy(err);
	gr_session_destroy(s);

	/* Undo, last first: patches may overlap. */
	while (n-- > 0)
		if (pwrite(g.fd, patches[n].old, patches[n].len,
			   (off_t)patches[n].off) != patches[n].len)
			abort();
	return 0;
}
