/* SPDX-License-Identifier: MIT */
#include "cli/batch_plan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "forensics/01-base/array.h"

GR_MUST_USE
static struct gr_error *push(struct gr_batch_inputs *in, const char *path)
{
	struct gr_error *err =
		gr_array_grow(&in->paths, &in->cap, in->count, 1);
	if (err)
		return err;
	if (!(in->paths[in->count] = strdup(path)))
		return gr_error_nomem();
	in->count++;
	return NULL;
}

/* Explicit stack of directories, not recursion: trees of cores can be
 * deep and wide. */
GR_MUST_USE
static struct gr_error *walk(struct gr_batch_inputs *in, const char *top,
			     uint64_t skip_dev, uint64_t skip_ino)
{
	struct gr_batch_inputs dirs = {0};
	struct gr_error *err = push(&dirs, top);
	while (!err && dirs.count) {
		char *dir = dirs.paths[--dirs.count];
		DIR *d = opendir(dir);
		if (!d) {
			/* Unreadable: an error record names it. */
			err = push(in, dir);
			free(dir);
			continue;
		}
		struct dirent *e;
		while (!err && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p;
			if (asprintf(&p, "%s%s%s", dir,
				     dir[strlen(dir) - 1] == '/' ? "" : "/",
				     e->d_name) < 0) {
				err = gr_error_nomem();
				break;
			}
			struct stat st;
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
				if (!((uint64_t)st.st_dev == skip_dev &&
				      (uint64_t)st.st_ino == skip_ino))
					err = push(&dirs, p);
			} else if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
				err = push(in, p);
			}
			free(p);
		}
		closedir(d);
		free(dir);
	}
	gr_batch_inputs_deinit(&dirs);
	return err;
}

struct gr_error *gr_batch_inputs_add(struct gr_batch_inputs *in,
				     const char *arg, uint64_t skip_dev,
				     uint64_t skip_ino)
{
	struct stat st;
	if (stat(arg, &st) == 0)
		return S_ISDIR(st.st_mode) ? walk(in, arg, skip_dev, skip_ino)
					   : push(in, arg);
	if (!strpbrk(arg, "*?["))
		return push(in, arg);
	glob_t g;
	int rc = glob(arg, 0, NULL, &g);
	if (rc == GLOB_NOSPACE)
		return gr_error_nomem();
	if (rc != 0)
		return push(in, arg);
	struct gr_error *err = NULL;
	for (size_t i = 0; i < g.gl_pathc && !err; i++)
		err = gr_batch_inputs_add(in, g.gl_pathv[i], skip_dev,
					  skip_ino);
	globfree(&g);
	return err;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void gr_batch_inputs_finish(struct gr_batch_inputs *in)
{
	if (!in->count)
		return;
	qsort(in->paths, in->count, sizeof(*in->paths), cmp_path);
	size_t n = 1;
	for (size_t i = 1; i < in->count; i++) {
		if (strcmp(in->paths[i], in->paths[n - 1]) == 0)
			free(in->paths[i]);
		else
			in->paths[n++] = in->paths[i];
	}
	in->count = n;
}

void gr_batch_inputs_deinit(struct gr_batch_inputs *in)
{
	for (size_t i = 0; i < in->count; i++)
		free(in->paths[i]);
	free(in->paths);
	memset(in, 0, sizeof(*in));
}

static bool parse_u64(const char *s, char **end, uint64_t *ret)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, end, 10);
	if (errno)
		return false;
	*ret = v;
	return true;
}

bool gr_batch_parse_shard(const char *s, unsigned *i_ret, unsigned *n_ret)
{
	char *end;
	uint64_t i, n;
	if (!parse_u64(s, &end, &i) || *end != '/' ||
	    !parse_u64(end + 1, &end, &n) || *end || n == 0 || n > UINT32_MAX ||
	    i >= n)
		return false;
	*i_ret = (unsigned)i;
	*n_ret = (unsigned)n;
	return true;
}

bool gr_batch_parse_size(const char *s, uint64_t *ret)
{
	char *end;
	uint64_t v;
	if (!parse_u64(s, &end, &v))
		return false;
	static const char units[] = "KMGT";
	const char *u = *end ? strchr(units, *end & ~0x20) : NULL;
	if (u) {
		unsigned shift = 10 * (unsigned)(u - units + 1);
		if (v > UINT64_MAX >> shift)
			return false;
		v <<= shift;
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B") || !strcmp(end, "b"))
			end += strlen(end);
	}
	if (*end || v == 0)
		return false;
	*ret = v;
	return true;
}

struct gr_error *gr_batch_mem_available(const char *path, uint64_t *ret)
{
	if (!path)
		path = "/proc/meminfo";
	FILE *f = fopen(path, "re");
	if (!f)
		return gr_error_os(errno, path, "open");
	char line[256];
	unsigned long long kb;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "MemAvailable: %llu kB", &kb) == 1;
	fclose(f);
	if (!found)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "%s: no MemAvailable line", path);
	*ret = (uint64_t)kb << 10;
	return NULL;
}

