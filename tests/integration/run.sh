#!/bin/bash
# Integration tests: run goretain over every cached corpus core and check
# its answers against the program's own oracle and the core's meta.json
# (written by scripts/make-cores.sh), then feed it broken input.
#
#   GORETAIN=build/goretain GR_CACHE=~/.cache/goretain tests/integration/run.sh
#
# Prints one PASS/FAIL line per check and a summary; exits 1 if any check
# failed, 2 if it cannot run at all (no binary, no cores, no jq).
#
# build_id.match must be "match" for every cached core: kernel cores and gdb
# gcores (coredump_filter 0x33 keeps the first page of the executable, which
# holds its build-ID notes) all carry the IDs.  There are no exceptions;
# list any here, with the reason, if one ever becomes necessary.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
# GR_IT_CORES: another core root in the same layout (make it-arm64:
# $GR_CACHE/cores-arm64); the error cases on broken input run with the
# default root only.
CORES=${GR_IT_CORES:-$CACHE/cores}

die() { echo "integration: $*" >&2; exit 2; }
command -v jq >/dev/null || die "jq is missing (run scripts/install-deps.sh)"
[[ -x $GORETAIN ]] || die "$GORETAIN is not an executable (build it with make)"
shopt -s nullglob
DIRS=()
# GR_IT_ONLY=GLOB (a developer's filter, e.g. '*-stripped'): only the core
# directories whose name matches.
for d in "$CORES"/go1.*/*/; do
	[[ -n ${GR_IT_ONLY:-} && $(basename "$d") != ${GR_IT_ONLY} ]] && continue
	[[ -f $d/core && -f $d/meta.json && -f $d/oracle.json ]] && DIRS+=("${d%/}")
done
((${#DIRS[@]})) || die "no cores in $CORES (run scripts/make-cores.sh, or make cores)"
ALL_DIRS=("${DIRS[@]}")
# GR_IT_SUBSET (the Makefile says which pass uses which, and why): newest =
# only the newest toolchain's cores (make check-quick); san = the oldest and
# the newest toolchain's (make check's sanitizer pass).  The error cases
# below still pick their two reference cores from every toolchain.
if [[ -n ${GR_IT_SUBSET:-} ]]; then
	. "$ROOT/tests/integration/subset.sh"
	keep=" $(it_versions "$CORES" | tr '\n' ' ')" || exit 2
	DIRS=()
	for d in "${ALL_DIRS[@]}"; do
		v=${d#"$CORES"/}
		[[ $keep == *" ${v%%/*} "* ]] && DIRS+=("$d")
	done
	echo "== GR_IT_SUBSET=$GR_IT_SUBSET: ${#DIRS[@]} of ${#ALL_DIRS[@]} cores (${keep# })"
fi

# The real pprof, built from a toolchain's source by scripts/build-pprof.sh.
PPROF=${GR_PPROF:-$CACHE/tools/pprof}
[[ -x $PPROF ]] || PPROF=""

TMP=$(mktemp -d "${TMPDIR:-/tmp}/goretain-it.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
# Every core's report JSON, for the schema check and the diffs at the end.
REPORTS=$TMP/reports
mkdir -p "$REPORTS"
JOBS=${GR_CHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}

PASS=0 FAIL=0
FAILED=()
pass() { PASS=$((PASS + 1)); echo "PASS $1"; }
fail() { FAIL=$((FAIL + 1)); FAILED+=("$1"); echo "FAIL $1: $2"; }
check() { # NAME GOT WANT
	if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# info OUT ERR ARGS...: run goretain info --json, set RC.
info() {
	local out=$1 err=$2
	shift 2
	"$GORETAIN" info --json "$@" >"$out" 2>"$err"
	RC=$?
}

# canon FILE: the JSON without the fields that legitimately differ between
# a raw core and its compressed copies.
canon() {
	jq -S -c 'del(.core.format, .core.compressed_size, .core.decompress_seconds, .core.path)' "$1"
}

rel() { echo "${1#"$CORES"/}"; }

check_core_dir() {
	local d=$1 id out err
	id=$(rel "$d")
	out=$TMP/out.json err=$TMP/err.txt
	info "$out" "$err" --exe "$d/bin" "$d/core"
	if [[ $RC != 0 ]]; then
		fail "$id: info exits 0" "exit $RC: $(head -c 300 "$err")"
		return
	fi
	if ! jq -e . "$out" >/dev/null 2>&1; then
		fail "$id: info --json is JSON" "$(head -c 200 "$out")"
		return
	fi
	pass "$id: info exits 0"
	# One jq per file: field values as tab-separated strings ("null" if absent).
	local g_go g_arch g_thr g_pid g_sig g_bid g_pie g_dyn g_bias0 g_fmt g_trunc g_size
	IFS=$'\t' read -r g_go g_arch g_thr g_pid g_sig g_bid g_pie g_dyn g_bias0 g_fmt g_trunc g_size < <(jq -r '
		[.go_version, .arch, .threads, .process.pid, .process.signal, .build_id.match,
		 .exe.pie, .exe.dynamic, (.load_bias // "" | tostring | test("^0x0*$")),
		 .core.format, .core.truncated, .core.size] | map(tostring) | @tsv' "$out")
	local m_mode m_method m_thr m_pid m_sig m_pie o_go o_arch
	IFS=$'\t' read -r m_mode m_method m_thr m_pid m_sig m_pie < <(jq -r '
		[.build_mode, .core_method, .threads, .pid, .signal, .pie] | map(tostring) | @tsv' "$d/meta.json")
	IFS=$'\t' read -r o_go o_arch < <(jq -r '[.go_version, .goarch] | map(tostring) | @tsv' "$d/oracle.json")

	check "$id: go_version" "$g_go" "$o_go"
	check "$id: arch" "$g_arch" "$o_arch"
	check "$id: threads" "$g_thr" "$m_thr"
	check "$id: process.pid" "$g_pid" "$m_pid"
	[[ $m_method == kernel ]] && check "$id: process.signal" "$g_sig" "$m_sig"
	# qemu-user's cores of arm64 guests have no NT_FILE and no page of
	# the executable: nothing to check a build ID against, and goretain
	# says so rather than match.
	local want_bid=match
	[[ $m_method == qemu ]] && want_bid=unverified
	check "$id: build_id.match" "$g_bid" "$want_bid"
	# Go 1.24+ binaries carry a GNU build ID outside their PT_NOTE.
	local minor=${id#go1.}
	minor=${minor%%/*}
	if ((minor >= 24)) && [[ $m_method != qemu ]]; then
		check "$id: GNU build ID read from the exe and the core" \
			"$(jq -r '[(.exe.gnu_build_id | length > 0), .exe.gnu_build_id == .build_id.core_gnu] | @tsv' "$out")" \
			"$(printf 'true\ttrue')"
	fi
	check "$id: exe.pie" "$g_pie" "$m_pie"
	case $m_mode in
	exe) check "$id: exe.dynamic" "$g_dyn" false ;;
	cgo) check "$id: exe.dynamic" "$g_dyn" true ;;
	esac
	# qemu-user maps an ET_DYN guest at its link address when that is
	# free (a Go arm64 PIE links at 0x10000): a zero bias is right there.
	if [[ $m_pie == true && $m_method == qemu ]]; then
		:
	elif [[ $m_pie == true ]]; then
		check "$id: load_bias is not zero" "$g_bias0" false
	else
		check "$id: load_bias is zero" "$g_bias0" true
	fi
	check "$id: core.format" "$g_fmt" raw
	check "$id: core.truncated" "$g_trunc" false
	check "$id: core.size" "$g_size" "$(stat -c %s "$d/core")"

	check_heap "$d" "$id"
	if [[ $id == */*-stripped ]]; then
		check_stripped "$d" "$id"
	elif [[ $id == */leakymap-* ]]; then
		check_retention "$d" "$id"
	fi
	check_report "$d" "$id"

	local z fmt
	for z in gz zst; do
		[[ -f $d/core.$z ]] || continue
		fmt=gzip
		[[ $z == zst ]] && fmt=zstd
		info "$TMP/out.$z.json" "$err" --exe "$d/bin" "$d/core.$z"
		if [[ $RC != 0 ]]; then
			fail "$id: core.$z: info exits 0" "exit $RC: $(head -c 300 "$err")"
			continue
		fi
		pass "$id: core.$z: info exits 0"
		local z_fmt z_csize
		IFS=$'\t' read -r z_fmt z_csize < <(jq -r '[.core.format, .core.compressed_size] | map(tostring) | @tsv' "$TMP/out.$z.json")
		check "$id: core.$z: core.format" "$z_fmt" "$fmt"
		check "$id: core.$z: core.compressed_size" "$z_csize" "$(stat -c %s "$d/core.$z")"
		if [[ $(canon "$TMP/out.$z.json") == "$(canon "$out")" ]]; then
			pass "$id: core.$z: same analysis as the raw core"
		else
			fail "$id: core.$z: same analysis as the raw core" \
				"$(diff <(canon "$out" | jq .) <(canon "$TMP/out.$z.json" | jq .) | head -n 10 | tr '\n' ' ')"
		fi
	done
}

