/* SPDX-License-Identifier: MIT */
/*
 * gr_goroutines and gr_stackroots against the chanblock corpus program
 * (corpora/cmd/chanblock) of every installed Go toolchain, PIE and not.
 *
 * The cores come from scripts/make-cores.sh ($GR_CACHE/cores, default
 * $HOME/.cache/goretain/cores); a missing core FAILS the test (run `make
 * cores`).  Expected values come from the program's own oracle.json, read
 * with jq, and from its source (the line of each blocking statement):
 *   - user goroutines (alive, not runtime-started) = oracle num_goroutine
 *     (runtime.NumGoroutine excludes system goroutines: proc.go gcount);
 *   - per go statement (file:line): count, wait reason, started function;
 *   - every goroutine the oracle lists has its state and top function;
 *   - the top user frame of a blocked goroutine is a line of main.go that
 *     blocks (a channel operation or a select);
 *   - the []byte only the holder goroutine's frame references is the value
 *     of a STACK root slot whose name holds "var buf";
 *   - every live goroutine unwinds to runtime.goexit at g.stktopsp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include "forensics/02-input/input.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/05-session/session.h"
#include "forensics/08-stacks/goroutines.h"
#include "forensics/09-roots/roots.h"
#include "forensics/09-roots/stackroots.h"

#define ok(expr)                                                               \
	do {                                                                   \
		struct gr_error *e_ = (expr);                                  \
		if (e_)                                                        \
			fail_msg("%s:%d: %s: %s", __FILE__, __LINE__,          \
				 gr_error_code_name(e_->code), e_->message);   \
	} while (0)

static const unsigned versions[] = {19, 21, 22, 23, 24, 25, 26, 27};

enum { MAX_SITES = 16, MAX_OG = 256, PATHLEN = PATH_MAX + 128 };

struct site {
	char site[256], wait[64], start[128];
	unsigned count;
};

struct og { /* a goroutine the oracle lists */
	uint64_t id;
	char state[64], top[160];
	char created_by[160], site[256]; /* "-" for the main goroutine */
};

struct oracle {
	uint64_t num_goroutine, main_id, holder_buf;
	char main_state[64];
	struct site sites[MAX_SITES];
	size_t nsites;
	struct og g[MAX_OG];
	size_t ng;
};

static void cache_dir(char *buf, size_t len, unsigned minor, const char *v)
{
	const char *c = getenv("GR_CACHE"), *home = getenv("HOME");
	if (c && *c)
		snprintf(buf, len, "%s/cores/go1.%u/%s", c, minor, v);
	else
		snprintf(buf, len, "%s/.cache/goretain/cores/go1.%u/%s",
			 home ? home : ".", minor, v);
}

static bool installed(unsigned minor)
{
	char go[64];
	snprintf(go, sizeof(go), "/usr/lib/go-1.%u/bin/go", minor);
	return access(go, X_OK) == 0;
}

static void need_file(const char *dir, const char *name)
{
	char p[PATHLEN + 32];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (stat(p, &st) != 0 || st.st_size == 0)
		fail_msg("core cache incomplete: no %s (run `make cores`)", p);
}

