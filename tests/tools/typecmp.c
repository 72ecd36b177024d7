/* SPDX-License-Identifier: MIT */
/*
 * gr-typecmp: object by object, the types a stripped executable's analysis
 * gives against those its DWARF twin gives, on one core.
 *
 *	gr-typecmp EXE STRIPPED CORE
 *
 * Both analyses walk the same core, so object ids are the same (the live
 * totals are checked first).  For every live object the stripped analysis
 * types, the two names are compared after dropping what only spells them
 * differently (tests/tools/typename.h).  One JSON object on
 * stdout (bytes):
 *
 *   live_bytes, stripped_unknown_bytes, dwarf_unknown_bytes
 *   dwarf_seconds, stripped_seconds      CPU time of each analysis (one
 *                                        scanning thread, as the CLI's
 *                                        --threads 1), from opening the
 *                                        session to the end of typing
 *   exact_bytes, exact_other_bytes       typed from the core; named
 *                                        otherwise with DWARF (issue 16:
 *                                        none should be)
 *   exact_tiny_bytes                     16-byte blocks without pointers
 *                                        named otherwise: the tiny
 *                                        allocator packs several small
 *                                        values into one, and each
 *                                        analysis names it after the
 *                                        value it reaches first; not in
 *                                        "other"
 *   exact_generic_bytes                  typed from the core with the
 *                                        runtime's own type of a channel
 *                                        or map part (runtime.hchan,
 *                                        maps.table) where DWARF names
 *                                        the instance (hchan[int],
 *                                        map.table[int64]int64): the same
 *                                        type, less said; not in "other"
 *   inferred_bytes, inferred_other_bytes typed by inference; named
 *                                        otherwise (the agreement)
 *   inferred_dwarf_unknown_bytes         inferred where DWARF types nothing
 *   differences                          the largest few, for a reader
 *
 * scripts/stripped-compare.py runs it on every corpus core (make
 * it-stripped).  Exit 2 on bad input, 1 when the live totals differ.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"
#include "forensics/10-graph/mark.h"
#include "forensics/11-types/types.h"
#include "forensics/12-query/analysis.h"
#include "tests/tools/typename.h"

enum { NAME = 512, MAX_DIFFS = 5 };

struct diff {
	uint64_t addr, size;
	char stripped[NAME], dwarf[NAME];
	int inferred;
};

/*
 * Whether normalized @stripped is the runtime's generic type of which
 * normalized @dwarf is the linker's instance: "hchan" and "hchan[int]",
 * "table" and "table[int64]int64" (maps.table, map.table[K]V), "hmap"
 * and "hdr[K]V" or "hash[K]V", "bmap" and "bucket[K]V", "Map" and
 * "hdr[K]V", "groupsReference" and "groupReference[K]V".
 */
