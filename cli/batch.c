/* SPDX-License-Identifier: MIT */
#include "cli/batch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/batch_lookup.h"
#include "cli/batch_plan.h"
#include "forensics/01-base/array.h"
#include "forensics/01-base/outfile.h"
#include "forensics/02-input/coreid.h"
#include "forensics/10-graph/dominators.h"
#include "forensics/12-query/analysis.h"
#include "forensics/12-query/suspects.h"
#include "report/batch_summary.h"
#include "report/html.h"
#include "report/names.h"
#include "report/pprof_retention.h"
#include "report/report.h"

static const char *const extensions[] = {"json", "txt", "pb.gz", "html"};

/* What every worker shares, read-only after the fork. */
struct batch {
	const struct gr_batch_options *o;
	struct gr_batch_inputs inputs; /* this shard's, in order */
	struct gr_batch_cache *cache;
	uint64_t limit; /* RLIMIT_DATA of a worker */
};

/* One running worker. */
struct worker {
	pid_t pid;
	int fd;
	size_t index;
	uint64_t need;
	char *buf;
	size_t len, cap;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *error_line(const char *input, const char *msg, int code)
{
	struct gr_batch_record r = {
		.input = input,
		.status = GR_BATCH_ERROR,
		.error = msg,
		.exit = code,
	};
	char *line;
	size_t len;
	struct gr_error *err = gr_batch_record_format(&r, &line, &len);
	if (err) {
		gr_error_destroy(err);
		return NULL;
	}
	return line;
}

/* The error record for @err (consumed), exit codes as the one-core
 * commands would have (cli/cli.c). */
static char *fail_line(const char *input, struct gr_error *err)
{
	char *line = error_line(input, err->message,
				err->code == GR_ERR_NOMEM ||
						err->code == GR_ERR_OUTPUT
					? 1
					: 2);
	gr_error_destroy(err);
	return line;
}

/* One report of @a in @format to DIR/@name, atomically; @json is the JSON
 * report already in memory when the format needs it (HTML embeds it). */
GR_MUST_USE
static struct gr_error *write_one(const struct batch *b,
				  const struct gr_analysis *a,
				  enum gr_batch_format format, const char *json,
				  size_t json_len, const char *name)
{
	char *path;
	if (asprintf(&path, "%s/%s", b->o->out, name) < 0)
		return gr_error_nomem();
	struct gr_outfile out;
	struct gr_error *err = gr_outfile_open(path, &out);
	if (!err) {
		struct gr_report_options ro = GR_REPORT_DEFAULTS;
		switch (format) {
		case GR_BATCH_FORMAT_TEXT:
			err = gr_report_text(a, &ro, out.f, path);
			break;
		case GR_BATCH_FORMAT_PPROF:
			err = gr_pprof_retention_write(a, out.f, path);
			break;
		case GR_BATCH_FORMAT_HTML:
			err = gr_html_write(json, json_len, out.f, path);
			break;
		default:
			if (fwrite(json, 1, json_len, out.f) != json_len)
				err = gr_error_output(errno ? errno : EIO, path,
						      "write");
		}
		if (!err)
			err = gr_outfile_commit(&out);
		gr_outfile_abort(&out);
	}
	free(path);
	return err;
}

/* Every report asked for, named by @hex; the JSON report is rendered once
 * to memory, for the JSON file and the HTML page alike. */
GR_MUST_USE
static struct gr_error *write_reports(const struct batch *b,
				      const struct gr_analysis *a,
				      const char *hex)
{
	char *json = NULL;
	size_t json_len = 0;
	struct gr_error *err = NULL;
	bool need_json = false;
	for (size_t i = 0; i < b->o->format_count; i++)
		need_json |= b->o->formats[i] == GR_BATCH_FORMAT_JSON ||
			     b->o->formats[i] == GR_BATCH_FORMAT_HTML;
	if (need_json) {
		FILE *mem = open_memstream(&json, &json_len);
		if (!mem)
			return gr_error_nomem();
		struct gr_report_options ro = GR_REPORT_DEFAULTS;
		err = gr_report_json(a, &ro, mem, "the JSON report");
		if (fclose(mem) != 0 && !err)
			err = gr_error_nomem();
	}
	for (size_t i = 0; !err && i < b->o->format_count; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s.%s", hex,
			 extensions[b->o->formats[i]]);
		err = write_one(b, a, b->o->formats[i], json, json_len, name);
	}
	free(json);
	return err;
}

