/* SPDX-License-Identifier: MIT */
/*
 * gr_rtype_synth: the program's types for a stripped binary, made from its
 * runtime type descriptors.
 *
 * A layout pack (dwarf.h) gives a stripped binary the runtime's types but
 * none of the program's, so objects typed by their malloc header could
 * not pass their type on.  The descriptors say enough for that: a
 * pointer's element, a slice's and an array's element and length, a
 * struct's fields with names, types and offsets, whether an interface has
 * methods.  Each descriptor reached becomes a DWARF-shaped type in the
 * session's index, with DW_AT_go_runtime_type's link to the descriptor,
 * shaped as cmd/link writes Go types (slices and strings as structs with a
 * Go kind, interfaces as typedefs of runtime.eface / runtime.iface), so
 * that gr_types lays out and propagates them as it does DWARF types.
 * Maps and channels are shaped as the linker's DWARF shapes them
 * (cmd/link/internal/ld/dwarf.go synthesizemaptypes, synthesizechantypes)
 * from the runtime's own structures, which the pack carries: map[K]V a
 * typedef of *hash<K,V> (classic runtime.hmap with bucket<K,V>) or of
 * *map<K,V> (Swiss internal/runtime/maps.Map, table<K,V>,
 * groupReference<K,V>; only in a binary that links them), chan T of
 * *hchan<T>.  A map or channel whose parts cannot be had, and types
 * without a name, stay opaque.
 */
#ifndef GR_RTYPE_SYNTH_H
#define GR_RTYPE_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"
#include "forensics/06-rtype/rtype.h"

/* Bound on the types one session makes (descriptors reached). */
enum { GR_RTYPE_SYNTH_MAX = 1 << 18 };

/*
 * Add types for the descriptors at runtime addresses @addrs[0..n) and
 * every descriptor they reach to the index of @s, which must come from a
 * layout pack (else nothing is done).  *added (may be NULL) gets the count.
 * Unreadable descriptors stay placeholders without a layout; the words
 * that cannot be read are recorded in @damage (the caller's walk's list).
 * NOMEM, LIMIT.
 */
GR_MUST_USE
struct gr_error *gr_rtype_synth(struct gr_session *s, struct gr_rtypes *rt,
				const uint64_t *addrs, size_t n,
				struct gr_damage_list *damage, size_t *added);

#endif /* GR_RTYPE_SYNTH_H */
