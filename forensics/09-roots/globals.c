/* SPDX-License-Identifier: MIT */
#include "forensics/09-roots/globals.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/damage.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/codetypes.h"
#include "forensics/04-gobin/moduledata.h"

struct gr_globals {
	struct gr_globals_stats stats;
	struct gr_damage_list damage;
};

/* Words read per gr_mem_read: big enough to amortise, small on the stack. */
enum { CHUNK_WORDS = 512 };

/* The root the next slot goes to, and what it was opened for. */
struct group {
	bool open;
	const struct gr_dwarf_global *global; /* NULL: an unnamed run */
	uint64_t last_word;		      /* word index of the last slot */
};

struct scan {
	struct gr_globals *g;
	struct gr_roots *roots;
	const struct gr_dwarf *dwarf;
	/* Without symbols: the code's references, where globals start. */
	const struct gr_codetypes *code;
	uint64_t bias;
	enum gr_globals_section sec;
	uint64_t base; /* section start, runtime address */
	struct group grp;
	/* An unreadable run being coalesced into one damage record. */
	uint64_t bad_start, bad_words;
};

GR_MUST_USE
static struct gr_error *open_root(struct scan *sc, uint64_t word,
				  const struct gr_dwarf_global *gl)
{
	enum gr_root_kind kind =
		sc->sec == GR_GLOBALS_DATA ? GR_ROOT_DATA : GR_ROOT_BSS;
	uint64_t slot = sc->base + 8 * word;
	struct gr_error *err;
	if (gl) {
		err = gr_roots_add(sc->roots, kind, gl->name, gl->addr + sc->bias,
				   gl->has_size ? gl->size : 0, gl->type,
				   GR_ROOT_NO_GOROUTINE, false, NULL);
		sc->g->stats.named_roots[sc->sec]++;
	} else {
		char name[48];
		snprintf(name, sizeof(name), "%s+%#" PRIx64,
			 sc->sec == GR_GLOBALS_DATA ? "data" : "bss", 8 * word);
		/* size 0: the run's extent is its slots, not known up front. */
		err = gr_roots_add(sc->roots, kind, name, slot, 0,
				   GR_ROOT_NO_TYPE, GR_ROOT_NO_GOROUTINE, false,
				   NULL);
		sc->g->stats.unnamed_roots[sc->sec]++;
	}
	if (err)
		return err;
	sc->grp = (struct group){.open = true, .global = gl};
	return NULL;
}

GR_MUST_USE
static struct gr_error *emit(struct scan *sc, uint64_t word, uint64_t value)
{
	uint64_t slot = sc->base + 8 * word;
	const struct gr_dwarf_global *gl =
		gr_dwarf_global_at(sc->dwarf, slot - sc->bias);
	const char *user;
	/* Without symbols, a word code refers to starts a variable (or one
	 * of its fields): a new unnamed run, so that one run is one global
	 * rather than every pointer of the section side by side. */
	bool same = sc->grp.open && sc->grp.global == gl &&
		    (gl || (sc->grp.last_word + 1 == word &&
			    !gr_codetypes_user(sc->code, slot, slot + 8,
					       &user)));
	struct gr_error *err;
	if (!same && (err = open_root(sc, word, gl)))
		return err;
	sc->grp.last_word = word;
	sc->g->stats.slots[sc->sec]++;
	if (value)
		sc->g->stats.nonnil_slots[sc->sec]++;
	return gr_roots_add_slot(sc->roots, slot, value);
}

GR_MUST_USE
static struct gr_error *flush_bad(struct scan *sc)
{
	if (!sc->bad_words)
		return NULL;
	struct gr_error *err = gr_damage_add(
		&sc->g->damage, sc->bad_start, 8 * sc->bad_words,
		"%s: %" PRIu64 " masked word(s) at %#" PRIx64 " unreadable",
		sc->sec == GR_GLOBALS_DATA ? "data" : "bss", sc->bad_words,
		sc->bad_start);
	sc->bad_words = 0;
	return err;
}

