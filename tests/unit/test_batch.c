/* SPDX-License-Identifier: MIT */
/* The pure parts of `goretain batch`: sizes, shards, memory accounting,
 * inputs, keys, records and the resume cache, core identity, lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli/batch_lookup.h"
#include "cli/batch_plan.h"
#include "forensics/02-input/coreid.h"
#include "report/batch_summary.h"
#include "tests/support/coregen.h"

static char tmpdir[] = "/tmp/test_batch.XXXXXX";

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_parse_size(void **state)
{
	(void)state;
	uint64_t v;
	assert_true(gr_batch_parse_size("8G", &v));
	assert_int_equal(v, UINT64_C(8) << 30);
	assert_true(gr_batch_parse_size("512MiB", &v));
	assert_int_equal(v, UINT64_C(512) << 20);
	assert_true(gr_batch_parse_size("4096", &v));
	assert_int_equal(v, 4096);
	assert_true(gr_batch_parse_size("1k", &v));
	assert_int_equal(v, 1024);
	assert_false(gr_batch_parse_size("", &v));
	assert_false(gr_batch_parse_size("0", &v));
	assert_false(gr_batch_parse_size("-1G", &v));
	assert_false(gr_batch_parse_size("8X", &v));
	assert_false(gr_batch_parse_size("99999999999T", &v));
}

static void test_shard(void **state)
{
	(void)state;
	unsigned i, n;
	assert_true(gr_batch_parse_shard("3/8", &i, &n));
	assert_int_equal(i, 3);
	assert_int_equal(n, 8);
	assert_false(gr_batch_parse_shard("8/8", &i, &n));
	assert_false(gr_batch_parse_shard("0/0", &i, &n));
	assert_false(gr_batch_parse_shard("1", &i, &n));
	assert_false(gr_batch_parse_shard("a/2", &i, &n));
	/* Every index in exactly one shard. */
	for (size_t k = 0; k < 20; k++) {
		unsigned hits = 0;
		for (unsigned s = 0; s < 3; s++)
			hits += gr_batch_in_shard(k, s, 3);
		assert_int_equal(hits, 1);
	}
	assert_true(gr_batch_in_shard(7, 0, 0));
}

static void test_budget(void **state)
{
	(void)state;
	struct gr_batch_budget b = {.limit = 100};
	/* Larger than the budget: alone. */
	assert_true(gr_batch_budget_admits(&b, 500));
	gr_batch_budget_take(&b, 500);
	assert_false(gr_batch_budget_admits(&b, 1));
	gr_batch_budget_give(&b, 500);
	assert_true(gr_batch_budget_admits(&b, 60));
	gr_batch_budget_take(&b, 60);
	assert_true(gr_batch_budget_admits(&b, 40));
	assert_false(gr_batch_budget_admits(&b, 41));
	gr_batch_budget_take(&b, 40);
	gr_batch_budget_give(&b, 60);
	assert_int_equal(b.used, 40);
	assert_int_equal(b.running, 1);
}

static void test_estimate(void **state)
{
	(void)state;
	char buf[8192];
	memset(buf, 1, sizeof(buf));
	put("est", buf, sizeof(buf));
	char p[512];
	snprintf(p, sizeof(p), "%s/est", tmpdir);
	uint64_t v;
	assert_null(gr_batch_estimate(p, &v));
	assert_int_equal(v, GR_BATCH_MEM_BASE + GR_BATCH_MEM_FACTOR * 8192);
	/* A gzip stream's trailer states its size (ISIZE). */
	uint8_t gz[32] = {0x1f, 0x8b, 8};
	gz[28] = 0x00, gz[29] = 0x00, gz[30] = 0x10; /* 1 MiB */
	put("est.gz", gz, sizeof(gz));
	snprintf(p, sizeof(p), "%s/est.gz", tmpdir);
	assert_null(gr_batch_estimate(p, &v));
	assert_int_equal(v, GR_BATCH_MEM_BASE + GR_BATCH_MEM_FACTOR * (1 << 20));
	struct gr_error *err = gr_batch_estimate("/nonexistent/x", &v);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OS);
	gr_error_destroy(err);
}

static void test_mem_available(void **state)
{
	(void)state;
	const char text[] = "MemTotal: 100 kB\nMemAvailable:    2048 kB\n";
	put("meminfo", text, strlen(text));
	char p[512];
	snprintf(p, sizeof(p), "%s/meminfo", tmpdir);
	uint64_t v;
	assert_null(gr_batch_mem_available(p, &v));
	assert_int_equal(v, 2048 << 10);
}

