/* SPDX-License-Identifier: MIT */
/*
 * gr_input: every format round-trips byte for byte; cut, corrupt and
 * oversized streams fail with the right code and a message naming the file.
 * Compressed inputs are made in-process with zlib and libzstd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "forensics/02-input/input.h"

struct buf {
	uint8_t *data;
	size_t len;
};

static void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static void buf_append(struct buf *b, const void *data, size_t len)
{
	b->data = realloc(b->data, b->len + len);
	assert_non_null(b->data);
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* xorshift64*: reproducible data without libc's shared rand() state. */
static uint64_t next_rand(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * UINT64_C(2685821657736338717);
}

/*
 * Core-like data: runs of random bytes and of zeros, of block-aligned and odd
 * lengths, ending in a zero run that is not a whole block, so both the last
 * partial block and the final ftruncate() are exercised.
 */
static struct buf make_data(size_t len, uint64_t seed)
{
	struct buf b = { calloc(len ? len : 1, 1), len };
	assert_non_null(b.data);
	uint64_t st = seed | 1;
	size_t tail = len / 10 + 1234;
	size_t at = 0;
	bool random = true;
	while (at + tail < len) {
		size_t run = next_rand(&st) % (300 << 10) + 1;
		if (next_rand(&st) & 1)
			run = (run + 4095) & ~(size_t)4095;
		if (run > len - tail - at)
			run = len - tail - at;
		if (random) {
			for (size_t i = 0; i < run; i++)
				b.data[at + i] = (uint8_t)next_rand(&st);
		}
		at += run;
		random = !random;
	}
	return b;
}

static struct buf gzip_bytes(const void *data, size_t len, int level)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	/* windowBits 31: gzip wrapper. */
	assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, 31, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	struct buf out = { NULL, deflateBound(&zs, len) };
	out.data = malloc(out.len);
	assert_non_null(out.data);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out.data;
	zs.avail_out = (uInt)out.len;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out.len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static struct buf zstd_bytes(const void *data, size_t len, bool checksum)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	assert_non_null(cctx);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum);
	struct buf out = { malloc(ZSTD_compressBound(len)), 0 };
	assert_non_null(out.data);
	size_t n = ZSTD_compress2(cctx, out.data, ZSTD_compressBound(len), data,
				  len);
	assert_false(ZSTD_isError(n));
	out.len = n;
	ZSTD_freeCCtx(cctx);
	return out;
}

static void append_skippable(struct buf *b, unsigned variant, size_t len)
{
	uint8_t hdr[8];
	uint32_t magic = 0x184D2A50u + variant;
	for (int i = 0; i < 4; i++) {
		hdr[i] = (uint8_t)(magic >> (8 * i));
		hdr[4 + i] = (uint8_t)(len >> (8 * i));
	}
	buf_append(b, hdr, sizeof(hdr));
	uint8_t *junk = malloc(len + 1);
	assert_non_null(junk);
	memset(junk, 0xa5, len);
	buf_append(b, junk, len);
	free(junk);
}

struct fixture {
	char *dir;
	int nfiles;
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || asprintf(&f->dir, "%s/gr-test-input-XXXXXX",
			   tmp && *tmp ? tmp : "/var/tmp") < 0 ||
	    !mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < f->nfiles; i++) {
		char *p;
		if (asprintf(&p, "%s/f%d", f->dir, i) >= 0) {
			unlink(p);
			free(p);
		}
	}
	rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Write @len bytes to a new file in the fixture directory; caller frees. */
