/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returned when even the error cannot be allocated; never freed. */
static struct gr_error nomem_error = {
	.code = GR_ERR_NOMEM,
	.message = (char *)"out of memory",
};

struct gr_error *gr_error_nomem(void)
{
	return &nomem_error;
}

struct gr_error *gr_error_vcreate(enum gr_error_code code, const char *fmt,
				  va_list ap)
{
	struct gr_error *err = calloc(1, sizeof(*err));
	if (!err)
		return &nomem_error;
	err->code = code;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &nomem_error;
	}
	return err;
}

struct gr_error *gr_error_create(enum gr_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gr_error *err = gr_error_vcreate(code, fmt, ap);
	va_end(ap);
	return err;
}

struct gr_error *gr_error_os(int errnum, const char *path, const char *what)
{
	struct gr_error *err = gr_error_create(GR_ERR_OS, "%s: %s: %s", path,
					       what, strerror(errnum));
	if (err != &nomem_error)
		err->errnum = errnum;
	return err;
}

struct gr_error *gr_error_output(int errnum, const char *path,
				 const char *what)
{
	struct gr_error *err = gr_error_create(GR_ERR_OUTPUT, "%s: %s: %s",
					       path, what, strerror(errnum));
	if (err != &nomem_error)
		err->errnum = errnum;
	return err;
}

struct gr_error *gr_error_fault(uint64_t address, uint64_t len,
				const char *reason)
{
	struct gr_error *err = gr_error_create(
		GR_ERR_FAULT, "cannot read %" PRIu64 " bytes at 0x%" PRIx64 ": %s",
		len, address, reason);
	if (err != &nomem_error)
		err->address = address;
	return err;
}

_Static_assert(GR_ERR_COUNT_ <= 32, "GR_ERR_BIT() sets fit an unsigned int");

bool gr_error_catch(struct gr_error **errp, unsigned int codes)
{
	struct gr_error *err = *errp;
	if (!err || !gr_error_catchable(err, codes))
		return false;
	gr_error_destroy(err);
	*errp = NULL;
	return true;
}

struct gr_error *gr_error_prefix(struct gr_error *err, const char *fmt, ...)
{
	if (!err || err == &nomem_error)
		return err;
	char *prefix = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err;
	char *joined = NULL;
	if (asprintf(&joined, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = joined;
	}
	free(prefix);
	return err;
}

const char *gr_error_code_name(enum gr_error_code code)
{
	static const char *const names[] = {
#define GR_X(name, desc) #name,
		GR_ERROR_CODES(GR_X)
#undef GR_X
	};
	if ((unsigned)code >= GR_ERR_COUNT_)
		return "UNKNOWN";
	return names[code];
}

void gr_error_destroy(struct gr_error *err)
{
	if (!err || err == &nomem_error)
		return;
	free(err->message);
	free(err);
}
