/* SPDX-License-Identifier: MIT */
/*
 * Functions that are too easy to misuse on untrusted input are banned at
 * compile time, as git's banned.h does.  Force-included by the Makefile.
 */
#ifndef GR_BANNED_H
#define GR_BANNED_H

/* Pull in the declarations first so the macros below only catch our uses. */
#include <stdio.h>
#include <string.h>

#define GR_BANNED(func) sorry_##func##_is_banned_in_goretain

#undef strcpy
#define strcpy(x, y) GR_BANNED(strcpy)
#undef strcat
#define strcat(x, y) GR_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) GR_BANNED(strncpy)
#undef sprintf
#define sprintf(...) GR_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) GR_BANNED(vsprintf)
#undef gets
#define gets(x) GR_BANNED(gets)

#endif /* GR_BANNED_H */
