/* SPDX-License-Identifier: MIT */
#include "progress.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct gr_progress {
	FILE *out;
	double created;
	char phase[64];
	uint64_t total, done;
	double phase_start, last_print;
};

double gr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t gr_peak_rss(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
}

struct gr_progress *gr_progress_create(FILE *out)
{
	struct gr_progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->out = out;
	p->created = gr_now();
	return p;
}

void gr_progress_destroy(struct gr_progress *p)
{
	free(p);
}

static void print(struct gr_progress *p, bool final)
{
	double now = gr_now(), dt = now - p->phase_start;
	fprintf(p->out, "\r%s: ", p->phase);
	if (p->total)
		fprintf(p->out, "%3u%% (%" PRIu64 "/%" PRIu64 ")",
			(unsigned)(p->done * 100 / p->total), p->done, p->total);
	else
		fprintf(p->out, "%" PRIu64, p->done);
	if (dt > 0.5 && p->done)
		fprintf(p->out, ", %.0f/s", (double)p->done / dt);
	if (final)
		fprintf(p->out, ", done in %.2f s.\n", dt);
	else
		fputs("\033[K", p->out);
	fflush(p->out);
	p->last_print = now;
}

void gr_progress_phase(struct gr_progress *p, const char *phase,
		       uint64_t total)
{
	if (!p)
		return;
	snprintf(p->phase, sizeof(p->phase), "%s", phase);
	p->total = total;
	p->done = 0;
	p->phase_start = p->last_print = gr_now();
}

void gr_progress_update(struct gr_progress *p, uint64_t done)
{
	if (!p)
		return;
	p->done = done;
	if (gr_now() - p->last_print >= 0.2)
		print(p, false);
}

void gr_progress_done(struct gr_progress *p)
{
	if (!p)
		return;
	if (p->total)
		p->done = p->total;
	print(p, true);
}

double gr_progress_elapsed(const struct gr_progress *p)
{
	return p ? gr_now() - p->created : 0;
}
