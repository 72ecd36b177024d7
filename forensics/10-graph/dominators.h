/* SPDX-License-Identifier: MIT */
/*
 * gr_dom: the dominator tree of the live object graph, and what every
 * object and root retains.
 *
 * The flow graph has one node per root, one per object and a pseudo-root P
 * whose children are all the roots.  Nodes are numbered
 *
 *     0             P, the pseudo-root
 *     1 .. R        root r is node 1 + r          (R = gr_graph_root_count)
 *     R+1 .. R+N    object id is node R + 1 + id  (N = gr_graph_object_count)
 *
 * Node d dominates node v when every path from P to v goes through d; the
 * immediate dominator idom(v) is v's closest strict dominator, and the
 * idom links form a tree rooted at P.  Only nodes reachable from P take
 * part (P, every root, and exactly the objects gr_mark finds live); the
 * others are "unreached" and every query on them answers GR_DOM_NONE or 0.
 *
 * The retained size of a node is the total size of the objects in its
 * dominator subtree, itself included: the bytes the collector would free
 * if that node (an object, or a root's pointers) were gone.  A root
 * retains what only it keeps alive; P retains every live byte.  Objects
 * whose idom is P are kept alive by two roots or more and by none alone:
 * they are the tops of the *shared* subgraphs.
 *
 * The result is immutable; queries are O(1), but for gr_dom_idom (O(log n))
 * and the chain (O(log n) per step), and may run in parallel.  Building
 * is O(m log n) time (Lengauer-Tarjan, see dominators.c) without
 * recursion.  Memory, for N node numbers, n reached nodes and c edges to
 * a node the depth-first search numbered earlier (back and cross edges, a
 * fraction of the m edges): the result keeps about 4N + 11.2n bytes (up to
 * 6n more where many nodes retain 4 GiB or 64K objects); the build peaks
 * at max(4N + 8n + 8c, 16n + 4c, 4N + 11.2n) bytes, result included, plus
 * 16 bytes per node of the longest search path.
 */
#ifndef GR_DOM_H
#define GR_DOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/07-heap/heap.h"
#include "forensics/10-graph/graph.h"
#include "forensics/10-graph/mark.h"

enum {
	GR_DOM_PSEUDO_ROOT = 0,	 /* node number of P */
	GR_DOM_NONE = UINT32_MAX /* no node: P's idom, unreached nodes */
};

/*
 * A synthetic or real object graph to build from.  Edges are object ids
 * (< nobjects); duplicates and self-edges are allowed.  The edge
 * callbacks are called twice per reachable root or object (the build
 * walks the graph again rather than keep a node -> preorder array through
 * its peak) and must answer the same both times, the size callback once;
 * in no useful order.  The edge arrays must stay valid until
 * gr_dom_build_input returns.
 * 1 + nroots + nobjects must be below UINT32_MAX.
 */
struct gr_dom_input {
	uint32_t nobjects, nroots;
	void (*object_edges)(void *arg, uint32_t id, const uint32_t **ret,
			     uint32_t *count);
	void (*root_edges)(void *arg, uint32_t r, const uint32_t **ret,
			   uint32_t *count);
	uint64_t (*object_size)(void *arg, uint32_t id);
	void *arg;
	/* Optional, for a gr_graph and its gr_heap (gr_dom_build): the same
	 * edges and sizes read straight from the arrays, without a call per
	 * node; the callbacks above are then not used. */
	const struct gr_graph_csr *csr;
	const struct gr_heap_sizes *sizes;
};

struct gr_dom_totals {
	uint32_t nodes; /* reached nodes, P and roots included */
	uint64_t edges; /* edges between reached nodes, P's too */
	uint64_t live_objects, live_bytes; /* P's retained */
	uint64_t root_objects, root_bytes; /* sum of the roots' retained */
	/* Objects whose idom is P, and what they retain together:
	 * live = root + shared. */
	uint64_t shared_tops;
	uint64_t shared_objects, shared_bytes;
};

struct gr_dom_retained {
	uint64_t bytes;
	uint64_t objects;
};

