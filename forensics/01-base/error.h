/* SPDX-License-Identifier: MIT */
/*
 * gr_error: the one error type of goretain.
 *
 * Every fallible function returns `struct gr_error *`: NULL means success,
 * anything else is a heap-allocated error the caller owns and must release
 * with gr_error_destroy() (or pass upward).  Results are written through a
 * trailing `*ret` argument only on success.
 *
 * Messages carry their place ("core.1234: PT_NOTE+0x1c4: NT_PRSTATUS too
 * short"); gr_error_prefix() lets each layer add the file or structure it was
 * working on as the error travels up.  The library never prints or exits;
 * the CLI maps codes to exit statuses (see cli/goretain.c).
 *
 * Modelled on drgn's libdrgn/error.h and elfutils' DWFL_ERRORS list.
 */
#ifndef GR_ERROR_H
#define GR_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * On every function that returns a struct gr_error *: dropping the error is a
 * compile warning (an error under make check's -Werror).  A caller that may
 * go on after some codes says which with gr_error_catch(); never a (void).
 */
#define GR_MUST_USE __attribute__((__warn_unused_result__))

/* X-macro list of error codes: name, short description. */
#define GR_ERROR_CODES(X)                                                      \
	X(NOMEM, "out of memory")                                              \
	X(OS, "operating system error")                                        \
	X(FAULT, "address not readable in the core")                           \
	X(BAD_DATA, "malformed data")                                          \
	X(UNSUPPORTED, "unsupported input")                                    \
	X(NOT_FOUND, "not found")                                              \
	X(LIMIT, "limit exceeded")                                             \
	X(MISMATCH, "core and executable do not match")                        \
	X(USAGE, "invalid usage")                                              \
	X(OUTPUT, "cannot write output")

enum gr_error_code {
#define GR_X(name, desc) GR_ERR_##name,
	GR_ERROR_CODES(GR_X)
#undef GR_X
	GR_ERR_COUNT_
};

struct gr_error {
	enum gr_error_code code;
	/* errno for GR_ERR_OS, 0 otherwise. */
	int errnum;
	/* First bad address for GR_ERR_FAULT. */
	uint64_t address;
	/* Human-readable, one line, owned by the error. */
	char *message;
};

/*
 * Create an error with a printf-style message.  Never returns NULL: when
 * memory for the message cannot be had, a static out-of-memory error is
 * returned (gr_error_destroy() knows not to free it).
 */
GR_MUST_USE
struct gr_error *gr_error_create(enum gr_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
GR_MUST_USE
struct gr_error *gr_error_vcreate(enum gr_error_code code, const char *fmt,
				  va_list ap)
	__attribute__((format(printf, 2, 0)));
/* GR_ERR_OS from errno, naming the path and the operation. */
GR_MUST_USE
struct gr_error *gr_error_os(int errnum, const char *path, const char *what);
/* GR_ERR_OUTPUT from errno: writing a result (or a temporary file) to
 * @path failed.  Kept apart from GR_ERR_OS, which is about reading the
 * inputs, because the CLI exits 1 for it, not 2 (docs/goretain.1). */
GR_MUST_USE
struct gr_error *gr_error_output(int errnum, const char *path,
				 const char *what);
/* GR_ERR_FAULT at @address with a reason ("not in the core", ...). */
GR_MUST_USE
struct gr_error *gr_error_fault(uint64_t address, uint64_t len,
				const char *reason);
/* The shared out-of-memory error. */
GR_MUST_USE
struct gr_error *gr_error_nomem(void);

/*
 * Prefix the message with "<prefix>: " (printf-style).  Returns @err so that
 * `return gr_error_prefix(err, "%s", path);` reads naturally.  Passing NULL
 * returns NULL.
 */
GR_MUST_USE
struct gr_error *gr_error_prefix(struct gr_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A set of codes for gr_error_catch(): GR_ERR_BIT(FAULT) | ... */
#define GR_ERR_BIT(name) (1u << GR_ERR_##name)

/*
 * The one way to go on after an error.  When *@errp has a code in @codes,
 * destroy it, set *@errp to NULL and return true: the caller treats what it
 * was reading as unknown (and, where it keeps one, records it in its damage
 * list).  Otherwise return false and leave *@errp (NULL or not) for the
 * caller to pass up.  NOMEM is never caught, whatever @codes says: running
 * out of memory must not read as "the core did not say".  The usual shape:
 *
 *	err = gr_mem_read(mem, addr, &v, 8);
 *	if (gr_error_catch(&err, GR_ERR_BIT(FAULT)))
 *		return unknown;
 *	if (err)
 *		return err;
 *
 * (drgn's drgn_error_catch(), for a set of codes.)
 */
bool gr_error_catch(struct gr_error **errp, unsigned int codes);
/* Whether gr_error_catch() would catch @err (not NULL): its code is in
 * @codes and is not NOMEM. */
static inline bool gr_error_catchable(const struct gr_error *err,
				      unsigned int codes)
{
	return err->code != GR_ERR_NOMEM && (codes & (1u << err->code));
}
/*
 * The codes a core's or an executable's content can cause, as against the
 * machine's (NOMEM, OS, OUTPUT) or the caller's (USAGE): for a reader that
 * goes on without a value whatever in the bytes stopped it.
 */
#define GR_ERR_CONTENT                                                         \
	(GR_ERR_BIT(FAULT) | GR_ERR_BIT(BAD_DATA) | GR_ERR_BIT(UNSUPPORTED) |  \
	 GR_ERR_BIT(NOT_FOUND) | GR_ERR_BIT(LIMIT) | GR_ERR_BIT(MISMATCH))

/* Name of a code ("FAULT"); stable, used in JSON error records. */
const char *gr_error_code_name(enum gr_error_code code);

void gr_error_destroy(struct gr_error *err);

#endif /* GR_ERROR_H */