# check_heap DIR ID: goretain heap against the program's MemStats, taken
# after runtime.GC() with nothing allocated since.  Allocated bytes (live +
# garbage) must equal HeapAlloc and objects HeapObjects exactly, except for
# the one sudog oracle.Finish may allocate when it blocks after reading
# MemStats (test_heap pins that object down; here: at most one extra object
# of the sudog's size class).  Garbage is what died after the last mark:
# the tiny block mcache.tiny pointed at while marking (reset at mark
# termination) and objects the runtime let go since (a fired timer and its
# channel); it must stay that small.  The pool program allocates after its
# oracle by design (corpora/README.md) and is only checked for exit 0.
check_heap() {
	local d=$1 id=$2 out=$TMP/heap.json err=$TMP/heap.err
	"$GORETAIN" heap --json --quiet --exe "$d/bin" "$d/core" >"$out" 2>"$err"
	local rc=$?
	if [[ $rc != 0 ]] || ! jq -e . "$out" >/dev/null 2>&1; then
		fail "$id: heap exits 0 with JSON" "exit $rc: $(head -c 300 "$err")"
		return
	fi
	pass "$id: heap exits 0"
	[[ $id == */pool-* ]] && return
	local a_bytes a_objs g_bytes o_bytes o_objs
	IFS=$'\t' read -r a_bytes a_objs g_bytes < <(jq -r '
		[.live.bytes + .garbage.bytes, .live.objects + .garbage.objects,
		 .garbage.bytes] | map(tostring) | @tsv' "$out")
	IFS=$'\t' read -r o_bytes o_objs < <(jq -r '
		[.memstats.heap_alloc, .memstats.heap_objects] | map(tostring) | @tsv' "$d/oracle.json")
	local db=$((a_bytes - o_bytes)) do=$((a_objs - o_objs))
	if [[ $db == 0 && $do == 0 ]]; then
		pass "$id: allocated bytes and objects equal HeapAlloc and HeapObjects"
	elif [[ $do == 1 && ( $db == 96 || $db == 112 ) ]]; then
		pass "$id: allocated = MemStats + the sudog taken after MemStats ($db B)"
	else
		fail "$id: allocated vs MemStats" \
			"goretain $a_bytes B/$a_objs objects, MemStats $o_bytes B/$o_objs objects"
	fi
	# ReadMemStats flushed the mcaches: whatever was allocated since is
	# in the spans they hold, what mcache_unflushed_bytes counts (and
	# runtime/metrics would not yet; forensics/05-session/gcstate.h).
	check "$id: allocated - HeapAlloc = what the mcaches allocated since MemStats" \
		"$(jq '.breakdown.mcache_unflushed_bytes' "$out")" "$db"
	local g_sys o_sys
	g_sys=$(jq -c '.collector | [.mspan_sys, .mcache_sys, .buckhash_sys, .other_sys]' "$out")
	o_sys=$(jq -c '.memstats | [.mspan_sys, .mcache_sys, .buck_hash_sys, .other_sys]' "$d/oracle.json")
	# allocsites profiles every allocation (MemProfileRate 1): the late
	# sudog gets a new profile bucket, persistentalloc'd, so BuckHashSys
	# grows by one bucket and OtherSys shrinks by as much.
	local bucket=0
	if [[ $id == */allocsites-* && $do == 1 && $g_sys != "$o_sys" ]]; then
		bucket=$(jq -n --argjson g "$g_sys" --argjson o "$o_sys" '
			if $g[0] == $o[0] and $g[1] == $o[1] and $g[2] - $o[2] == $o[3] - $g[3] and
			   $g[2] - $o[2] > 0 and $g[2] - $o[2] <= 512 then $g[2] - $o[2] else 0 end')
	fi
	if ((bucket > 0)); then
		pass "$id: runtime metadata: MemStats + the late sudog's profile bucket ($bucket B from OtherSys to BuckHashSys)"
	else
		check "$id: runtime metadata (MSpanSys, MCacheSys, BuckHashSys, OtherSys)" "$g_sys" "$o_sys"
	fi
	if ((g_bytes <= 1024)); then
		pass "$id: garbage ($g_bytes B) is what died after the last mark"
	else
		fail "$id: garbage is small" "$g_bytes B of allocated objects unreachable: a missed root?"
	fi
}

# run_json OUT ARGS...: goretain ARGS --json --quiet into OUT; sets RC and
# fails the check NAME-less if the output is not JSON.
run_json() {
	local out=$1
	shift
	"$GORETAIN" "$@" --json --quiet >"$out" 2>"$TMP/run.err"
	RC=$?
	[[ $RC == 0 ]] && jq -e . "$out" >/dev/null 2>&1
}

# within_1pct GOT WANT: |GOT - WANT| <= 1% of WANT.
within_1pct() {
	awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d * 100 <= w) }'
}

# check_retention DIR ID: the leaked map, end to end through the CLI.
# main.sessions must top the roots and retain, within 1%, the bytes the
# program measured under it (HeapAlloc before and after filling it); `why`
# must name it from the map's type and step into a session through its
# key; the first leak suspect is main.sessions with every session
# accumulating under it.
check_retention() {
	local d=$1 id=$2 j=$TMP/ret.json
	local bin=$d/bin core=$d/core want n
	want=$(jq -r '.bytes_under_map.heap_delta' "$d/oracle.json")
	n=$(jq -r '.leaked_entries' "$d/oracle.json")
	if run_json "$j" top --by root -n 3 --exe "$bin" "$core"; then
		local key got
		IFS=$'\t' read -r key got < <(jq -r '.rows[0] | [.key, .retained_bytes] | @tsv' "$j")
		check "$id: top --by root: first root" "$key" main.sessions
		if within_1pct "$got" "$want"; then
			pass "$id: main.sessions retains $got B, program measured $want B"
		else
			fail "$id: main.sessions retained within 1%" "$got B vs $want B measured"
		fi
	else
		fail "$id: top exits 0 with JSON" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
	if run_json "$j" top --by type -n 0 --exe "$bin" "$core"; then
		check "$id: top --by type: main.Session instances" \
			"$(jq -r '[.rows[] | select(.key == "main.Session") | .members] | add' "$j")" "$n"
	else
		fail "$id: top --by type exits 0 with JSON" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
	if run_json "$j" why --exe "$bin" "$core" 'map[string]*main.Session'; then
		check "$id: why map type: held by" "$(jq -r '.paths[0].root.name' "$j")" main.sessions
	else
		fail "$id: why map type exits 0" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
	local addr
	addr=$(jq -r '.objects[] | select(.name == "session[session-100000001]") | .addr' "$d/oracle.json")
	if run_json "$j" why --exe "$bin" "$core" "$addr"; then
		check "$id: why session: steps into it by its key" \
			"$(jq -r '.paths[0].steps[-1].edge' "$j")" '[key "session-100000001"]'
		check "$id: why session: is a main.Session" "$(jq -r '.paths[0].steps[-1].type' "$j")" main.Session
		check "$id: why session: root" "$(jq -r '.paths[0].root.name' "$j")" main.sessions
	else
		fail "$id: why ADDR exits 0" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
	if run_json "$j" suspects --exe "$bin" "$core"; then
		check "$id: first suspect" "$(jq -r '.suspects[0] | [.root, .member_type, .members] | @tsv' "$j")" \
			"$(printf 'main.sessions\tmain.Session\t%s' "$n")"
	else
		fail "$id: suspects exits 0" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
	# The retention profile in the real pprof: main.sessions' cum is what
	# the JSON report says it retains.
	local pb=$TMP/ret.pb.gz jr=$TMP/ret-report.json
	if [[ -z $PPROF ]]; then
		fail "$id: pprof" "no pprof binary (scripts/build-pprof.sh)"
	elif "$GORETAIN" report --quiet --exe "$bin" "$core" -o "$pb" 2>"$TMP/run.err" &&
		"$GORETAIN" report --quiet --exe "$bin" "$core" -o "$jr" 2>>"$TMP/run.err"; then
		local cum jret
		cum=$("$PPROF" -top -unit=B "$pb" 2>/dev/null | awk '$NF == "(bss)" && $(NF-1) == "main.sessions" { sub(/B$/, "", $4); print $4 }')
		jret=$(jq -r '.top.root.rows[] | select(.key == "main.sessions") | .retained_bytes' "$jr")
		if [[ -n $cum && -n $jret ]] && within_1pct "$cum" "$jret"; then
			pass "$id: pprof -top: main.sessions cum $cum B, report $jret B"
		else
			fail "$id: pprof -top lists main.sessions with its retained bytes" "pprof '$cum', report '$jret'"
		fi
	else
		fail "$id: report -o .pb.gz / .json" "$(head -c 300 "$TMP/run.err")"
	fi
	"$GORETAIN" why --quiet --exe "$bin" "$core" no.such.thing >/dev/null 2>"$TMP/run.err"
	RC=$?
	if [[ $RC == 2 && $(wc -l <"$TMP/run.err") == 1 ]]; then
		pass "$id: why on an unknown target: exit 2, $(cat "$TMP/run.err")"
	else
		fail "$id: why on an unknown target exits 2 with one line" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
}

# check_cols ID FILE: the text report fits a 100-column terminal.
check_cols() {
	local cols
	cols=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$2")
	if ((cols <= 100)); then pass "$1: report text fits 100 columns"; else fail "$1: report text fits 100 columns" "$cols columns"; fi
}

# check_stripped DIR ID: a leakymap built with -ldflags='-s -w' (no symbols,
# no DWARF), analysed through its release's layout pack: info says so, the
# report says names are lost, and the leak is still found: the first
# suspect is a bss root (unnamed) retaining, within 1%, the bytes the
# program measured under main.sessions, reached through the map.
check_stripped() {
	local d=$1 id=$2 j=$TMP/stripped.json want
	want=$(jq -r '.bytes_under_map.heap_delta' "$d/oracle.json")
	if run_json "$j" info --exe "$d/bin" "$d/core"; then
		check "$id: info: no DWARF; the layout pack of its release; every global placed" \
			"$(jq -r '[.dwarf.present, (.dwarf.layout_pack // "" | split(".")[0:2] | join(".")),
				.dwarf.pack_unlocated] | map(tostring) | @tsv' "$j")" \
			"$(printf 'false\t%s\t0' "$(jq -r '.go_version | split(".")[0:2] | join(".")' "$d/oracle.json")")"
	else
		fail "$id: info exits 0" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
	if run_json "$j" suspects --exe "$d/bin" "$d/core"; then
		local root kind got
		IFS=$'\t' read -r root kind got < <(jq -r '.suspects[0] | [.root, .root_kind, .retained_bytes] | map(tostring) | @tsv' "$j")
		if [[ $root == bss+* ]] && within_1pct "$got" "$want"; then
			pass "$id: first suspect $root retains $got B, program measured $want B under main.sessions"
		else
			fail "$id: first suspect is the unnamed main.sessions" "$root ($kind) $got B vs $want B"
		fi
		# Go 1.22+: the map's groups are typed by their malloc header,
		# and the types synthesized from descriptors carry that to the
		# sessions (forensics/06-rtype/rtype_synth.h).
		if [[ $(jq -r .malloc_headers "$d/oracle.json") == true ]]; then
			check "$id: the suspect accumulates main.Session, every leaked one" \
				"$(jq -r '.suspects[0] | [.member_type, .members] | map(tostring) | @tsv' "$j")" \
				"$(printf 'main.Session\t%s' "$(jq -r .leaked_entries "$d/oracle.json")")"
		fi
		check "$id: the suspect's path starts at the map header" \
			"$(jq -r '.suspects[0].paths[0].steps[0].addr' "$j")" \
			"$(jq -r '.map_header_addr' "$d/oracle.json")"
	else
		fail "$id: suspects exits 0" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
	if "$GORETAIN" report --quiet --exe "$d/bin" "$d/core" >"$TMP/report.txt" 2>"$TMP/run.err" &&
		grep -q 'stripped executable: runtime layout from' "$TMP/report.txt"; then
		pass "$id: report says the executable is stripped"
	else
		fail "$id: report says the executable is stripped" "$(head -c 300 "$TMP/run.err")"
	fi
	check_cols "$id" "$TMP/report.txt"
}

