/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/damage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "forensics/01-base/array.h"

GR_MUST_USE
static struct gr_error *vadd(struct gr_damage_list *l, uint64_t addr,
			     uint64_t bytes, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

struct gr_error *gr_damage_add(struct gr_damage_list *l, uint64_t addr,
			       uint64_t bytes, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gr_error *err = vadd(l, addr, bytes, fmt, ap);
	va_end(ap);
	return err;
}

struct gr_error *gr_damage_catch(struct gr_damage_list *l,
				 struct gr_error *err, unsigned int codes,
				 uint64_t addr, uint64_t bytes, const char *fmt,
				 ...)
{
	if (!gr_error_catchable(err, codes))
		return err;
	va_list ap;
	va_start(ap, fmt);
	struct gr_error *rec = vadd(l, addr, bytes, fmt, ap);
	va_end(ap);
	gr_error_destroy(err);
	return rec;
}

static struct gr_error *vadd(struct gr_damage_list *l, uint64_t addr,
			     uint64_t bytes, const char *fmt, va_list ap)
{
	struct gr_error *err = gr_array_grow(&l->v, &l->cap, l->n, 1);
	if (err)
		return err;
	char *what = NULL;
	int n = vasprintf(&what, fmt, ap);
	if (n < 0)
		return gr_error_nomem();
	l->v[l->n++] = (struct gr_damage){.addr = addr, .bytes = bytes,
					  .what = what};
	return NULL;
}

void gr_damage_list_deinit(struct gr_damage_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].what);
	free(l->v);
	*l = (struct gr_damage_list){0};
}