static char *write_file(struct fixture *f, const void *data, size_t len)
{
	char *path;
	assert_true(asprintf(&path, "%s/f%d", f->dir, f->nfiles++) >= 0);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	if (len)
		assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static struct gr_input_options options(const struct fixture *f)
{
	struct gr_input_options o = { .temp_dir = f->dir };
	return o;
}

static struct gr_input *open_ok(const struct fixture *f, const char *path)
{
	struct gr_input_options o = options(f);
	struct gr_input *in = NULL;
	struct gr_error *err = gr_input_open(path, &o, &in);
	if (err)
		fail_msg("%s: %s", gr_error_code_name(err->code), err->message);
	assert_non_null(in);
	return in;
}

static void expect_same(const struct gr_input *in, const struct buf *want)
{
	assert_int_equal(gr_input_size(in), want->len);
	assert_memory_equal(gr_input_data(in), want->data, want->len);
}

/* Open must fail with @code, and the message name @path and contain @what. */
static void expect_error(const struct gr_input_options *o, const char *path,
			 enum gr_error_code code, const char *what)
{
	struct gr_input *in = NULL;
	struct gr_error *err = gr_input_open(path, o, &in);
	assert_non_null(err);
	assert_null(in);
	if (err->code != code || !strstr(err->message, path) ||
	    !strstr(err->message, what))
		fail_msg("want %s \"%s\", got %s \"%s\"",
			 gr_error_code_name(code), what,
			 gr_error_code_name(err->code), err->message);
	gr_error_destroy(err);
}

static void test_raw(void **state)
{
	struct fixture *f = *state;
	struct buf data = make_data(3 << 20, 1);
	char *path = write_file(f, data.data, data.len);
	struct gr_input *in = open_ok(f, path);
	expect_same(in, &data);
	assert_int_equal(gr_input_format(in), GR_INPUT_RAW);
	assert_string_equal(gr_input_format_name(gr_input_format(in)), "raw");
	assert_string_equal(gr_input_path(in), path);
	assert_int_equal(gr_input_file_size(in), data.len);
	assert_true(gr_input_decompress_seconds(in) == 0);
	assert_int_equal(gr_input_temp_disk_bytes(in), 0);
	gr_input_destroy(in);
	free(path);
	buf_free(&data);
}

/* Files shorter than any magic are raw. */
static void test_raw_tiny(void **state)
{
	struct fixture *f = *state;
	static const uint8_t one[] = { 0x1f };
	static const uint8_t three[] = { 0x28, 0xb5, 0x2f };
	char *p1 = write_file(f, one, sizeof(one));
	char *p3 = write_file(f, three, sizeof(three));
	struct gr_input *in = open_ok(f, p1);
	assert_int_equal(gr_input_format(in), GR_INPUT_RAW);
	assert_int_equal(gr_input_size(in), 1);
	gr_input_destroy(in);
	in = open_ok(f, p3);
	assert_int_equal(gr_input_format(in), GR_INPUT_RAW);
	assert_memory_equal(gr_input_data(in), three, 3);
	gr_input_destroy(in);
	free(p1);
	free(p3);
}

static void test_gzip(void **state)
{
	struct fixture *f = *state;
	/* Not a multiple of the 1 MiB buffers nor of 4 KiB blocks. */
	struct buf data = make_data((5 << 20) + 777, 2);
	struct buf gz = gzip_bytes(data.data, data.len, 6);
	char *path = write_file(f, gz.data, gz.len);
	struct gr_input *in = open_ok(f, path);
	expect_same(in, &data);
	assert_int_equal(gr_input_format(in), GR_INPUT_GZIP);
	assert_string_equal(gr_input_format_name(GR_INPUT_GZIP), "gzip");
	assert_int_equal(gr_input_file_size(in), gz.len);
	assert_true(gr_input_decompress_seconds(in) > 0);
	assert_true(gr_input_temp_disk_bytes(in) > 0);
	gr_input_destroy(in);
	free(path);
	buf_free(&gz);
	buf_free(&data);
}

static void test_zstd(void **state)
{
	struct fixture *f = *state;
	struct buf data = make_data((5 << 20) + 4097, 3);
	struct buf zst = zstd_bytes(data.data, data.len, true);
	char *path = write_file(f, zst.data, zst.len);
	struct gr_input *in = open_ok(f, path);
	expect_same(in, &data);
	assert_int_equal(gr_input_format(in), GR_INPUT_ZSTD);
	assert_string_equal(gr_input_format_name(GR_INPUT_ZSTD), "zstd");
	assert_int_equal(gr_input_file_size(in), zst.len);
	gr_input_destroy(in);
	free(path);
	buf_free(&zst);
	buf_free(&data);
}

/* `cat a.gz b.gz c.gz`, the middle one empty, then tape-style zero padding. */
static void test_gzip_multi_member(void **state)
{
	struct fixture *f = *state;
	struct buf data = make_data(3 << 20, 4);
	size_t cut = (1 << 20) + 12345;
	struct buf a = gzip_bytes(data.data, cut, 1);
	struct buf e = gzip_bytes("", 0, 1);
	struct buf b = gzip_bytes(data.data + cut, data.len - cut, 9);
	struct buf cat = { 0 };
	buf_append(&cat, a.data, a.len);
	buf_append(&cat, e.data, e.len);
	buf_append(&cat, b.data, b.len);
	char *path = write_file(f, cat.data, cat.len);
	struct gr_input *in = open_ok(f, path);
	expect_same(in, &data);
	gr_input_destroy(in);
	free(path);

	static const uint8_t zeros[5000];
	buf_append(&cat, zeros, sizeof(zeros));
	path = write_file(f, cat.data, cat.len);
	in = open_ok(f, path);
	expect_same(in, &data);
	gr_input_destroy(in);
	free(path);

	buf_free(&a);
	buf_free(&e);
	buf_free(&b);
	buf_free(&cat);
	buf_free(&data);
}

static void test_gzip_trailing_garbage(void **state)
{
	struct fixture *f = *state;
	struct gr_input_options o = options(f);
	struct buf data = make_data(100000, 5);
	struct buf gz = gzip_bytes(data.data, data.len, 1);
	buf_append(&gz, "junk", 4);
	char *path = write_file(f, gz.data, gz.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "trailing garbage");
	free(path);

	/* Padding that stops being zeros is garbage too. */
	gz.len -= 4;
	static const uint8_t pad[] = { 0, 0, 0, 7 };
	buf_append(&gz, pad, sizeof(pad));
	path = write_file(f, gz.data, gz.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "padding");
	free(path);

	/* A second member whose header is bad is corrupt, not trailing. */
	gz.len -= sizeof(pad);
	static const uint8_t bad[] = { 0x1f, 0x8b, 0x63, 0, 0, 0, 0, 0, 0, 3 };
	buf_append(&gz, bad, sizeof(bad));
	path = write_file(f, gz.data, gz.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "corrupt gzip data");
	free(path);
	buf_free(&gz);
	buf_free(&data);
}

/* Skippable frames first, between and last; an empty frame in between. */
static void test_zstd_frames(void **state)
{
	struct fixture *f = *state;
	struct buf data = make_data(3 << 20, 6);
	size_t cut = 777777;
	struct buf a = zstd_bytes(data.data, cut, false);
	struct buf e = zstd_bytes("", 0, true);
	struct buf b = zstd_bytes(data.data + cut, data.len - cut, true);
	struct buf cat = { 0 };
	append_skippable(&cat, 0, 100);
	buf_append(&cat, a.data, a.len);
	append_skippable(&cat, 15, 0);
	buf_append(&cat, e.data, e.len);
	append_skippable(&cat, 7, 70000);
	buf_append(&cat, b.data, b.len);
	append_skippable(&cat, 3, 8);
	char *path = write_file(f, cat.data, cat.len);
	struct gr_input *in = open_ok(f, path);
	assert_int_equal(gr_input_format(in), GR_INPUT_ZSTD);
	expect_same(in, &data);
	gr_input_destroy(in);
	free(path);
	buf_free(&a);
	buf_free(&e);
	buf_free(&b);
	buf_free(&cat);
	buf_free(&data);
}

static void expect_truncated(struct fixture *f, const struct buf *whole,
			     const char *what)
{
	struct gr_input_options o = options(f);
	size_t cuts[] = { 2,		 4,		  6,
			  10,		 18,		  100,
			  whole->len / 3, whole->len / 2, whole->len - 9,
			  whole->len - 4, whole->len - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		/* Fewer bytes than the zstd magic would be raw data. */
		if (cuts[i] < 4 && whole->data[0] != 0x1f)
			continue;
		char *path = write_file(f, whole->data, cuts[i]);
		expect_error(&o, path, GR_ERR_BAD_DATA, what);
		free(path);
	}
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	struct buf data = make_data(2 << 20, 7);
	struct buf gz = gzip_bytes(data.data, data.len, 6);
	expect_truncated(f, &gz, "truncated gzip stream");
	/* With the checksum, the last 4 bytes are the frame's end. */
	struct buf zst = zstd_bytes(data.data, data.len, true);
	expect_truncated(f, &zst, "truncated zstd stream");
	buf_free(&gz);
	buf_free(&zst);
	buf_free(&data);
}

static void test_corrupt(void **state)
{
	struct fixture *f = *state;
	struct gr_input_options o = options(f);
	uint8_t junk[4096];
	uint64_t st = 99;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)next_rand(&st);

	junk[0] = 0x1f;
	junk[1] = 0x8b;
	char *path = write_file(f, junk, sizeof(junk));
	expect_error(&o, path, GR_ERR_BAD_DATA, "corrupt gzip data");
	free(path);

	junk[0] = 0x28;
	junk[1] = 0xb5;
	junk[2] = 0x2f;
	junk[3] = 0xfd;
	junk[4] = 0x20; /* frame header: single segment, 1-byte size */
	junk[5] = 100;
	junk[6] = 0x07; /* reserved block type */
	path = write_file(f, junk, sizeof(junk));
	expect_error(&o, path, GR_ERR_BAD_DATA, "corrupt zstd data");
	free(path);

	/* Flipped bits inside the deflate data or the CRC are caught. */
	struct buf data = make_data(1 << 20, 8);
	struct buf gz = gzip_bytes(data.data, data.len, 6);
	gz.data[gz.len / 2] ^= 0x10;
	path = write_file(f, gz.data, gz.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "corrupt gzip data");
	free(path);
	gz.data[gz.len / 2] ^= 0x10;
	gz.data[gz.len - 6] ^= 1;
	path = write_file(f, gz.data, gz.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "incorrect data check");
	free(path);

	struct buf zst = zstd_bytes(data.data, data.len, true);
	zst.data[zst.len - 2] ^= 1;
	path = write_file(f, zst.data, zst.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "corrupt zstd data");
	free(path);

	/* zstd data after a complete frame must be another frame. */
	zst.data[zst.len - 2] ^= 1;
	buf_append(&zst, "\0\0\0\0\0\0\0\0", 8);
	path = write_file(f, zst.data, zst.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "corrupt zstd data");
	free(path);
	buf_free(&zst);
	buf_free(&gz);
	buf_free(&data);
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	struct gr_input_options o = options(f);
	char *path = write_file(f, "", 0);
	expect_error(&o, path, GR_ERR_BAD_DATA, "empty file");
	free(path);

	struct buf gz = gzip_bytes("", 0, 6);
	path = write_file(f, gz.data, gz.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "empty file");
	free(path);
	buf_free(&gz);

	struct buf skip = { 0 };
	append_skippable(&skip, 1, 16);
	path = write_file(f, skip.data, skip.len);
	expect_error(&o, path, GR_ERR_BAD_DATA, "empty file");
	free(path);
	buf_free(&skip);
}

