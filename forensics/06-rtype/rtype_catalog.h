/* SPDX-License-Identifier: MIT */
/*
 * gr_rcat: the catalogue of every type descriptor the compiler wrote into
 * the executable, and an index of them by the heap slot a value of each
 * would occupy and the pointer mask the heap would record for it: the
 * candidates from which an untyped object's type can be inferred (issue
 * 16: stripped binaries).
 *
 * Where the descriptors come from, by what the moduledata has (its layout
 * comes from DWARF, or from layouts/ when the binary is stripped, so the
 * catalogue is the same either way):
 *   - typelinks (Go 1.19-1.26): []int32 offsets from moduledata.types,
 *     the unnamed composite types the compiler marks for reflect
 *     (runtime/type.go typelinksinit, reflect.typelinks);
 *   - itablinks (1.19-1.26): every compiled itab's interface and concrete
 *     type (runtime/iface.go itabsinit);
 *   - typedesclen (1.27): the descriptors lie one after another from
 *     types + 8 to types + typedesclen, each aligned to 8 and as long as
 *     abi.Type.DescriptorSize() says (runtime/type.go moduleTypelinks,
 *     internal/abi/type.go), and the itabs from types + itaboffset
 *     (runtime/iface.go addModuleItabs);
 * then every descriptor reachable from those through the descriptors'
 * own references: a pointer's, slice's, array's and channel's element, an
 * array's slice type, a map's key, element and bucket (group) type, a
 * struct's field types, a function's parameter and result types, and
 * PtrToThis.  Only descriptors inside the module's [types, etypes) are
 * taken (compiled types live nowhere else); one outside, or one
 * gr_rtype_get() refuses, is counted and left out.
 *
 * Bounded: at most (etypes - types) / sizeof(abi.Type) descriptors, and
 * never more than GR_RCAT_MAX; a count read from the core (typelinks,
 * itablinks, typedesclen, struct fields, function parameters) larger than
 * its section can hold is BAD_DATA.  No state outside the catalogue.
 */
#ifndef GR_RTYPE_CATALOG_H
#define GR_RTYPE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/06-rtype/rtype.h"
#include "layouts/heapbits.h"

/* Most descriptors one catalogue holds. */
enum { GR_RCAT_MAX = 1 << 20 };

struct gr_rcat;

/* How the catalogue was filled. */
struct gr_rcat_stats {
	size_t typelinks;    /* typelinks entries read (1.19-1.26) */
	size_t itabs;	     /* itabs read (itablinks, or 1.27's itabs) */
	size_t walked;	     /* descriptors of the 1.27 walk */
	size_t reached;	     /* added by following references */
	size_t outside;	     /* references outside [types, etypes) */
	size_t refused;	     /* descriptors gr_rtype_get() refused */
	size_t descriptors;  /* in the catalogue */
};

/*
 * Build the catalogue of the module @md describes (normally
 * gr_session_moduledata() of the session @rt reads), reading through @rt,
 * which must outlive the result.  BAD_DATA when @md's types section, its
 * typelinks, itablinks or typedesclen are implausible or the 1.27 walk
 * meets a descriptor it cannot step over; UNSUPPORTED when @md has
 * neither typelinks nor typedesclen; FAULT when a table cannot be read;
 * LIMIT past GR_RCAT_MAX; NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_rcat_build(struct gr_rtypes *rt,
			       const struct gr_moduledata *md,
			       struct gr_rcat **ret);
void gr_rcat_destroy(struct gr_rcat *cat);

/* Descriptors in the order found (typelinks or the walk first, then
 * itabs, then what they reach); records owned by the gr_rtypes. */
size_t gr_rcat_count(const struct gr_rcat *cat);
const struct gr_rtype *gr_rcat_at(const struct gr_rcat *cat, size_t i);
/* Whether the descriptor at @addr is in the catalogue. */
bool gr_rcat_contains(const struct gr_rcat *cat, uint64_t addr);
void gr_rcat_stats(const struct gr_rcat *cat, struct gr_rcat_stats *ret);

/*
 * How the allocator of the binary places a value (runtime/malloc.go
 * mallocgc): from Go 1.22 (@headers) a pointerful value over
 * @c->min_size_for_header bytes gets a @c->malloc_header_size header in
 * front of it in its slot, and values over 32768 - the header size are
 * large; pointer-free values under 16 bytes share 16-byte tiny blocks;
 * the others take the smallest size class that holds them, or whole
 * pages (@c->page_size) when larger than the largest class.
 */
struct gr_rcat_alloc {
	bool headers;
	struct gr_heap_consts consts;
};

/* The slot a single value of @t occupies; 0 for a zero-size type (the
 * runtime's zerobase, never a heap object). */
uint64_t gr_rcat_slot_size(const struct gr_rcat_alloc *a,
			   const struct gr_rtype *t);

/*
 * Index the catalogue by (slot size, pointer mask) for @a.  A type whose
 * mask cannot be had (a GC program, an on-demand mask the binary lacks
 * the layout to build) is left out and counted in *unindexed (may be
 * NULL).  Indexing again replaces the index.  NOMEM, LIMIT.
 *
 * Only single values are indexed: a slice's backing array [n]T (its mask
 * T's repeated n times) is not a descriptor of the binary and waits for
 * the inference that needs it.
 */
GR_MUST_USE
struct gr_error *gr_rcat_index(struct gr_rcat *cat,
			       const struct gr_rcat_alloc *a,
			       size_t *unindexed);

/*
 * The candidates for a heap slot of @slot_size bytes whose pointer words
 * are the set bits of @mask (@nwords bits, least significant first, as
 * the heap records them for the object's data: after the malloc header
 * when it has one): every indexed type T with gr_rcat_slot_size(T) ==
 * @slot_size and T's mask, followed by zeros, equal to @mask.  *ret
 * (owned by @cat, valid until the next gr_rcat_index or destroy) gets
 * *n_ret entries in address order; *n_ret 0 when nothing fits.  So
 * "unique" is *n_ret == 1.  UNSUPPORTED before gr_rcat_index().
 */
GR_MUST_USE
struct gr_error *gr_rcat_candidates(const struct gr_rcat *cat,
				    uint64_t slot_size, const uint8_t *mask,
				    uint64_t nwords,
				    const struct gr_rtype *const **ret,
				    size_t *n_ret);

/* The number of distinct (slot, mask) keys of the index. */
size_t gr_rcat_index_keys(const struct gr_rcat *cat);

#endif /* GR_RTYPE_CATALOG_H */
