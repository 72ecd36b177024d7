/* SPDX-License-Identifier: MIT */
#include "report/info.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/pclntab.h"
#include "report/escape.h"
#include "report/format.h"
#include "report/json.h"
#include "report/version.h"

void gr_info_collect(const struct gr_session *s, struct gr_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->session = s;
	struct gr_mem *mem = gr_session_mem(s);
	for (size_t i = 0; i < gr_mem_segment_count(mem); i++) {
		const struct gr_mem_segment *seg = gr_mem_segment_at(mem, i);
		uint64_t n = seg->end - seg->start;
		ret->map.segments++;
		switch (seg->source) {
		case GR_MEM_CORE:
			ret->map.bytes_core += n;
			break;
		case GR_MEM_ZERO:
			ret->map.bytes_zero += n;
			break;
		case GR_MEM_EXE:
			ret->map.bytes_exe += n;
			break;
		case GR_MEM_MISSING:
			ret->map.bytes_missing += n;
			break;
		}
	}
	struct gr_core *core = gr_session_core(s);
	ret->map.file_backed = gr_core_file_map_count(core);
	ret->threads = gr_core_thread_count(core);
	const struct gr_dwarf *d = gr_session_dwarf(s);
	ret->layout_pack = gr_dwarf_pack_version(d);
	ret->pack_unlocated = gr_dwarf_pack_unlocated(d);
	ret->dwarf_present = gr_dwarf_present(d) && !ret->layout_pack;
	ret->dwarf_version = gr_dwarf_version(d);
	ret->dwarf_types = gr_dwarf_type_count(d);
	ret->dwarf_globals = gr_dwarf_global_count(d);
	ret->dwarf_functions = gr_dwarf_function_count(d);
	ret->dwarf_constants = gr_dwarf_constant_count(d);
	ret->pcln_functions = gr_pcln_func_count(gr_session_pcln(s));
	ret->pcln_files = gr_pcln_file_count(gr_session_pcln(s));
	ret->elf_symbols = gr_exe_symbol_count(gr_session_exe(s));
}

/* The signal that killed the process: the first thread's pr_cursig. */
static int core_signal(const struct gr_core *core)
{
	for (size_t i = 0; i < gr_core_thread_count(core); i++)
		if (gr_core_thread(core, i)->signo)
			return gr_core_thread(core, i)->signo;
	return 0;
}