static void test_os_errors(void **state)
{
	struct fixture *f = *state;
	struct gr_input_options o = options(f);
	char *path;
	assert_true(asprintf(&path, "%s/no-such-core", f->dir) >= 0);
	struct gr_input *in = NULL;
	struct gr_error *err = gr_input_open(path, &o, &in);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OS);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->message, path));
	gr_error_destroy(err);
	free(path);

	err = gr_input_open(f->dir, &o, &in);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OS);
	assert_int_equal(err->errnum, EISDIR);
	assert_non_null(strstr(err->message, f->dir));
	gr_error_destroy(err);

	expect_error(&o, "/dev/null", GR_ERR_UNSUPPORTED, "not a regular file");

	/* A temp dir that is not there is named in the error. */
	struct buf gz = gzip_bytes("hello", 5, 6);
	path = write_file(f, gz.data, gz.len);
	o.temp_dir = "/nonexistent-gr-temp";
	err = gr_input_open(path, &o, &in);
	assert_non_null(err);
	/* Writing a temporary file, not reading the input: exit 1. */
	assert_int_equal(err->code, GR_ERR_OUTPUT);
	assert_non_null(strstr(err->message, "/nonexistent-gr-temp"));
	gr_error_destroy(err);
	free(path);
	buf_free(&gz);
}

