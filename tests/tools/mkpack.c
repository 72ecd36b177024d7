/* SPDX-License-Identifier: MIT */
/*
 * gr-mkpack: make the layout pack of one Go release (forensics/03-dwarf/dwarf.h,
 * "layout packs") from cores of programs that release built with DWARF.
 *
 *   gr-mkpack -o layouts/packs/go1.NN.pack EXE CORE [EXE CORE]...
 *
 * Every pair is analysed in full (gr_analysis_run, then the JSON and text
 * reports, written nowhere) with the DWARF index recording what it hands
 * out.  The pack keeps:
 *   - the runtime, internal and sync types looked up by name, the types
 *     they contain by value (fields, array elements, typedef targets), and
 *     the targets of their pointers, map and chan types where the analysis
 *     used those targets, closed transitively;
 *   - the constants and globals looked up by name (same packages), each
 *     global with up to GR_DWARF_MAX_LOCATORS locators in different
 *     functions: a function, the ordinal of the global among the data
 *     references of its code, and the offset it refers to.  A locator is
 *     kept only if it finds the global in every input (exe and PIE builds,
 *     different programs), so that it depends on the runtime's code alone;
 *     several, because the linker drops functions a program never calls.
 * The first pair's DWARF supplies the records; all pairs must be built by
 * the same release.  scripts/make-packs.sh runs this for every toolchain.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/locate.h"
#include "forensics/05-session/session.h"
#include "forensics/12-query/analysis.h"
#include "report/report.h"
#include "tests/tools/pack_write.h"

enum { MAX_INPUTS = 32 };

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gr-mkpack: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void check(struct gr_error *err, const char *what)
{
	if (err)
		die("%s: %s", what, err->message);
}

/* A growable set of names (a few hundred: linear search is enough). */
struct names {
	char **v;
	size_t n, cap;
};

static bool has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return true;
	return false;
}

static void add(struct names *s, const char *name)
{
	if (has(s, name))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("out of memory");
	}
	if (!(s->v[s->n++] = strdup(name)))
		die("out of memory");
}

/*
 * The packages whose layout is the same in every program of a release.  A
 * composite's name is judged by what it is made of ("*runtime.g",
 * "[]*runtime.g"); names without a package are Go's basic types.
 */
static bool runtime_name(const char *name)
{
	static const char *const pkgs[] = {"runtime.", "runtime/", "internal/",
					   "sync.", "sync/", "weak.", "unique."};
	while (*name == '*' || *name == '[' || *name == ']' ||
	       (*name >= '0' && *name <= '9'))
		name++;
	for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++)
		if (strncmp(name, pkgs[i], strlen(pkgs[i])) == 0)
			return true;
	return !strchr(name, '.') && !strchr(name, ' ') && *name;
}

struct input {
	const char *exe, *core;
	struct gr_session *s;
	struct gr_dwarf *d;
	struct gr_locate *loc;
};

/* Analyse @in in full with its DWARF recording; note what was used. */
static void record(struct input *in, struct names *named, struct names *used,
		   struct names *consts, struct names *globals)
{
	struct gr_session_options so = {.core_path = in->core,
					 .exe_path = in->exe};
	check(gr_session_open(&so, &in->s), in->core);
	in->d = gr_session_dwarf(in->s);
	if (!gr_dwarf_present(in->d) || gr_dwarf_pack_version(in->d))
		die("%s: no DWARF", in->exe);
	check(gr_dwarf_record(in->d), "record");
	struct gr_analysis *a;
	check(gr_analysis_run(in->s, NULL, &a), in->core);
	FILE *null = fopen("/dev/null", "w");
	if (!null)
		die("/dev/null: cannot open");
	struct gr_report_options ro = GR_REPORT_DEFAULTS;
	check(gr_report_json(a, &ro, null, "/dev/null"), "json report");
	check(gr_report_text(a, &ro, null, "/dev/null"), "text report");
	fclose(null);
	gr_analysis_destroy(a);

