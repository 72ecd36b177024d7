/* SPDX-License-Identifier: MIT */
/*
 * gr_pprof: the encoding is read back by a small protobuf reader written
 * here from the wire format alone (varints, length-delimited fields,
 * packed or not), independent of the encoder: string table, dedup of
 * strings, functions and locations, samples, labels, header fields, and the
 * gzip file written atomically.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "report/pprof.h"

#define ok(e)                                                                  \
	do {                                                                   \
		struct gr_error *e_ = (e);                                     \
		if (e_)                                                        \
			fail_msg("%s:%d: %s", __FILE__, __LINE__, e_->message); \
	} while (0)

/* ---- a minimal protobuf reader ---- */

struct rd {
	const uint8_t *p, *end;
};

static uint64_t rd_varint(struct rd *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		assert_true(r->p < r->end);
		uint8_t b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	fail_msg("varint too long");
	return 0;
}

/* Next field: number, wire type, and either a varint or a byte range. */
static bool rd_field(struct rd *r, unsigned *field, uint64_t *v, struct rd *sub)
{
	if (r->p >= r->end)
		return false;
	uint64_t key = rd_varint(r);
	*field = (unsigned)(key >> 3);
	switch (key & 7) {
	case 0:
		*v = rd_varint(r);
		sub->p = sub->end = NULL;
		return true;
	case 2: {
		uint64_t len = rd_varint(r);
		assert_true(len <= (uint64_t)(r->end - r->p));
		sub->p = r->p;
		sub->end = r->p + len;
		r->p += len;
		*v = 0;
		return true;
	}
	default:
		fail_msg("unexpected wire type %u", (unsigned)(key & 7));
		return false;
	}
}

/* Repeated varints, packed (sub set) or one (v). */
static size_t rd_repeated(const struct rd *sub, uint64_t v, uint64_t *out,
			  size_t n, size_t max)
{
	if (!sub->p) {
		assert_true(n < max);
		out[n++] = v;
		return n;
	}
	struct rd r = *sub;
	while (r.p < r.end) {
		assert_true(n < max);
		out[n++] = rd_varint(&r);
	}
	return n;
}

enum { MAXN = 64 };

struct dec_sample {
	uint64_t loc[MAXN], val[MAXN];
	size_t nloc, nval;
	uint64_t label_key[4], label_str[4], label_num[4], label_unit[4];
	size_t nlabel;
};

struct dec {
	char *str[MAXN];
	size_t nstr;
	uint64_t st_type[8], st_unit[8];
	size_t nst;
	struct dec_sample sample[MAXN];
	size_t nsample;
	uint64_t loc_id[MAXN], loc_func[MAXN], loc_mapping[MAXN];
	int64_t loc_line[MAXN];
	size_t nloc;
	uint64_t fn_id[MAXN], fn_name[MAXN], fn_sys[MAXN], fn_file[MAXN];
	size_t nfn;
	uint64_t time_nanos, period, period_type[2], default_type;
	uint64_t comment[8];
	size_t ncomment;
	size_t nmapping;
};

static void dec_value_type(struct rd sub, uint64_t *type, uint64_t *unit)
{
	unsigned f;
	uint64_t v;
	struct rd s;
	*type = *unit = 0;
	while (rd_field(&sub, &f, &v, &s))
		if (f == 1)
			*type = v;
		else if (f == 2)
			*unit = v;
}

static void dec_sample(struct rd sub, struct dec_sample *s)
{
	unsigned f;
	uint64_t v;
	struct rd m;
	memset(s, 0, sizeof(*s));
	while (rd_field(&sub, &f, &v, &m)) {
		if (f == 1) {
			s->nloc = rd_repeated(&m, v, s->loc, s->nloc, MAXN);
		} else if (f == 2) {
			s->nval = rd_repeated(&m, v, s->val, s->nval, MAXN);
		} else if (f == 3) {
			assert_true(s->nlabel < 4);
			size_t k = s->nlabel++;
			unsigned lf;
			uint64_t lv;
			struct rd ls;
			while (rd_field(&m, &lf, &lv, &ls)) {
				if (lf == 1)
					s->label_key[k] = lv;
				else if (lf == 2)
					s->label_str[k] = lv;
				else if (lf == 3)
					s->label_num[k] = lv;
				else if (lf == 4)
					s->label_unit[k] = lv;
			}
		}
	}
}