/* The record of a finished analysis. */
GR_MUST_USE
static struct gr_error *ok_line(const struct gr_analysis *a, const char *input,
				const char *exe, uint64_t key,
				const char *report, double t0, char **ret)
{
	struct gr_suspect_options so = GR_SUSPECT_DEFAULTS;
	struct gr_suspect *sv = NULL;
	size_t n = 0;
	struct gr_error *err = gr_suspects_find(a, &so, &sv, &n);
	if (err)
		return err;
	struct gr_batch_suspect top = {0};
	char name[512];
	if (n) {
		static const char *const kinds[] = {"root", "shared", "site"};
		top.kind = kinds[sv[0].kind];
		if (sv[0].kind == GR_SUSPECT_ROOT)
			top.name = gr_roots_get(a->roots, sv[0].root)->name;
		else if (sv[0].kind == GR_SUSPECT_SHARED)
			gr_name_object(a, sv[0].object, name, sizeof(name)),
				top.name = name;
		else
			top.name = sv[0].site;
		top.retained_bytes = sv[0].retained_bytes;
		top.share = sv[0].share;
	}
	const struct gr_dom_totals *t = gr_dom_totals(a->dom);
	struct gr_batch_record r = {
		.input = input,
		.status = GR_BATCH_OK,
		.key = key,
		.exe = exe,
		.go_version = gr_session_go_version(a->session),
		.live_bytes = t->live_bytes,
		.objects = t->live_objects,
		.top_suspect = n ? &top : NULL,
		.report = report,
		.seconds = now() - t0,
	};
	size_t len;
	err = gr_batch_record_format(&r, ret, &len);
	gr_suspects_free(sv, n);
	return err;
}

/* Which executable, then the key; *@exe_ret owned. */
GR_MUST_USE
static struct gr_error *identify(const struct batch *b, const char *input,
				 char **exe_ret, uint64_t *key_ret)
{
	const struct gr_batch_options *o = b->o;
	struct gr_error *err;
	char *exe = NULL;
	if (o->exe) {
		if (!(exe = strdup(o->exe)))
			return gr_error_nomem();
	} else {
		struct gr_input_options io = {.temp_dir = o->tmpdir};
		struct gr_coreid id;
		if ((err = gr_coreid_read(input, &io, &id)))
			return err;
		err = gr_batch_lookup_exe(&id, input, o->exe_dirs,
					  o->exe_dir_count, &exe);
		gr_coreid_deinit(&id);
		if (err)
			return err;
	}
	if ((err = gr_batch_hash(input, exe, key_ret))) {
		free(exe);
		return err;
	}
	*exe_ret = exe;
	return NULL;
}

/* Whether every report asked for is in the output directory. */
static bool reports_exist(const struct batch *b, const char *hex)
{
	bool ok = true;
	for (size_t i = 0; ok && i < b->o->format_count; i++) {
		char *path;
		if (asprintf(&path, "%s/%s.%s", b->o->out, hex,
			     extensions[b->o->formats[i]]) < 0)
			return false;
		struct stat st;
		ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
		free(path);
	}
	return ok;
}

