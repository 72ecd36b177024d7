/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct gr_error *gr_outfile_open(const char *path, struct gr_outfile *o)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return NULL;
	}
	/* Renaming over /dev/null or a FIFO would replace the device or the
	 * pipe with a regular file: write to such a target in place. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return gr_error_output(EISDIR, path, "open");
		o->f = fopen(path, "wb");
		if (!o->f)
			return gr_error_output(errno, path, "open");
		o->direct = true;
		return NULL;
	}
	size_t n = strlen(path) + 64;
	o->tmp = malloc(n);
	if (!o->tmp)
		return gr_error_nomem();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* O_EXCL on a fresh name rather than mkstemp: the file gets 0666 &
	 * ~umask like any output, not mkstemp's 0600. */
	int fd = -1;
	for (unsigned i = 0; i < 100 && fd < 0; i++) {
		snprintf(o->tmp, n, "%s.tmp-%ld-%lx", path, (long)getpid(),
			 (unsigned long)ts.tv_nsec + i * 7919ul);
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		struct gr_error *err = gr_error_output(errno, path, "create");
		free(o->tmp);
		o->tmp = NULL;
		return err;
	}
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		struct gr_error *err = gr_error_output(errno, path, "fdopen");
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return err;
	}
	return NULL;
}

struct gr_error *gr_outfile_commit(struct gr_outfile *o)
{
	struct gr_error *err = NULL;
	if (!o->f)
		return NULL;
	if (o->direct) {
		if (fflush(o->f) != 0 || ferror(o->f))
			err = gr_error_output(errno ? errno : EIO, o->path,
					      "write");
		if (fclose(o->f) != 0 && !err)
			err = gr_error_output(errno, o->path, "close");
		o->f = NULL;
		return err;
	}
	if (!o->tmp) {
		if (fflush(o->f) != 0 || ferror(o->f))
			err = gr_error_output(errno ? errno : EIO, "stdout",
					  "write");
		o->f = NULL;
		return err;
	}
	if (fflush(o->f) != 0 || ferror(o->f))
		err = gr_error_output(errno ? errno : EIO, o->path, "write");
	else if (fsync(fileno(o->f)) != 0)
		err = gr_error_output(errno, o->path, "fsync");
	if (fclose(o->f) != 0 && !err)
		err = gr_error_output(errno, o->path, "close");
	o->f = NULL;
	if (!err && rename(o->tmp, o->path) != 0)
		err = gr_error_output(errno, o->path, "rename");
	if (err)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	return err;
}

void gr_outfile_abort(struct gr_outfile *o)
{
	if (o->f && o->direct)
		fclose(o->f);
	if (o->f && o->tmp) {
		fclose(o->f);
		unlink(o->tmp);
	}
	free(o->tmp);
	o->tmp = NULL;
	o->f = NULL;
}
