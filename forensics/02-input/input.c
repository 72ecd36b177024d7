/* SPDX-License-Identifier: MIT */
#include "forensics/02-input/input.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* The fuzz build shrinks the buffers so that small inputs reach the
 * buffer-full paths; keep it a multiple of HOLE_BLOCK. */
#ifndef GR_INPUT_BUF_SIZE
#define GR_INPUT_BUF_SIZE (1 << 20)
#endif

enum {
	/* Both stream buffers; output is flushed only when full, so every
	 * flush but the last starts at a multiple of BUF_SIZE and the hole
	 * test below sees file-aligned blocks. */
	BUF_SIZE = GR_INPUT_BUF_SIZE,
	/* zstd's own default (ZSTD_WINDOWLOG_LIMIT_DEFAULT, static-only API),
	 * stated here because it bounds our memory: a frame's window is
	 * allocated whole. */
	ZSTD_WINDOW_LOG_MAX = 27,
	/* Granularity of holes: the page and file-system block size. */
	HOLE_BLOCK = 4096,
};

#define PROGRESS_STEP (UINT64_C(64) << 20)

struct gr_input {
	char *path;
	const uint8_t *data;
	size_t size;
	enum gr_input_format format;
	uint64_t file_size;
	double seconds;
	uint64_t temp_disk_bytes;
};

/* One decompression: compressed bytes in from in_fd, sparse bytes out to
 * out_fd. */
struct stream {
	const char *path;
	const char *temp_dir;
	int in_fd;
	uint64_t in_total;
	uint64_t in_read;
	uint8_t *in_buf;
	uint8_t *out_buf;
	int out_fd;
	uint64_t out_bytes;
	uint64_t max_size;
	uint64_t next_progress;
	struct gr_input_progress progress;
};