static void dec_location(struct rd sub, struct dec *d)
{
	unsigned f;
	uint64_t v;
	struct rd m;
	assert_true(d->nloc < MAXN);
	size_t k = d->nloc++;
	d->loc_mapping[k] = 0;
	while (rd_field(&sub, &f, &v, &m)) {
		if (f == 1) {
			d->loc_id[k] = v;
		} else if (f == 2) {
			d->loc_mapping[k] = v;
		} else if (f == 4) {
			unsigned lf;
			uint64_t lv;
			struct rd ls;
			while (rd_field(&m, &lf, &lv, &ls)) {
				if (lf == 1)
					d->loc_func[k] = lv;
				else if (lf == 2)
					d->loc_line[k] = (int64_t)lv;
			}
		}
	}
}

static void dec_function(struct rd sub, struct dec *d)
{
	unsigned f;
	uint64_t v;
	struct rd m;
	assert_true(d->nfn < MAXN);
	size_t k = d->nfn++;
	while (rd_field(&sub, &f, &v, &m)) {
		if (f == 1)
			d->fn_id[k] = v;
		else if (f == 2)
			d->fn_name[k] = v;
		else if (f == 3)
			d->fn_sys[k] = v;
		else if (f == 4)
			d->fn_file[k] = v;
	}
}

static void decode(const uint8_t *buf, size_t len, struct dec *d)
{
	memset(d, 0, sizeof(*d));
	struct rd r = {buf, buf + len}, sub;
	unsigned f;
	uint64_t v;
	while (rd_field(&r, &f, &v, &sub)) {
		switch (f) {
		case 1:
			assert_true(d->nst < 8);
			dec_value_type(sub, &d->st_type[d->nst],
				       &d->st_unit[d->nst]);
			d->nst++;
			break;
		case 2:
			assert_true(d->nsample < MAXN);
			dec_sample(sub, &d->sample[d->nsample++]);
			break;
		case 3:
			d->nmapping++;
			break;
		case 4:
			dec_location(sub, d);
			break;
		case 5:
			dec_function(sub, d);
			break;
		case 6:
			assert_true(d->nstr < MAXN);
			d->str[d->nstr] = strndup((const char *)sub.p,
						  (size_t)(sub.end - sub.p));
			d->nstr++;
			break;
		case 9:
			d->time_nanos = v;
			break;
		case 11:
			dec_value_type(sub, &d->period_type[0],
				       &d->period_type[1]);
			break;
		case 12:
			d->period = v;
			break;
		case 13:
			d->ncomment = rd_repeated(&sub, v, d->comment,
						  d->ncomment, 8);
			break;
		case 14:
			d->default_type = v;
			break;
		default:
			fail_msg("unexpected Profile field %u", f);
		}
	}
}

static void dec_free(struct dec *d)
{
	for (size_t i = 0; i < d->nstr; i++)
		free(d->str[i]);
}

static const char *S(const struct dec *d, uint64_t i)
{
	assert_true(i < d->nstr);
	return d->str[i];
}

/* Function name of location @id. */
static const char *loc_name(const struct dec *d, uint64_t id, int64_t *line)
{
	for (size_t i = 0; i < d->nloc; i++) {
		if (d->loc_id[i] != id)
			continue;
		for (size_t k = 0; k < d->nfn; k++)
			if (d->fn_id[k] == d->loc_func[i]) {
				*line = d->loc_line[i];
				return S(d, d->fn_name[k]);
			}
	}
	fail_msg("no location %llu", (unsigned long long)id);
	return NULL;
}

/* ---- tests ---- */

static struct gr_pprof *build(void)
{
	struct gr_pprof *p;
	ok(gr_pprof_create(&p));
	ok(gr_pprof_add_sample_type(p, "inuse_objects", "count"));
	ok(gr_pprof_add_sample_type(p, "inuse_space", "bytes"));
	ok(gr_pprof_set_period(p, "space", "bytes", 524288));
	ok(gr_pprof_set_default_sample_type(p, "inuse_space"));
	ok(gr_pprof_add_comment(p, "made by test_pprof"));
	gr_pprof_set_time(p, 1700000000123456789, 0);
	uint64_t a, b, c, a2, d;
	ok(gr_pprof_location(p, "main.leaf", "main.go", 10, &a));
	ok(gr_pprof_location(p, "main.mid", "main.go", 20, &b));
	ok(gr_pprof_location(p, "main.main", "main.go", 30, &c));
	ok(gr_pprof_location(p, "main.leaf", "main.go", 10, &a2));
	/* Same function, another line: a new location, the same function. */
	ok(gr_pprof_location(p, "main.leaf", "main.go", 11, &d));
	assert_int_equal(a, a2);
	assert_int_not_equal(a, d);
	assert_int_equal(gr_pprof_location_count(p), 4);
	assert_int_equal(gr_pprof_function_count(p), 3);
	uint64_t s1[] = {a, b, c}, s2[] = {d, c};
	int64_t v1[] = {3, 3072}, v2[] = {-1, 1LL << 40};
	struct gr_pprof_label l1[] = {
		{.key = "bytes", .num = 1024},
		{.key = "kind", .str = "session"},
	};
	struct gr_pprof_label l2[] = {{.key = "bytes", .num = 7, .num_unit = "bytes"}};
	ok(gr_pprof_add_sample(p, v1, 2, s1, 3, l1, 2));
	ok(gr_pprof_add_sample(p, v2, 2, s2, 2, l2, 1));
	ok(gr_pprof_add_sample(p, v1, 2, NULL, 0, NULL, 0));
	return p;
}

