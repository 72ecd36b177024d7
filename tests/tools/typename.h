/* SPDX-License-Identifier: MIT */
/*
 * A type name as the tests compare a stripped analysis with its DWARF twin
 * (tests/tools/typecmp.c, tests/unit/test_packs.c): without what only
 * spells the same type differently.  Package paths and qualifiers go
 * ("encoding/json.field", "json.field" and DWARF's "v2.structField" for
 * encoding/json/v2's json.structField; the "sync.f" field names DWARF
 * gives a closure struct), as do the linker's "noalg." and the
 * " (inferred)" suffix.
 */
#ifndef GR_TESTS_TYPENAME_H
#define GR_TESTS_TYPENAME_H

#include <ctype.h>
#include <string.h>

static inline int gr_typename_ident(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '~';
}

/* @s normalized in place. */
static inline void gr_typename_normalize(char *s)
{
	static const char suffix[] = " (inferred)";
	size_t l = strlen(s), ls = sizeof(suffix) - 1;
	if (l > ls && !strcmp(s + l - ls, suffix))
		s[l - ls] = 0;
	char *w = s;
	for (const char *r = s; *r;) {
		/* A run of identifier characters and slashes followed by a
		 * dot and an identifier is a qualifier. */
		const char *e = r;
		while (gr_typename_ident((unsigned char)*e) || *e == '/')
			e++;
		if (e > r && *e == '.' && gr_typename_ident((unsigned char)e[1])) {
			r = e + 1;
			continue;
		}
		if (e == r)
			e++;
		memmove(w, r, (size_t)(e - r));
		w += e - r;
		r = e;
	}
	*w = 0;
}

#endif