static void read_oracle(const char *dir, struct oracle *o)
{
	static const char filter[] =
		"\"N\\t\\(.num_goroutine)\","
		"\"M\\t\\(.main_goroutine.id)\\t\\(.main_goroutine.state_at_core)\","
		"((.objects // [])[] | select(.name == \"holder stack buffer\") | "
		"\"B\\t\\(.addr)\"),"
		"((.sites // {})[] | \"S\\t\\(.site)\\t\\(.count)\\t\\(.wait_reason)\\t"
		"\\(.start_func)\"),"
		"(.goroutines[] | \"G\\t\\(.id)\\t\\(.state)\\t\\(.top_func)\\t"
		"\\(.created_by // \"-\")\\t\\(.site // \"-\")\")";
	char cmd[PATHLEN + sizeof(filter) + 32], line[1024];
	snprintf(cmd, sizeof(cmd), "jq -r '%s' '%s/oracle.json'", filter, dir);
	memset(o, 0, sizeof(*o));
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		char *f[6] = {0};
		char *save = NULL;
		int n = 0;
		for (char *t = strtok_r(line, "\t", &save); t && n < 6;
		     t = strtok_r(NULL, "\t", &save))
			f[n++] = t;
		if (n == 2 && f[0][0] == 'N')
			o->num_goroutine = strtoull(f[1], NULL, 10);
		else if (n == 3 && f[0][0] == 'M') {
			o->main_id = strtoull(f[1], NULL, 10);
			snprintf(o->main_state, sizeof(o->main_state), "%s", f[2]);
		} else if (n == 2 && f[0][0] == 'B')
			o->holder_buf = strtoull(f[1], NULL, 16);
		else if (n == 5 && f[0][0] == 'S' && o->nsites < MAX_SITES) {
			struct site *s = &o->sites[o->nsites++];
			snprintf(s->site, sizeof(s->site), "%s", f[1]);
			s->count = (unsigned)strtoul(f[2], NULL, 10);
			snprintf(s->wait, sizeof(s->wait), "%s", f[3]);
			snprintf(s->start, sizeof(s->start), "%s", f[4]);
		} else if (n == 6 && f[0][0] == 'G' && o->ng < MAX_OG) {
			struct og *g = &o->g[o->ng++];
			g->id = strtoull(f[1], NULL, 10);
			snprintf(g->state, sizeof(g->state), "%s", f[2]);
			snprintf(g->top, sizeof(g->top), "%s", f[3]);
			snprintf(g->created_by, sizeof(g->created_by), "%s", f[4]);
			snprintf(g->site, sizeof(g->site), "%s", f[5]);
		}
	}
	if (pclose(p) != 0)
		fail_msg("%s/oracle.json: jq failed", dir);
	if (!o->num_goroutine || !o->main_id || o->ng == 0)
		fail_msg("%s/oracle.json: incomplete oracle", dir);
}

/* Line @line of the corpus source that @file names (the binaries are built
 * with -trimpath: "goretain/corpora/cmd/chanblock/main.go"). */
static bool source_line(const char *file, int32_t line, char *buf, size_t len)
{
	static const char prefix[] = "goretain/corpora/";
	const char *src = getenv("GR_SRCDIR");
	char path[PATHLEN];
	if (strncmp(file, prefix, sizeof(prefix) - 1) != 0)
		return false;
	snprintf(path, sizeof(path), "%s/corpora/%s", src ? src : ".",
		 file + sizeof(prefix) - 1);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	int32_t n = 0;
	bool found = false;
	while (fgets(buf, (int)len, f))
		if (++n == line) {
			found = true;
			break;
		}
	fclose(f);
	return found;
}

static void open_core(const char *dir, struct gr_session **s,
		      struct gr_goroutines **gs)
{
	char core[PATHLEN + 8], exe[PATHLEN + 8];
	snprintf(core, sizeof(core), "%s/core", dir);
	snprintf(exe, sizeof(exe), "%s/bin", dir);
	struct gr_session_options opt = {.core_path = core, .exe_path = exe};
	ok(gr_session_open(&opt, s));
	ok(gr_goroutines_load(*s, gs));
}

/* What the runtime's traceback header says: the wait reason of a waiting
 * goroutine, else its status (traceback.go goroutineheader). */
static const char *state_of(const struct gr_goroutine *g)
{
	if (g->status == GR_G_WAITING && g->wait_reason[0])
		return g->wait_reason;
	return g->status_name;
}

static const struct gr_goroutine *by_id(const struct gr_goroutines *gs,
					uint64_t id)
{
	for (size_t i = 0; i < gr_goroutines_count(gs); i++)
		if (gr_goroutines_get(gs, i)->id == id &&
		    !gr_g_is_dead(gr_goroutines_get(gs, i)))
			return gr_goroutines_get(gs, i);
	return NULL;
}

/*
 * runtime.NumGoroutine counts every goroutine but those created as system
 * goroutines (proc.go gcount, newproc1: sched.ngsys); runtime.Stack lists
 * those that isSystemGoroutine(gp, false) does not exclude at that time,
 * which includes the finalizer goroutine while it runs a finalizer.
 * @running_finalizers: how many runtime-started goroutines run user code.
 */