static bool generic_of(const char *stripped, const char *dwarf)
{
	static const char *const pairs[][2] = {
		{"hchan", "hchan["},	 {"table", "table["},
		{"hmap", "hdr["},	 {"hmap", "hash["},
		{"bmap", "bucket["},	 {"Map", "hdr["},
		{"groupsReference", "groupReference["},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (!strcmp(stripped, pairs[i][0]) &&
		    !strncmp(dwarf, pairs[i][1], strlen(pairs[i][1])))
			return true;
	return false;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct gr_analysis *analyse(const char *exe, const char *core,
				   struct gr_session **s, double *secs)
{
	struct gr_session_options so = {.core_path = core, .exe_path = exe,
					 .threads = 1};
	double t0 = cpu_seconds();
	struct gr_error *err = gr_session_open(&so, s);
	struct gr_analysis *a = NULL;
	if (!err)
		err = gr_analysis_run(*s, NULL, &a);
	*secs = cpu_seconds() - t0;
	if (err) {
		fprintf(stderr, "gr-typecmp: %s with %s: %s\n", core, exe,
			err->message);
		exit(2);
	}
	return a;
}

/* Keep the MAX_DIFFS largest, largest first. */
static void keep_diff(struct diff *d, size_t *n, const struct diff *x)
{
	size_t i;
	if (*n < MAX_DIFFS)
		i = (*n)++;
	else if (d[MAX_DIFFS - 1].size < x->size)
		i = MAX_DIFFS - 1;
	else
		return;
	d[i] = *x;
	for (; i > 0 && d[i - 1].size < d[i].size; i--) {
		struct diff t = d[i - 1];
		d[i - 1] = d[i];
		d[i] = t;
	}
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	putchar('"');
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: gr-typecmp EXE STRIPPED CORE\n");
		return 2;
	}
	struct gr_session *sd, *ss;
	double secs_d, secs_s;
	struct gr_analysis *ad = analyse(argv[1], argv[3], &sd, &secs_d);
	struct gr_analysis *as = analyse(argv[2], argv[3], &ss, &secs_s);
	uint32_t n = gr_heap_object_count(ad->heap);
	if (n != gr_heap_object_count(as->heap)) {
		fprintf(stderr, "gr-typecmp: %s: %" PRIu32 " objects with %s, "
			"%" PRIu32 " with %s\n", argv[3], n, argv[1],
			gr_heap_object_count(as->heap), argv[2]);
		return 1;
	}
	uint64_t live = 0, unknown = 0, dwarf_unknown = 0, exact = 0,
		 exact_other = 0,
		 exact_generic = 0, exact_tiny = 0,
		 inferred = 0, inferred_other = 0, inferred_dwarf_unknown = 0;
	struct diff diffs[MAX_DIFFS];
	size_t ndiffs = 0;
	for (uint32_t id = 0; id < n; id++) {
		if (!gr_mark_is_live(ad->mark, id))
			continue;
		if (!gr_mark_is_live(as->mark, id)) {
			fprintf(stderr, "gr-typecmp: %s: object %" PRIu32
				" live with DWARF only\n", argv[3], id);
			return 1;
		}
		uint64_t size = gr_heap_object_size(ad->heap, id);
		live += size;
		if (gr_types_object(ad->types, id).type == GR_TYPE_UNKNOWN)
			dwarf_unknown += size;
		struct gr_type_object ts = gr_types_object(as->types, id);
		if (ts.type == GR_TYPE_UNKNOWN) {
			unknown += size;
			continue;
		}
		struct gr_type_object td = gr_types_object(ad->types, id);
		bool inf = gr_types_info(as->types, ts.type)->inferred;
		struct diff x = {.addr = gr_heap_object_addr(ad->heap, id),
				 .size = size, .inferred = inf};
		gr_types_object_name(as->types, id, x.stripped,
				     sizeof(x.stripped));
		gr_types_object_name(ad->types, id, x.dwarf, sizeof(x.dwarf));
		char a[NAME], b[NAME];
		memcpy(a, x.stripped, sizeof(a));
		memcpy(b, x.dwarf, sizeof(b));
		gr_typename_normalize(a);
		gr_typename_normalize(b);
		bool other = td.type != GR_TYPE_UNKNOWN && strcmp(a, b) != 0;
		if (other && !inf && generic_of(a, b)) {
			exact += size;
			exact_generic += size;
			continue;
		}
		const struct gr_span *sp = gr_heap_object_span(ad->heap, id);
		if (other && !inf && size == 16 && sp && sp->noscan) {
			exact += size;
			exact_tiny += size;
			continue;
		}
		if (inf) {
			inferred += size;
			inferred_dwarf_unknown +=
				td.type == GR_TYPE_UNKNOWN ? size : 0;
			inferred_other += other ? size : 0;
		} else {
			exact += size;
			exact_other += other ? size : 0;
		}
		if (other)
			keep_diff(diffs, &ndiffs, &x);
	}
	printf("{\"dwarf_seconds\": %.4f, \"stripped_seconds\": %.4f, "
	       "\"dwarf_unknown_bytes\": %" PRIu64 ", ",
	       secs_d, secs_s, dwarf_unknown);
	printf("\"live_bytes\": %" PRIu64 ", \"stripped_unknown_bytes\": %" PRIu64
	       ", \"exact_bytes\": %" PRIu64 ", \"exact_other_bytes\": %" PRIu64
	       ", \"exact_generic_bytes\": %" PRIu64
	       ", \"exact_tiny_bytes\": %" PRIu64
	       ", \"inferred_bytes\": %" PRIu64
	       ", \"inferred_other_bytes\": %" PRIu64
	       ", \"inferred_dwarf_unknown_bytes\": %" PRIu64
	       ", \"differences\": [",
	       live, unknown, exact, exact_other, exact_generic, exact_tiny,
	       inferred,
	       inferred_other,
	       inferred_dwarf_unknown);
	for (size_t i = 0; i < ndiffs; i++) {
		printf("%s{\"addr\": \"0x%" PRIx64 "\", \"size\": %" PRIu64
		       ", \"inferred\": %s, \"stripped\": ",
		       i ? ", " : "", diffs[i].addr, diffs[i].size,
		       diffs[i].inferred ? "true" : "false");
		json_string(diffs[i].stripped);
		printf(", \"dwarf\": ");
		json_string(diffs[i].dwarf);
		putchar('}');
	}
	printf("]}\n");
	gr_analysis_destroy(as);
	gr_analysis_destroy(ad);
	gr_session_destroy(ss);
	gr_session_destroy(sd);
	return 0;
}