static void check_decoded(const struct dec *d)
{
	/* String table: "" first, then each string once. */
	assert_true(d->nstr > 1);
	assert_string_equal(d->str[0], "");
	for (size_t i = 0; i < d->nstr; i++)
		for (size_t k = i + 1; k < d->nstr; k++)
			if (!strcmp(d->str[i], d->str[k]))
				fail_msg("string '%s' twice", d->str[i]);
	assert_int_equal(d->nst, 2);
	assert_string_equal(S(d, d->st_type[0]), "inuse_objects");
	assert_string_equal(S(d, d->st_unit[0]), "count");
	assert_string_equal(S(d, d->st_type[1]), "inuse_space");
	assert_string_equal(S(d, d->st_unit[1]), "bytes");
	assert_string_equal(S(d, d->period_type[0]), "space");
	assert_string_equal(S(d, d->period_type[1]), "bytes");
	assert_int_equal(d->period, 524288);
	assert_int_equal(d->time_nanos, 1700000000123456789ull);
	assert_string_equal(S(d, d->default_type), "inuse_space");
	assert_int_equal(d->ncomment, 1);
	assert_string_equal(S(d, d->comment[0]), "made by test_pprof");
	assert_int_equal(d->nloc, 4);
	assert_int_equal(d->nfn, 3);
	for (size_t k = 0; k < d->nfn; k++) {
		assert_int_equal(d->fn_id[k], k + 1);
		assert_int_equal(d->fn_sys[k], d->fn_name[k]);
		assert_string_equal(S(d, d->fn_file[k]), "main.go");
	}
	assert_int_equal(d->nsample, 3);
	const struct dec_sample *s = &d->sample[0];
	assert_int_equal(s->nloc, 3);
	int64_t line;
	assert_string_equal(loc_name(d, s->loc[0], &line), "main.leaf");
	assert_int_equal(line, 10);
	assert_string_equal(loc_name(d, s->loc[1], &line), "main.mid");
	assert_string_equal(loc_name(d, s->loc[2], &line), "main.main");
	assert_int_equal(line, 30);
	assert_int_equal(s->nval, 2);
	assert_int_equal(s->val[0], 3);
	assert_int_equal(s->val[1], 3072);
	assert_int_equal(s->nlabel, 2);
	assert_string_equal(S(d, s->label_key[0]), "bytes");
	assert_int_equal(s->label_num[0], 1024);
	assert_int_equal(s->label_str[0], 0);
	assert_string_equal(S(d, s->label_key[1]), "kind");
	assert_string_equal(S(d, s->label_str[1]), "session");
	s = &d->sample[1];
	assert_string_equal(loc_name(d, s->loc[0], &line), "main.leaf");
	assert_int_equal(line, 11);
	/* int64 is two's complement on the wire, not zig-zag. */
	assert_int_equal((int64_t)s->val[0], -1);
	assert_int_equal(s->val[1], 1ull << 40);
	assert_string_equal(S(d, s->label_unit[0]), "bytes");
	assert_int_equal(d->sample[2].nloc, 0);
}

static void test_encode(void **state)
{
	(void)state;
	struct gr_pprof *p = build();
	uint8_t *buf;
	size_t len;
	ok(gr_pprof_encode(p, &buf, &len));
	struct dec d;
	decode(buf, len, &d);
	check_decoded(&d);
	assert_int_equal(d.nmapping, 0);
	assert_int_equal(d.loc_mapping[0], 0);
	assert_int_equal(gr_pprof_string_count(p), d.nstr);
	dec_free(&d);
	free(buf);
	gr_pprof_destroy(p);
}

