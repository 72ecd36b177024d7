/* SPDX-License-Identifier: MIT */
/*
 * gr_channels: the channels of the live heap that hold something or
 * someone: items queued in their buffer, or goroutines blocked sending or
 * receiving.
 *
 * A channel is a runtime.hchan (runtime/chan.go): qcount items of
 * elemsize bytes queued in a ring of dataqsiz slots at buf, and two wait
 * queues (recvq, sendq: waitq {first, last *sudog}) of the goroutines
 * parked on it, linked through sudog.next.  A goroutine blocked in a
 * select is on the queue of every channel it selects on, so it counts
 * once per channel.
 *
 * Channels are found among the live objects the type pass (gr_types)
 * typed as runtime.hchan (through a chan-typed pointer, or the hchan's
 * own type), and as the channels blocked goroutines wait on (g.waiting:
 * the sudogs of a channel operation or select, each naming its hchan in
 * sudog.c); a channel with queued items that nothing typed is missed.  Element types are read from
 * hchan.elemtype (the runtime's type descriptor), else from the hchan's
 * DWARF name ("runtime.hchan[*main.Letter]").  Field offsets come from
 * DWARF; a binary without them is UNSUPPORTED naming the field.  A wait
 * queue that cannot be read, loops (Brent) or is longer than the core's
 * goroutines allow is cut there and flagged.
 */
#ifndef GR_CHANNELS_H
#define GR_CHANNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"

struct gr_channel {
	uint32_t object;	/* heap object id of the hchan */
	uint64_t addr;
	const char *elem_type;	/* "*main.Letter", "?" if unknown */
	uint64_t elem_size;
	uint64_t cap, len;	/* dataqsiz, qcount */
	bool closed;
	uint64_t senders, receivers; /* sudogs on sendq, recvq */
	bool queue_cut;		/* a wait queue could not be walked whole */
	/* The first global (.data/.bss root) pointing at it, "" if none;
	 * owned by the analysis. */
	const char *global;
	/* The dominator subtree of the hchan: its buffer and what only
	 * the queued items hold. */
	uint64_t retained_bytes, retained_objects;
};

struct gr_channels;

/*
 * The live channels of @a with queued items or blocked goroutines, by
 * retained bytes, then queued bytes (len x elem_size), then address.
 * UNSUPPORTED without the DWARF of runtime.hchan, waitq or sudog; NOMEM.
 * Borrows @a.
 */
GR_MUST_USE
struct gr_error *gr_channels_collect(const struct gr_analysis *a,
				     struct gr_channels **ret);
void gr_channels_destroy(struct gr_channels *c);
/* What could not be read; see damage.h. */
const struct gr_damage_list *
gr_channels_damage_list(const struct gr_channels *c);

size_t gr_channels_count(const struct gr_channels *c);
const struct gr_channel *gr_channels_get(const struct gr_channels *c,
					 size_t i);
/* Live channels seen in all, busy (listed) or not. */
size_t gr_channels_total(const struct gr_channels *c);

#endif /* GR_CHANNELS_H */
