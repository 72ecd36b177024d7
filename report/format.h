/* SPDX-License-Identifier: MIT */
/* Formatting shared by the text writers. */
#ifndef GR_FORMAT_H
#define GR_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* @bytes as "512 B", "4.6 MiB" into @buf (@n bytes, always terminated). */
void gr_human_bytes(char *buf, size_t n, uint64_t bytes);

#endif /* GR_FORMAT_H */