void gr_info_json_fields(struct gr_json *j, const struct gr_info *info)
{
	const struct gr_session *s = info->session;
	struct gr_input *in = gr_session_input(s);
	struct gr_core *core = gr_session_core(s);
	struct gr_exe *exe = gr_session_exe(s);
	const struct gr_build_ids *eids = gr_exe_build_ids(exe);
	const struct gr_build_ids *cids = gr_session_core_build_ids(s);
	const struct gr_core_process *p = gr_core_process(core);
	gr_json_kv_string(j, "goretain_version", GORETAIN_VERSION);

	gr_json_key(j, "core");
	gr_json_object_begin(j);
	gr_json_kv_string(j, "path", gr_input_path(in));
	gr_json_kv_string(j, "format",
			  gr_input_format_name(gr_input_format(in)));
	gr_json_kv_u64(j, "size", gr_input_size(in));
	gr_json_key(j, "compressed_size");
	if (gr_input_format(in) == GR_INPUT_RAW)
		gr_json_null(j);
	else
		gr_json_u64(j, gr_input_file_size(in));
	gr_json_kv_double(j, "decompress_seconds",
			  gr_input_decompress_seconds(in));
	gr_json_kv_bool(j, "truncated", gr_core_truncated(core));
	gr_json_kv_u64(j, "expected_size", gr_core_expected_size(core));
	gr_json_object_end(j);

	gr_json_key(j, "exe");
	gr_json_object_begin(j);
	gr_json_kv_string(j, "path", gr_exe_path(exe));
	gr_json_kv_bool(j, "pie", gr_exe_is_pie(exe));
	gr_json_kv_bool(j, "dynamic", gr_exe_is_dynamic(exe));
	gr_json_kv_string(j, "gnu_build_id", eids->gnu);
	gr_json_kv_string(j, "go_build_id", eids->go);
	gr_json_kv_u64(j, "elf_symbols", info->elf_symbols);
	gr_json_object_end(j);

	gr_json_key(j, "build_id");
	gr_json_object_begin(j);
	gr_json_kv_string(j, "match",
			  gr_build_match_name(gr_session_build_match(s)));
	gr_json_kv_string(j, "core_gnu", cids->gnu);
	gr_json_kv_string(j, "core_go", cids->go);
	gr_json_object_end(j);

	gr_json_kv_string(j, "go_version", gr_session_go_version(s));
	gr_json_kv_string(j, "arch",
			  gr_arch_name(gr_core_arch(gr_session_core(s))));
	gr_json_kv_hex(j, "load_bias", gr_session_load_bias(s));
	gr_json_kv_hex(j, "image_base", gr_session_image_base(s));

	gr_json_key(j, "process");
	gr_json_object_begin(j);
	gr_json_key(j, "pid");
	if (p->have_psinfo)
		gr_json_i64(j, p->pid);
	else
		gr_json_null(j);
	gr_json_kv_string(j, "command", p->psargs);
	gr_json_kv_i64(j, "signal", core_signal(core));
	gr_json_object_end(j);

	gr_json_kv_u64(j, "threads", info->threads);

	gr_json_key(j, "mappings");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "segments", info->map.segments);
	gr_json_kv_u64(j, "file_backed", info->map.file_backed);
	gr_json_kv_u64(j, "bytes_core", info->map.bytes_core);
	gr_json_kv_u64(j, "bytes_zero", info->map.bytes_zero);
	gr_json_kv_u64(j, "bytes_exe", info->map.bytes_exe);
	gr_json_kv_u64(j, "bytes_missing", info->map.bytes_missing);
	gr_json_object_end(j);

	gr_json_key(j, "dwarf");
	gr_json_object_begin(j);
	gr_json_kv_bool(j, "present", info->dwarf_present);
	gr_json_kv_u64(j, "version", info->dwarf_version);
	gr_json_kv_u64(j, "types", info->dwarf_types);
	gr_json_kv_u64(j, "globals", info->dwarf_globals);
	gr_json_kv_u64(j, "functions", info->dwarf_functions);
	gr_json_kv_u64(j, "constants", info->dwarf_constants);
	gr_json_key(j, "layout_pack");
	if (info->layout_pack)
		gr_json_string(j, info->layout_pack);
	else
		gr_json_null(j);
	gr_json_kv_u64(j, "pack_unlocated", info->pack_unlocated);
	gr_json_object_end(j);

	gr_json_key(j, "pclntab");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "functions", info->pcln_functions);
	gr_json_kv_u64(j, "files", info->pcln_files);
	gr_json_object_end(j);

}

struct gr_error *gr_info_write_json(const struct gr_info *info, FILE *out,
				    const char *path)
{
	struct gr_json j;
	gr_json_init(&j, out, true);
	gr_json_object_begin(&j);
	gr_info_json_fields(&j, info);
	gr_json_object_end(&j);
	return gr_json_finish(&j, path);
}

/* "label: value" with the value escaped for the terminal. */
static void line(FILE *out, const char *label, const char *value)
{
	fprintf(out, "%-14s ", label);
	gr_escape_term(out, value, strlen(value));
	fputc('\n', out);
}