/* A write failing for lack of room (here EFBIG from RLIMIT_FSIZE, as ENOSPC
 * would from a full disk) is an output error naming the temp directory. */
static void test_write_failure(void **state)
{
	struct fixture *f = *state;
	struct buf data = make_data(4 << 20, 9);
	struct buf gz = gzip_bytes(data.data, data.len, 1);
	char *path = write_file(f, gz.data, gz.len);
	struct rlimit old;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	struct rlimit small = { 1 << 20, old.rlim_max };
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	struct gr_input_options o = options(f);
	struct gr_input *in = NULL;
	struct gr_error *err = gr_input_open(path, &o, &in);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OUTPUT);
	assert_int_equal(err->errnum, EFBIG);
	assert_non_null(strstr(err->message, f->dir));
	gr_error_destroy(err);
	free(path);
	buf_free(&gz);
	buf_free(&data);
}

static void test_limit(void **state)
{
	struct fixture *f = *state;
	struct buf data = make_data((2 << 20) + 10, 10);
	struct buf gz = gzip_bytes(data.data, data.len, 1);
	struct buf zst = zstd_bytes(data.data, data.len, false);
	char *pg = write_file(f, gz.data, gz.len);
	char *pz = write_file(f, zst.data, zst.len);
	struct gr_input_options o = options(f);
	o.max_size = data.len - 1;
	expect_error(&o, pg, GR_ERR_LIMIT, "limit");
	expect_error(&o, pz, GR_ERR_LIMIT, "limit");
	o.max_size = 1000;
	expect_error(&o, pg, GR_ERR_LIMIT, "limit");
	/* Exactly the limit is allowed. */
	o.max_size = data.len;
	struct gr_input *in = NULL;
	assert_null(gr_input_open(pz, &o, &in));
	expect_same(in, &data);
	gr_input_destroy(in);
	free(pg);
	free(pz);
	buf_free(&gz);
	buf_free(&zst);
	buf_free(&data);
}