GR_MUST_USE
static struct gr_error *stream_read(struct stream *s, size_t *ret)
{
	ssize_t n;
	do
		n = read(s->in_fd, s->in_buf, BUF_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return gr_error_os(errno, s->path, "read");
	s->in_read += (uint64_t)n;
	*ret = (size_t)n;
	return NULL;
}

GR_MUST_USE
static struct gr_error *write_all(struct stream *s, const uint8_t *buf,
				  size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(s->out_fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return gr_error_output(n < 0 ? errno : ENOSPC, s->temp_dir,
					   "write temporary file");
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return NULL;
}

static bool block_is_zero(const uint8_t *p, size_t len)
{
	return p[0] == 0 && memcmp(p, p + 1, len - 1) == 0;
}

/* Append @len bytes to the output, skipping all-zero blocks so that they stay
 * holes in the (fresh, empty) temporary file; the final ftruncate() gives the
 * file its size. */
GR_MUST_USE
static struct gr_error *stream_write(struct stream *s, const uint8_t *buf,
				     size_t len)
{
	if (len > s->max_size - s->out_bytes)
		return gr_error_create(GR_ERR_LIMIT,
				       "%s: decompressed size exceeds the limit "
				       "of %" PRIu64 " bytes",
				       s->path, s->max_size);
	size_t run = 0; /* start of the pending run of non-zero blocks */
	for (size_t at = 0; at < len; at += HOLE_BLOCK) {
		size_t n = len - at < HOLE_BLOCK ? len - at : HOLE_BLOCK;
		if (!block_is_zero(buf + at, n))
			continue;
		if (run < at) {
			struct gr_error *err = write_all(
				s, buf + run, at - run, s->out_bytes + run);
			if (err)
				return err;
		}
		run = at + n;
	}
	if (run < len) {
		struct gr_error *err =
			write_all(s, buf + run, len - run, s->out_bytes + run);
		if (err)
			return err;
	}
	s->out_bytes += len;
	if (s->progress.fn && s->out_bytes >= s->next_progress) {
		s->progress.fn(s->progress.arg, s->in_read, s->in_total,
			       s->out_bytes);
		s->next_progress = s->out_bytes + PROGRESS_STEP;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *gzip_error(struct stream *s, int ret,
				   const z_stream *zs)
{
	if (ret == Z_MEM_ERROR)
		return gr_error_nomem();
	return gr_error_create(GR_ERR_BAD_DATA,
			       "%s: corrupt gzip data at compressed byte %" PRIu64
			       ": %s",
			       s->path, s->in_read - zs->avail_in,
			       zs->msg ? zs->msg : zError(ret));
}

/*
 * After a member ends, what follows decides: another member (gzip magic), the
 * end of input, or zero padding to the end, which gzip -d also ignores.
 * Returns with *@more set when inflate should go on with a new member.
 */
GR_MUST_USE
static struct gr_error *gzip_between(struct stream *s, z_stream *zs,
				     bool *zero_padding, unsigned member,
				     bool *more)
{
	*more = false;
	if (!*zero_padding && zs->next_in[0] == 0x1f) {
		*more = true;
		return NULL;
	}
	uint64_t at = s->in_read - zs->avail_in;
	if (!*zero_padding && zs->next_in[0] != 0)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: trailing garbage after gzip member "
				       "%u at byte %" PRIu64,
				       s->path, member, at);
	*zero_padding = true;
	for (uInt i = 0; i < zs->avail_in; i++) {
		if (zs->next_in[i] != 0)
			return gr_error_create(
				GR_ERR_BAD_DATA,
				"%s: non-zero byte in the padding after gzip "
				"member %u at byte %" PRIu64,
				s->path, member, at + i);
	}
	zs->next_in += zs->avail_in;
	zs->avail_in = 0;
	return NULL;
}

GR_MUST_USE
static struct gr_error *gzip_run(struct stream *s, z_stream *zs)
{
	struct gr_error *err;
	size_t out_fill = 0;
	unsigned member = 1;
	bool eof = false, between = false, zero_padding = false;
	for (;;) {
		if (zs->avail_in == 0 && !eof) {
			size_t n;
			if ((err = stream_read(s, &n)))
				return err;
			zs->next_in = s->in_buf;
			zs->avail_in = (uInt)n;
			eof = n == 0;
		}
		if (between) {
			if (zs->avail_in == 0) {
				if (eof)
					break;
				continue;
			}
			bool more;
			if ((err = gzip_between(s, zs, &zero_padding, member,
						&more)))
				return err;
			if (!more)
				continue;
			between = false;
			member++;
		}
		zs->next_out = s->out_buf + out_fill;
		zs->avail_out = (uInt)(BUF_SIZE - out_fill);
		int ret = inflate(zs, Z_NO_FLUSH);
		out_fill = BUF_SIZE - zs->avail_out;
		if (out_fill == BUF_SIZE) {
			if ((err = stream_write(s, s->out_buf, out_fill)))
				return err;
			out_fill = 0;
		}
		if (ret == Z_STREAM_END) {
			if ((ret = inflateReset(zs)) != Z_OK)
				return gzip_error(s, ret, zs);
			between = true;
		} else if (ret == Z_BUF_ERROR && eof && zs->avail_in == 0) {
			return gr_error_create(
				GR_ERR_BAD_DATA,
				"%s: truncated gzip stream (member %u cut off "
				"after %" PRIu64 " compressed bytes)",
				s->path, member, s->in_read);
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			return gzip_error(s, ret, zs);
		}
	}
	return stream_write(s, s->out_buf, out_fill);
}

GR_MUST_USE
static struct gr_error *decompress_gzip(struct stream *s)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	/* 16 + MAX_WBITS: gzip wrapper only, checking CRC-32 and ISIZE. */
	int ret = inflateInit2(&zs, 16 + MAX_WBITS);
	if (ret != Z_OK)
		return ret == Z_MEM_ERROR ? gr_error_nomem()
					  : gzip_error(s, ret, &zs);
	struct gr_error *err = gzip_run(s, &zs);
	inflateEnd(&zs);
	return err;
}

GR_MUST_USE
static struct gr_error *zstd_error(struct stream *s, size_t ret,
				   const ZSTD_inBuffer *in)
{
	uint64_t at = s->in_read - (in->size - in->pos);
	switch (ZSTD_getErrorCode(ret)) {
	case ZSTD_error_memory_allocation:
		return gr_error_nomem();
	case ZSTD_error_frameParameter_windowTooLarge:
		/* Decoding it would take a window buffer as large as the
		 * frame asks (up to 2 GiB): out of proportion here. */
		return gr_error_create(
			GR_ERR_LIMIT,
			"%s: zstd frame needs a window larger than %d MiB "
			"(compressed with --long?); decompress it with "
			"`zstd -d --long=31` first",
			s->path, 1 << (ZSTD_WINDOW_LOG_MAX - 20));
	default:
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: corrupt zstd data at compressed "
				       "byte %" PRIu64 ": %s",
				       s->path, at, ZSTD_getErrorName(ret));
	}
}

GR_MUST_USE
static struct gr_error *zstd_run(struct stream *s, ZSTD_DCtx *dctx)
{
	struct gr_error *err;
	ZSTD_inBuffer in = { s->in_buf, 0, 0 };
	ZSTD_outBuffer out = { s->out_buf, BUF_SIZE, 0 };
	/* Non-zero while a frame is unfinished (ZSTD_decompressStream's hint). */
	size_t pending = 0;
	/* The last call filled the output mid-frame: more may be buffered. */
	bool flushing = false;
	bool eof = false;
	for (;;) {
		if (in.pos == in.size && !eof) {
			size_t n;
			if ((err = stream_read(s, &n)))
				return err;
			in.size = n;
			in.pos = 0;
			eof = n == 0;
		}
		/* Called without input after a frame, zstd would start
		 * waiting for the next frame's header. */
		if (eof && in.pos == in.size && !flushing)
			break;
		size_t ret = ZSTD_decompressStream(dctx, &out, &in);
		if (ZSTD_isError(ret))
			return zstd_error(s, ret, &in);
		pending = ret;
		flushing = false;
		if (out.pos == out.size) {
			if ((err = stream_write(s, s->out_buf, out.pos)))
				return err;
			out.pos = 0;
			flushing = ret != 0;
		}
	}
	if (pending)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: truncated zstd stream (frame cut "
				       "off after %" PRIu64 " compressed bytes)",
				       s->path, s->in_read);
	return stream_write(s, s->out_buf, out.pos);
}

GR_MUST_USE
static struct gr_error *decompress_zstd(struct stream *s)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	if (!dctx)
		return gr_error_nomem();
	size_t ret = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax,
					    ZSTD_WINDOW_LOG_MAX);
	if (ZSTD_isError(ret)) {
		ZSTD_freeDCtx(dctx);
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: libzstd refuses window limit: %s",
				       s->path, ZSTD_getErrorName(ret));
	}
	struct gr_error *err = zstd_run(s, dctx);
	ZSTD_freeDCtx(dctx);
	return err;
}

