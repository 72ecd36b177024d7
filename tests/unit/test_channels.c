/* SPDX-License-Identifier: MIT */
/*
 * gr_channels on the chanblock cores of every installed Go version, PIE and
 * not, against the program's own "channels" fact: main.mailbox holds 3 of
 * 8 letters, main.results is full (2 of 2) with 5 senders parked,
 * main.requests is unbuffered with 7 receivers parked; each found by its
 * address, named by its global, with its element type.  The three select
 * goroutines' channels, which only their stacks reach, are found through
 * the goroutines' sudogs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/12-query/analysis.h"
#include "forensics/12-query/channels.h"
#include "tests/unit/rootcores.h"

static const struct gr_channel *find(const struct gr_channels *c,
				     uint64_t addr)
{
	for (size_t i = 0; i < gr_channels_count(c); i++)
		if (gr_channels_get(c, i)->addr == addr)
			return gr_channels_get(c, i);
	return NULL;
}

static void check(const struct rc_core *r, const struct gr_channels *c,
		  const char *global, const char *elem)
{
	char from[64];
	snprintf(from, sizeof(from), "\"%s\":", global);
	uint64_t addr = rc_hex(r, from, "addr");
	const struct gr_channel *ch = find(c, addr);
	if (!ch)
		fail_msg("%s: %s (%#" PRIx64 ") not listed", r->id, global,
			 addr);
	assert_string_equal(ch->global, global);
	assert_string_equal(ch->elem_type, elem);
	assert_int_equal(ch->len, rc_num(r, from, "len"));
	assert_int_equal(ch->cap, rc_num(r, from, "cap"));
	const char *obj = strstr(r->oracle, from);
	const char *end = strchr(obj, '}');
	const char *ws = strstr(obj, "\"waiting_senders\":");
	const char *wr = strstr(obj, "\"waiting_receivers\":");
	assert_int_equal(ch->senders,
			 ws && ws < end ? rc_num(r, from, "waiting_senders")
					: 0);
	assert_int_equal(ch->receivers,
			 wr && wr < end ? rc_num(r, from, "waiting_receivers")
					: 0);
	assert_false(ch->queue_cut);
	assert_false(ch->closed);
	assert_int_equal(ch->elem_size, 8);
}

static void test_chanblock(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "chanblock");
	for (size_t v = 0; v < set.n; v++) {
		const struct rc_core *r = &set.v[v];
		struct gr_session *s;
		struct gr_analysis *a;
		struct gr_channels *c;
		rc_open(r, &s);
		rc_ok(gr_analysis_run(s, NULL, &a));
		rc_ok(gr_channels_collect(a, &c));
		check(r, c, "main.mailbox", "*main.Letter");
		check(r, c, "main.results", "*main.Parcel");
		check(r, c, "main.requests", "int");
		/* nSelect goroutines each wait on a chan int (receiving) and
		 * a chan string (sending) that no global names. */
		size_t sel_recv = 0, sel_send = 0;
		for (size_t i = 0; i < gr_channels_count(c); i++) {
			const struct gr_channel *ch = gr_channels_get(c, i);
			if (*ch->global)
				continue;
			sel_recv += !strcmp(ch->elem_type, "int") &&
				    ch->receivers == 1;
			sel_send += !strcmp(ch->elem_type, "string") &&
				    ch->senders == 1;
		}
		assert_int_equal(sel_recv, 3);
		assert_int_equal(sel_send, 3);
		/* Sorted by retained bytes: the mailbox with its letters. */
		assert_int_equal(gr_channels_get(c, 0)->addr,
				 rc_hex(r, "\"main.mailbox\":", "addr"));
		assert_true(gr_channels_total(c) >= gr_channels_count(c));
		print_message("%s: %zu busy of %zu live channels\n", r->id,
			      gr_channels_count(c), gr_channels_total(c));
		gr_channels_destroy(c);
		gr_analysis_destroy(a);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chanblock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