/* Everything a worker does for one input: the record line. */
static char *analyse_one(const struct batch *b, const char *input)
{
	double t0 = now();
	char *exe = NULL, *line = NULL;
	uint64_t key;
	struct gr_error *err = identify(b, input, &exe, &key);
	if (err)
		return fail_line(input, err);
	char name[64], hex[17];
	gr_batch_key_hex(key, hex);
	snprintf(name, sizeof(name), "%s.%s", hex,
		 extensions[b->o->formats[0]]);
	if (reports_exist(b, hex) &&
	    !(err = gr_batch_cache_skip(b->cache, key, name, input, &line))) {
		free(exe);
		return line;
	}
	gr_error_destroy(err);
	struct gr_session_options so = {
		.core_path = input,
		.exe_path = exe,
		/* Parallelism is the workers' (-j): one thread each. */
		.threads = 1,
		.input = {.temp_dir = b->o->tmpdir},
	};
	struct gr_session *s = NULL;
	struct gr_analysis *a = NULL;
	if (!(err = gr_session_open(&so, &s)) &&
	    !(err = gr_analysis_run(s, NULL, &a)) &&
	    !(err = write_reports(b, a, hex)))
		err = ok_line(a, input, exe, key, name, t0, &line);
	gr_analysis_destroy(a);
	gr_session_destroy(s);
	free(exe);
	return err ? fail_line(input, err) : line;
}

static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static _Noreturn void worker_main(const struct batch *b, size_t index,
				  uint64_t need, int fd)
{
	uint64_t limit = need > b->limit ? need : b->limit;
	struct rlimit rl = {limit, limit};
#ifndef __SANITIZE_ADDRESS__
	/* Not under ASan: its shadow memory is a private writable mapping
	 * of terabytes, which RLIMIT_DATA counts. */
	setrlimit(RLIMIT_DATA, &rl);
#else
	(void)rl;
#endif
	/* A worker that crashes is a record, not a core file in the
	 * current directory. */
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	char *line = analyse_one(b, b->inputs.paths[index]);
	bool ok = line && write_all(fd, line, strlen(line));
	_exit(ok ? 0 : 3);
}

/* Parent side. */
struct run {
	struct batch *b;
	struct worker *w; /* o->jobs slots, pid 0 when free */
	char **lines;	  /* per input: the record, NULL until done */
	struct gr_batch_budget budget;
	uint64_t *need;
	size_t next, emitted;
	size_t ok, skipped, errors;
	int summary;
	bool progress, write_failed;
};

static int start(struct run *r, size_t index)
{
	struct worker *w = NULL;
	for (unsigned i = 0; i < r->b->o->jobs && !w; i++)
		if (!r->w[i].pid)
			w = &r->w[i];
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		for (unsigned i = 0; i < r->b->o->jobs; i++)
			if (r->w[i].pid)
				close(r->w[i].fd);
		close(r->summary);
		worker_main(r->b, index, r->need[index], p[1]);
	}
	close(p[1]);
	*w = (struct worker){.pid = pid, .fd = p[0], .index = index,
			     .need = r->need[index]};
	gr_batch_budget_take(&r->budget, w->need);
	return 0;
}

/* The worker's pipe ended: reap it and keep its record. */
static void finish(struct run *r, struct worker *w)
{
	int status;
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(w->fd);
	const char *input = r->b->inputs.paths[w->index];
	char msg[96];
	char *line = NULL;
	if (WIFSIGNALED(status)) {
		snprintf(msg, sizeof(msg), "analysis crashed (signal %d)",
			 WTERMSIG(status));
		line = error_line(input, msg, 1);
	} else if (WEXITSTATUS(status) != 0 || !w->len ||
		   w->buf[w->len - 1] != '\n') {
		snprintf(msg, sizeof(msg),
			 "analysis worker exited with status %d and no result",
			 WEXITSTATUS(status));
		line = error_line(input, msg, 1);
	} else if ((line = realloc(w->buf, w->len + 1))) {
		line[w->len] = '\0';
		w->buf = NULL;
	}
	free(w->buf);
	r->lines[w->index] = line ? line : strdup("");
	gr_batch_budget_give(&r->budget, w->need);
	*w = (struct worker){0};
}