static void test_inputs(void **state)
{
	(void)state;
	char d[512], p[600];
	snprintf(d, sizeof(d), "%s/in", tmpdir);
	assert_int_equal(mkdir(d, 0777), 0);
	snprintf(p, sizeof(p), "%s/sub", d);
	assert_int_equal(mkdir(p, 0777), 0);
	put("in/b.core", "x", 1);
	put("in/sub/a.zst", "x", 1);
	put("in/sub/c.gz", "x", 1);
	snprintf(p, sizeof(p), "%s/out", d);
	assert_int_equal(mkdir(p, 0777), 0);
	put("in/out/summary.jsonl", "x", 1);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	struct gr_batch_inputs in = {0};
	assert_null(gr_batch_inputs_add(&in, d, st.st_dev, st.st_ino));
	snprintf(p, sizeof(p), "%s/sub/*.gz", d);
	assert_null(gr_batch_inputs_add(&in, p, st.st_dev, st.st_ino));
	snprintf(p, sizeof(p), "%s/missing", d);
	assert_null(gr_batch_inputs_add(&in, p, st.st_dev, st.st_ino));
	gr_batch_inputs_finish(&in);
	assert_int_equal(in.count, 4);
	const char *want[] = {"b.core", "missing", "sub/a.zst", "sub/c.gz"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", d, want[i]);
		assert_string_equal(in.paths[i], p);
	}
	gr_batch_inputs_deinit(&in);
}

static void test_hash(void **state)
{
	(void)state;
	put("h.core", "core bytes", 10);
	put("h.exe", "exe", 3);
	char c[512], e[512];
	snprintf(c, sizeof(c), "%s/h.core", tmpdir);
	snprintf(e, sizeof(e), "%s/h.exe", tmpdir);
	uint64_t key;
	assert_null(gr_batch_hash(c, e, &key));
	uint8_t all[10 + 8 + 3] = "core bytes";
	all[10] = 10;
	memcpy(all + 18, "exe", 3);
	assert_int_equal(key, XXH64(all, sizeof(all), 0));
	char hex[17];
	gr_batch_key_hex(0xab, hex);
	assert_string_equal(hex, "00000000000000ab");
}

static char *format(const struct gr_batch_record *r)
{
	char *line;
	size_t len;
	assert_null(gr_batch_record_format(r, &line, &len));
	assert_int_equal(strlen(line), len);
	assert_int_equal(line[len - 1], '\n');
	return line;
}

static void test_records_and_cache(void **state)
{
	(void)state;
	struct gr_batch_suspect s = {"root", "main.\"odd\"\n", 100, 0.5};
	struct gr_batch_record ok = {
		.input = "dir/core \"1\"", .status = GR_BATCH_OK,
		.key = 0x0123456789abcdef, .exe = "bin", .go_version = "go1.24",
		.live_bytes = 200, .objects = 3, .top_suspect = &s,
		.report = "0123456789abcdef.json", .seconds = 1.5,
	};
	char *l1 = format(&ok);
	assert_string_equal(
		l1, "{\"input\":\"dir/core \\\"1\\\"\",\"key\":\"0123456789abcdef\","
		    "\"status\":\"ok\",\"exe\":\"bin\",\"go_version\":\"go1.24\","
		    "\"live_bytes\":200,\"objects\":3,\"top_suspect\":{\"kind\":"
		    "\"root\",\"root\":\"main.\\\"odd\\\"\\u000a\",\"retained_bytes\":"
		    "100,\"share\":0.5},\"report\":\"0123456789abcdef.json\","
		    "\"seconds\":1.5}\n");
	struct gr_batch_record bad = {.input = "x", .status = GR_BATCH_ERROR,
				      .error = "x: empty file", .exit = 2};
	char *l2 = format(&bad);
	assert_string_equal(l2, "{\"input\":\"x\",\"status\":\"error\",\"error\":"
				"\"x: empty file\",\"exit\":2}\n");
	enum gr_batch_status st;
	uint64_t key;
	assert_true(gr_batch_record_parse(l1, &st, &key));
	assert_int_equal(st, GR_BATCH_OK);
	assert_int_equal(key, 0x0123456789abcdef);
	assert_true(gr_batch_record_parse(l2, &st, &key));
	assert_int_equal(st, GR_BATCH_ERROR);

	/* A summary: an error, the ok record, and a line cut by a crash. */
	char p[512];
	snprintf(p, sizeof(p), "%s/summary.jsonl", tmpdir);
	FILE *f = fopen(p, "w");
	fprintf(f, "%s%s%.40s", l2, l1, l1);
	fclose(f);
	struct gr_batch_cache *c;
	assert_null(gr_batch_cache_load(p, &c));
	assert_int_equal(gr_batch_cache_count(c), 1);
	char *skip;
	assert_null(gr_batch_cache_skip(c, 0x0123456789abcdef,
					"0123456789abcdef.json", "moved", &skip));
	char *want;
	assert_true(asprintf(&want, "{\"input\":\"moved\",\"key\":"
				    "\"0123456789abcdef\",\"status\":\"skipped\"%s",
			     strstr(l1, ",\"exe\"")) > 0);
	assert_string_equal(skip, want);
	/* A skipped record is itself a cache entry for the next run. */
	assert_true(gr_batch_record_parse(skip, &st, &key));
	assert_int_equal(st, GR_BATCH_SKIPPED);
	free(skip);
	free(want);
	/* Another format's report, or another key: not cached. */
	struct gr_error *err = gr_batch_cache_skip(
		c, 0x0123456789abcdef, "0123456789abcdef.txt", "x", &skip);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_NOT_FOUND);
	gr_error_destroy(err);
	err = gr_batch_cache_skip(c, 1, "0000000000000001.json", "x", &skip);
	assert_non_null(err);
	gr_error_destroy(err);
	gr_batch_cache_destroy(c);
	/* No summary yet: an empty cache. */
	snprintf(p, sizeof(p), "%s/none.jsonl", tmpdir);
	assert_null(gr_batch_cache_load(p, &c));
	assert_int_equal(gr_batch_cache_count(c), 0);
	gr_batch_cache_destroy(c);
	free(l1);
	free(l2);
}