static void check_counts(const char *id, const struct gr_goroutines *gs,
			 const struct oracle *o, uint64_t running_finalizers)
{
	uint64_t user = 0, sys = 0, borrowed = 0;
	for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		if (gr_g_is_dead(g))
			continue;
		if (g->created_system)
			sys++;
		else
			user++;
		if (g->created_system && !g->is_system)
			borrowed++;
		assert_false(g->is_system && !g->created_system);
	}
	print_message("%s: %" PRIu64 " user + %" PRIu64 " system goroutines\n",
		      id, user, sys);
	if (user != o->num_goroutine)
		fail_msg("%s: %" PRIu64 " user goroutines, oracle "
			 "num_goroutine %" PRIu64, id, user, o->num_goroutine);
	assert_int_equal(borrowed, running_finalizers);
	assert_true(sys >= 4); /* forcegc, sweep, scavenge, finalizer at least */
}

static void check_sites(const char *id, const struct gr_goroutines *gs,
			const struct oracle *o)
{
	for (size_t k = 0; k < o->nsites; k++) {
		const struct site *s = &o->sites[k];
		unsigned n = 0;
		for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
			const struct gr_goroutine *g = gr_goroutines_get(gs, i);
			char at[512];
			snprintf(at, sizeof(at), "%s:%d", g->creator_file,
				 g->creator_line);
			if (gr_g_is_dead(g) || strcmp(at, s->site) != 0)
				continue;
			n++;
			if (strcmp(state_of(g), s->wait) != 0 ||
			    strcmp(g->go_func, s->start) != 0)
				fail_msg("%s: goroutine %" PRIu64 " from %s: "
					 "[%s] %s, oracle [%s] %s", id, g->id,
					 s->site, state_of(g), g->go_func,
					 s->wait, s->start);
			/* The blocking statement of the started function. */
			char src[512];
			if (strcmp(g->top_func, s->start) != 0 ||
			    !source_line(g->top_file, g->top_line, src,
					 sizeof(src)) ||
			    (!strstr(src, "<-") && !strstr(src, "select")))
				fail_msg("%s: goroutine %" PRIu64 " top frame "
					 "%s %s:%d is not a blocking line of %s",
					 id, g->id, g->top_func, g->top_file,
					 g->top_line, s->start);
		}
		if (n != s->count)
			fail_msg("%s: %u goroutines created at %s, oracle %u",
				 id, n, s->site, s->count);
	}
}

static void check_listed(const char *id, const struct gr_goroutines *gs,
			 const struct oracle *o)
{
	for (size_t k = 0; k < o->ng; k++) {
		const struct og *w = &o->g[k];
		const struct gr_goroutine *g = by_id(gs, w->id);
		if (!g)
			fail_msg("%s: goroutine %" PRIu64 " not found", id,
				 w->id);
		/* The oracle lists the main goroutine as it ran the census;
		 * at core time it waits in Finish. */
		const char *want = w->id == o->main_id ? o->main_state : w->state;
		if (strcmp(state_of(g), want) != 0)
			fail_msg("%s: goroutine %" PRIu64 " is [%s], oracle "
				 "[%s]", id, w->id, state_of(g), want);
		if (w->id != o->main_id && strcmp(g->top_func, w->top) != 0)
			fail_msg("%s: goroutine %" PRIu64 " top %s, oracle %s",
				 id, w->id, g->top_func, w->top);
		/* "created by" and the go statement's file:line. */
		char at[512];
		snprintf(at, sizeof(at), "%s:%d", g->creator_file,
			 g->creator_line);
		if (strcmp(w->site, "-") != 0 &&
		    (strcmp(at, w->site) != 0 ||
		     strcmp(g->creator_func, w->created_by) != 0))
			fail_msg("%s: goroutine %" PRIu64 " created by %s at %s, "
				 "oracle %s at %s", id, w->id, g->creator_func,
				 at, w->created_by, w->site);
	}
	/* And the oracle lists every goroutine that is not a system one. */
	for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		bool listed = false;
		for (size_t k = 0; k < o->ng && !listed; k++)
			listed = o->g[k].id == g->id;
		if (!gr_g_is_dead(g) && !g->is_system && !listed)
			fail_msg("%s: goroutine %" PRIu64 " (%s) is no system "
				 "goroutine but the oracle does not list it",
				 id, g->id, g->go_func);
	}
}