/* A frame asking for a 256 MiB window (zstd --long=28) is refused before
 * zstd allocates it.  Streaming with no pledged size keeps the window. */
static void test_zstd_window_limit(void **state)
{
	struct fixture *f = *state;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	assert_non_null(cctx);
	assert_false(ZSTD_isError(
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 28)));
	uint8_t out[4096];
	ZSTD_outBuffer ob = { out, sizeof(out), 0 };
	ZSTD_inBuffer ib = { "abcdefgh", 8, 0 };
	assert_false(ZSTD_isError(
		ZSTD_compressStream2(cctx, &ob, &ib, ZSTD_e_continue)));
	ZSTD_inBuffer none = { NULL, 0, 0 };
	assert_int_equal(ZSTD_compressStream2(cctx, &ob, &none, ZSTD_e_end), 0);
	ZSTD_freeCCtx(cctx);
	char *path = write_file(f, out, ob.pos);
	struct gr_input_options o = options(f);
	expect_error(&o, path, GR_ERR_LIMIT, "window");
	free(path);
}

struct progress_log {
	int calls;
	uint64_t last_in, last_total, last_out;
	bool monotonic;
};

static void on_progress(void *arg, uint64_t in_bytes, uint64_t in_total,
			uint64_t out_bytes)
{
	struct progress_log *log = arg;
	if (log->calls && (out_bytes < log->last_out || in_bytes < log->last_in))
		log->monotonic = false;
	log->calls++;
	log->last_in = in_bytes;
	log->last_total = in_total;
	log->last_out = out_bytes;
}