static void test_mapping(void **state)
{
	(void)state;
	struct gr_pprof *p = build();
	ok(gr_pprof_set_mapping(p, "/srv/bin", "abc123"));
	uint8_t *buf;
	size_t len;
	ok(gr_pprof_encode(p, &buf, &len));
	struct dec d;
	decode(buf, len, &d);
	check_decoded(&d);
	assert_int_equal(d.nmapping, 1);
	for (size_t i = 0; i < d.nloc; i++)
		assert_int_equal(d.loc_mapping[i], 1);
	dec_free(&d);
	free(buf);
	gr_pprof_destroy(p);
}

static void test_usage_errors(void **state)
{
	(void)state;
	struct gr_pprof *p = build();
	int64_t v[3] = {1, 2, 3};
	uint64_t bad = 99, loc = 1;
	struct gr_error *err = gr_pprof_add_sample(p, v, 3, &loc, 1, NULL, 0);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_USAGE);
	gr_error_destroy(err);
	err = gr_pprof_add_sample(p, v, 2, &bad, 1, NULL, 0);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_USAGE);
	assert_non_null(strstr(err->message, "location 99"));
	gr_error_destroy(err);
	err = gr_pprof_add_sample_type(p, "late", "count");
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_USAGE);
	gr_error_destroy(err);
	assert_int_equal(gr_pprof_sample_count(p), 3);
	gr_pprof_destroy(p);
	gr_pprof_destroy(NULL);
}

/* Gunzip @path into a new buffer. */
static uint8_t *gunzip(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	assert_non_null(gz);
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	int got;
	while ((got = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)got;
		if (n == cap)
			assert_non_null(buf = realloc(buf, cap *= 2));
	}
	assert_int_equal(got, 0);
	gzclose(gz);
	*len = n;
	return buf;
}

static void test_write_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/gr-pprof-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/heap.pb.gz", dir);
	/* An old file is replaced whole. */
	FILE *f = fopen(path, "w");
	fputs("old", f);
	fclose(f);
	struct gr_pprof *p = build();
	ok(gr_pprof_write_file(p, path));
	uint8_t *raw, *enc;
	size_t rlen, elen;
	/* gzip magic. */
	f = fopen(path, "rb");
	uint8_t magic[2];
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_int_equal(magic[0], 0x1f);
	assert_int_equal(magic[1], 0x8b);
	raw = gunzip(path, &rlen);
	ok(gr_pprof_encode(p, &enc, &elen));
	assert_int_equal(rlen, elen);
	assert_memory_equal(raw, enc, elen);
	free(raw);
	free(enc);
	/* Nothing else left in the directory (no temp file). */
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	/* A directory that does not exist: an output error naming the path
	 * asked for, nothing created. */
	snprintf(path, sizeof(path), "%s/no/such/heap.pb.gz", dir);
	struct gr_error *err = gr_pprof_write_file(p, path);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OUTPUT);
	assert_non_null(strstr(err->message, path));
	assert_null(strstr(err->message, ".tmp-"));
	gr_error_destroy(err);
	gr_pprof_destroy(p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Many samples over many distinct frames: building stays linear (a
 * quadratic step would take hours here) and every id stays right.
 */
static void test_scale(void **state)
{
	(void)state;
	struct gr_pprof *p;
	ok(gr_pprof_create(&p));
	ok(gr_pprof_add_sample_type(p, "objects", "count"));
	enum { NFUNC = 50000, NSAMPLE = 300000, DEPTH = 8 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char name[32];
	uint64_t stack[DEPTH];
	for (uint32_t i = 0; i < NSAMPLE; i++) {
		for (int k = 0; k < DEPTH; k++) {
			uint32_t fn = (i * 2654435761u + (uint32_t)k * 40503u) %
				      NFUNC;
			snprintf(name, sizeof(name), "pkg.f%u", fn);
			ok(gr_pprof_location(p, name, "x.go", fn % 7, &stack[k]));
		}
		int64_t v = i;
		ok(gr_pprof_add_sample(p, &v, 1, stack, DEPTH, NULL, 0));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("%d samples x %d frames in %.2fs\n", NSAMPLE, DEPTH,
		      secs);
	assert_true(gr_pprof_function_count(p) <= NFUNC);
	assert_int_equal(gr_pprof_location_count(p), gr_pprof_function_count(p));
	assert_int_equal(gr_pprof_sample_count(p), NSAMPLE);
	uint8_t *buf;
	size_t len;
	ok(gr_pprof_encode(p, &buf, &len));
	assert_true(len > (size_t)NSAMPLE * DEPTH);
	free(buf);
	gr_pprof_destroy(p);
	assert_true(secs < 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