enum gr_dom_kind {
	GR_DOM_KIND_NONE,   /* out of range or unreached */
	GR_DOM_KIND_PSEUDO, /* P */
	GR_DOM_KIND_ROOT,   /* index: root index */
	GR_DOM_KIND_OBJECT, /* index: object id */
};

struct gr_dom_ref {
	enum gr_dom_kind kind;
	uint32_t index;
};

struct gr_dom;

/*
 * The dominator tree of @graph's live objects, with sizes from @heap.
 * @mark is the cross-check: the tree must cover exactly its live objects
 * and bytes (BAD_DATA otherwise, which would be a bug).  NOMEM, LIMIT
 * (too many nodes, or 2^32 - 1 back and cross edges or more).  The result
 * does not refer to its arguments.
 */
GR_MUST_USE
struct gr_error *gr_dom_build(const struct gr_heap *heap,
			      const struct gr_graph *graph,
			      const struct gr_mark *mark, struct gr_dom **ret);
/* The same over any graph (tests feed synthetic ones).  BAD_DATA for an
 * edge to an object id >= nobjects. */
GR_MUST_USE
struct gr_error *gr_dom_build_input(const struct gr_dom_input *in,
				    struct gr_dom **ret);
void gr_dom_destroy(struct gr_dom *d);

/* Node numbers (see above); no check that the node is reached. */
uint32_t gr_dom_root_node(const struct gr_dom *d, uint32_t r);
uint32_t gr_dom_object_node(const struct gr_dom *d, uint32_t id);
/* What node @node stands for; GR_DOM_KIND_NONE if out of range. */
struct gr_dom_ref gr_dom_ref(const struct gr_dom *d, uint32_t node);
/* 1 + R + N: every node number is below this. */
uint32_t gr_dom_node_count(const struct gr_dom *d);
bool gr_dom_reached(const struct gr_dom *d, uint32_t node);

/* idom(@node) as a node number; GR_DOM_NONE for P and unreached nodes. */
uint32_t gr_dom_idom(const struct gr_dom *d, uint32_t node);
/* idom of object @id: P, a root or an object; KIND_NONE if not live. */
struct gr_dom_ref gr_dom_object_idom(const struct gr_dom *d, uint32_t id);

/* Retained bytes and objects of @node's dominator subtree; zero if
 * unreached. */
struct gr_dom_retained gr_dom_retained(const struct gr_dom *d, uint32_t node);
struct gr_dom_retained gr_dom_object_retained(const struct gr_dom *d,
					      uint32_t id);
struct gr_dom_retained gr_dom_root_retained(const struct gr_dom *d,
					    uint32_t r);

/*
 * Retained sizes of groups of objects, each group's subtree counted only
 * at its topmost members (a member below another member of its group is
 * inside that one's subtree already): one walk of the tree.  @group_of[id]
 * is object id's group (< @ngroups) or UINT32_MAX for none; the sizes are
 * added to @rows_bytes[g] and @rows_objects[g].  NOMEM only.
 */
GR_MUST_USE
struct gr_error *gr_dom_group_retained(const struct gr_dom *d,
				       const uint32_t *group_of, size_t ngroups,
				       uint64_t *rows_bytes,
				       uint64_t *rows_objects);
/*
 * Children of @node in the dominator tree, as node numbers in the order
 * the depth-first search met them (deterministic, otherwise meaningless:
 * sort them for output): *ret points at *count numbers owned by @d.  None
 * for unreached nodes.  P's children are every root and the shared tops.
 */
void gr_dom_children(const struct gr_dom *d, uint32_t node,
		     const uint32_t **ret, uint32_t *count);

/*
 * The dominator chain of @node: (*ret)[0] = @node, then its idom, its
 * idom's idom ... and (*ret)[*len - 1] = P.  The caller frees *ret with
 * free().  NOT_FOUND if @node is unreached or out of range; NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_dom_chain(const struct gr_dom *d, uint32_t node,
			      uint32_t **ret, size_t *len);

const struct gr_dom_totals *gr_dom_totals(const struct gr_dom *d);

#endif /* GR_DOM_H */