/* 130 MiB of zeros with a few non-zero blocks, as zstd: progress at 64 and
 * 128 MiB and at the end; the temp file is almost all holes. */
static void test_sparse_and_progress(void **state)
{
	struct fixture *f = *state;
	size_t len = (130 << 20) + 100;
	struct buf data = { calloc(len, 1), len };
	assert_non_null(data.data);
	uint64_t st = 11;
	for (int i = 0; i < 16; i++) {
		size_t at = (size_t)(next_rand(&st) % (len / 4096)) * 4096;
		memset(data.data + at, 0x5a, 4096);
	}
	memset(data.data + len - 100, 1, 50); /* partial last block */
	struct buf zst = zstd_bytes(data.data, data.len, true);
	char *path = write_file(f, zst.data, zst.len);
	struct progress_log log = { .monotonic = true };
	struct gr_input_options o = options(f);
	o.progress.fn = on_progress;
	o.progress.arg = &log;
	struct gr_input *in = NULL;
	struct gr_error *err = gr_input_open(path, &o, &in);
	if (err)
		fail_msg("%s", err->message);
	expect_same(in, &data);
	assert_int_equal(log.calls, 3);
	assert_true(log.monotonic);
	assert_int_equal(log.last_total, zst.len);
	assert_int_equal(log.last_in, zst.len);
	assert_int_equal(log.last_out, len);
	/* 17 blocks of data; allow for file-system allocation granularity. */
	uint64_t disk = gr_input_temp_disk_bytes(in);
	print_message("sparse: %zu bytes in %llu on disk\n", len,
		      (unsigned long long)disk);
	assert_true(disk < len / 64);
	gr_input_destroy(in);
	free(path);
	buf_free(&zst);
	buf_free(&data);
}

struct thread_job {
	const struct fixture *f;
	const char *path;
	const struct buf *want;
	int ok;
};

static void *open_in_thread(void *arg)
{
	struct thread_job *job = arg;
	for (int round = 0; round < 3; round++) {
		struct gr_input_options o = options(job->f);
		struct gr_input *in = NULL;
		struct gr_error *err = gr_input_open(job->path, &o, &in);
		if (err) {
			gr_error_destroy(err);
			return NULL;
		}
		if (gr_input_size(in) == job->want->len &&
		    memcmp(gr_input_data(in), job->want->data,
			   job->want->len) == 0)
			job->ok++;
		gr_input_destroy(in);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	struct buf data = make_data(3 << 20, 12);
	struct buf gz = gzip_bytes(data.data, data.len, 1);
	struct buf zst = zstd_bytes(data.data, data.len, true);
	char *paths[3] = {
		write_file(f, gz.data, gz.len),
		write_file(f, zst.data, zst.len),
		write_file(f, data.data, data.len),
	};
	enum { N = 6 };
	pthread_t th[N];
	struct thread_job jobs[N];
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct thread_job){ f, paths[i % 3], &data, 0 };
		assert_int_equal(
			pthread_create(&th[i], NULL, open_in_thread, &jobs[i]),
			0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(jobs[i].ok, 3);
	}
	for (int i = 0; i < 3; i++)
		free(paths[i]);
	buf_free(&gz);
	buf_free(&zst);
	buf_free(&data);
}

static void test_misc(void **state)
{
	(void)state;
	gr_input_destroy(NULL);
	assert_string_equal(gr_input_format_name((enum gr_input_format)42),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_tiny, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zstd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_multi_member, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gzip_trailing_garbage,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_zstd_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_os_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zstd_window_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sparse_and_progress, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test(test_misc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
