/* SPDX-License-Identifier: MIT */
#include "forensics/04-gobin/buildinfo.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/cursor.h"

/* debug/buildinfo/buildinfo.go: buildInfoMagic, buildInfoAlign, ...Size. */
static const char buildinfo_magic[] = "\xff Go buildinf:";
enum {
	BUILDINFO_MAGIC_LEN = 14,
	BUILDINFO_ALIGN = 16,
	BUILDINFO_HEADER_SIZE = 32,
	BUILDINFO_PTRSIZE_OFF = 14,
	BUILDINFO_FLAGS_OFF = 15,
	BUILDINFO_FLAG_BIGENDIAN = 0x1,
	BUILDINFO_FLAG_INLINE = 0x2,
	/* runtime/debug/mod.go ReadBuildInfo: data[16 : len(data)-16]. */
	MODINFO_SENTINEL = 16,
};

struct gr_buildinfo {
	char *go_version;
	bool version_ok;
	struct gr_go_version version;
	/* Module text, unsentinelled and NUL-terminated. */
	char *modinfo;
	/* A copy of modinfo cut into NUL-terminated fields, unquoted in place. */
	char *fields;
	const char *path;
	struct gr_buildinfo_module main;
	struct gr_buildinfo_module *deps;
	size_t ndeps;
	/* Replacements ("=>" lines) pointed to by main/deps[i].replace. */
	struct gr_buildinfo_module *replaces;
	size_t nreplaces;
	struct gr_buildinfo_setting *settings;
	size_t nsettings;
};

/* ---- Go version strings ---- */

static bool parse_uint(const char **sp, unsigned *ret)
{
	const char *s = *sp;
	unsigned long v = 0;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 1000000)
			return false;
		s++;
	}
	*ret = (unsigned)v;
	*sp = s;
	return true;
}

static bool version_end(char c)
{
	/*
	 * runtime.Version() may add " X:exp1,exp2" (runtime/extern.go); vendor
	 * builds append "-suffix" or "+suffix".
	 */
	return c == '\0' || c == ' ' || c == '-' || c == '+';
}

struct gr_error *gr_go_version_parse(const char *s, struct gr_go_version *ret)
{
	struct gr_go_version v = {0};
	const char *p = s;
	if (strncmp(p, "devel ", 6) == 0) {
		/* "devel go1.27-abcdef Tue Jan 2 ..." (cmd/dist/build.go). */
		v.kind = GR_GO_DEVEL;
		p += 6;
	}
	if (strncmp(p, "go", 2) != 0)
		goto bad;
	p += 2;
	if (!parse_uint(&p, &v.major) || *p != '.')
		goto bad;
	p++;
	if (!parse_uint(&p, &v.minor))
		goto bad;
	if (*p == '.' && v.kind != GR_GO_DEVEL) {
		p++;
		if (!parse_uint(&p, &v.patch))
			goto bad;
	} else if ((*p >= 'a' && *p <= 'z') && v.kind != GR_GO_DEVEL) {
		/* "go1.22rc1", "go1.21beta2". */
		size_t n = 0;
		while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9'))
			n++;
		if (n >= sizeof(v.prerelease))
			goto bad;
		memcpy(v.prerelease, p, n);
		v.prerelease[n] = '\0';
		v.kind = GR_GO_PRERELEASE;
		p += n;
	}
	if (!version_end(*p))
		goto bad;
	*ret = v;
	return NULL;
bad:
	return gr_error_create(GR_ERR_BAD_DATA, "unrecognised Go version \"%.64s\"",
			       s);
}

int gr_go_version_cmp(const struct gr_go_version *a,
		      const struct gr_go_version *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return 0;
}

bool gr_go_version_at_least(const struct gr_go_version *v, unsigned major,
			    unsigned minor)
{
	return v->major > major || (v->major == major && v->minor >= minor);
}

/* ---- Go string literals (strconv.Unquote, for build lines) ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t put_utf8(char *w, uint32_t r)
{
	if (r < 0x80) {
		w[0] = (char)r;
		return 1;
	}
	if (r < 0x800) {
		w[0] = (char)(0xc0 | r >> 6);
		w[1] = (char)(0x80 | (r & 0x3f));
		return 2;
	}
	if (r < 0x10000) {
		w[0] = (char)(0xe0 | r >> 12);
		w[1] = (char)(0x80 | ((r >> 6) & 0x3f));
		w[2] = (char)(0x80 | (r & 0x3f));
		return 3;
	}
	w[0] = (char)(0xf0 | r >> 18);
	w[1] = (char)(0x80 | ((r >> 12) & 0x3f));
	w[2] = (char)(0x80 | ((r >> 6) & 0x3f));
	w[3] = (char)(0x80 | (r & 0x3f));
	return 4;
}

/*
 * Decode one escape after the backslash at s[*i] of a "..." literal into @w;
 * returns the bytes written or 0 on a malformed escape.  Follows
 * strconv.UnquoteChar with quote '"'.  Every escape is at least as long as
 * what it decodes to, so decoding in place is safe.
 */