static void check_unwinding(const char *id, const struct gr_goroutines *gs)
{
	for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		if (gr_g_is_dead(g))
			continue;
		const struct gr_frame *f = gr_goroutines_frames(gs, i);
		if (!g->unwind_complete || g->nframes < 2 ||
		    g->unwind_end != GR_UNWIND_TOP)
			fail_msg("%s: goroutine %" PRIu64 " (%s): %u frames, "
				 "end %s (%s)", id, g->id, g->start_func,
				 g->nframes, gr_unwind_end_name(g->unwind_end),
				 g->unwind_error ? g->unwind_error : "");
		assert_string_equal(f[g->nframes - 1].func, "runtime.goexit");
		assert_int_equal(f[g->nframes - 1].sp, g->stktopsp);
		for (uint32_t k = 0; k < g->nframes; k++) {
			assert_true(f[k].sp >= g->stack_lo);
			assert_true(f[k].fp <= g->stack_hi);
			assert_true(f[k].sp < f[k].fp);
			if (k > 0)
				assert_int_equal(f[k].sp, f[k - 1].fp);
			assert_true(f[k].line > 0);
		}
		assert_true(g->stack_lo < g->stack_hi);
		assert_true(g->gopc != 0 && g->startpc != 0);
		assert_true(g->start_func[0] != '\0');
		/* Parked and syscall goroutines of these cores. */
		assert_true(g->frames_from == GR_G_FROM_SCHED ||
			    g->frames_from == GR_G_FROM_SYSCALL);
		assert_true(g->wait_ns >= -1);
	}
}

static void check_holder(const char *id, struct gr_session *s,
			 const struct gr_goroutines *gs,
			 const struct oracle *o)
{
	struct gr_roots *roots;
	struct gr_stackroots_stats st;
	ok(gr_roots_create(&roots));
	ok(gr_stackroots_add(s, gs, NULL, roots, &st));
	print_message("%s: %zu stack roots, %" PRIu64 " frames, %" PRIu64
		      " precise and %" PRIu64 " conservative slots, %" PRIu64
		      "/%" PRIu64 " stack objects live\n",
		      id, gr_roots_count(roots), st.frames, st.precise_slots,
		      st.conservative_slots, st.stack_objects_live,
		      st.stack_objects);
	assert_int_equal(st.damaged_frames, 0);
	assert_int_equal(st.incomplete_stacks, 0);
	bool found = false;
	for (size_t i = 0; i < gr_roots_count(roots); i++) {
		const struct gr_root *r = gr_roots_get(roots, i);
		const struct gr_root_slot *sl = gr_roots_slots(roots, i);
		assert_true(r->kind == GR_ROOT_STACK ||
			    r->kind == GR_ROOT_STACK_CONSERVATIVE ||
			    r->kind == GR_ROOT_DEFER ||
			    r->kind == GR_ROOT_CHANNEL_WAIT);
		assert_true(r->goroutine < gr_goroutines_count(gs));
		const struct gr_goroutine *g =
			gr_goroutines_get(gs, r->goroutine);
		for (size_t k = 0; k < gr_roots_slot_count(roots, i); k++) {
			assert_true(sl[k].value != 0);
			/* Pointers into the own stack are followed, not
			 * reported. */
			assert_false(sl[k].value >= g->stack_lo &&
				     sl[k].value < g->stack_hi);
			if (sl[k].value != o->holder_buf)
				continue;
			if (r->kind != GR_ROOT_STACK || !strstr(r->name, "var buf") ||
			    strcmp(g->go_func, "main.holder") != 0)
				fail_msg("%s: holder buffer %#" PRIx64 " held by "
					 "%s root \"%s\"", id, o->holder_buf,
					 gr_root_kind_name(r->kind), r->name);
			/* The slot is in the holder's stack. */
			assert_true(sl[k].slot >= g->stack_lo &&
				    sl[k].slot < g->stack_hi);
			found = true;
		}
	}
	if (!found)
		fail_msg("%s: no stack root holds the holder buffer %#" PRIx64,
			 id, o->holder_buf);
	gr_roots_destroy(roots);
}

static void check_names(const struct gr_goroutines *gs)
{
	/* Status names come from the core's gStatusStrings or the runtime
	 * source; never empty. */
	assert_string_equal(gr_goroutines_status_name(gs, GR_G_WAITING),
			    "waiting");
	assert_string_equal(gr_goroutines_status_name(gs, GR_G_RUNNABLE),
			    "runnable");
	assert_string_equal(gr_goroutines_status_name(gs, GR_G_LEAKED),
			    "leaked");
	assert_string_equal(gr_goroutines_status_name(gs, 99), "???");
	assert_true(gr_goroutines_newest_nanotime(gs) > 0);
	assert_null(gr_goroutines_get(gs, gr_goroutines_count(gs)));
	assert_null(gr_goroutines_frames(gs, gr_goroutines_count(gs)));
}

