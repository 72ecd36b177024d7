/* SPDX-License-Identifier: MIT */
/*
 * gr_input: a core file opened for analysis, as one read-only run of bytes.
 *
 * The format is found from the first bytes, never from the name:
 *   - gzip (1f 8b): every member of a multi-member file (`cat a.gz b.gz`) is
 *     decompressed in turn, as `gzip -d` does; zero bytes after the last
 *     member (tape padding) are ignored, anything else after it is BAD_DATA.
 *   - zstd (28 b5 2f fd, or a skippable frame 0x184D2A50..5F): every frame,
 *     skipping skippable ones.  Frames whose window exceeds 128 MiB (made with
 *     `zstd --long`) are refused with LIMIT rather than buffering them.
 *   - anything else is raw and is mmapped read-only, never copied.
 *
 * Compressed input is stream-decompressed with fixed buffers (a few MiB of
 * heap whatever the size) into an anonymous temporary file in the temp
 * directory; all-zero 4 KiB blocks are left as holes, so a core that is
 * mostly zero pages costs only its non-zero pages on disk.  That file is
 * mmapped read-only and vanishes when the input is destroyed (or the
 * process dies).
 *
 * Errors name the file: OS for open/read failures (directories included) and
 * for failures writing the temporary file (naming the temp directory),
 * BAD_DATA for an empty file, a truncated stream ("truncated gzip stream")
 * or corrupt data ("corrupt zstd data: <zstd's reason>"), LIMIT when the
 * decompressed size exceeds the maximum, UNSUPPORTED for what is not a
 * regular file (pipes, devices).
 *
 * No globals: independent inputs may be opened and used from different
 * threads at once.  A gr_input is immutable after gr_input_open(), so one
 * input may be read from several threads.
 */
#ifndef GR_INPUT_H
#define GR_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

enum gr_input_format {
	GR_INPUT_RAW,
	GR_INPUT_GZIP,
	GR_INPUT_ZSTD,
};

/*
 * Progress while decompressing: @in_bytes of the @in_total compressed bytes
 * read so far, @out_bytes written.  Called at most once per ~64 MiB of output
 * and once more at the end of a successful decompression; never for raw
 * files.  Called on the thread running gr_input_open().
 */
struct gr_input_progress {
	void (*fn)(void *arg, uint64_t in_bytes, uint64_t in_total,
		   uint64_t out_bytes);
	void *arg;
};

/* Zero-initialise, then set what differs; a NULL options pointer is all
 * defaults. */
struct gr_input_options {
	/* Where the decompressed copy goes.  NULL: $TMPDIR if set and
	 * non-empty, else /var/tmp (not /tmp, which is often RAM-backed). */
	const char *temp_dir;
	/* Largest decompressed size accepted, in bytes; more is a LIMIT error.
	 * 0 means the default, 1 TiB.  Raw files are not limited: mapping them
	 * costs nothing. */
	uint64_t max_size;
	/* Optional; fn == NULL for none. */
	struct gr_input_progress progress;
};

#define GR_INPUT_DEFAULT_MAX_SIZE (UINT64_C(1) << 40)

struct gr_input;

/*
 * Open @path.  @opts may be NULL.  On success *@ret owns the mapping (and the
 * temporary file, if any) until gr_input_destroy().
 *
 * A raw file is mapped, not copied: if another process truncates it while it
 * is mapped, reading the lost pages raises SIGBUS.  Core files are normally
 * left alone, so goretain does not guard against that.
 */
GR_MUST_USE
struct gr_error *gr_input_open(const char *path,
			       const struct gr_input_options *opts,
			       struct gr_input **ret);
/* Unmap, close and release.  NULL is a no-op. */
void gr_input_destroy(struct gr_input *input);

/* The (decompressed) bytes: valid until gr_input_destroy(), read-only;
 * size > 0 always. */
const uint8_t *gr_input_data(const struct gr_input *input);
size_t gr_input_size(const struct gr_input *input);

enum gr_input_format gr_input_format(const struct gr_input *input);
/* "raw", "gzip", "zstd"; "unknown" for a value outside the enum. */
const char *gr_input_format_name(enum gr_input_format format);

/* The path as given to gr_input_open(). */
const char *gr_input_path(const struct gr_input *input);
/* Size of the file on disk (the compressed size for gzip and zstd). */
uint64_t gr_input_file_size(const struct gr_input *input);
/* Wall-clock seconds spent decompressing; 0 for raw. */
double gr_input_decompress_seconds(const struct gr_input *input);
/* Bytes the temporary file occupies on disk (st_blocks * 512, measured when
 * decompression ended), for reporting how much the holes saved; 0 for raw. */
uint64_t gr_input_temp_disk_bytes(const struct gr_input *input);

#endif /* GR_INPUT_H */