static void drain(struct run *r, struct worker *w)
{
	struct gr_error *err = gr_array_grow(&w->buf, &w->cap, w->len, 4096);
	if (err) {
		/* Lose the record: finish() reports the worker. */
		gr_error_destroy(err);
		w->len = 0;
		return;
	}
	ssize_t n = read(w->fd, w->buf + w->len, w->cap - w->len);
	if (n > 0) {
		w->len += (size_t)n;
		return;
	}
	if (n < 0 && errno == EINTR)
		return;
	finish(r, w);
}

static void show_progress(const struct run *r, bool last)
{
	if (!r->progress)
		return;
	fprintf(stderr,
		"\rgoretain batch: %zu of %zu done: %zu ok, %zu skipped, "
		"%zu errors%s",
		r->emitted, r->b->inputs.count, r->ok, r->skipped, r->errors,
		last ? "\n" : "");
}

/* Append the records that are next in input order. */
static void emit(struct run *r)
{
	while (r->emitted < r->b->inputs.count && r->lines[r->emitted]) {
		char *line = r->lines[r->emitted];
		enum gr_batch_status st = GR_BATCH_ERROR;
		uint64_t key;
		if (!line[0] || !gr_batch_record_parse(line, &st, &key))
			st = GR_BATCH_ERROR;
		r->ok += st == GR_BATCH_OK;
		r->skipped += st == GR_BATCH_SKIPPED;
		r->errors += st == GR_BATCH_ERROR;
		/* One write per record, from this process only: lines from
		 * concurrent shards never interleave. */
		if (line[0] && !write_all(r->summary, line, strlen(line)))
			r->write_failed = true;
		free(line);
		r->lines[r->emitted] = NULL;
		r->emitted++;
		show_progress(r, false);
	}
}

static int loop(struct run *r)
{
	const struct gr_batch_options *o = r->b->o;
	size_t n = r->b->inputs.count;
	struct pollfd *pf = calloc(o->jobs, sizeof(*pf));
	if (!pf)
		return -1;
	while (r->emitted < n && !r->write_failed) {
		while (r->next < n && r->budget.running < o->jobs &&
		       gr_batch_budget_admits(&r->budget, r->need[r->next])) {
			if (start(r, r->next) != 0) {
				free(pf);
				return -1;
			}
			r->next++;
		}
		nfds_t k = 0;
		for (unsigned i = 0; i < o->jobs; i++)
			if (r->w[i].pid)
				pf[k++] = (struct pollfd){.fd = r->w[i].fd,
							  .events = POLLIN};
		if (poll(pf, k, -1) < 0 && errno != EINTR)
			break;
		for (nfds_t i = 0; i < k; i++) {
			if (!pf[i].revents)
				continue;
			for (unsigned j = 0; j < o->jobs; j++)
				if (r->w[j].pid && r->w[j].fd == pf[i].fd)
					drain(r, &r->w[j]);
		}
		emit(r);
	}
	free(pf);
	return r->emitted == n ? 0 : -1;
}

static int open_out(const struct gr_batch_options *o, int *summary_ret)
{
	if (mkdir(o->out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "goretain: %s: cannot create: %s\n", o->out,
			strerror(errno));
		return 2;
	}
	char *path;
	if (asprintf(&path, "%s/summary.jsonl", o->out) < 0)
		return 1;
	*summary_ret = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			    0666);
	if (*summary_ret < 0) {
		fprintf(stderr, "goretain: %s: cannot open: %s\n", path,
			strerror(errno));
		free(path);
		return 2;
	}
	free(path);
	return -1;
}