static void test_chanblock(void **state)
{
	(void)state;
	unsigned ncores = 0;
	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		if (!installed(versions[v]))
			continue;
		for (int pie = 0; pie < 2; pie++) {
			char dir[PATHLEN], id[64];
			const char *variant = pie ? "chanblock-pie" : "chanblock-exe";
			cache_dir(dir, sizeof(dir), versions[v], variant);
			snprintf(id, sizeof(id), "go1.%u/%s", versions[v], variant);
			need_file(dir, "core");
			need_file(dir, "bin");
			need_file(dir, "oracle.json");
			struct oracle o;
			read_oracle(dir, &o);
			struct gr_session *s;
			struct gr_goroutines *gs;
			open_core(dir, &s, &gs);
			if (!o.holder_buf || o.nsites == 0)
				fail_msg("%s: incomplete oracle", id);
			check_counts(id, gs, &o, 0);
			check_sites(id, gs, &o);
			check_listed(id, gs, &o);
			check_unwinding(id, gs);
			check_holder(id, s, gs, &o);
			check_names(gs);
			gr_goroutines_destroy(gs);
			gr_session_destroy(s);
			ncores++;
		}
	}
	if (ncores == 0)
		fail_msg("no Go toolchain under /usr/lib/go-1.NN: run "
			 "scripts/install-go.sh and `make cores`");
}

/* ---- corrupted copies of a core ---- */

/* Offset in the core file of target address @addr (bytes from the core). */
static off_t file_offset(struct gr_session *s, uint64_t addr)
{
	const struct gr_mem_segment *seg = gr_mem_find(gr_session_mem(s), addr);
	assert_non_null(seg);
	assert_int_equal(seg->source, GR_MEM_CORE);
	return (off_t)(seg->data + (addr - seg->start) -
		       gr_input_data(gr_session_input(s)));
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(in >= 0 && out >= 0);
	static char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
}

static void patch_u64(const char *path, off_t off, uint64_t v)
{
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &v, 8, off), 8);
	close(fd);
}

struct victim {
	off_t allgs_len, allglen, allgs_first, holder_sp;
	uint64_t holder_id;
	size_t count;
};

static void find_victims(const char *dir, struct victim *v)
{
	struct gr_session *s;
	struct gr_goroutines *gs;
	open_core(dir, &s, &gs);
	const struct gr_dwarf *d = gr_session_dwarf(s);
	const struct gr_dwarf_global *allgs, *allglen;
	uint64_t sched, sp, slice[3];
	ok(gr_dwarf_global(d, "runtime.allgs", &allgs));
	ok(gr_dwarf_global(d, "runtime.allglen", &allglen));
	v->allglen = file_offset(s, allglen->addr + gr_session_load_bias(s));
	v->count = gr_goroutines_count(gs);
	ok(gr_dwarf_field_offset(d, "runtime.g", "sched", &sched));
	ok(gr_dwarf_field_offset(d, "runtime.gobuf", "sp", &sp));
	uint64_t at = allgs->addr + gr_session_load_bias(s);
	ok(gr_mem_read(gr_session_mem(s), at, slice, sizeof(slice)));
	v->allgs_len = file_offset(s, at + 8);
	v->allgs_first = file_offset(s, slice[0]);
	v->holder_sp = -1;
	for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		if (strcmp(g->go_func, "main.holder") == 0) {
			v->holder_sp = file_offset(s, g->addr + sched + sp);
			v->holder_id = g->id;
		}
	}
	assert_true(v->holder_sp >= 0);
	gr_goroutines_destroy(gs);
	gr_session_destroy(s);
}