static size_t unescape(const char *s, size_t n, size_t *i, char *w)
{
	size_t j = *i + 1;
	if (j >= n)
		return 0;
	char c = s[j++];
	static const char simple_in[] = "abfnrtv\\\"";
	static const char simple_out[] = "\a\b\f\n\r\t\v\\\"";
	const char *k = strchr(simple_in, c);
	if (c && k) {
		*w = simple_out[k - simple_in];
		*i = j;
		return 1;
	}
	unsigned digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
	uint32_t v = 0;
	if (digits) {
		if (n - j < digits)
			return 0;
		for (unsigned d = 0; d < digits; d++) {
			int h = hexval(s[j + d]);
			if (h < 0)
				return 0;
			v = v << 4 | (uint32_t)h;
		}
		*i = j + digits;
		if (c == 'x') {
			*w = (char)v;
			return 1;
		}
		if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
			return 0;
		return put_utf8(w, v);
	}
	if (c >= '0' && c <= '7') {
		if (n - j < 2)
			return 0;
		v = (uint32_t)(c - '0');
		for (unsigned d = 0; d < 2; d++) {
			char o = s[j + d];
			if (o < '0' || o > '7')
				return 0;
			v = v << 3 | (uint32_t)(o - '0');
		}
		if (v > 255)
			return 0;
		*i = j + 2;
		*w = (char)v;
		return 1;
	}
	return 0;
}

/*
 * Unquote the Go literal at the start of s[0..n) in place (strconv's
 * QuotedPrefix + Unquote): *qlen_ret gets the length of the literal, the
 * decoded bytes start at s and are NUL-terminated.  False if malformed or if
 * the result would hold a NUL.
 */
static bool unquote_prefix(char *s, size_t n, size_t *qlen_ret)
{
	char q = s[0];
	size_t i = 1, w = 0;
	for (;;) {
		if (i >= n)
			return false;
		char c = s[i];
		if (c == q) {
			i++;
			break;
		}
		if (q == '`') {
			/* Raw strings drop carriage returns (strconv.Unquote). */
			if (c != '\r')
				s[w++] = c;
			i++;
			continue;
		}
		if (c == '\n')
			return false;
		if (c == '\\') {
			char tmp[4];
			size_t k = unescape(s, n, &i, tmp);
			if (k == 0)
				return false;
			memcpy(s + w, tmp, k);
			w += k;
			continue;
		}
		s[w++] = c;
		i++;
	}
	if (memchr(s, '\0', w))
		return false;
	s[w] = '\0';
	*qlen_ret = i;
	return true;
}

/* ---- module text (runtime/debug/mod.go ParseBuildInfo) ---- */

/* Split @s at tabs into at most @max NUL-terminated columns. */
static size_t split_tabs(char *s, char **cols, size_t max)
{
	size_t n = 0;
	for (;;) {
		if (n == max)
			return max + 1;
		cols[n++] = s;
		char *t = strchr(s, '\t');
		if (!t)
			return n;
		*t = '\0';
		s = t + 1;
	}
}

GR_MUST_USE
static struct gr_error *module_line(char *rest, bool replacement,
				    struct gr_buildinfo_module *m)
{
	char *cols[3];
	size_t n = split_tabs(rest, cols, 3);
	if (replacement ? n != 3 : (n != 2 && n != 3))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "expected %s columns, got %zu",
				       replacement ? "3" : "2 or 3", n);
	m->path = cols[0];
	m->version = cols[1];
	m->sum = n == 3 ? cols[2] : "";
	m->replace = NULL;
	return NULL;
}

static bool needs_quote(const char *s, bool key)
{
	/* quoteKey / quoteValue in runtime/debug/mod.go. */
	return (key && (*s == '\0' || strchr(s, '='))) ||
	       strpbrk(s, " \t\r\n\"`") != NULL;
}