/*
 * The first page of an executable as Go 1.24+ lays it out (readelf -lW
 * of a real one): ELF header, program headers, a PT_NOTE covering only
 * the Go build-ID note at 0xf78, and the GNU build-ID note right after
 * it at 0xfdc, outside every PT_NOTE.
 */
static void image_page(uint8_t *page)
{
	memset(page, 0, 4096);
	Elf64_Ehdr eh = {.e_phoff = sizeof(Elf64_Ehdr), .e_phnum = 1,
			 .e_phentsize = sizeof(Elf64_Phdr)};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	memcpy(page, &eh, sizeof(eh));
	Elf64_Phdr ph = {.p_type = PT_NOTE, .p_offset = 0xf78,
			 .p_vaddr = 0x400f78, .p_filesz = 0x64, .p_memsz = 0x64};
	memcpy(page + sizeof(eh), &ph, sizeof(ph));
	/* Go note: namesz 4 ("Go\0\0"), descsz 0x50, type 4. */
	uint32_t go[3] = {4, 0x50, 4};
	memcpy(page + 0xf78, go, sizeof(go));
	memcpy(page + 0xf84, "Go\0\0", 4);
	memset(page + 0xf88, 'x', 0x50);
	uint32_t hdr[3] = {4, 20, NT_GNU_BUILD_ID};
	memcpy(page + 0xfdc, hdr, sizeof(hdr));
	memcpy(page + 0xfe8, "GNU", 4);
	for (int i = 0; i < 20; i++)
		page[0xfec + i] = (uint8_t)(0xa0 + i);
}

static const char gnu_id[] = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3";

static void test_coreid(void **state)
{
	(void)state;
	uint8_t page[4096];
	image_page(page);
	struct coregen *g = coregen_new();
	coregen_load(g, 0x400000, page, sizeof(page), sizeof(page), PF_R | PF_X);
	coregen_thread(g, 42, 0x400100, 0x7ffe0000, 0);
	coregen_psinfo(g, 42, "server", "./server -x");
	coregen_auxv(g, AT_ENTRY, 0x400100);
	coregen_file(g, 0x400000, 0x401000, 0, "/opt/app/server");
	size_t size;
	uint8_t *core = coregen_build(g, &size);
	struct gr_coreid id;
	assert_null(gr_coreid_parse(core, size, "core.42", &id));
	assert_string_equal(id.ids.gnu, gnu_id);
	assert_int_equal(strlen(id.ids.go), 0x50);
	assert_string_equal(id.fname, "server");
	assert_string_equal(id.exe_path, "/opt/app/server");
	gr_coreid_deinit(&id);
	free(core);
	coregen_free(g);

	/* Without the header page: no IDs, and lookup refuses to guess. */
	g = coregen_new();
	coregen_thread(g, 43, 0x400100, 0x7ffe0000, 0);
	coregen_psinfo(g, 42, "server", "./server");
	core = coregen_build(g, &size);
	assert_null(gr_coreid_parse(core, size, "core.43", &id));
	assert_string_equal(id.ids.gnu, "");
	char *exe = NULL;
	struct gr_error *err = gr_batch_lookup_exe(&id, "core.43", NULL, 0, &exe);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "no build ID"));
	gr_error_destroy(err);
	gr_coreid_deinit(&id);
	free(core);
	coregen_free(g);
}

static void test_lookup_not_found(void **state)
{
	(void)state;
	struct gr_coreid id = {0};
	snprintf(id.ids.gnu, sizeof(id.ids.gnu), "%s", gnu_id);
	snprintf(id.fname, sizeof(id.fname), "nothere");
	/* A candidate that is not an executable falls through. */
	char d[512], p[600];
	snprintf(d, sizeof(d), "%s/ids", tmpdir);
	assert_int_equal(mkdir(d, 0777), 0);
	snprintf(p, sizeof(p), "%s/ids/a0", tmpdir);
	assert_int_equal(mkdir(p, 0777), 0);
	put("ids/a0/a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3.debug", "junk", 4);
	const char *dirs[] = {d};
	char *exe = NULL;
	struct gr_error *err =
		gr_batch_lookup_exe(&id, "/x/core", dirs, 1, &exe);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_NOT_FOUND);
	assert_non_null(strstr(err->message, gnu_id));
	gr_error_destroy(err);
	assert_null(exe);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_shard),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_mem_available),
		cmocka_unit_test(test_inputs),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_records_and_cache),
		cmocka_unit_test(test_coreid),
		cmocka_unit_test(test_lookup_not_found),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