/* The uncompressed size a compressed core states, 0 if unknown. */
static uint64_t stated_size(int fd, uint64_t file_size)
{
	uint8_t head[32];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f &&
	    head[3] == 0xfd) {
		unsigned long long c = ZSTD_getFrameContentSize(head, (size_t)n);
		/* Only the first frame's: a multi-frame file is rare for
		 * cores (systemd-coredump writes one). */
		return c == ZSTD_CONTENTSIZE_UNKNOWN ||
				       c == ZSTD_CONTENTSIZE_ERROR
			       ? 0
			       : (uint64_t)c;
	}
	uint8_t tail[4];
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b && file_size >= 18 &&
	    pread(fd, tail, 4, (off_t)file_size - 4) == 4) {
		/* ISIZE is the size mod 2^32: a lower bound only. */
		uint64_t isize = (uint64_t)tail[0] | (uint64_t)tail[1] << 8 |
				 (uint64_t)tail[2] << 16 |
				 (uint64_t)tail[3] << 24;
		uint64_t guess = file_size * GR_BATCH_MEM_RATIO;
		return isize > guess ? isize : guess;
	}
	return 0;
}

static bool is_compressed(int fd)
{
	uint8_t m[4];
	if (pread(fd, m, 4, 0) != 4)
		return false;
	return (m[0] == 0x1f && m[1] == 0x8b) ||
	       (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||
	       ((m[0] & 0xf0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d &&
		m[3] == 0x18);
}

struct gr_error *gr_batch_estimate(const char *path, uint64_t *ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gr_error_os(errno, path, "open");
	struct stat st;
	if (fstat(fd, &st) != 0) {
		struct gr_error *err = gr_error_os(errno, path, "stat");
		close(fd);
		return err;
	}
	uint64_t size = (uint64_t)st.st_size;
	uint64_t bytes;
	if (is_compressed(fd)) {
		bytes = stated_size(fd, size);
		if (!bytes)
			bytes = size * GR_BATCH_MEM_RATIO;
	} else {
		uint64_t disk = (uint64_t)st.st_blocks * 512;
		bytes = disk < size ? disk : size;
	}
	close(fd);
	*ret = GR_BATCH_MEM_BASE + GR_BATCH_MEM_FACTOR * bytes;
	return NULL;
}

bool gr_batch_budget_admits(const struct gr_batch_budget *b, uint64_t need)
{
	return b->running == 0 ||
	       (b->used <= b->limit && need <= b->limit - b->used);
}

void gr_batch_budget_take(struct gr_batch_budget *b, uint64_t need)
{
	b->used += need;
	b->running++;
}

void gr_batch_budget_give(struct gr_batch_budget *b, uint64_t need)
{
	b->used = need < b->used ? b->used - need : 0;
	if (b->running)
		b->running--;
}

GR_MUST_USE
static struct gr_error *hash_file(XXH64_state_t *st, const char *path,
				  uint64_t *size_ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gr_error_os(errno, path, "open");
	struct stat sb;
	struct gr_error *err = NULL;
	if (fstat(fd, &sb) != 0) {
		err = gr_error_os(errno, path, "stat");
		goto out;
	}
	size_t size = (size_t)sb.st_size;
	*size_ret = size;
	if (!size)
		goto out;
	uint8_t *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		err = gr_error_os(errno, path, "mmap");
		goto out;
	}
	/* Sequential read-ahead, and pages unmapped behind us: hashing a
	 * 100 GiB core keeps one chunk resident, whatever the worker's
	 * memory limit. */
	madvise(p, size, MADV_SEQUENTIAL);
	enum { CHUNK = 8 << 20 };
	for (size_t off = 0; off < size; off += CHUNK) {
		size_t n = size - off < CHUNK ? size - off : CHUNK;
		XXH64_update(st, p + off, n);
		madvise(p + off, n, MADV_DONTNEED);
	}
	munmap(p, size);
out:
	close(fd);
	return err;
}

struct gr_error *gr_batch_hash(const char *core_path, const char *exe_path,
			       uint64_t *ret)
{
	XXH64_state_t *st = XXH64_createState();
	if (!st)
		return gr_error_nomem();
	XXH64_reset(st, 0);
	uint64_t size = 0, exe_size;
	struct gr_error *err = hash_file(st, core_path, &size);
	if (!err) {
		uint8_t le[8];
		for (int i = 0; i < 8; i++)
			le[i] = (uint8_t)(size >> (8 * i));
		XXH64_update(st, le, sizeof(le));
		err = hash_file(st, exe_path, &exe_size);
	}
	if (!err)
		*ret = XXH64_digest(st);
	XXH64_freeState(st);
	return err;
}
