/* SPDX-License-Identifier: MIT */
#include "forensics/base/damage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "forensics/base/array.h"

struct gr_error *gr_damage_add(struct gr_damage_list *l, uint64_t addr,
			       uint64_t bytes, const char *fmt, ...)
{
	struct gr_error *err = gr_array_grow(&l->v, &l->cap, l->n, 1);
	if (err)
		return err;
	va_list ap;
	va_start(ap, fmt);
	char *what = NULL;
	int n = vasprintf(&what, fmt, ap);
	va_end(ap);
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