static void test_corrupt(void **state)
{
	(void)state;
	unsigned minor = 0;
	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++)
		if (installed(versions[v]))
			minor = versions[v];
	if (!minor)
		fail_msg("no Go toolchain under /usr/lib/go-1.NN");
	char dir[PATHLEN], tmpdir[] = "/tmp/gr-goroutines-XXXXXX";
	char orig[PATHLEN + 8], copy[sizeof(tmpdir) + 8], exe[PATHLEN + 8];
	cache_dir(dir, sizeof(dir), minor, "chanblock-exe");
	need_file(dir, "core");
	snprintf(orig, sizeof(orig), "%s/core", dir);
	snprintf(exe, sizeof(exe), "%s/bin", dir);
	assert_non_null(mkdtemp(tmpdir));
	snprintf(copy, sizeof(copy), "%s/core", tmpdir);
	struct victim vic = {0};
	find_victims(dir, &vic);
	struct gr_session_options opt = {.core_path = copy, .exe_path = exe};
	struct gr_session *s;
	struct gr_goroutines *gs;
	struct gr_error *err;

	/* allgs with len > cap: allgptr/allglen (proc.go allgadd) serve. */
	copy_file(orig, copy);
	patch_u64(copy, vic.allgs_len, UINT64_C(1) << 40);
	ok(gr_session_open(&opt, &s));
	ok(gr_goroutines_load(s, &gs));
	assert_int_equal(gr_goroutines_count(gs), vic.count);
	gr_goroutines_destroy(gs);
	gr_session_destroy(s);

	/* Both claim more goroutines than the core can hold. */
	patch_u64(copy, vic.allglen, UINT64_C(1) << 40);
	ok(gr_session_open(&opt, &s));
	err = gr_goroutines_load(s, &gs);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "runtime.allgs"));
	gr_error_destroy(err);
	gr_session_destroy(s);

	/* The first g pointer is garbage and the holder's saved sp points
	 * nowhere: both are reported, the rest is analysed. */
	copy_file(orig, copy);
	patch_u64(copy, vic.allgs_first, 0x10);
	patch_u64(copy, vic.holder_sp, 0x8);
	ok(gr_session_open(&opt, &s));
	ok(gr_goroutines_load(s, &gs));
	bool unreadable = false, holder = false;
	size_t complete = 0;
	for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		if (g->addr == 0x10) {
			unreadable = true;
			assert_string_equal(g->status_name, "unreadable");
			assert_int_equal(g->unwind_end, GR_UNWIND_FAULT);
			assert_non_null(g->unwind_error);
		} else if (g->id == vic.holder_id && !gr_g_is_dead(g)) {
			holder = true;
			assert_int_equal(g->nframes, 0);
			assert_false(g->unwind_complete);
			assert_true(g->unwind_end == GR_UNWIND_OUT_OF_STACK ||
				    g->unwind_end == GR_UNWIND_FAULT);
		} else if (g->unwind_complete) {
			complete++;
		}
	}
	assert_true(unreadable && holder && complete > 10);
	struct gr_roots *roots;
	struct gr_stackroots_stats st;
	ok(gr_roots_create(&roots));
	ok(gr_stackroots_add(s, gs, NULL, roots, &st));
	assert_true(st.incomplete_stacks >= 1);
	assert_true(gr_roots_count(roots) > 0);
	gr_roots_destroy(roots);
	gr_goroutines_destroy(gs);
	gr_session_destroy(s);
	unlink(copy);
	rmdir(tmpdir);
}

/* The finalizer corpus: its finalizer goroutine is blocked in a finalizer,
 * so it is counted as a system goroutine by NumGoroutine but listed by
 * runtime.Stack (non-PIE only: the PIE variants add nothing here). */
static void test_finalizer(void **state)
{
	(void)state;
	unsigned ncores = 0;
	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		if (!installed(versions[v]))
			continue;
		char dir[PATHLEN], id[64];
		cache_dir(dir, sizeof(dir), versions[v], "finalizer-exe");
		snprintf(id, sizeof(id), "go1.%u/finalizer-exe", versions[v]);
		need_file(dir, "core");
		need_file(dir, "bin");
		need_file(dir, "oracle.json");
		struct oracle o;
		read_oracle(dir, &o);
		struct gr_session *s;
		struct gr_goroutines *gs;
		open_core(dir, &s, &gs);
		check_counts(id, gs, &o, 1);
		check_listed(id, gs, &o);
		check_unwinding(id, gs);
		gr_goroutines_destroy(gs);
		gr_session_destroy(s);
		ncores++;
	}
	if (ncores == 0)
		fail_msg("no Go toolchain under /usr/lib/go-1.NN");
}

static void test_destroy_null(void **state)
{
	(void)state;
	gr_goroutines_destroy(NULL);
	assert_string_equal(gr_unwind_end_name(GR_UNWIND_TOP), "TOP");
	assert_string_equal(gr_unwind_end_name(GR_UNWIND_END_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_destroy_null),
		cmocka_unit_test(test_chanblock),
		cmocka_unit_test(test_finalizer),
		cmocka_unit_test(test_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