/* Words [w0, w0+n) of the section, masked ones emitted. */
GR_MUST_USE
static struct gr_error *scan_chunk(struct scan *sc, struct gr_mem *mem,
				   const uint8_t *bits, uint64_t w0, uint64_t n)
{
	uint64_t buf[CHUNK_WORDS];
	struct gr_error *err = gr_mem_read(mem, sc->base + 8 * w0, buf, 8 * n);
	/* Some word of the chunk is missing: read them one by one. */
	bool whole = !gr_error_catch(&err, GR_ERR_BIT(FAULT));
	if (err)
		return err;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t w = w0 + k;
		if (!(bits[w / 8] & (1u << (w % 8))))
			continue;
		uint64_t v = whole ? buf[k] : 0;
		if (!whole && (err = gr_mem_u64(mem, sc->base + 8 * w, &v))) {
			/* Counted in bad_words, recorded by flush_bad. */
			if (!gr_error_catch(&err, GR_ERR_BIT(FAULT)))
				return err;
			if (sc->bad_words &&
			    sc->bad_start + 8 * sc->bad_words != sc->base + 8 * w &&
			    (err = flush_bad(sc)))
				return err;
			if (!sc->bad_words)
				sc->bad_start = sc->base + 8 * w;
			sc->bad_words++;
			/* An unreadable word ends an unnamed run. */
			if (!sc->grp.global)
				sc->grp.open = false;
			continue;
		}
		if ((err = emit(sc, w, v)))
			return err;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *scan_section(struct gr_globals *g,
				     struct gr_session *s,
				     struct gr_roots *roots,
				     enum gr_globals_section sec,
				     const struct gr_codetypes *code)
{
	struct gr_mem *mem = gr_session_mem(s);
	const struct gr_moduledata *md = gr_session_moduledata(s);
	bool bss = sec == GR_GLOBALS_BSS;
	uint8_t *bits = NULL;
	uint64_t nbits = 0;
	struct gr_error *err = gr_moduledata_gcmask(mem, md, bss, &bits, &nbits);
	if (err) {
		uint64_t lo = bss ? md->bss : md->data;
		uint64_t hi = bss ? md->ebss : md->edata;
		return gr_damage_catch(&g->damage, err, GR_ERR_CONTENT, lo,
				       hi > lo ? hi - lo : 0, "%s not scanned: %s",
				       bss ? "bss" : "data", err->message);
	}
	struct scan sc = {
		.g = g,
		.roots = roots,
		.dwarf = gr_session_dwarf(s),
		.code = code,
		.bias = gr_session_load_bias(s),
		.sec = sec,
		.base = bss ? md->bss : md->data,
	};
	/* gr_moduledata_gcmask cleared the bits past nbits. */
	for (uint64_t b = 0; b < (nbits + 7) / 8; b++)
		g->stats.mask_bits[sec] += (uint64_t)__builtin_popcount(bits[b]);
	for (uint64_t w = 0; w < nbits && !err; w += CHUNK_WORDS) {
		uint64_t n = nbits - w < CHUNK_WORDS ? nbits - w : CHUNK_WORDS;
		/* Skip chunks without a masked word: no read at all. */
		bool any = false;
		for (uint64_t b = w / 8; b < (w + n + 7) / 8 && !any; b++)
			any = bits[b] != 0;
		if (any)
			err = scan_chunk(&sc, mem, bits, w, n);
	}
	if (!err)
		err = flush_bad(&sc);
	free(bits);
	return err;
}

/*
 * A binary without symbols names its globals by section offset; say which
 * function uses each ("bss+0x1a8 (used by main.main)"): the code that
 * refers to the run's words, or to the words just before its first (a
 * struct's pointer fields need not start it), not before the previous
 * run's end.
 */
GR_MUST_USE
static struct gr_error *name_users(const struct gr_codetypes *c,
				   struct gr_roots *roots, size_t first)
{
	struct gr_error *err;
	uint64_t prev_end = 0;
	for (size_t i = first; i < gr_roots_count(roots); i++) {
		const struct gr_root *r = gr_roots_get(roots, i);
		size_t n = gr_roots_slot_count(roots, i);
		if (r->dwarf_type != GR_ROOT_NO_TYPE || !n)
			continue;
		const struct gr_root_slot *sl = gr_roots_slots(roots, i);
		uint64_t lo = sl[0].slot, hi = sl[n - 1].slot + 8;
		lo = lo - prev_end > 56 ? lo - 56 : prev_end;
		prev_end = hi;
		const char *fn;
		if (!gr_codetypes_user(c, lo, hi, &fn))
			continue;
		char name[512];
		snprintf(name, sizeof(name), "%s (used by %s)", r->name, fn);
		if ((err = gr_roots_rename(roots, i, name)))
			return err;
	}
	return NULL;
}

struct gr_error *gr_globals_add_roots(struct gr_session *s,
				      struct gr_roots *roots,
				      struct gr_globals **ret)
{
	struct gr_globals *g = calloc(1, sizeof(*g));
	if (!g)
		return gr_error_nomem();
	size_t first = gr_roots_count(roots);
	/* A binary analysed through a layout pack has no symbols. */
	const struct gr_codetypes *code = NULL;
	struct gr_error *err =
		gr_dwarf_pack_version(gr_session_dwarf(s))
			? gr_session_codetypes(s, &code)
			: NULL;
	if (!err)
		err = scan_section(g, s, roots, GR_GLOBALS_DATA, code);
	if (!err)
		err = scan_section(g, s, roots, GR_GLOBALS_BSS, code);
	if (!err && code)
		err = name_users(code, roots, first);
	const struct gr_moduledata *md = gr_session_moduledata(s);
	if (!err && md->next)
		err = gr_damage_add(&g->damage, md->next, 0,
				    "further modules (plugins, shared "
				    "libraries) not scanned");
	if (!err)
		err = gr_damage_list_close(&g->damage);
	if (err) {
		gr_globals_destroy(g);
		return err;
	}
	*ret = g;
	return NULL;
}

void gr_globals_destroy(struct gr_globals *g)
{
	if (!g)
		return;
	gr_damage_list_deinit(&g->damage);
	free(g);
}

const struct gr_globals_stats *gr_globals_stats(const struct gr_globals *g)
{
	return &g->stats;
}

size_t gr_globals_damage_count(const struct gr_globals *g)
{
	return gr_damage_count(&g->damage);
}

const struct gr_damage *gr_globals_damage(const struct gr_globals *g, size_t i)
{
	return gr_damage_get(&g->damage, i);
}

const struct gr_damage_list *gr_globals_damage_list(const struct gr_globals *g)
{
	return &g->damage;
}
