/* SPDX-License-Identifier: MIT */
/* gr_progress timings: the lines scripts/bench.py parses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/progress.h"

/* Burn a little CPU and hold @bytes of touched private memory. */
static volatile uint64_t sink;
static void *work(size_t bytes)
{
	char *p = malloc(bytes);
	assert_non_null(p);
	memset(p, 1, bytes);
	for (uint64_t i = 0; i < 20 * 1000 * 1000; i++)
		sink += i ^ (uint64_t)p[i % bytes];
	return p;
}

static void test_timing_lines(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	struct gr_progress *p = gr_progress_create_flags(out, GR_PROGRESS_TIMINGS);
	assert_non_null(p);
	assert_false(gr_progress_has_bar(p));
	gr_progress_phase(p, "first", 10);
	gr_progress_update(p, 5);
	void *held = work(64 << 20);
	gr_progress_done(p);
	/* A phase left open is closed by the next one, and by the total. */
	gr_progress_phase(p, "second", 0);
	gr_progress_phase(p, "third", 0);
	gr_progress_count(p, "objects", 42);
	gr_progress_total(p);
	gr_progress_destroy(p);
	free(held);
	fclose(out);

	double wall, cpu, priv, peak, rss;
	char *l = strstr(buf, "goretain: timing: phase=\"first\" ");
	assert_non_null(l);
	assert_int_equal(sscanf(l, "goretain: timing: phase=\"first\" wall=%lf "
				   "cpu=%lf private_mib=%lf peak_private_mib=%lf",
				&wall, &cpu, &priv, &peak),
			 4);
	assert_true(wall > 0 && cpu > 0);
	/* The 64 MiB just touched are private and were seen. */
	assert_true(priv >= 64 && peak >= priv);
	assert_non_null(strstr(buf, "phase=\"second\" "));
	assert_non_null(strstr(buf, "phase=\"third\" "));
	assert_non_null(strstr(buf, "goretain: timing: count objects=42\n"));
	l = strstr(buf, "goretain: timing: phase=\"total\" ");
	assert_non_null(l);
	assert_int_equal(sscanf(l, "goretain: timing: phase=\"total\" wall=%lf "
				   "cpu=%lf peak_private_mib=%lf peak_rss_mib=%lf",
				&wall, &cpu, &peak, &rss),
			 4);
	assert_true(peak >= 64 && rss >= peak);
	free(buf);
}

static void test_null_and_bar_only(void **state)
{
	(void)state;
	/* NULL is silent everywhere. */
	gr_progress_phase(NULL, "x", 0);
	gr_progress_count(NULL, "objects", 1);
	gr_progress_total(NULL);
	gr_progress_done(NULL);
	gr_progress_destroy(NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct gr_progress *p = gr_progress_create(out);
	assert_true(gr_progress_has_bar(p));
	gr_progress_phase(p, "walking", 3);
	gr_progress_done(p);
	gr_progress_count(p, "objects", 1);
	gr_progress_total(p);
	gr_progress_destroy(p);
	fclose(out);
	/* A bar prints its phase but never a timing line. */
	assert_non_null(strstr(buf, "walking: 100% (3/3)"));
	assert_null(strstr(buf, "timing"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timing_lines),
		cmocka_unit_test(test_null_and_bar_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
