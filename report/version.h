/* SPDX-License-Identifier: MIT */
/* The goretain version, shared by the CLI and the report writers. */
#ifndef GR_VERSION_H
#define GR_VERSION_H

#define GORETAIN_VERSION "0.1.0"

#endif /* GR_VERSION_H */
