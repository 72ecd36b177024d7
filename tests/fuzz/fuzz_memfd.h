/* SPDX-License-Identifier: MIT */
/*
 * For fuzz targets whose parser opens a path: the input bytes become an
 * anonymous in-memory file, opened by the parser through /proc/self/fd.
 */
#ifndef FUZZ_MEMFD_H
#define FUZZ_MEMFD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Append @size bytes at @data to @fd; aborts on failure. */
static inline void fuzz_write(int fd, const void *data, size_t size)
{
	const uint8_t *p = data;
	while (size) {
		ssize_t n = write(fd, p, size);
		if (n <= 0)
			abort();
		p += n;
		size -= (size_t)n;
	}
}

/*
 * A new memfd named @name holding @size bytes at @data (none if @data is
 * NULL); its path goes to @path (64 bytes).  Aborts on failure: the
 * target cannot run without it.  The caller closes the fd.
 */
static inline int fuzz_memfd(const char *name, const uint8_t *data,
			     size_t size, char path[64])
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (data)
		fuzz_write(fd, data, size);
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

#endif /* FUZZ_MEMFD_H */
