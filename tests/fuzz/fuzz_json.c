/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the JSON reader `goretain diff` uses on report
 * files (report/json_read.h): arbitrary bytes give a tree or a BAD_DATA
 * error naming the offset, never a crash or unbounded recursion; a tree is
 * walked through every accessor.
 */
#include <stdint.h>
#include <stdlib.h>

#include "report/json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Iterative walk (an explicit stack, as deep as the reader allows). */
static void walk(const struct gr_jv *root)
{
	const struct gr_jv *stack[GR_JV_MAX_DEPTH + 2];
	size_t top = 0;
	stack[top++] = root;
	while (top) {
		const struct gr_jv *v = stack[--top];
		size_t len;
		uint64_t u;
		int64_t i;
		switch (gr_jv_type(v)) {
		case GR_JV_STRING:
			if (!gr_jv_str(v, &len))
				abort();
			break;
		case GR_JV_NUMBER:
			(void)gr_jv_u64(v, &u);
			(void)gr_jv_i64(v, &i);
			break;
		case GR_JV_ARRAY:
		case GR_JV_OBJECT:
			for (size_t k = 0; k < gr_jv_len(v); k++) {
				const struct gr_jv *c = gr_jv_at(v, k);
				if (!c)
					abort();
				if (top < sizeof(stack) / sizeof(stack[0]))
					stack[top++] = c;
			}
			(void)gr_jv_get(v, "schema");
			break;
		default:
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gr_jv *v;
	struct gr_error *err =
		gr_jv_parse((const char *)data, size, "fuzz.json", &v);
	if (err) {
		if (err->code != GR_ERR_BAD_DATA && err->code != GR_ERR_NOMEM &&
		    err->code != GR_ERR_LIMIT)
			abort();
		gr_error_destroy(err);
		return 0;
	}
	walk(v);
	gr_jv_destroy(v);
	return 0;
}