GR_MUST_USE
static struct gr_error *build_line(char *kv, struct gr_buildinfo_setting *st)
{
	size_t n = strlen(kv);
	char *key, *raw;
	if (n == 0)
		return gr_error_create(GR_ERR_BAD_DATA, "build line missing '='");
	if (kv[0] == '=')
		return gr_error_create(GR_ERR_BAD_DATA,
				       "build line with missing key");
	if (kv[0] == '"' || kv[0] == '`') {
		size_t qlen;
		char c;
		/* Unquoting shrinks the key: remember what follows it. */
		if (!unquote_prefix(kv, n, &qlen))
			return gr_error_create(GR_ERR_BAD_DATA,
					       "invalid quoted key in build line");
		c = qlen < n ? kv[qlen] : '\0';
		if (c != '=')
			return gr_error_create(
				GR_ERR_BAD_DATA,
				"build line missing '=' after quoted key");
		key = kv;
		raw = kv + qlen + 1;
	} else {
		char *eq = strchr(kv, '=');
		if (!eq)
			return gr_error_create(GR_ERR_BAD_DATA,
					       "build line missing '=' after key");
		*eq = '\0';
		key = kv;
		raw = eq + 1;
		if (needs_quote(key, true))
			return gr_error_create(GR_ERR_BAD_DATA,
					       "unquoted key must be quoted");
	}
	if (raw[0] == '"' || raw[0] == '`') {
		size_t rn = strlen(raw), qlen;
		if (!unquote_prefix(raw, rn, &qlen) || qlen != rn)
			return gr_error_create(
				GR_ERR_BAD_DATA, "invalid quoted value in build line");
	} else if (needs_quote(raw, false)) {
		return gr_error_create(GR_ERR_BAD_DATA,
				       "unquoted value must be quoted");
	}
	st->key = key;
	st->value = raw;
	return NULL;
}

GR_MUST_USE
static struct gr_error *parse_modinfo(struct gr_buildinfo *bi)
{
	size_t len = strlen(bi->modinfo), nlines = 0;
	for (size_t i = 0; i < len; i++)
		nlines += bi->modinfo[i] == '\n';
	bi->fields = strdup(bi->modinfo);
	/* Every counted line holds at most one record of each kind. */
	size_t cap = nlines ? nlines : 1;
	bi->deps = calloc(cap, sizeof(*bi->deps));
	bi->replaces = calloc(cap, sizeof(*bi->replaces));
	bi->settings = calloc(cap, sizeof(*bi->settings));
	if (!bi->fields || !bi->deps || !bi->replaces || !bi->settings)
		return gr_error_nomem();

	struct gr_buildinfo_module *last = NULL;
	char *line = bi->fields;
	for (size_t lineno = 1;; lineno++) {
		char *nl = strchr(line, '\n');
		/* Like strings.Cut in ParseBuildInfo: an unterminated tail is dropped. */
		if (!nl)
			break;
		*nl = '\0';
		struct gr_error *err = NULL;
		if (strncmp(line, "path\t", 5) == 0) {
			bi->path = line + 5;
		} else if (strncmp(line, "mod\t", 4) == 0) {
			last = &bi->main;
			err = module_line(line + 4, false, last);
		} else if (strncmp(line, "dep\t", 4) == 0) {
			last = &bi->deps[bi->ndeps++];
			err = module_line(line + 4, false, last);
		} else if (strncmp(line, "=>\t", 3) == 0) {
			if (!last) {
				err = gr_error_create(
					GR_ERR_BAD_DATA,
					"replacement with no module on previous line");
			} else {
				struct gr_buildinfo_module *r =
					&bi->replaces[bi->nreplaces++];
				err = module_line(line + 3, true, r);
				last->replace = r;
				last = NULL;
			}
		} else if (strncmp(line, "build\t", 6) == 0) {
			err = build_line(line + 6, &bi->settings[bi->nsettings]);
			if (!err)
				bi->nsettings++;
		}
		if (err)
			return gr_error_prefix(err, "buildinfo: modinfo line %zu",
					       lineno);
		line = nl + 1;
	}
	return NULL;
}

/* ---- the section ---- */

GR_MUST_USE
static struct gr_error *find_header(const uint8_t *data, size_t size,
				    size_t *off_ret)
{
	for (size_t off = 0; gr_range_ok(size, off, BUILDINFO_HEADER_SIZE);
	     off += BUILDINFO_ALIGN) {
		if (memcmp(data + off, buildinfo_magic, BUILDINFO_MAGIC_LEN) == 0) {
			*off_ret = off;
			return NULL;
		}
	}
	return gr_error_create(GR_ERR_BAD_DATA,
			       "buildinfo: no \"\\xff Go buildinf:\" header in "
			       "%zu bytes",
			       size);
}

GR_MUST_USE
static struct gr_error *read_string(struct gr_cursor *c, const char *what,
				    const uint8_t **p, size_t *len)
{
	uint64_t n;
	struct gr_error *err = gr_cursor_uvarint(c, &n);
	if (!err)
		err = gr_cursor_bytes(c, n, p);
	if (err)
		return gr_error_prefix(err, "buildinfo: %s", what);
	*len = (size_t)n;
	return NULL;
}

static char *dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