struct gr_error *gr_info_write_text(const struct gr_info *info, FILE *out,
				    const char *path)
{
	const struct gr_session *s = info->session;
	struct gr_input *in = gr_session_input(s);
	struct gr_core *core = gr_session_core(s);
	struct gr_exe *exe = gr_session_exe(s);
	const struct gr_core_process *p = gr_core_process(core);
	const struct gr_build_ids *eids = gr_exe_build_ids(exe);
	char a[64], b[64], c[64], d[64];

	gr_human_bytes(a, sizeof(a), gr_input_size(in));
	if (gr_input_format(in) == GR_INPUT_RAW) {
		fprintf(out, "%-14s %s, raw%s\n", "core:", a,
			gr_core_truncated(core) ? ", TRUNCATED" : "");
	} else {
		gr_human_bytes(b, sizeof(b), gr_input_file_size(in));
		fprintf(out, "%-14s %s, %s (%s compressed, %.2f s to decompress)%s\n",
			"core:", a, gr_input_format_name(gr_input_format(in)), b,
			gr_input_decompress_seconds(in),
			gr_core_truncated(core) ? ", TRUNCATED" : "");
	}
	line(out, "  path:", gr_input_path(in));
	fprintf(out, "%-14s %s, %s%s\n", "executable:",
		gr_exe_is_pie(exe) ? "PIE" : "non-PIE",
		gr_exe_is_dynamic(exe) ? "dynamically linked" : "static",
		info->elf_symbols ? "" : ", stripped");
	line(out, "  path:", gr_exe_path(exe));
	line(out, "  GNU build ID:", eids->gnu[0] ? eids->gnu : "(none)");
	line(out, "  Go build ID:", eids->go[0] ? eids->go : "(none)");
	line(out, "  matches core:", gr_build_match_name(gr_session_build_match(s)));
	line(out, "go version:", gr_session_go_version(s));
	fprintf(out, "%-14s %s, load bias 0x%" PRIx64 "\n", "arch:",
		gr_arch_name(gr_core_arch(gr_session_core(s))),
		gr_session_load_bias(s));
	if (p->have_psinfo) {
		fprintf(out, "%-14s pid %d, signal %d: ", "process:", p->pid,
			core_signal(core));
		gr_escape_term(out, p->psargs, strlen(p->psargs));
		fputc('\n', out);
	}
	fprintf(out, "%-14s %" PRIu64 "\n", "threads:", info->threads);
	gr_human_bytes(a, sizeof(a), info->map.bytes_core);
	gr_human_bytes(b, sizeof(b), info->map.bytes_zero);
	gr_human_bytes(c, sizeof(c), info->map.bytes_exe);
	gr_human_bytes(d, sizeof(d), info->map.bytes_missing);
	fprintf(out,
		"%-14s %" PRIu64 " segments, %" PRIu64 " file-backed: %s from "
		"the core, %s zero, %s from the executable, %s missing\n",
		"mappings:", info->map.segments, info->map.file_backed, a, b, c,
		d);
	if (info->dwarf_present)
		fprintf(out,
			"%-14s DWARF %u: %" PRIu64 " types, %" PRIu64
			" globals, %" PRIu64 " functions, %" PRIu64
			" constants\n",
			"debug info:", info->dwarf_version, info->dwarf_types,
			info->dwarf_globals, info->dwarf_functions,
			info->dwarf_constants);
	else if (info->layout_pack)
		fprintf(out,
			"%-14s none (stripped): runtime layout from the %s "
			"layout pack, %" PRIu64 " runtime globals located%s; "
			"variable names unavailable\n",
			"debug info:", info->layout_pack, info->dwarf_globals,
			info->pack_unlocated ? " (some not found)" : "");
	else
		fprintf(out, "%-14s none (no DWARF: variable names unavailable)\n",
			"debug info:");
	fprintf(out, "%-14s %" PRIu64 " functions, %" PRIu64 " files\n",
		"pclntab:", info->pcln_functions, info->pcln_files);
	if (fflush(out) || ferror(out))
		return gr_error_output(errno ? errno : EIO, path, "write");
	return NULL;
}