# check_report DIR ID: `goretain report` as JSON on every core (validated
# against docs/report-schema.json at the end, all at once) and as text on
# the leakymap cores; the JSON's figures agree with the heap command's.
check_report() {
	local d=$1 id=$2 j
	j=$REPORTS/${id//\//_}.json
	if ! "$GORETAIN" report --quiet --format json --exe "$d/bin" "$d/core" -o "$j" 2>"$TMP/run.err" ||
		! jq -e . "$j" >/dev/null 2>&1; then
		fail "$id: report --format json exits 0 with JSON" "$(head -c 300 "$TMP/run.err")"
		rm -f "$j"
		return
	fi
	pass "$id: report --format json"
	check "$id: report: live bytes agree with heap" \
		"$(jq -r '[.heap.live.bytes, .top.root.live_bytes] | @tsv' "$j")" \
		"$(jq -r '[.live.bytes, .live.bytes] | @tsv' "$TMP/heap.json")"
	# --threads: the same report on 1 and 3 scanning threads as on the
	# default (one per CPU); leakymap's 12k objects make 3 ranges.
	if [[ $id == */leakymap-exe || $id == */mapwaste-exe ]]; then
		local t want got strip='walk(if type == "object" then del(.analysis_seconds, .decompress_seconds) else . end)'
		want=$(jq -S "$strip" "$j")
		for t in 1 3; do
			got=
			"$GORETAIN" report --quiet --threads $t --format json --exe "$d/bin" "$d/core" \
				-o "$TMP/threads.json" 2>"$TMP/run.err" &&
				got=$(jq -S "$strip" "$TMP/threads.json")
			if [[ -n $want && $got == "$want" ]]; then
				pass "$id: report --threads $t: the same JSON"
			else
				fail "$id: report --threads $t: the same JSON" "$(head -c 300 "$TMP/run.err")"
			fi
		done
	fi
	# The HTML page for every core: one self-contained file (Chromium
	# renders the newest leakymap's in tests/integration/html.sh).
	local h=$TMP/report.html
	if "$GORETAIN" report --quiet --exe "$d/bin" "$d/core" -o "$h" 2>"$TMP/run.err" &&
		grep -q 'id="report"' "$h" && ! grep -Eq '(src|href)="?(https?:)?//' "$h"; then
		pass "$id: report as HTML, self-contained"
	else
		fail "$id: report as HTML" "$(head -c 300 "$TMP/run.err")"
	fi
	if [[ $id == */mapwaste-* ]]; then
		# The map grown to a million entries and emptied keeps its
		# storage: at least 99% of its bytes are wasted.
		local impl want_impl=swiss
		[[ $(jq -r .swiss_maps "$d/oracle.json") == true ]] || want_impl=classic
		impl=$(jq -r '.maps[] | select(.held_by == "main.grown") | [.impl, .entries, (.wasted_bytes * 100 >= .bytes * 99)] | @tsv' "$j")
		check "$id: report: main.grown is an empty $want_impl map, >= 99% wasted" "$impl" "$(printf '%s\t0\ttrue' "$want_impl")"
	fi
	if [[ $id == */chanblock-* ]]; then
		# Each channel the program knows, found by its address, with
		# its length, capacity and parked goroutines.
		local got want
		got=$(jq -r --slurpfile o "$d/oracle.json" '. as $r |
			[$o[0].channels | to_entries[] | .key as $g | .value as $w |
			 (($r.channels.list[] | select(.addr == $w.addr)) // {}) |
			 [$g, .global, .len, .cap, .blocked_senders, .blocked_receivers] | map(tostring) | join(" ")] |
			join("; ")' "$j")
		want=$(jq -r '[.channels | to_entries[] | [.key, .key, .value.len, .value.cap,
			(.value.waiting_senders // 0), (.value.waiting_receivers // 0)] | map(tostring) | join(" ")] |
			join("; ")' "$d/oracle.json")
		check "$id: report: channels as the program left them" "$got" "$want"
		if "$GORETAIN" report --quiet --exe "$d/bin" "$d/core" >"$TMP/report.txt" 2>"$TMP/run.err" &&
			grep -Eq '^ +[0-9.]+ KiB +16 B +2/2 +5 +0  chan \*main\.Parcel \(main\.results\)$' "$TMP/report.txt"; then
			pass "$id: report as text: main.results full with 5 senders parked"
		else
			fail "$id: report as text lists the channels" "$(sed -n '/^CHANNELS/,/^$/p' "$TMP/report.txt" | head -c 400)"
		fi
	fi
	if [[ $id == */allocsites-* ]]; then
		# Every allocation was sampled (MemProfileRate 1): each suspect
		# names the functions that allocated what it retains, with the
		# program's own counts, exactly.
		local site fn n root got
		while IFS=$'\t' read -r fn n root; do
			got=$(jq -r --arg r "${root#global }" --arg f "$fn" \
				'.suspects[] | select(.root == $r) | .allocated_at.stacks[] |
				 select(.function == $f) | [.sampled_objects, .estimated_objects] | @tsv' "$j")
			check "$id: report: suspect ${root#global } allocated $n objects in $fn" "$got" "$(printf '%s\t%s' "$n" "$n")"
		done < <(jq -r '.alloc_sites[] | [.func, .count, .root] | @tsv' "$d/oracle.json")
		# The root table names, per root, its largest allocation site.
		check "$id: report: top roots name their largest allocation site" \
			"$(jq -r '[.top.root.rows[] | select(.allocated_at != null and (.key | test("^main\\."))) |
				"\(.key) \(.allocated_at.function) \(.allocated_at.sampled_objects)"] | sort | join("; ")' "$j")" \
			"$(jq -r '[.alloc_sites | group_by(.root)[] | max_by(.count * .size) |
				"\(.root | sub("^global "; "")) \(.func) \(.count)"] | sort | join("; ")' "$d/oracle.json")"
		# ... and the type table each site's type.
		check "$id: report: each allocation site is the top stack of a type's instances" \
			"$(jq -r --slurpfile o "$d/oracle.json" '. as $r | [$o[0].alloc_sites[] | .func as $f |
				[$r.top.type.rows[] | select(.allocated_at.function? == $f) | .allocated_at.sampled_objects] |
				max // 0] | map(tostring) | join(" ")' "$j")" \
			"$(jq -r '[.alloc_sites[].count] | map(tostring) | join(" ")' "$d/oracle.json")"
		# `goretain top --json` rows carry the same stacks as the report's (the
		# report lists 20 rows per grouping).
		local by
		for by in root type; do
			if run_json "$TMP/top-$by.json" top --by "$by" -n 20 --exe "$d/bin" "$d/core"; then
				check "$id: top --by $by --json: allocation stacks as in the report" \
					"$(jq -c '[.rows[] | select(.allocated_at != null) | [.key, .allocated_at]] | sort' "$TMP/top-$by.json")" \
					"$(jq -c --arg b "$by" '[.top[$b].rows[] | select(.allocated_at != null) | [.key, .allocated_at]] | sort' "$j")"
			else
				fail "$id: top --by $by --json exits 0" "exit $RC: $(head -c 300 "$TMP/run.err")"
			fi
		done
		check "$id: report: allocation profile at rate 1, not disabled" \
			"$(jq -r '.allocation_profile | [.available, .rate, .disabled, .reason] | @tsv' "$j")" \
			"$(printf 'true\t1\tfalse\t')"
		if "$GORETAIN" report --quiet --exe "$d/bin" "$d/core" >"$TMP/report.txt" 2>"$TMP/run.err" &&
			grep -Eq '^ +3000 +[0-9.]+ KiB +main\.newRecord \(main\.go:[0-9]+\) < main\.fillRegistry' "$TMP/report.txt"; then
			pass "$id: report as text: main.registry allocated at main.newRecord"
		else
			fail "$id: report as text names the allocation sites" "$(grep -A3 'allocated at' "$TMP/report.txt" | head -c 300)"
		fi
	fi
	[[ $id == */leakymap-* && $id != */*-stripped ]] || return
	# Linked without runtime.MemProfile: the report says why no suspect
	# has allocation stacks.
	check "$id: report: allocation profile disabled by the linker" \
		"$(jq -r '[.allocation_profile.disabled, (.allocation_profile.reason != null),
			([.suspects[].allocated_at.stacks[]] | length)] | @tsv' "$j")" \
		"$(printf 'true\ttrue\t0')"
	if "$GORETAIN" report --quiet --exe "$d/bin" "$d/core" >"$TMP/report.txt" 2>"$TMP/run.err" &&
		grep -q '^LEAK SUSPECTS' "$TMP/report.txt" && grep -q '^1) main.sessions' "$TMP/report.txt"; then
		pass "$id: report as text names main.sessions first"
	else
		fail "$id: report as text" "$(head -c 300 "$TMP/run.err")"
	fi
	check_cols "$id" "$TMP/report.txt"
}

# validate_reports: every report JSON against the schema; the schema must
# also reject a report missing a required section.
validate_reports() {
	local py=python3
	/usr/bin/python3 -c 'import jsonschema' 2>/dev/null && py=/usr/bin/python3
	if ! $py -c 'import jsonschema' 2>/dev/null; then
		fail "report schema" "python3-jsonschema is missing (run scripts/install-deps.sh)"
		return
	fi
	local one
	one=$(ls "$REPORTS"/*.json 2>/dev/null | head -n 1)
	[[ -n $one ]] && jq 'del(.suspects)' "$one" >"$TMP/broken-report.json"
	$py - "$ROOT/docs/report-schema.json" "$REPORTS"/*.json <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for f in sys.argv[2:]:
    errs = sorted(v.iter_errors(json.load(open(f))), key=lambda e: list(e.path))
    name = f.rsplit("/", 1)[-1]
    if errs:
        e = errs[0]
        print("FAIL %s: valid against docs/report-schema.json: %s at %s" % (name, e.message[:200], "/".join(map(str, e.path))))
    else:
        print("PASS %s: valid against docs/report-schema.json" % name)
PY
	if [[ -f $TMP/broken-report.json ]] && $py -c '
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
sys.exit(0 if list(jsonschema.Draft202012Validator(s).iter_errors(json.load(open(sys.argv[2])))) else 1)' \
		"$ROOT/docs/report-schema.json" "$TMP/broken-report.json"; then
		pass "report schema rejects a report without suspects"
	else
		fail "report schema rejects a report without suspects" "it accepted it"
	fi
}

# expect_error NAME MUST_MENTION... -- ARGS...: goretain info must exit 2
# and print exactly one stderr line "goretain: ..." mentioning one of the
# MUST_MENTION strings (a file name), and "Go" if a MUST_MENTION is "@Go".
expect_error() {
	local name=$1 needs=() want_go=false
	shift
	while [[ $1 != -- ]]; do
		if [[ $1 == @Go ]]; then want_go=true; else needs+=("$1"); fi
		shift
	done
	shift
	info "$TMP/err.out" "$TMP/err.txt" "$@"
	local lines first
	lines=$(wc -l <"$TMP/err.txt")
	first=$(head -n 1 "$TMP/err.txt")
	if [[ $RC != 2 ]]; then
		fail "$name: exit 2" "exit $RC, stderr: $(head -c 300 "$TMP/err.txt")"
		return 1
	fi
	if [[ $lines != 1 || $first != "goretain: "* ]]; then
		fail "$name: one 'goretain: ' line on stderr" "$lines lines: $(head -c 300 "$TMP/err.txt")"
		return 1
	fi
	local n ok=false
	for n in "${needs[@]}"; do [[ $first == *"$n"* ]] && ok=true; done
	if [[ $ok != true ]]; then
		fail "$name: message names the file" "'$first' names none of: ${needs[*]}"
		return 1
	fi
	if [[ $want_go == true && $first != *Go* ]]; then
		fail "$name: message mentions Go" "'$first'"
		return 1
	fi
	pass "$name: exit 2, '$first'"
}

# The cores are independent: check_core_dir runs on JOBS of them at a time,
# each in a subshell with a TMP of its own (REPORTS is shared, one file per
# core), and each core's PASS/FAIL lines are printed whole, in DIRS order,
# as a serial run prints them.
PAR=$TMP/par
mkdir -p "$PAR"
next=0
flush_cores() {
	local f
	while ((next < ${#DIRS[@]})) && [[ -f $PAR/$next.done ]]; do
		cat "$PAR/$next.out"
		read -r p f <"$PAR/$next.done"
		PASS=$((PASS + p)) FAIL=$((FAIL + f))
		[[ -s $PAR/$next.failed ]] && mapfile -t -O "${#FAILED[@]}" FAILED <"$PAR/$next.failed"
		next=$((next + 1))
	done
}
for i in "${!DIRS[@]}"; do
	while (($(jobs -rp | wc -l) >= JOBS)); do
		wait -n
		flush_cores
	done
	(
		TMP=$PAR/$i
		mkdir -p "$TMP"
		PASS=0 FAIL=0 FAILED=()
		check_core_dir "${DIRS[i]}" >"$PAR/$i.out" 2>&1
		((${#FAILED[@]} == 0)) || printf '%s\n' "${FAILED[@]}" >"$PAR/$i.failed"
		rm -rf "$TMP"
		echo "$PASS $FAIL" >"$PAR/$i.tmp" && mv "$PAR/$i.tmp" "$PAR/$i.done"
	) &
	flush_cores
done
wait
flush_cores
# A core whose subshell died before saying how it went is a failure, not
# a core with no checks.
while ((next < ${#DIRS[@]})); do
	[[ -f $PAR/$next.out ]] && cat "$PAR/$next.out"
	fail "$(rel "${DIRS[next]}"): checks finished" "the subshell checking it ended without its counts"
	next=$((next + 1))
	flush_cores
done
# goretain diff: the same build leaking 2000 more sessions
# (leakymap-exe-grown): the growth under main.sessions is what the program
# measured it added, within 1%.
for d in "${DIRS[@]}"; do
	[[ ${d##*/} == leakymap-exe-grown && -d ${d%-grown} ]] || continue
	base=${d%-grown} id=$(rel "$d")
	if run_json "$TMP/diff.json" diff --exe "$d/bin" --base-exe "$base/bin" "$base/core" "$d/core" -n 0; then
		got=$(jq -r '.growth.root[] | select(.key == "main.sessions") | .delta_retained_bytes' "$TMP/diff.json")
		want=$(( $(jq .bytes_under_map.heap_delta "$d/oracle.json") - $(jq .bytes_under_map.heap_delta "$base/oracle.json") ))
		if [[ -n $got ]] && within_1pct "$got" "$want"; then
			pass "$id: diff: main.sessions grew $got B, the program added $want B"
		else
			fail "$id: diff: growth under main.sessions" "got '$got', program added $want B"
		fi
		check "$id: diff: main.Session instances grew" \
			"$(jq -r '.growth.type[] | select(.key == "main.Session") | .delta_members' "$TMP/diff.json")" \
			"$(( $(jq .leaked_entries "$d/oracle.json") - $(jq .leaked_entries "$base/oracle.json") ))"
	else
		fail "$id: diff exits 0 with JSON" "exit $RC: $(head -c 300 "$TMP/run.err")"
		continue
	fi
	# The same diff from the two cores' report JSON files (check_report
	# wrote them): every group both reports list has the growth the
	# cores' diff found, and the same suspects are new.
	rb=$REPORTS/$(rel "$base" | tr / _).json rl=$REPORTS/${id//\//_}.json
	if [[ -f $rb && -f $rl ]] && run_json "$TMP/diff-reports.json" diff "$rb" "$rl" -n 0; then
		cmp=$(jq -r --slurpfile c "$TMP/diff.json" '
			[.growth | to_entries[] | .key as $by | .value[] | select(.delta_retained_bytes != null) |
			 . as $r | ($c[0].growth[$by][] | select(.key == $r.key and .detail == $r.detail)) as $o |
			 ([$r.base_retained_bytes, $r.later_retained_bytes, $r.delta_members] ==
			  [$o.base_retained_bytes, $o.later_retained_bytes, $o.delta_members])] |
			[length, (map(select(. | not)) | length)] | @tsv' "$TMP/diff-reports.json")
		read -r ncmp nbad <<<"$cmp"
		if [[ $nbad == 0 && ${ncmp:-0} -ge 20 ]] &&
			[[ $(jq -c '[.delta_live_bytes, .new_suspects]' "$TMP/diff-reports.json") == \
				"$(jq -c '[.delta_live_bytes, .new_suspects]' "$TMP/diff.json")" ]] &&
			[[ $(jq -r '.growth.root[] | select(.key == "main.sessions") | .delta_retained_bytes' "$TMP/diff-reports.json") == "$got" ]]; then
			pass "$id: diff of the report JSONs: $ncmp groups grow as in the diff of the cores"
		else
			fail "$id: diff of the report JSONs agrees with the diff of the cores" "$ncmp groups compared, $nbad differ"
		fi
	else
		fail "$id: diff of two report JSONs exits 0 with JSON" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
done

while read -r line; do
	case $line in
	PASS*) pass "${line#PASS }" ;;
	FAIL*) r=${line#FAIL }; fail "${r%%: *}" "${r#*: }" ;;
	esac
done < <(validate_reports)

summary() {
	echo "== $PASS passed, $FAIL failed (${#DIRS[@]} cores)"
	if ((FAIL)); then
		printf '  failed: %s\n' "${FAILED[@]}"
		exit 1
	fi
	exit 0
}
[[ -n ${GR_IT_CORES:-} ]] && summary

# --- broken input -----------------------------------------------------------

# The reference core for the error cases: the newest toolchain's leakymap-exe.
REF=""
for d in "${ALL_DIRS[@]}"; do [[ ${d##*/} == leakymap-exe ]] && REF=$d; done
[[ -n $REF ]] || REF=${DIRS[-1]}
echo "== error cases on $(rel "$REF")"

# Mismatched executable: a core of one Go version with the bin of another.
OTHER=""
for d in "${ALL_DIRS[@]}"; do
	[[ ${d##*/} == leakymap-exe && $d != "$REF" ]] && OTHER=$d
done
if [[ -n $OTHER ]]; then
	expect_error "mismatch: core of $(rel "$REF") with bin of $(rel "$OTHER")" "$REF/core" "$OTHER/bin" -- \
		--exe "$OTHER/bin" "$REF/core"
else
	fail "mismatch" "needs leakymap-exe cores of two Go versions"
fi

# Truncated copies (sparse: cp + truncate, not head -c).  Cuts inside the
# ELF header, program headers or notes must exit 2; cuts in the memory
# segments may exit 2 or must report core.truncated; cuts after the last
# segment's data lose nothing.
size=$(stat -c %s "$REF/core")
phoff=$(od -An -t u8 -j 32 -N 8 "$REF/core" | tr -d ' ')
phentsize=$(od -An -t u2 -j 54 -N 2 "$REF/core" | tr -d ' ')
phnum=$(od -An -t u2 -j 56 -N 2 "$REF/core" | tr -d ' ')
after_ph=$((phoff + phentsize * phnum))
note_end=0 load_end=0
while read -r type off _ _ filesz _; do
	[[ $type == NOTE || $type == LOAD ]] || continue
	e=$((off + filesz))
	[[ $type == NOTE ]] && ((e > note_end)) && note_end=$e
	[[ $type == LOAD ]] && ((e > load_end)) && load_end=$e
done < <(readelf -lW "$REF/core")
((note_end > after_ph)) || note_end=$after_ph
declare -A CUTS=([100]="100 bytes" [4096]="4096 bytes" [$after_ph]="just after the program headers"
	[$((size / 2))]="half-way" [$((size - 1))]="size-1")
for cut in $(printf '%s\n' "${!CUTS[@]}" | sort -n); do
	t=$TMP/core.cut$cut
	cp --sparse=always "$REF/core" "$t"
	truncate -s "$cut" "$t"
	name="truncated at $cut (${CUTS[$cut]})"
	if ((cut < note_end)); then
		expect_error "$name" "$t" -- --exe "$REF/bin" "$t"
	elif ((cut >= load_end)); then
		# Only what follows the segments is cut (gdb puts section headers
		# there): nothing of the process is missing.
		info "$TMP/cut.json" "$TMP/cut.err" --exe "$REF/bin" "$t"
		if [[ $RC == 0 ]]; then
			pass "$name: past the last segment, exit 0"
		else
			expect_error "$name" "$t" -- --exe "$REF/bin" "$t"
		fi
	else
		info "$TMP/cut.json" "$TMP/cut.err" --exe "$REF/bin" "$t"
		if [[ $RC == 0 ]]; then
			check "$name: exit 0 reports core.truncated" "$(jq -r .core.truncated "$TMP/cut.json")" true
		else
			expect_error "$name" "$t" -- --exe "$REF/bin" "$t"
		fi
	fi
	rm -f "$t"
done

: >"$TMP/empty"
expect_error "empty core file" "$TMP/empty" -- --exe "$REF/bin" "$TMP/empty"
printf 'this is not a core dump\n' >"$TMP/text"
expect_error "non-ELF core file" "$TMP/text" -- --exe "$REF/bin" "$TMP/text"
expect_error "non-ELF executable" "$TMP/text" -- --exe "$TMP/text" "$REF/core"
expect_error "missing core file" "$TMP/no-such-core" -- --exe "$REF/bin" "$TMP/no-such-core"

# diff of report JSON files: bad ones are one line naming the file.
printf '{"schema": "other/1"}\n' >"$TMP/other.json"
printf '{"schema": "goretain-report/1", "top": [1,\n' >"$TMP/cut.json"
for bad in other.json cut.json; do
	"$GORETAIN" diff "$TMP/$bad" "$TMP/$bad" >/dev/null 2>"$TMP/run.err"
	RC=$?
	if [[ $RC == 2 && $(wc -l <"$TMP/run.err") == 1 ]] && grep -q "^goretain: $TMP/$bad: " "$TMP/run.err"; then
		pass "diff of a bad report ($bad): exit 2, $(cat "$TMP/run.err")"
	else
		fail "diff of a bad report ($bad): exit 2, one line naming it" "exit $RC: $(head -c 300 "$TMP/run.err")"
	fi
done
"$GORETAIN" diff "$(ls "$REPORTS"/*.json | head -n 1)" "$REF/core" >/dev/null 2>"$TMP/run.err"
RC=$?
if [[ $RC == 2 ]] && grep -q -- '--exe' "$TMP/run.err"; then
	pass "diff of a core without --exe: exit 2, asks for --exe"
else
	fail "diff of a core without --exe" "exit $RC: $(head -c 300 "$TMP/run.err")"
fi

# An arm64 core with an amd64 executable (and the other way round): the
# architectures differ, said in one line (scripts/make-cores.sh makes the
# arm64 cores under qemu-user).
ARM=$CACHE/cores-arm64/${REF#"$CORES"/}
if [[ -f $ARM/core ]]; then
	expect_error "arm64 core with an amd64 executable" "linux/arm64" -- \
		--exe "$REF/bin" "$ARM/core"
	expect_error "amd64 core with an arm64 executable" "linux/arm64" -- \
		--exe "$ARM/bin" "$REF/core"
else
	fail "arm64 core" "$ARM/core is missing (run scripts/make-cores.sh)"
fi

# A stripped arm64 executable: no layout pack for it yet, said in one line.
SARM=$CACHE/cores-arm64-stripped/${REF#"$CORES"/}
if [[ -f $SARM/core ]]; then
	# info reads it (pclntab, build info, threads); an analysis cannot.
	"$GORETAIN" heap --exe "$SARM/bin" "$SARM/core" >/dev/null 2>"$TMP/sarm.err"
	RC=$?
	if [[ $RC == 2 && $(wc -l <"$TMP/sarm.err") == 1 ]] &&
		grep -q 'no layout pack for go1.*linux/arm64' "$TMP/sarm.err"; then
		pass "stripped arm64 executable: heap exits 2, '$(head -c 200 "$TMP/sarm.err")'"
	else
		fail "stripped arm64 executable: heap exits 2 naming the missing pack" \
			"exit $RC: $(head -c 300 "$TMP/sarm.err")"
	fi
else
	fail "stripped arm64 core" "$SARM/core is missing (run scripts/make-cores.sh)"
fi

if [[ -f $CORES/nongo/core ]]; then
	expect_error "non-Go core (/bin/sleep)" "$CORES/nongo/core" "$CORES/nongo/bin" @Go -- \
		--exe "$CORES/nongo/bin" "$CORES/nongo/core"
else
	fail "non-Go core" "$CORES/nongo/core is missing (run scripts/make-cores.sh)"
fi

summary