	const struct gr_dwarf *d = in->d;
	/* What a stripped analysis makes Go's map types from and a DWARF
	 * one never asks for (the linker gives every map its own
	 * hash<K,V> or map<K,V>): the runtime's classic map header and
	 * its overflow record, the Swiss map's header, table and groups
	 * reference (rtype_synth.c), in the releases that have them; and
	 * sync.Map. */
	static const char *const for_synth[] = {
		"runtime.hmap", "runtime.mapextra",
		"internal/runtime/maps.Map", "internal/runtime/maps.table",
		"internal/runtime/maps.groupsReference",
		/* A package variable the code calls sync.(*Map) methods on
		 * is one (codetypes.h, receivers): its map or hash trie is
		 * then walked as with DWARF. */
		"sync.Map"};
	for (size_t i = 0; i < sizeof(for_synth) / sizeof(for_synth[0]); i++) {
		uint32_t id;
		struct gr_error *err = gr_dwarf_type_by_name(d, for_synth[i], &id);
		if (!err)
			add(named, for_synth[i]);
		gr_error_destroy(err);
	}
	for (size_t i = 0; i < gr_dwarf_type_count(d); i++) {
		const char *name = gr_dwarf_type(d, (uint32_t)i)->name;
		if (gr_dwarf_recorded(d, GR_DWARF_REC_TYPE, i, true) &&
		    runtime_name(name))
			add(named, name);
		if (gr_dwarf_recorded(d, GR_DWARF_REC_TYPE, i, false))
			add(used, name);
	}
	for (size_t i = 0; i < gr_dwarf_constant_count(d); i++) {
		const struct gr_dwarf_constant *c =
			gr_dwarf_constant_at_index(d, i);
		if (gr_dwarf_recorded(d, GR_DWARF_REC_CONSTANT, i, true) &&
		    runtime_name(c->name))
			add(consts, c->name);
	}
	for (size_t i = 0; i < gr_dwarf_global_count(d); i++) {
		const struct gr_dwarf_global *g = gr_dwarf_global_at_index(d, i);
		if (gr_dwarf_recorded(d, GR_DWARF_REC_GLOBAL, i, true) &&
		    runtime_name(g->name))
			add(globals, g->name);
	}
}

/* Types of the pack: @named and what they hold, closed (see above). */
static void close_types(const struct gr_dwarf *d, uint8_t *want,
			const struct names *used)
{
	size_t n = gr_dwarf_type_count(d);
	uint32_t *stack = malloc((n + 1) * sizeof(*stack));
	size_t top = 0;
	if (!stack)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		if (want[i])
			stack[top++] = (uint32_t)i;
#define PUSH(id)                                                               \
	do {                                                                   \
		uint32_t id_ = (id);                                           \
		if (id_ < n && !want[id_]) {                                   \
			want[id_] = 1;                                         \
			stack[top++] = id_;                                    \
		}                                                              \
	} while (0)
#define PUSH_USED(id)                                                          \
	do {                                                                   \
		const struct gr_dwarf_type *u_ = gr_dwarf_type(d, (id));       \
		if (u_ && has(used, u_->name))                                 \
			PUSH(id);                                              \
	} while (0)
	while (top) {
		uint32_t id = stack[--top];
		const struct gr_dwarf_type *t = gr_dwarf_type(d, id);
		if (t->kind == GR_DWARF_TYPE_POINTER)
			PUSH_USED(t->type);
		else
			PUSH(t->type);
		PUSH_USED(t->elem);
		PUSH_USED(t->key);
		for (uint32_t k = 0; k < t->nfields; k++)
			PUSH(gr_dwarf_type_field(d, id, k)->type);
	}
#undef PUSH
#undef PUSH_USED
	free(stack);
}

struct candidate {
	const char *func;
	uint32_t fp, ordinal;
	int64_t delta;
};

/* Whether @c finds global @name in every input. */
static bool valid_everywhere(const struct candidate *c, const char *name,
			     struct input *in, size_t nin)
{
	for (size_t j = 0; j < nin; j++) {
		const struct gr_dwarf_global *g;
		struct gr_error *err = gr_dwarf_global(in[j].d, name, &g);
		if (err) {
			gr_error_destroy(err);
			return false;
		}
		struct gr_dwarf_locator loc = {c->func, c->fp, c->ordinal,
					       c->delta};
		uint64_t addr;
		if (!gr_locate_resolve(in[j].loc, &loc, &addr) ||
		    addr != g->addr)
			return false;
	}
	return true;
}

/* A func literal ("runtime.initMetrics.func28") is linked only with the
 * function that holds it; named functions are likelier in every program. */