/* An unnamed file in @dir: O_TMPFILE where the file system has it, else a
 * named one unlinked at once, so nothing is left behind on any exit. */
GR_MUST_USE
static struct gr_error *open_temp(const char *dir, int *ret)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*ret = fd;
		return NULL;
	}
	/* EISDIR: kernel without O_TMPFILE; EOPNOTSUPP: file system without. */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return gr_error_output(errno, dir, "create temporary file");
	char *tmpl;
	if (asprintf(&tmpl, "%s/goretain-XXXXXX", dir) < 0)
		return gr_error_nomem();
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0) {
		struct gr_error *err =
			gr_error_output(errno, dir, "create temporary file");
		free(tmpl);
		return err;
	}
	unlink(tmpl);
	free(tmpl);
	*ret = fd;
	return NULL;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

GR_MUST_USE
static struct gr_error *map_fd(int fd, size_t size, const char *name,
			       const uint8_t **ret)
{
	void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return gr_error_os(errno, name, "mmap");
	*ret = p;
	return NULL;
}

GR_MUST_USE
static struct gr_error *open_compressed(struct gr_input *input, int fd,
					const struct gr_input_options *opts)
{
	struct stream s = {
		.path = input->path,
		.in_fd = fd,
		.in_total = input->file_size,
		.out_fd = -1,
		.max_size = opts && opts->max_size ? opts->max_size
						   : GR_INPUT_DEFAULT_MAX_SIZE,
		.next_progress = PROGRESS_STEP,
	};
	if (opts)
		s.progress = opts->progress;
	s.temp_dir = opts && opts->temp_dir ? opts->temp_dir : NULL;
	if (!s.temp_dir) {
		const char *env = getenv("TMPDIR");
		s.temp_dir = env && *env ? env : "/var/tmp";
	}
	/* Only read once, front to back. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	double start = now_seconds();
	struct gr_error *err = open_temp(s.temp_dir, &s.out_fd);
	if (err)
		return err;
	s.in_buf = malloc(BUF_SIZE);
	s.out_buf = malloc(BUF_SIZE);
	if (!s.in_buf || !s.out_buf) {
		err = gr_error_nomem();
		goto out;
	}
	err = input->format == GR_INPUT_GZIP ? decompress_gzip(&s)
					     : decompress_zstd(&s);
	if (err)
		goto out;
	if (s.out_bytes == 0) {
		err = gr_error_create(GR_ERR_BAD_DATA,
				      "%s: empty file (%s data decompresses "
				      "to 0 bytes)",
				      input->path,
				      gr_input_format_name(input->format));
		goto out;
	}
	if (s.out_bytes > SIZE_MAX) {
		err = gr_error_create(GR_ERR_LIMIT,
				      "%s: decompressed size %" PRIu64
				      " does not fit in the address space",
				      input->path, s.out_bytes);
		goto out;
	}
	if (ftruncate(s.out_fd, (off_t)s.out_bytes) < 0) {
		err = gr_error_output(errno, s.temp_dir, "size temporary file");
		goto out;
	}
	struct stat st;
	if (fstat(s.out_fd, &st) == 0)
		input->temp_disk_bytes = (uint64_t)st.st_blocks * 512;
	if ((err = map_fd(s.out_fd, (size_t)s.out_bytes, s.temp_dir,
			  &input->data)))
		goto out;
	input->size = (size_t)s.out_bytes;
	input->seconds = now_seconds() - start;
	if (s.progress.fn)
		s.progress.fn(s.progress.arg, s.in_read, s.in_total,
			      s.out_bytes);
out:
	free(s.in_buf);
	free(s.out_buf);
	/* The mapping keeps the unlinked file alive. */
	close(s.out_fd);
	return err;
}

