/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/progress.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* How often the sampler reads statm: often enough to see the peaks of
 * the analysis's big arrays, rarely enough to cost nothing (one statm
 * read is a few microseconds). */
enum { SAMPLE_NS = 2 * 1000 * 1000 };

struct gr_progress {
	FILE *out;
	unsigned flags;
	double created;
	char phase[64];
	uint64_t total, done;
	double phase_start, last_print;
	bool in_phase;
	/* Timings. */
	double cpu_created, cpu_phase_start;
	int statm_fd;
	long page_size;
	bool sampler_running;
	pthread_t sampler;
	atomic_bool stop;
	_Atomic uint64_t peak_private, phase_peak_private;
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

/* CPU seconds (user + system) of every thread of the process. */
static double cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Private resident bytes now: statm's resident minus shared (file-backed
 * and shmem pages), i.e. RssAnon.  0 if statm cannot be read. */
static uint64_t private_bytes(struct gr_progress *p)
{
	char buf[128];
	if (p->statm_fd < 0)
		return 0;
	ssize_t n = pread(p->statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	unsigned long long size, resident, shared;
	if (sscanf(buf, "%llu %llu %llu", &size, &resident, &shared) != 3 ||
	    shared > resident)
		return 0;
	return (uint64_t)(resident - shared) * (uint64_t)p->page_size;
}

static void atomic_max(_Atomic uint64_t *a, uint64_t v)
{
	uint64_t cur = atomic_load(a);
	while (v > cur && !atomic_compare_exchange_weak(a, &cur, v))
		;
}

static uint64_t sample(struct gr_progress *p)
{
	uint64_t v = private_bytes(p);
	atomic_max(&p->peak_private, v);
	atomic_max(&p->phase_peak_private, v);
	return v;
}

static void *sampler_main(void *arg)
{
	struct gr_progress *p = arg;
	const struct timespec ts = {0, SAMPLE_NS};
	while (!atomic_load(&p->stop)) {
		sample(p);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct gr_progress *gr_progress_create_flags(FILE *out, unsigned flags)
{
	struct gr_progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->out = out;
	p->flags = flags;
	p->statm_fd = -1;
	p->created = gr_now();
	if (flags & GR_PROGRESS_TIMINGS) {
		p->cpu_created = cpu_seconds();
		p->page_size = sysconf(_SC_PAGESIZE);
		p->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
		sample(p);
		/* Without the sampler, peaks are the phase-end readings. */
		if (p->statm_fd >= 0 &&
		    pthread_create(&p->sampler, NULL, sampler_main, p) == 0)
			p->sampler_running = true;
	}
	return p;
}

struct gr_progress *gr_progress_create(FILE *out)
{
	return gr_progress_create_flags(out, GR_PROGRESS_BAR);
}

void gr_progress_destroy(struct gr_progress *p)
{
	if (!p)
		return;
	if (p->sampler_running) {
		atomic_store(&p->stop, true);
		pthread_join(p->sampler, NULL);
	}
	if (p->statm_fd >= 0)
		close(p->statm_fd);
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

static double mib(uint64_t bytes)
{
	return (double)bytes / (1 << 20);
}

static void print_timing(struct gr_progress *p)
{
	uint64_t now_private = sample(p);
	fprintf(p->out,
		"goretain: timing: phase=\"%s\" wall=%.3f cpu=%.3f "
		"private_mib=%.1f peak_private_mib=%.1f\n",
		p->phase, gr_now() - p->phase_start,
		cpu_seconds() - p->cpu_phase_start, mib(now_private),
		mib(atomic_load(&p->phase_peak_private)));
	fflush(p->out);
}

void gr_progress_phase(struct gr_progress *p, const char *phase,
		       uint64_t total)
{
	if (!p)
		return;
	/* A phase left open is closed by the next one. */
	if (p->in_phase && (p->flags & GR_PROGRESS_TIMINGS))
		print_timing(p);
	snprintf(p->phase, sizeof(p->phase), "%s", phase);
	p->total = total;
	p->done = 0;
	p->in_phase = true;
	p->phase_start = p->last_print = gr_now();
	if (p->flags & GR_PROGRESS_TIMINGS) {
		p->cpu_phase_start = cpu_seconds();
		atomic_store(&p->phase_peak_private, 0);
		sample(p);
	}
}

void gr_progress_update(struct gr_progress *p, uint64_t done)
{
	if (!p)
		return;
	p->done = done;
	if ((p->flags & GR_PROGRESS_BAR) && gr_now() - p->last_print >= 0.2)
		print(p, false);
}

void gr_progress_done(struct gr_progress *p)
{
	if (!p || !p->in_phase)
		return;
	if (p->total)
		p->done = p->total;
	if (p->flags & GR_PROGRESS_BAR)
		print(p, true);
	if (p->flags & GR_PROGRESS_TIMINGS)
		print_timing(p);
	p->in_phase = false;
}

double gr_progress_elapsed(const struct gr_progress *p)
{
	return p ? gr_now() - p->created : 0;
}

bool gr_progress_has_bar(const struct gr_progress *p)
{
	return p && (p->flags & GR_PROGRESS_BAR);
}

void gr_progress_total(struct gr_progress *p)
{
	if (!p || !(p->flags & GR_PROGRESS_TIMINGS))
		return;
	if (p->in_phase)
		gr_progress_done(p);
	sample(p);
	fprintf(p->out,
		"goretain: timing: phase=\"total\" wall=%.3f cpu=%.3f "
		"peak_private_mib=%.1f peak_rss_mib=%.1f\n",
		gr_now() - p->created, cpu_seconds() - p->cpu_created,
		mib(atomic_load(&p->peak_private)), mib(gr_peak_rss()));
	fflush(p->out);
}

void gr_progress_count(struct gr_progress *p, const char *what, uint64_t n)
{
	if (!p || !(p->flags & GR_PROGRESS_TIMINGS))
		return;
	fprintf(p->out, "goretain: timing: count %s=%" PRIu64 "\n", what, n);
}