static bool literal(const char *name)
{
	return strstr(name, ".func") != NULL;
}

/* Better: an exact reference, in a named function, early in its code. */
static bool better(const struct candidate *a, const struct candidate *b)
{
	if ((a->delta == 0) != (b->delta == 0))
		return a->delta == 0;
	if (literal(a->func) != literal(b->func))
		return !literal(a->func);
	if (a->ordinal != b->ordinal)
		return a->ordinal < b->ordinal;
	return strcmp(a->func, b->func) < 0;
}

static bool locatable_func(const char *name)
{
	return (strncmp(name, "runtime.", 8) == 0 ||
		strncmp(name, "sync.", 5) == 0) &&
	       !strpbrk(name, " \t[");
}

/*
 * For every global of @in[0] marked in @want, the best locator valid in
 * every input; a global none finds is dropped from @want (and reported).
 */
static void choose_locators(struct input *in, size_t nin, uint8_t *want,
			    struct gr_dwarf_locator (*locs)[GR_DWARF_MAX_LOCATORS])
{
	const struct gr_dwarf *d = in[0].d;
	size_t ng = gr_dwarf_global_count(d);
	const struct gr_dwarf_global *g0 = gr_dwarf_global_at_index(d, 0);
	struct candidate **cands = calloc(ng + 1, sizeof(*cands));
	size_t *ncands = calloc(ng + 1, sizeof(*ncands));
	if (!cands || !ncands)
		die("out of memory");
	const struct gr_pcln *pcln = gr_session_pcln(in[0].s);
	uint32_t nf = gr_pcln_func_count(pcln);
	for (uint32_t f = 0; f < nf; f++) {
		struct gr_pcln_func fn;
		struct gr_error *err = gr_pcln_func_at(pcln, f, &fn);
		if (err || !locatable_func(fn.name) ||
		    gr_locate_func(in[0].loc, fn.name) != f) {
			gr_error_destroy(err);
			continue;
		}
		const struct gr_locate_ref *refs;
		size_t nrefs;
		check(gr_locate_refs(in[0].loc, f, &refs, &nrefs), "refs");
		for (size_t k = 0; k < nrefs; k++) {
			const struct gr_dwarf_global *g =
				gr_dwarf_global_at(d, refs[k].addr);
			if (!g)
				continue;
			size_t gi = (size_t)(g - g0);
			if (!want[gi])
				continue;
			uint32_t ord = 0; /* among this fingerprint's */
			for (size_t j = 0; j < k; j++)
				ord += refs[j].fp == refs[k].fp;
			struct candidate c = {fn.name, refs[k].fp, ord,
					      (int64_t)(refs[k].addr - g->addr)};
			cands[gi] = realloc(cands[gi], (ncands[gi] + 1) *
							       sizeof(c));
			if (!cands[gi])
				die("out of memory");
			cands[gi][ncands[gi]++] = c;
		}
	}
	for (size_t gi = 0; gi < ng; gi++) {
		if (!want[gi])
			continue;
		const char *name = gr_dwarf_global_at_index(d, gi)->name;
		/* The best valid candidates, one per function. */
		unsigned nloc = 0;
		while (nloc < GR_DWARF_MAX_LOCATORS) {
			const struct candidate *best = NULL;
			for (size_t k = 0; k < ncands[gi]; k++) {
				const struct candidate *c = &cands[gi][k];
				bool used = false;
				for (unsigned u = 0; u < nloc; u++)
					used |= !strcmp(locs[gi][u].func, c->func);
				if (!used && (!best || better(c, best)) &&
				    valid_everywhere(c, name, in, nin))
					best = c;
			}
			if (!best)
				break;
			if (!(locs[gi][nloc].func = strdup(best->func)))
				die("out of memory");
			locs[gi][nloc].fp = best->fp;
			locs[gi][nloc].ordinal = best->ordinal;
			locs[gi][nloc].delta = best->delta;
			nloc++;
		}
		if (!nloc) {
			fprintf(stderr, "gr-mkpack: no locator for %s\n", name);
			want[gi] = 0;
		} else if (nloc < GR_DWARF_MAX_LOCATORS) {
			fprintf(stderr, "gr-mkpack: %s: only %u locator%s\n",
				name, nloc, nloc > 1 ? "s" : "");
		}
	}
	for (size_t gi = 0; gi < ng; gi++)
		free(cands[gi]);
	free(cands);
	free(ncands);
}