static enum gr_input_format detect(const uint8_t *magic, size_t n)
{
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return GR_INPUT_GZIP;
	if (n >= 4) {
		uint32_t m = (uint32_t)magic[0] | (uint32_t)magic[1] << 8 |
			     (uint32_t)magic[2] << 16 |
			     (uint32_t)magic[3] << 24;
		if (m == ZSTD_MAGICNUMBER ||
		    (m & ZSTD_MAGIC_SKIPPABLE_MASK) ==
			    ZSTD_MAGIC_SKIPPABLE_START)
			return GR_INPUT_ZSTD;
	}
	return GR_INPUT_RAW;
}

GR_MUST_USE
static struct gr_error *open_fd(struct gr_input *input, int fd,
				const struct gr_input_options *opts)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return gr_error_os(errno, input->path, "stat");
	/* open(O_RDONLY) succeeds on a directory; say what read() would. */
	if (S_ISDIR(st.st_mode))
		return gr_error_os(EISDIR, input->path, "open");
	if (!S_ISREG(st.st_mode))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: not a regular file", input->path);
	if (st.st_size == 0)
		return gr_error_create(GR_ERR_BAD_DATA, "%s: empty file",
				       input->path);
	input->file_size = (uint64_t)st.st_size;
	uint8_t magic[4];
	ssize_t n;
	do
		n = pread(fd, magic, sizeof(magic), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return gr_error_os(errno, input->path, "read");
	input->format = detect(magic, (size_t)n);
	if (input->format != GR_INPUT_RAW)
		return open_compressed(input, fd, opts);
	if (input->file_size > SIZE_MAX)
		return gr_error_create(GR_ERR_LIMIT,
				       "%s: too large to map", input->path);
	struct gr_error *err = map_fd(fd, (size_t)input->file_size,
				      input->path, &input->data);
	if (err)
		return err;
	input->size = (size_t)input->file_size;
	return NULL;
}

struct gr_error *gr_input_open(const char *path,
			       const struct gr_input_options *opts,
			       struct gr_input **ret)
{
	struct gr_input *input = calloc(1, sizeof(*input));
	if (!input)
		return gr_error_nomem();
	input->path = strdup(path);
	if (!input->path) {
		free(input);
		return gr_error_nomem();
	}
	struct gr_error *err;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = gr_error_os(errno, path, "open");
	} else {
		err = open_fd(input, fd, opts);
		/* Mappings outlive the descriptor. */
		close(fd);
	}
	if (err) {
		gr_input_destroy(input);
		return err;
	}
	*ret = input;
	return NULL;
}

void gr_input_destroy(struct gr_input *input)
{
	if (!input)
		return;
	if (input->data)
		munmap((void *)input->data, input->size);
	free(input->path);
	free(input);
}

const uint8_t *gr_input_data(const struct gr_input *input)
{
	return input->data;
}

size_t gr_input_size(const struct gr_input *input)
{
	return input->size;
}

enum gr_input_format gr_input_format(const struct gr_input *input)
{
	return input->format;
}

const char *gr_input_format_name(enum gr_input_format format)
{
	switch (format) {
	case GR_INPUT_RAW:
		return "raw";
	case GR_INPUT_GZIP:
		return "gzip";
	case GR_INPUT_ZSTD:
		return "zstd";
	}
	return "unknown";
}

const char *gr_input_path(const struct gr_input *input)
{
	return input->path;
}

uint64_t gr_input_file_size(const struct gr_input *input)
{
	return input->file_size;
}

double gr_input_decompress_seconds(const struct gr_input *input)
{
	return input->seconds;
}

uint64_t gr_input_temp_disk_bytes(const struct gr_input *input)
{
	return input->temp_disk_bytes;
}