/* The inputs of this shard, and what each is expected to need. */
GR_MUST_USE
static struct gr_error *plan(struct batch *b, uint64_t **need_ret)
{
	const struct gr_batch_options *o = b->o;
	struct stat st = {0};
	stat(o->out, &st);
	struct gr_batch_inputs all = {0};
	struct gr_error *err = NULL;
	for (size_t i = 0; i < o->input_count && !err; i++)
		err = gr_batch_inputs_add(&all, o->inputs[i],
					  (uint64_t)st.st_dev,
					  (uint64_t)st.st_ino);
	gr_batch_inputs_finish(&all);
	size_t k = 0;
	for (size_t i = 0; i < all.count; i++) {
		if (gr_batch_in_shard(i, o->shard_i, o->shard_n))
			all.paths[k++] = all.paths[i];
		else
			free(all.paths[i]);
	}
	all.count = k;
	b->inputs = all;
	uint64_t *need = calloc(b->inputs.count + 1, sizeof(*need));
	if (!err && !need)
		err = gr_error_nomem();
	for (size_t i = 0; !err && i < b->inputs.count; i++) {
		struct gr_error *e = gr_batch_estimate(b->inputs.paths[i],
						       &need[i]);
		/* Unreadable: the worker says why, cheaply. */
		if (e)
			need[i] = GR_BATCH_MEM_BASE;
		gr_error_destroy(e);
	}
	if (err) {
		free(need);
		return err;
	}
	*need_ret = need;
	return NULL;
}

int gr_batch_run(const struct gr_batch_options *o)
{
	struct batch b = {.o = o};
	struct run r = {.b = &b, .summary = -1};
	int rc = open_out(o, &r.summary);
	if (rc >= 0)
		return rc;
	uint64_t budget = o->max_memory;
	struct gr_error *err = NULL;
	if (!budget) {
		uint64_t avail;
		err = gr_batch_mem_available(NULL, &avail);
		budget = err ? UINT64_C(4) << 30 : avail / 2;
		gr_error_destroy(err);
	}
	char *cache_path;
	if (asprintf(&cache_path, "%s/summary.jsonl", o->out) < 0)
		cache_path = NULL;
	err = cache_path ? gr_batch_cache_load(cache_path, &b.cache)
			 : gr_error_nomem();
	free(cache_path);
	if (!err)
		err = plan(&b, &r.need);
	r.budget.limit = budget;
	/* Every worker may grow to the whole budget (or its own estimate if
	 * larger): the same limit whatever -j, so results do not depend on
	 * what else runs; the accounting keeps the sum of estimates within
	 * the budget. */
	b.limit = budget;
	r.w = calloc(o->jobs, sizeof(*r.w));
	r.lines = calloc(b.inputs.count + 1, sizeof(*r.lines));
	if (!err && (!r.w || !r.lines))
		err = gr_error_nomem();
	if (err) {
		fputs("goretain: ", stderr);
		fputs(err->message, stderr);
		fputc('\n', stderr);
		gr_error_destroy(err);
		rc = 1;
		goto out;
	}
	r.progress = !o->quiet && isatty(STDERR_FILENO);
	show_progress(&r, false);
	if (loop(&r) != 0 || r.write_failed) {
		fprintf(stderr, "\ngoretain: batch stopped: %s\n",
			r.write_failed ? "cannot append to summary.jsonl"
				       : strerror(errno));
		rc = 1;
	} else {
		show_progress(&r, true);
		rc = r.errors ? 1 : 0;
	}
out:
	/* Workers left after a failure are stopped: their records could not
	 * be written anyway. */
	for (unsigned i = 0; r.w && i < o->jobs; i++)
		if (r.w[i].pid) {
			kill(r.w[i].pid, SIGTERM);
			waitpid(r.w[i].pid, NULL, 0);
			close(r.w[i].fd);
			free(r.w[i].buf);
		}
	for (size_t i = 0; r.lines && i < b.inputs.count; i++)
		free(r.lines[i]);
	free(r.lines);
	free(r.w);
	free(r.need);
	gr_batch_cache_destroy(b.cache);
	gr_batch_inputs_deinit(&b.inputs);
	close(r.summary);
	return rc;
}
