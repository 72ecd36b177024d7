/* SPDX-License-Identifier: MIT */
/*
 * profile.proto encoding.  Field numbers are those of
 * github.com/google/pprof proto/profile.proto (the same as
 * runtime/pprof/proto.go's tag constants).  Protobuf allows the fields of a
 * message in any order and repeated fields interleaved, so samples are
 * encoded as they come and the tables they refer to (locations, functions,
 * strings) are written after them; pprof resolves indexes once the whole
 * message is read.
 */
#include "forensics/01-base/outfile.h"
#include "report/pprof.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/hash.h"

enum {
	/* Profile */
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	/* ValueType */
	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,
	/* Sample */
	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,
	/* Label */
	LABEL_KEY = 1,
	LABEL_STR = 2,
	LABEL_NUM = 3,
	LABEL_NUM_UNIT = 4,
	/* Mapping */
	MAPPING_ID = 1,
	MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9,
	MAPPING_HAS_INLINE_FRAMES = 10,
	/* Location */
	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_LINE = 4,
	/* Line */
	LINE_FUNCTION_ID = 1,
	LINE_LINE = 2,
	/* Function */
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

enum { WIRE_VARINT = 0, WIRE_BYTES = 2 };

/* A growable byte buffer; @failed makes NOMEM sticky so that encoders can
 * be written without a check per byte. */
struct buf {
	uint8_t *p;
	size_t len, cap;
	bool failed;
	/* Caller storage (a stack array): never reallocated. */
	bool fixed;
};

static bool buf_reserve(struct buf *b, size_t more)
{
	if (b->failed)
		return false;
	if (b->cap - b->len >= more)
		return true;
	if (b->fixed) {
		b->failed = true;
		return false;
	}
	struct gr_error *err = gr_array_grow(&b->p, &b->cap, b->len, more);
	if (err) {
		/* The encoders check @failed once, and it means NOMEM. */
		gr_error_destroy(err);
		b->failed = true;
		return false;
	}
	return true;
}

static void buf_put(struct buf *b, const void *data, size_t len)
{
	if (len && buf_reserve(b, len)) {
		memcpy(b->p + b->len, data, len);
		b->len += len;
	}
}

static void put_varint(struct buf *b, uint64_t v)
{
	if (!buf_reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_key(struct buf *b, unsigned field, unsigned wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

/* int64 fields are plain varints of the two's complement (not zig-zag). */
static void put_int(struct buf *b, unsigned field, int64_t v)
{
	put_key(b, field, WIRE_VARINT);
	put_varint(b, (uint64_t)v);
}

/* Like put_int, but omitted when 0 (proto3 default). */
static void put_int_opt(struct buf *b, unsigned field, int64_t v)
{
	if (v)
		put_int(b, field, v);
}

static void put_bytes(struct buf *b, unsigned field, const void *data,
		      size_t len)
{
	put_key(b, field, WIRE_BYTES);
	put_varint(b, len);
	buf_put(b, data, len);
}

/* A packed repeated varint field. */
static void put_packed(struct buf *b, unsigned field, const uint64_t *v,
		       size_t n)
{
	if (!n)
		return;
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += varint_len(v[i]);
	put_key(b, field, WIRE_BYTES);
	put_varint(b, len);
	for (size_t i = 0; i < n; i++)
		put_varint(b, v[i]);
}

struct gr_pprof {
	/* String table: offsets of NUL-terminated strings in @chars. */
	struct buf chars;
	size_t *str_off;
	size_t nstr, str_cap;
	struct gr_hash str_ix;

	/* Functions (id = index + 1): name and file string indexes. */
	uint32_t (*func)[2];
	size_t nfunc, func_cap;
	struct gr_hash func_ix;

	/* Locations (id = index + 1): function id and line. */
	struct loc {
		uint64_t func;
		int64_t line;
	} *loc;
	size_t nloc, loc_cap;
	struct gr_hash loc_ix;

	/* Sample types: string indexes (type, unit). */
	uint64_t (*sample_type)[2];
	size_t nsample_types, sample_type_cap;
	int64_t default_sample_type;
	int64_t period_type[2], period;
	bool have_period;
	int64_t time_nanos, duration_nanos;
	uint64_t *comments;
	size_t ncomments, comment_cap;
	/* The one mapping: file and build ID string indexes. */
	int64_t mapping_file, mapping_build_id;
	bool have_mapping;

	/* The encoded Profile.sample fields, and a scratch buffer. */
	struct buf samples;
	size_t nsamples;
	struct buf scratch;
	uint64_t *tmp;
	size_t tmp_cap;
};

static const char *str_at(const struct gr_pprof *p, size_t i)
{
	return (const char *)p->chars.p + p->str_off[i];
}

/* Index of string @s in the string table, added on first use. */
GR_MUST_USE
static struct gr_error *intern(struct gr_pprof *p, const char *s,
			       uint64_t *ret)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	uint64_t h = gr_hash_bytes(s, len);
	struct gr_hash_probe pr;
	uint32_t id;
	for (gr_hash_probe_init(&p->str_ix, h, &pr);
	     gr_hash_probe_next(&p->str_ix, &pr, &id);) {
		if (strcmp(str_at(p, id), s) == 0) {
			*ret = id;
			return NULL;
		}
	}
	if (p->nstr >= UINT32_MAX - 1)
		return gr_error_create(GR_ERR_LIMIT, "pprof: too many strings");
	struct gr_error *err =
		gr_array_grow(&p->str_off, &p->str_cap, p->nstr, 1);
	if (err)
		return err;
	size_t off = p->chars.len;
	buf_put(&p->chars, s, len + 1);
	if (p->chars.failed)
		return gr_error_nomem();
	p->str_off[p->nstr] = off;
	if ((err = gr_hash_insert(&p->str_ix, h, (uint32_t)p->nstr)))
		return err;
	*ret = p->nstr++;
	return NULL;
}

struct gr_error *gr_pprof_create(struct gr_pprof **ret)
{
	struct gr_pprof *p = calloc(1, sizeof(*p));
	if (!p)
		return gr_error_nomem();
	uint64_t empty;
	/* profile.proto: string_table[0] must be "". */
	struct gr_error *err = intern(p, "", &empty);
	if (err) {
		gr_pprof_destroy(p);
		return err;
	}
	*ret = p;
	return NULL;
}

void gr_pprof_destroy(struct gr_pprof *p)
{
	if (!p)
		return;
	free(p->chars.p);
	free(p->str_off);
	gr_hash_deinit(&p->str_ix);
	free(p->func);
	gr_hash_deinit(&p->func_ix);
	free(p->loc);
	gr_hash_deinit(&p->loc_ix);
	free(p->sample_type);
	free(p->comments);
	free(p->samples.p);
	free(p->scratch.p);
	free(p->tmp);
	free(p);
}

struct gr_error *gr_pprof_add_sample_type(struct gr_pprof *p, const char *type,
					  const char *unit)
{
	if (p->nsamples)
		return gr_error_create(GR_ERR_USAGE,
				       "pprof: sample type %s added after samples",
				       type);
	uint64_t t, u;
	struct gr_error *err = intern(p, type, &t);
	if (!err)
		err = intern(p, unit, &u);
	if (err)
		return err;
	if ((err = gr_array_grow(&p->sample_type, &p->sample_type_cap,
				 p->nsample_types, 1)))
		return err;
	p->sample_type[p->nsample_types][0] = t;
	p->sample_type[p->nsample_types][1] = u;
	p->nsample_types++;
	return NULL;
}

struct gr_error *gr_pprof_set_default_sample_type(struct gr_pprof *p,
						  const char *type)
{
	uint64_t t;
	struct gr_error *err = intern(p, type, &t);
	if (err)
		return err;
	p->default_sample_type = (int64_t)t;
	return NULL;
}

struct gr_error *gr_pprof_set_period(struct gr_pprof *p, const char *type,
				     const char *unit, int64_t period)
{
	uint64_t t, u;
	struct gr_error *err = intern(p, type, &t);
	if (!err)
		err = intern(p, unit, &u);
	if (err)
		return err;
	p->period_type[0] = (int64_t)t;
	p->period_type[1] = (int64_t)u;
	p->period = period;
	p->have_period = true;
	return NULL;
}

void gr_pprof_set_time(struct gr_pprof *p, int64_t time_nanos,
		       int64_t duration_nanos)
{
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
}

struct gr_error *gr_pprof_set_mapping(struct gr_pprof *p, const char *file,
				      const char *build_id)
{
	uint64_t f, b;
	struct gr_error *err = intern(p, file, &f);
	if (!err)
		err = intern(p, build_id, &b);
	if (err)
		return err;
	p->mapping_file = (int64_t)f;
	p->mapping_build_id = (int64_t)b;
	p->have_mapping = true;
	return NULL;
}

struct gr_error *gr_pprof_add_comment(struct gr_pprof *p, const char *comment)
{
	uint64_t c;
	struct gr_error *err = intern(p, comment, &c);
	if (err)
		return err;
	if ((err = gr_array_grow(&p->comments, &p->comment_cap, p->ncomments,
				 1)))
		return err;
	p->comments[p->ncomments++] = c;
	return NULL;
}

static uint64_t hash2(uint64_t a, uint64_t b)
{
	uint64_t k[2] = {a, b};
	return gr_hash_bytes(k, sizeof(k));
}

/* Function id for (name, file) string indexes. */
GR_MUST_USE
static struct gr_error *function_id(struct gr_pprof *p, uint64_t name,
				    uint64_t file, uint64_t *ret)
{
	uint64_t h = hash2(name, file);
	struct gr_hash_probe pr;
	uint32_t i;
	for (gr_hash_probe_init(&p->func_ix, h, &pr);
	     gr_hash_probe_next(&p->func_ix, &pr, &i);) {
		if (p->func[i][0] == name && p->func[i][1] == file) {
			*ret = i + 1;
			return NULL;
		}
	}
	if (p->nfunc >= UINT32_MAX - 1)
		return gr_error_create(GR_ERR_LIMIT, "pprof: too many functions");
	struct gr_error *err =
		gr_array_grow(&p->func, &p->func_cap, p->nfunc, 1);
	if (err)
		return err;
	p->func[p->nfunc][0] = (uint32_t)name;
	p->func[p->nfunc][1] = (uint32_t)file;
	if ((err = gr_hash_insert(&p->func_ix, h, (uint32_t)p->nfunc)))
		return err;
	*ret = ++p->nfunc;
	return NULL;
}

struct gr_error *gr_pprof_location(struct gr_pprof *p, const char *func,
				   const char *file, int64_t line,
				   uint64_t *ret)
{
	uint64_t name = 0, fname = 0, fid = 0;
	struct gr_error *err = intern(p, func, &name);
	if (!err)
		err = intern(p, file, &fname);
	if (!err)
		err = function_id(p, name, fname, &fid);
	if (err)
		return err;
	uint64_t h = hash2(fid, (uint64_t)line);
	struct gr_hash_probe pr;
	uint32_t i;
	for (gr_hash_probe_init(&p->loc_ix, h, &pr);
	     gr_hash_probe_next(&p->loc_ix, &pr, &i);) {
		if (p->loc[i].func == fid && p->loc[i].line == line) {
			*ret = i + 1;
			return NULL;
		}
	}
	if (p->nloc >= UINT32_MAX - 1)
		return gr_error_create(GR_ERR_LIMIT, "pprof: too many locations");
	if ((err = gr_array_grow(&p->loc, &p->loc_cap, p->nloc, 1)) ||
	    (err = gr_hash_insert(&p->loc_ix, h, (uint32_t)p->nloc)))
		return err;
	p->loc[p->nloc] = (struct loc){fid, line};
	*ret = ++p->nloc;
	return NULL;
}

/* Encode one Label message into @b (after the labels' strings exist). */
GR_MUST_USE
static struct gr_error *encode_label(struct gr_pprof *p, struct buf *b,
				     const struct gr_pprof_label *l)
{
	uint64_t key, str = 0, unit = 0;
	struct gr_error *err = intern(p, l->key, &key);
	if (!err && l->str)
		err = intern(p, l->str, &str);
	if (!err && !l->str && l->num_unit)
		err = intern(p, l->num_unit, &unit);
	if (err)
		return err;
	uint8_t tmp[48];
	struct buf m = {.p = tmp, .cap = sizeof(tmp), .fixed = true};
	put_int(&m, LABEL_KEY, (int64_t)key);
	if (l->str) {
		put_int(&m, LABEL_STR, (int64_t)str);
	} else {
		put_int(&m, LABEL_NUM, l->num);
		put_int_opt(&m, LABEL_NUM_UNIT, (int64_t)unit);
	}
	put_bytes(b, SAMPLE_LABEL, m.p, m.len);
	return NULL;
}

struct gr_error *gr_pprof_add_sample(struct gr_pprof *p, const int64_t *values,
				     size_t nvalues, const uint64_t *locs,
				     size_t nlocs,
				     const struct gr_pprof_label *labels,
				     size_t nlabels)
{
	if (nvalues != p->nsample_types)
		return gr_error_create(GR_ERR_USAGE,
				       "pprof: sample has %zu values, the "
				       "profile %zu sample types",
				       nvalues, p->nsample_types);
	for (size_t i = 0; i < nlocs; i++)
		if (locs[i] == 0 || locs[i] > p->nloc)
			return gr_error_create(GR_ERR_USAGE,
					       "pprof: sample names location "
					       "%llu of %zu",
					       (unsigned long long)locs[i],
					       p->nloc);
	struct buf *m = &p->scratch;
	m->len = 0;
	put_packed(m, SAMPLE_LOCATION_ID, locs, nlocs);
	struct gr_error *err = gr_array_grow(&p->tmp, &p->tmp_cap, 0, nvalues);
	if (err)
		return err;
	for (size_t i = 0; i < nvalues; i++)
		p->tmp[i] = (uint64_t)values[i];
	put_packed(m, SAMPLE_VALUE, p->tmp, nvalues);
	for (size_t i = 0; i < nlabels; i++) {
		if ((err = encode_label(p, m, &labels[i])))
			return err;
	}
	if (m->failed)
		return gr_error_nomem();
	put_bytes(&p->samples, PROFILE_SAMPLE, m->p, m->len);
	if (p->samples.failed)
		return gr_error_nomem();
	p->nsamples++;
	return NULL;
}

size_t gr_pprof_sample_count(const struct gr_pprof *p)
{
	return p->nsamples;
}

size_t gr_pprof_location_count(const struct gr_pprof *p)
{
	return p->nloc;
}

size_t gr_pprof_function_count(const struct gr_pprof *p)
{
	return p->nfunc;
}

size_t gr_pprof_string_count(const struct gr_pprof *p)
{
	return p->nstr;
}

/*
 * Where encoded bytes go: a memory buffer, or zlib's gzip stream onto a
 * FILE.  The message is produced in pieces (header, samples, each table
 * entry) so that a file output never holds the whole message twice.
 */
struct sink {
	struct buf *mem;
	z_stream *z;
	FILE *out;
	const char *name;
	struct gr_error *err;
};

static void sink_deflate(struct sink *s, const uint8_t *data, size_t len,
			 int flush)
{
	uint8_t out[1 << 16];
	s->z->next_in = (Bytef *)data;
	do {
		/* avail_in is a uInt: feed huge pieces in slices. */
		size_t chunk = len > (1u << 30) ? (1u << 30) : len;
		s->z->avail_in = (uInt)chunk;
		len -= chunk;
		int f = len ? Z_NO_FLUSH : flush;
		do {
			s->z->next_out = out;
			s->z->avail_out = sizeof(out);
			int rc = deflate(s->z, f);
			if (rc == Z_STREAM_ERROR) {
				s->err = gr_error_create(
					GR_ERR_OS, "%s: zlib deflate failed",
					s->name);
				return;
			}
			size_t have = sizeof(out) - s->z->avail_out;
			if (have && fwrite(out, 1, have, s->out) != have) {
				s->err = gr_error_output(errno, s->name, "write");
				return;
			}
		} while (s->z->avail_out == 0);
	} while (len);
}

static void sink_put(struct sink *s, const struct buf *b)
{
	if (s->err)
		return;
	if (b->failed) {
		s->err = gr_error_nomem();
		return;
	}
	if (s->mem) {
		buf_put(s->mem, b->p, b->len);
		if (s->mem->failed)
			s->err = gr_error_nomem();
		return;
	}
	if (b->len)
		sink_deflate(s, b->p, b->len, Z_NO_FLUSH);
}

static void value_type(struct buf *b, unsigned field, uint64_t type,
		       uint64_t unit)
{
	uint8_t tmp[32];
	struct buf m = {.p = tmp, .cap = sizeof(tmp), .fixed = true};
	put_int_opt(&m, VALUE_TYPE_TYPE, (int64_t)type);
	put_int_opt(&m, VALUE_TYPE_UNIT, (int64_t)unit);
	put_bytes(b, field, m.p, m.len);
}

static void encode_header(const struct gr_pprof *p, struct buf *b)
{
	for (size_t i = 0; i < p->nsample_types; i++)
		value_type(b, PROFILE_SAMPLE_TYPE, p->sample_type[i][0],
			   p->sample_type[i][1]);
	put_int_opt(b, PROFILE_TIME_NANOS, p->time_nanos);
	put_int_opt(b, PROFILE_DURATION_NANOS, p->duration_nanos);
	if (p->have_period) {
		value_type(b, PROFILE_PERIOD_TYPE, (uint64_t)p->period_type[0],
			   (uint64_t)p->period_type[1]);
		put_int_opt(b, PROFILE_PERIOD, p->period);
	}
	put_packed(b, PROFILE_COMMENT, p->comments, p->ncomments);
	put_int_opt(b, PROFILE_DEFAULT_SAMPLE_TYPE, p->default_sample_type);
	if (p->have_mapping) {
		/* Symbolized already: pprof must not look for the binary to
		 * symbolize addresses it does not have. */
		uint8_t tmp[64];
		struct buf m = {.p = tmp, .cap = sizeof(tmp), .fixed = true};
		put_int(&m, MAPPING_ID, 1);
		put_int_opt(&m, MAPPING_FILENAME, p->mapping_file);
		put_int_opt(&m, MAPPING_BUILD_ID, p->mapping_build_id);
		put_int(&m, MAPPING_HAS_FUNCTIONS, 1);
		put_int(&m, MAPPING_HAS_FILENAMES, 1);
		put_int(&m, MAPPING_HAS_LINE_NUMBERS, 1);
		put_int(&m, MAPPING_HAS_INLINE_FRAMES, 1);
		put_bytes(b, PROFILE_MAPPING, m.p, m.len);
	}
}

static void encode_tables(const struct gr_pprof *p, struct sink *s)
{
	uint8_t tmp[96], line[32];
	for (size_t i = 0; i < p->nloc && !s->err; i++) {
		struct buf l = {.p = line, .cap = sizeof(line), .fixed = true};
		put_int(&l, LINE_FUNCTION_ID, (int64_t)p->loc[i].func);
		put_int_opt(&l, LINE_LINE, p->loc[i].line);
		struct buf m = {.p = tmp, .cap = sizeof(tmp), .fixed = true};
		put_int(&m, LOCATION_ID, (int64_t)(i + 1));
		if (p->have_mapping)
			put_int(&m, LOCATION_MAPPING_ID, 1);
		put_bytes(&m, LOCATION_LINE, l.p, l.len);
		uint8_t hdr[16];
		struct buf h = {.p = hdr, .cap = sizeof(hdr), .fixed = true};
		put_key(&h, PROFILE_LOCATION, WIRE_BYTES);
		put_varint(&h, m.len);
		sink_put(s, &h);
		sink_put(s, &m);
	}
	for (size_t i = 0; i < p->nfunc && !s->err; i++) {
		struct buf m = {.p = tmp, .cap = sizeof(tmp), .fixed = true};
		put_int(&m, FUNCTION_ID, (int64_t)(i + 1));
		put_int_opt(&m, FUNCTION_NAME, p->func[i][0]);
		put_int_opt(&m, FUNCTION_SYSTEM_NAME, p->func[i][0]);
		put_int_opt(&m, FUNCTION_FILENAME, p->func[i][1]);
		uint8_t hdr[16];
		struct buf h = {.p = hdr, .cap = sizeof(hdr), .fixed = true};
		put_key(&h, PROFILE_FUNCTION, WIRE_BYTES);
		put_varint(&h, m.len);
		sink_put(s, &h);
		sink_put(s, &m);
	}
	for (size_t i = 0; i < p->nstr && !s->err; i++) {
		const char *str = str_at(p, i);
		size_t len = strlen(str);
		uint8_t hdr[16];
		struct buf h = {.p = hdr, .cap = sizeof(hdr), .fixed = true};
		put_key(&h, PROFILE_STRING_TABLE, WIRE_BYTES);
		put_varint(&h, len);
		sink_put(s, &h);
		struct buf body = {.p = (uint8_t *)str, .len = len, .cap = len,
				   .fixed = true};
		sink_put(s, &body);
	}
}

GR_MUST_USE
static struct gr_error *encode_to(const struct gr_pprof *p, struct sink *s)
{
	struct buf hdr = {0};
	encode_header(p, &hdr);
	sink_put(s, &hdr);
	free(hdr.p);
	sink_put(s, &p->samples);
	encode_tables(p, s);
	return s->err;
}

struct gr_error *gr_pprof_encode(const struct gr_pprof *p, uint8_t **buf_ret,
				 size_t *len_ret)
{
	struct buf out = {0};
	struct sink s = {.mem = &out, .name = "pprof"};
	struct gr_error *err = encode_to(p, &s);
	if (err) {
		free(out.p);
		return err;
	}
	*buf_ret = out.p;
	*len_ret = out.len;
	return NULL;
}

struct gr_error *gr_pprof_write_stream(const struct gr_pprof *p, FILE *out,
				       const char *name)
{
	z_stream z = {0};
	/* windowBits 15 + 16: a gzip header and trailer, as pprof reads. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return gr_error_nomem();
	struct sink s = {.z = &z, .out = out, .name = name};
	struct gr_error *err = encode_to(p, &s);
	if (!err) {
		sink_deflate(&s, NULL, 0, Z_FINISH);
		err = s.err;
	}
	deflateEnd(&z);
	if (!err && fflush(out) != 0)
		err = gr_error_output(errno, name, "write");
	return err;
}

struct gr_error *gr_pprof_write_file(const struct gr_pprof *p,
				     const char *path)
{
	struct gr_outfile out;
	struct gr_error *err = gr_outfile_open(path, &out);
	if (err)
		return err;
	err = gr_pprof_write_stream(p, out.f, path);
	if (!err)
		err = gr_outfile_commit(&out);
	gr_outfile_abort(&out);
	return err;
}