int main(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[1], "-o") != 0 || (argc - 3) % 2 != 0 ||
	    (argc - 3) / 2 > MAX_INPUTS)
		die("usage: gr-mkpack -o OUT EXE CORE [EXE CORE]...");
	const char *out = argv[2];
	struct input in[MAX_INPUTS] = {{0}};
	size_t nin = (size_t)(argc - 3) / 2;
	struct names named = {0}, used = {0}, consts = {0}, globals = {0};
	for (size_t i = 0; i < nin; i++) {
		in[i].exe = argv[3 + 2 * i];
		in[i].core = argv[4 + 2 * i];
		record(&in[i], &named, &used, &consts, &globals);
		if (strcmp(gr_session_go_version(in[i].s),
			   gr_session_go_version(in[0].s)) != 0)
			die("%s: %s, not %s like the first", in[i].exe,
			    gr_session_go_version(in[i].s),
			    gr_session_go_version(in[0].s));
		check(gr_locate_create(gr_session_mem(in[i].s),
				       gr_session_pcln(in[i].s),
				       gr_session_moduledata(in[i].s),
				       gr_session_load_bias(in[i].s),
				       &in[i].loc),
		      "locate");
	}

	const struct gr_dwarf *d = in[0].d;
	size_t nt = gr_dwarf_type_count(d), nc = gr_dwarf_constant_count(d),
	       ng = gr_dwarf_global_count(d);
	uint8_t *want = calloc(nt + 1, 1), *wantc = calloc(nc + 1, 1),
		*wantg = calloc(ng + 1, 1);
	struct gr_dwarf_locator(*locs)[GR_DWARF_MAX_LOCATORS] =
		calloc(ng + 1, sizeof(*locs));
	if (!want || !wantc || !wantg || !locs)
		die("out of memory");
	for (size_t i = 0; i < named.n; i++) {
		uint32_t id;
		struct gr_error *err = gr_dwarf_type_by_name(d, named.v[i], &id);
		if (err)
			gr_error_destroy(err);
		else
			want[id] = 1;
	}
	for (size_t i = 0; i < nc; i++) {
		const struct gr_dwarf_constant *c = gr_dwarf_constant_at_index(d, i);
		if (has(&consts, c->name)) {
			wantc[i] = 1;
			if (c->type < nt)
				want[c->type] = 1;
		}
	}
	for (size_t i = 0; i < ng; i++) {
		const struct gr_dwarf_global *g = gr_dwarf_global_at_index(d, i);
		const struct gr_dwarf_global *first;
		struct gr_error *err = gr_dwarf_global(d, g->name, &first);
		if (err) {
			gr_error_destroy(err);
			continue;
		}
		if (first == g && has(&globals, g->name))
			wantg[i] = 1;
	}
	choose_locators(in, nin, wantg, locs);
	for (size_t i = 0; i < ng; i++) {
		const struct gr_dwarf_global *g = gr_dwarf_global_at_index(d, i);
		if (wantg[i] && g->type < nt)
			want[g->type] = 1;
	}
	close_types(d, want, &used);

	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= sizeof(tmp))
		die("%s: path too long", out);
	FILE *f = fopen(tmp, "w");
	if (!f)
		die("%s: cannot create", tmp);
	check(gr_dwarf_pack_write(d, gr_session_go_version(in[0].s), want,
				  wantc, wantg, locs, f),
	      out);
	if (fclose(f) != 0 || rename(tmp, out) != 0)
		die("%s: cannot write", out);
	size_t kept = 0;
	for (size_t i = 0; i < nt; i++)
		kept += want[i] != 0;
	size_t keptg = 0, keptc = 0;
	for (size_t i = 0; i < ng; i++)
		keptg += wantg[i] != 0;
	for (size_t i = 0; i < nc; i++)
		keptc += wantc[i] != 0;
	fprintf(stderr, "gr-mkpack: %s: %zu types, %zu constants, %zu globals\n",
		out, kept, keptc, keptg);
	for (size_t i = 0; i < nin; i++) {
		gr_locate_destroy(in[i].loc);
		gr_session_destroy(in[i].s);
	}
	return 0;
}