struct gr_error *gr_buildinfo_parse(const uint8_t *data, size_t size,
				    struct gr_buildinfo **ret)
{
	size_t off = 0;
	struct gr_error *err = find_header(data, size, &off);
	if (err)
		return err;
	const uint8_t *hdr = data + off;
	uint8_t ptrsize = hdr[BUILDINFO_PTRSIZE_OFF];
	uint8_t flags = hdr[BUILDINFO_FLAGS_OFF];
	if (!(flags & BUILDINFO_FLAG_INLINE))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "buildinfo+0x%zx: pointer-form build info "
				       "(Go before 1.18) is not supported",
				       off);
	if (flags & BUILDINFO_FLAG_BIGENDIAN || ptrsize != 8)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "buildinfo+0x%zx: not a 64-bit "
				       "little-endian binary (ptrsize %u, "
				       "flags 0x%x)",
				       off, ptrsize, flags);

	struct gr_cursor c;
	gr_cursor_init(&c, data, size, "buildinfo");
	const uint8_t *vers, *mod;
	size_t vers_len, mod_len;
	if ((err = gr_cursor_seek(&c, off + BUILDINFO_HEADER_SIZE)) ||
	    (err = read_string(&c, "Go version", &vers, &vers_len)) ||
	    (err = read_string(&c, "module info", &mod, &mod_len)))
		return err;
	if (vers_len == 0 || memchr(vers, '\0', vers_len))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "buildinfo: empty or malformed Go version");
	/* debug/buildinfo readRawBuildInfo: strip the 16-byte sentinels. */
	if (mod_len >= 2 * MODINFO_SENTINEL + 1 &&
	    mod[mod_len - MODINFO_SENTINEL - 1] == '\n') {
		mod += MODINFO_SENTINEL;
		mod_len -= 2 * MODINFO_SENTINEL;
	} else {
		mod_len = 0;
	}
	if (memchr(mod, '\0', mod_len))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "buildinfo: NUL byte in module info");

	struct gr_buildinfo *bi = calloc(1, sizeof(*bi));
	if (!bi)
		return gr_error_nomem();
	bi->path = "";
	bi->main.path = bi->main.version = bi->main.sum = "";
	bi->go_version = dup_bytes(vers, vers_len);
	bi->modinfo = dup_bytes(mod, mod_len);
	if (!bi->go_version || !bi->modinfo) {
		gr_buildinfo_destroy(bi);
		return gr_error_nomem();
	}
	struct gr_error *verr = gr_go_version_parse(bi->go_version, &bi->version);
	bi->version_ok = verr == NULL;
	/* The executable's own version string: not damage. */
	gr_error_destroy(verr);
	if ((err = parse_modinfo(bi))) {
		gr_buildinfo_destroy(bi);
		return err;
	}
	*ret = bi;
	return NULL;
}

void gr_buildinfo_destroy(struct gr_buildinfo *bi)
{
	if (!bi)
		return;
	free(bi->go_version);
	free(bi->modinfo);
	free(bi->fields);
	free(bi->deps);
	free(bi->replaces);
	free(bi->settings);
	free(bi);
}

const char *gr_buildinfo_go_version(const struct gr_buildinfo *bi)
{
	return bi->go_version;
}

bool gr_buildinfo_version(const struct gr_buildinfo *bi,
			  struct gr_go_version *ret)
{
	if (bi->version_ok)
		*ret = bi->version;
	return bi->version_ok;
}

const char *gr_buildinfo_path(const struct gr_buildinfo *bi)
{
	return bi->path;
}

const struct gr_buildinfo_module *
gr_buildinfo_main(const struct gr_buildinfo *bi)
{
	return &bi->main;
}

size_t gr_buildinfo_dep_count(const struct gr_buildinfo *bi)
{
	return bi->ndeps;
}

const struct gr_buildinfo_module *
gr_buildinfo_dep(const struct gr_buildinfo *bi, size_t i)
{
	return i < bi->ndeps ? &bi->deps[i] : NULL;
}

size_t gr_buildinfo_setting_count(const struct gr_buildinfo *bi)
{
	return bi->nsettings;
}

const struct gr_buildinfo_setting *
gr_buildinfo_setting_at(const struct gr_buildinfo *bi, size_t i)
{
	return i < bi->nsettings ? &bi->settings[i] : NULL;
}

const char *gr_buildinfo_setting(const struct gr_buildinfo *bi,
				 const char *key)
{
	for (size_t i = bi->nsettings; i-- > 0;)
		if (strcmp(bi->settings[i].key, key) == 0)
			return bi->settings[i].value;
	return NULL;
}

const char *gr_buildinfo_modinfo(const struct gr_buildinfo *bi)
{
	return bi->modinfo;
}
