/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/damage.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "forensics/01-base/array.h"

GR_MUST_USE
static struct gr_error *vadd(struct gr_damage_list *l, uint64_t addr,
			     uint64_t bytes, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
GR_MUST_USE
static struct gr_error *append(struct gr_damage_list *l, uint64_t addr,
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
	if (err && !gr_error_catchable(err, codes))
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
	if (l->n >= GR_DAMAGE_MAX || l->closed) {
		l->dropped++;
		return NULL;
	}
	return append(l, addr, bytes, fmt, ap);
}

static struct gr_error *append(struct gr_damage_list *l, uint64_t addr,
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

/* append() taking its arguments as ..., for the closing record. */
GR_MUST_USE
static struct gr_error *append_f(struct gr_damage_list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct gr_error *append_f(struct gr_damage_list *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gr_error *err = append(l, 0, 0, fmt, ap);
	va_end(ap);
	return err;
}

struct gr_error *gr_damage_fault(struct gr_damage_list *l, struct gr_error *err,
				 const char *what)
{
	if (!err)
		return NULL;
	return gr_damage_catch(l, err, GR_ERR_BIT(FAULT), err->address, 0,
			       "%s: %s", what, err->message);
}

struct gr_error *gr_damage_list_close(struct gr_damage_list *l)
{
	if (l->closed || !l->dropped)
		return NULL;
	struct gr_error *err =
		append_f(l, "further damage not recorded (%" PRIu64 " records)",
			 l->dropped);
	if (!err)
		l->closed = true;
	return err;
}

void gr_damage_list_deinit(struct gr_damage_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].what);
	free(l->v);
	*l = (struct gr_damage_list){0};
}
