#!/bin/bash
# Build every corpus program with every installed Go toolchain, run it until
# it has written its oracle, and take a core of it.
#
#   scripts/make-cores.sh            (GR_CACHE defaults to ~/.cache/goretain)
#
# Cache layout ($GR_CACHE/cores):
#   go1.NN/<prog>-<exe|pie|cgo>[-classic][-gcore]/{bin, core, oracle.json,
#                             meta.json, run.log, stamp[, core.gz, core.zst]}
#   nongo/{bin, core, meta.json, stamp}   a core of /bin/sleep, for error tests
#
# Variants: every program in corpora/cmd as -buildmode=exe and -buildmode=pie
# (CGO_ENABLED=0); for the newest toolchain also leakymap-cgo (CGO_ENABLED=1,
# -tags grcgo: a dynamically linked binary) and leakymap-{exe,pie}-gcore, a
# `gdb gcore` of the same process whose kernel core is leakymap-{exe,pie}.
# leakymap-exe's kernel core also gets core.gz and core.zst copies; every
# toolchain also makes leakymap-exe-grown, the same build leaking more.
# Toolchains whose default is Swiss-table maps but which still have the
# classic ones (Go 1.24 and 1.25: the SwissMap experiment is on in
# internal/buildcfg/exp.go's baseline; 1.26 removed it) also build
# mapwaste-{exe,pie}-classic with GOEXPERIMENT=noswissmap, so the map tests
# see both implementations on the same releases.  Every toolchain also makes
# leakymap-{exe,pie}-stripped, built with -ldflags='-s -w' (no symbol table,
# no DWARF): goretain must analyse it from pclntab and its layout packs.
#
# linux/arm64 (issue 17): every toolchain builds every program as exe (the
# newest also leakymap-pie, and a -s -w leakymap-exe for the error cases) with
# GOARCH=arm64 too, runs it under qemu-user (qemu-aarch64) and keeps the
# AArch64 core qemu writes of its guest (qemu_<prog>_<date>-<time>_<pid>.core
# in the working directory: NT_PRSTATUS, NT_PRPSINFO and NT_AUXV, no NT_FILE;
# the host kernel's core of qemu itself is removed).  They go to
# $GR_CACHE/cores-arm64/ in the same layout, core_method "qemu", apart from
# the amd64 cores the other suites read: `make it-arm64` checks them.
#
# A variant is redone only when its stamp (sources hash, toolchain, script
# version, settings) changes.  Bump SCRIPT_VERSION when the way cores are
# taken changes.  Environment:
#   GR_CACHE                  cache root
#   GR_CORES_LEAK_SESSIONS    sessions leakymap leaks in the corpus (4000;
#                             leakymap-exe-grown leaks 2000 more)
#   GR_CORES_FORCE_GCORE=1    take every core with gdb gcore, as when
#                             core_pattern is a pipe (tests that path)
#   GR_CORES_ONLY             only variants whose id (go1.NN/prog-mode[-classic]) matches
#                             this regex; the others are left as they are
# Exit status: 0 if every variant has a core, 1 otherwise (all are tried).
set -uo pipefail

SCRIPT_VERSION=1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
CORES=$CACHE/cores
LEAK_N=${GR_CORES_LEAK_SESSIONS:-4000}
GROW_N=2000
ONLY=${GR_CORES_ONLY:-.}
ORACLE_TIMEOUT=120
# The AArch64 libraries qemu-user loads a PIE's interpreter from
# (libc6-arm64-cross).
ARM64_SYSROOT=/usr/aarch64-linux-gnu
# Variants captured side by side (each is a go build, then a run until the
# oracle is written, then the core): GR_CORES_JOBS, else GR_CHECK_JOBS,
# else the number of CPUs.
JOBS=${GR_CORES_JOBS:-${GR_CHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}}

export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOWORK=off GOTELEMETRY=off

for tool in jq gdb gzip zstd readelf fallocate flock sha256sum qemu-aarch64; do
	command -v "$tool" >/dev/null || { echo "make-cores: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

mkdir -p "$CORES"
exec 9>"$CORES/.lock"
if ! flock -n 9; then
	echo "make-cores: waiting for another make-cores.sh on $CORES/.lock" >&2
	flock 9
fi

# A corpus program left running by an interrupted run would block forever.
CUR_PID=""
trap '[[ -n $CUR_PID ]] && kill -KILL "$CUR_PID" 2>/dev/null' EXIT
trap 'exit 130' INT TERM

T0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf 'make-cores: %s\n' "$*"; }
FAILED=()
fail() { FAILED+=("$1: $2"); log "FAIL $1: $2"; }

CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
CORE_USES_PID=$(cat /proc/sys/kernel/core_uses_pid 2>/dev/null || echo 0)
if [[ $CORE_PATTERN == '|'* || ${GR_CORES_FORCE_GCORE:-} == 1 ]]; then
	CORE_METHOD=gcore-fallback   # a pipe handler would swallow the core
else
	CORE_METHOD=kernel
fi
log "core_pattern '$CORE_PATTERN', core_uses_pid $CORE_USES_PID: cores taken by $CORE_METHOD"

# find_kernel_core DIR PID COMM: print the core the kernel wrote for PID
# whose cwd was DIR, following core_pattern (specifiers we cannot predict
# become globs).
find_kernel_core() {
	local dir=$1 pid=$2 comm=$3 pat=$CORE_PATTERN out="" i c
	for ((i = 0; i < ${#pat}; i++)); do
		c=${pat:i:1}
		if [[ $c == % && $((i + 1)) -lt ${#pat} ]]; then
			i=$((i + 1))
			case ${pat:i:1} in
			p) out+=$pid ;;
			e) out+=$comm ;;
			s) out+=6 ;;
			u) out+=$(id -u) ;;
			g) out+=$(id -g) ;;
			h) out+=$(hostname) ;;
			%) out+=% ;;
			*) out+='*' ;;
			esac
		else
			out+=$c
		fi
	done
	[[ $pat != *%p* && $CORE_USES_PID == 1 ]] && out+=".$pid"
	[[ $out == /* ]] || out=$dir/$out
	local f
	for f in $out; do [[ -f $f ]] && { echo "$f"; return 0; }; done
	return 1
}

src_hash() { # PROG
	(cd "$ROOT/corpora" && find go.mod internal "cmd/$1" -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16
}

# elf_facts BIN: JSON {type, pie, interp, dynamic} from the ELF headers.
elf_facts() {
	local type interp=false dyn=false
	type=$(readelf -h "$1" | awk '/^ *Type:/ { print $2 }')
	readelf -lW "$1" | grep -q '^ *INTERP ' && interp=true
	readelf -lW "$1" | grep -q '^ *DYNAMIC ' && dyn=true
	jq -nc --arg t "$type" --argjson i $interp --argjson d $dyn \
		'{type: $t, pie: ($t == "DYN"), interp: $i, dynamic: $d}'
}

apparent() { stat -c %s "$1"; }
ondisk() { echo $(($(stat -c %b "$1") * $(stat -c %B "$1"))); }
mb() { awk -v n="$1" 'BEGIN { printf "%.1f MB", n / 1048576 }'; }
prstatus_count() { readelf -nW "$1" 2>/dev/null | grep -c 'NT_PRSTATUS' || true; }

# take_gcore PID FILE LOG: gdb gcore of a live process, made sparse.
take_gcore() {
	gdb -nx -batch -iex 'set auto-load off' -iex 'set debuginfod enabled off' \
		-p "$1" -ex "gcore $2" >"$3" 2>&1 && [[ -s $2 ]] && fallocate --dig-holes "$2"
}

# run_and_core ID DIR GCOREDIR ENV...: run DIR/bin in DIR until its oracle
# is written, optionally gcore it into GCOREDIR, then take its core into
# DIR/core and write DIR/meta.json.  Returns non-zero on failure.
run_and_core() {
	local id=$1 dir=$2 gdir=$3
	shift 3
	local pid rc t_ready threads rss filter method signal=null status core
	local -a run=(./bin)
	[[ ${GOARCH_RUN:-} == arm64 ]] && run=(qemu-aarch64 -L "$ARM64_SYSROOT" ./bin)
	(cd "$dir" && ulimit -c unlimited && exec env GOTRACEBACK=crash "$@" "${run[@]}" oracle.json) \
		>"$dir/run.log" 2>&1 &
	pid=$!
	CUR_PID=$pid
	local deadline=$((SECONDS + ORACLE_TIMEOUT))
	until jq -e '.alloc_check' "$dir/oracle.json" >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			fail "$id" "exited with status $? before writing its oracle: $(tail -n 3 "$dir/run.log" | tr '\n' ' ')"
			return 1
		fi
		if ((SECONDS > deadline)); then
			kill -KILL "$pid"; wait "$pid" 2>/dev/null
			fail "$id" "no oracle after ${ORACLE_TIMEOUT}s"
			return 1
		fi
		sleep 0.05
	done
	t_ready=$(date +%s.%N)
	if [[ $(jq -r '.alloc_check.unchanged' "$dir/oracle.json") != true ]]; then
		kill -KILL "$pid"; wait "$pid" 2>/dev/null
		fail "$id" "oracle alloc_check.unchanged is not true: $(jq -c .alloc_check "$dir/oracle.json")"
		return 1
	fi
	filter=$(cat "/proc/$pid/coredump_filter" 2>/dev/null || echo unknown)

	if [[ -n $gdir ]]; then
		local gthreads grss
		cp "$dir/oracle.json" "$gdir/oracle.json"
		gthreads=$(ls "/proc/$pid/task" | wc -l)
		grss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
		if ! take_gcore "$pid" "$gdir/core" "$gdir/gdb.log"; then
			kill -KILL "$pid"; wait "$pid" 2>/dev/null
			fail "$id-gcore" "gdb gcore failed: $(tail -n 3 "$gdir/gdb.log" | tr '\n' ' ')"
			return 1
		fi
		VARIANT=$VARIANT-gcore write_meta "$gdir" "$pid" "$gthreads" "$grss" "$filter" gcore null null "$t_ready" "$@"
	fi

	threads=$(ls "/proc/$pid/task" | wc -l)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	if [[ ${GOARCH_RUN:-} == arm64 ]]; then
		# qemu writes the guest's core itself on the guest's SIGABRT,
		# then dies of it: the host core (if core_pattern writes one)
		# is qemu's, not the program's.
		kill -ABRT "$pid"
		wait "$pid" 2>/dev/null
		status=$?
		signal=6
		local qcore=("$dir"/qemu_bin_*.core)
		[[ -f ${qcore[0]} ]] || { fail "$id" "no qemu core after SIGABRT (exit status $status)"; return 1; }
		rm -f "$dir/core" "$dir"/core.[0-9]*
		mv "${qcore[0]}" "$dir/core"
		fallocate --dig-holes "$dir/core" 2>/dev/null || true
		# The guest's threads: qemu's own are not in its core.
		threads=$(prstatus_count "$dir/core")
		write_meta "$dir" "$pid" "$threads" "$rss" "$filter" qemu "$signal" "$status" "$t_ready" "$@"
		return
	fi
	if [[ $CORE_METHOD == kernel ]]; then
		kill -ABRT "$pid"
		wait "$pid" 2>/dev/null
		rc=$?
		status=$rc
		signal=6
		if ! core=$(find_kernel_core "$dir" "$pid" bin); then
			fail "$id" "no kernel core after SIGABRT (exit status $rc, core_pattern '$CORE_PATTERN')"
			return 1
		fi
		[[ $core == "$dir/core" ]] || mv "$core" "$dir/core"
		method="kernel"
	else
		if ! take_gcore "$pid" "$dir/core" "$dir/gdb.log"; then
			kill -KILL "$pid"; wait "$pid" 2>/dev/null
			fail "$id" "gdb gcore failed: $(tail -n 3 "$dir/gdb.log" | tr '\n' ' ')"
			return 1
		fi
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		status=$?
		method="gcore-fallback"
	fi
	write_meta "$dir" "$pid" "$threads" "$rss" "$filter" "$method" "$signal" "$status" "$t_ready" "$@"
}

# write_meta DIR PID THREADS RSS FILTER METHOD SIGNAL STATUS T_READY ENV...
write_meta() {
	local dir=$1 pid=$2 threads=$3 rss=$4 filter=$5 method=$6 signal=$7 status=$8 t_ready=$9
	shift 9
	local envj
	envj=$(printf '%s\n' GOTRACEBACK=crash "$@" | jq -Rn '[inputs | capture("^(?<key>[^=]*)=(?<value>.*)$")] | from_entries')
	jq -n --argjson ver "$SCRIPT_VERSION" --arg variant "$VARIANT" --arg prog "$PROG" \
		--arg mode "$MODE" --arg gover "$GOVER" --arg godir "$GODIR" --arg build "$BUILD_CMD" \
		--argjson pid "$pid" --argjson threads "$threads" --argjson rss "${rss:-0}" \
		--argjson othreads "$(jq .threads "$dir/oracle.json" 2>/dev/null || echo null)" \
		--argjson cthreads "$(prstatus_count "$dir/core")" \
		--arg filter "$filter" --arg pattern "$CORE_PATTERN" --argjson usespid "$CORE_USES_PID" \
		--arg method "$method" --argjson signal "$signal" --argjson status "$status" \
		--argjson elf "$ELF" --argjson env "$envj" --arg goexp "$GOEXP" \
		--argjson size "$(apparent "$dir/core")" --argjson disk "$(ondisk "$dir/core")" \
		--argjson wait "$(elapsed "$t_ready")" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		'{meta_format: 1, script_version: $ver, variant: $variant, program: $prog,
		  build_mode: $mode, cgo: ($mode == "cgo"), go_version: $gover, go_root: $godir,
		  build_cmd: $build, goexperiment: $goexp, elf: $elf, pie: $elf.pie, env: $env,
		  pid: $pid, threads: $threads, threads_oracle: $othreads, core_threads: $cthreads,
		  vm_rss_kb: $rss, coredump_filter: $filter,
		  core_pattern: $pattern, core_uses_pid: $usespid, core_method: $method,
		  signal: $signal, exit_status: $status,
		  seconds_oracle_to_core: $wait, core_size: $size, core_disk_bytes: $disk,
		  taken_at: $at}' >"$dir/meta.json"
}

# variant GODIR GOKEY PROG MODE WITH_GCORE [FLAVOR]
# FLAVOR "classic" builds with GOEXPERIMENT=noswissmap (id suffix -classic);
# "grown" runs the same build leaking GROW_N more sessions (leakymap only:
# `goretain diff` of leakymap-exe and leakymap-exe-grown must find them).
# "stripped" links with -ldflags='-s -w' (no .symtab, no DWARF).
variant() {
	local godir=$1 gokey=$2 prog=$3 mode=$4 with_gcore=$5 flavor=${6:-}
	VARIANT=$prog-$mode${flavor:+-$flavor} PROG=$prog MODE=$mode GODIR=$godir GOEXP=""
	[[ $flavor == classic ]] && GOEXP=noswissmap
	local root=$CORES goarch=amd64
	if [[ $flavor == arm64 || $flavor == arm64-stripped ]]; then
		VARIANT=$prog-$mode root=$CACHE/cores-$flavor goarch=arm64
		mkdir -p "$root/$gokey"
	fi
	local id="$gokey/$VARIANT" dest="$root/$gokey/$VARIANT" gdest="$root/$gokey/$VARIANT-gcore"
	[[ $goarch == arm64 ]] && id="$gokey/$VARIANT ($flavor)"
	[[ $id =~ $ONLY ]] || return 0
	local compress=false
	[[ $prog == leakymap && $mode == exe ]] && compress=true
	local envs=()
	if [[ $flavor == grown ]]; then
		envs+=("GR_LEAK_SESSIONS=$((LEAK_N + GROW_N))")
	elif [[ $prog == leakymap ]]; then
		envs+=("GR_LEAK_SESSIONS=$LEAK_N")
	fi
	local ldflags=""
	[[ $flavor == stripped || $flavor == arm64-stripped ]] && ldflags="-s -w"
	local stamp="script=$SCRIPT_VERSION src=${SRC_HASH[$prog]} go=$GOVER mode=$mode gcore=$with_gcore compress=$compress method=$CORE_METHOD env=${envs[*]-}${GOEXP:+ goexperiment=$GOEXP}${ldflags:+ ldflags=$ldflags}"
	[[ $goarch == arm64 ]] && { compress=false; stamp="$stamp goarch=arm64 method=qemu"; }
	if [[ -f $dest/stamp && $(cat "$dest/stamp") == "$stamp" && -f $dest/core ]] &&
		{ [[ $with_gcore == 0 ]] || [[ -f $gdest/stamp && $(cat "$gdest/stamp") == "$stamp" ]]; }; then
		log "$id: up to date"
		return 0
	fi

	local t tmp="$root/$gokey/.tmp-$VARIANT.$$" gtmp=""
	t=$(date +%s.%N)
	rm -rf "$tmp"
	mkdir -p "$tmp"
	local flags=(-trimpath) cgo=0
	case $mode in
	exe) flags+=(-buildmode=exe) ;;
	pie) flags+=(-buildmode=pie) ;;
	cgo) flags+=(-buildmode=exe -tags grcgo); cgo=1 ;;
	esac
	BUILD_CMD="${GOEXP:+GOEXPERIMENT=$GOEXP }CGO_ENABLED=$cgo go build ${flags[*]}${ldflags:+ -ldflags='$ldflags'} -o bin ./cmd/$prog"
	[[ -n $ldflags ]] && flags+=("-ldflags=$ldflags")
	[[ $goarch == arm64 ]] && BUILD_CMD="GOARCH=arm64 $BUILD_CMD"
	if ! (cd "$ROOT/corpora" && GOARCH=$goarch GOEXPERIMENT=$GOEXP CGO_ENABLED=$cgo "$godir/bin/go" build "${flags[@]}" -o "$tmp/bin" "./cmd/$prog") >"$tmp/build.log" 2>&1; then
		fail "$id" "build failed: $(head -n 5 "$tmp/build.log" | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	ELF=$(elf_facts "$tmp/bin")
	local want_pie=false
	[[ $mode == pie ]] && want_pie=true
	if [[ $(jq .pie <<<"$ELF") != "$want_pie" ]]; then
		fail "$id" "-buildmode=$mode gave an ELF of type $(jq -r .type <<<"$ELF")"
		rm -rf "$tmp"
		return 1
	fi
	if [[ $with_gcore == 1 ]]; then
		gtmp="$CORES/$gokey/.tmp-$VARIANT-gcore.$$"
		rm -rf "$gtmp"
		mkdir -p "$gtmp"
	fi
	local tb
	tb=$(elapsed "$t")
	# Builds run side by side; captures one at a time.  A corpus program
	# runs from its start to its core with no other corpus program beside
	# it, as in a serial run: one captured under a second program's load
	# once showed 32 KiB more HeapIdle in its core than in its oracle
	# (go1.27 leakymap-exe-grown; taken alone again, exact).
	if ! { flock 8 && GOARCH_RUN=$goarch run_and_core "$id" "$tmp" "$gtmp" "${envs[@]}"; } 8>"$CORES/.capture.lock"; then
		rm -rf "$tmp" ${gtmp:+"$gtmp"}
		return 1
	fi
	local threads cthreads
	threads=$(jq .threads "$tmp/meta.json")
	cthreads=$(jq .core_threads "$tmp/meta.json")
	[[ $threads == "$cthreads" ]] || log "$id: note: $threads threads in /proc before the kill, $cthreads NT_PRSTATUS notes in the core"
	if [[ $compress == true ]]; then
		gzip -1 -c "$tmp/core" >"$tmp/core.gz" && zstd -1 -T0 -q -c "$tmp/core" >"$tmp/core.zst" ||
			{ fail "$id" "compression failed"; rm -rf "$tmp" ${gtmp:+"$gtmp"}; return 1; }
		jq --argjson gz "$(apparent "$tmp/core.gz")" --argjson zst "$(apparent "$tmp/core.zst")" \
			'.compressed = {gz: $gz, zst: $zst}' "$tmp/meta.json" >"$tmp/meta.json.new" &&
			mv "$tmp/meta.json.new" "$tmp/meta.json"
	fi
	echo "$stamp" >"$tmp/stamp"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	local extra=""
	if [[ -n $gtmp ]]; then
		ln -f "$dest/bin" "$gtmp/bin" 2>/dev/null || cp --sparse=always "$dest/bin" "$gtmp/bin"
		cp "$dest/run.log" "$gtmp/run.log"
		echo "$stamp" >"$gtmp/stamp"
		rm -rf "$gdest"
		mv "$gtmp" "$gdest"
		extra=", gcore $(mb "$(apparent "$gdest/core")") ($(mb "$(ondisk "$gdest/core")") on disk)"
	fi
	log "$id: ok in $(elapsed "$t")s (build ${tb}s): core $(mb "$(apparent "$dest/core")") ($(mb "$(ondisk "$dest/core")") on disk), threads $threads, rss $(jq .vm_rss_kb "$dest/meta.json") kB$extra"
}

nongo_core() {
	local dest=$CORES/nongo tmp="$CORES/.tmp-nongo.$$"
	local stamp="script=$SCRIPT_VERSION method=$CORE_METHOD sleep=$(sha256sum </bin/sleep | cut -c1-16)"
	if [[ -f $dest/stamp && $(cat "$dest/stamp") == "$stamp" && -f $dest/core ]]; then
		log "nongo: up to date"
		return 0
	fi
	rm -rf "$tmp"
	mkdir -p "$tmp"
	cp /bin/sleep "$tmp/bin"
	(cd "$tmp" && ulimit -c unlimited && exec ./bin 1000) >"$tmp/run.log" 2>&1 &
	local pid=$! core method
	sleep 0.3
	if [[ $CORE_METHOD == kernel ]]; then
		kill -ABRT "$pid"
		wait "$pid" 2>/dev/null
		core=$(find_kernel_core "$tmp" "$pid" bin) || { fail nongo "no kernel core"; rm -rf "$tmp"; return 1; }
		[[ $core == "$tmp/core" ]] || mv "$core" "$tmp/core"
		method=kernel
	else
		take_gcore "$pid" "$tmp/core" "$tmp/gdb.log" || { kill -KILL "$pid"; fail nongo "gcore failed"; rm -rf "$tmp"; return 1; }
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		method=gcore-fallback
	fi
	jq -n --arg m "$method" --argjson pid "$pid" '{meta_format: 1, program: "/bin/sleep", pid: $pid, core_method: $m, threads: 1}' >"$tmp/meta.json"
	echo "$stamp" >"$tmp/stamp"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	log "nongo: ok: core $(mb "$(apparent "$dest/core")")"
}

mapfile -t GODIRS < <("$ROOT/scripts/install-go.sh" --list)
if ((${#GODIRS[@]} == 0)); then
	echo "make-cores: no Go toolchain installed (run scripts/install-go.sh)" >&2
	exit 1
fi
NEWEST=${GODIRS[-1]}
PROGS=()
TCS=()
for d in "$ROOT"/corpora/cmd/*/; do PROGS+=("$(basename "$d")"); done
log "toolchains: ${GODIRS[*]##*/}; programs: ${PROGS[*]}; cache $CORES"

# Remove temp dirs of interrupted runs (we hold the lock).
find "$CORES" -maxdepth 2 -name '.tmp-*' -exec rm -rf {} + 2>/dev/null

declare -A SRC_HASH
for prog in "${PROGS[@]}"; do SRC_HASH[$prog]=$(src_hash "$prog"); done

# The job list, one line per variant: "GODIR GOKEY GOVER PROG MODE GCORE FLAVOR".
JOBLIST=()
declare -A TC_JOBS
for godir in "${GODIRS[@]}"; do
	gokey=go${godir##*/go-}
	if ! gover=$("$godir/bin/go" env GOVERSION); then
		fail "$gokey" "$godir/bin/go does not run"
		continue
	fi
	mkdir -p "$CORES/$gokey"
	jl=()
	for prog in "${PROGS[@]}"; do
		for mode in exe pie; do
			g=0
			[[ $godir == "$NEWEST" && $prog == leakymap ]] && g=1
			jl+=("$godir $gokey $gover $prog $mode $g -")
		done
	done
	[[ $godir == "$NEWEST" ]] && jl+=("$godir $gokey $gover leakymap cgo 0 -")
	jl+=("$godir $gokey $gover leakymap exe 0 grown")
	for mode in exe pie; do jl+=("$godir $gokey $gover leakymap $mode 0 stripped"); done
	# linux/arm64: every program on every toolchain; the newest builds
	# leakymap as PIE too (its loader comes from libc6-arm64-cross:
	# qemu-aarch64 -L).
	for prog in "${PROGS[@]}"; do
		jl+=("$godir $gokey $gover $prog exe 0 arm64")
	done
	if [[ $godir == "$NEWEST" ]]; then
		jl+=("$godir $gokey $gover leakymap pie 0 arm64")
		# Stripped arm64 is not read yet (no layout pack for it): the
		# error cases check the one line that says so.
		jl+=("$godir $gokey $gover leakymap exe 0 arm64-stripped")
	fi
	if [[ -d $ROOT/corpora/cmd/mapwaste ]] &&
		grep -Eq '^[[:space:]]*SwissMap:[[:space:]]*true,' "$godir/src/internal/buildcfg/exp.go" 2>/dev/null; then
		for mode in exe pie; do jl+=("$godir $gokey $gover mapwaste $mode 0 classic"); done
	fi
	TC_JOBS[$gokey]=$(printf '%s\n' "${jl[@]}")
	TCS+=("$gokey")
done
# Round-robin over the toolchains, so that the jobs running side by side
# are mostly of different toolchains: each toolchain's first build (its
# standard library, for exe and again for PIE) is then compiled once, not
# by two jobs at the same time.
for ((k = 0; ; k++)); do
	any=0
	for gokey in "${TCS[@]}"; do
		line=$(sed -n "$((k + 1))p" <<<"${TC_JOBS[$gokey]}")
		[[ -n $line ]] && { JOBLIST+=("$line"); any=1; }
	done
	((any)) || break
done

# Run the jobs JOBS at a time.  Each runs in a subshell (variant() keeps
# its state in globals) that kills its corpus program if it is interrupted
# and leaves its failures in $FAILDIR for the summary.  The cache lock
# taken above covers them all.
FAILDIR=$(mktemp -d "${TMPDIR:-/tmp}/make-cores.XXXXXX")
trap '[[ -n $CUR_PID ]] && kill -KILL "$CUR_PID" 2>/dev/null; rm -rf "$FAILDIR"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
n=0
for line in "${JOBLIST[@]}"; do
	while (($(jobs -rp | wc -l) >= JOBS)); do wait -n; done
	read -r godir gokey GOVER prog mode g flavor <<<"$line"
	[[ $flavor == - ]] && flavor=""
	n=$((n + 1))
	(
		trap '[[ -n $CUR_PID ]] && kill -KILL "$CUR_PID" 2>/dev/null' EXIT
		FAILED=()
		variant "$godir" "$gokey" "$prog" "$mode" "$g" $flavor
		((${#FAILED[@]} == 0)) || printf '%s\n' "${FAILED[@]}" >"$FAILDIR/$n"
	) &
done
wait
for f in "$FAILDIR"/*; do
	[[ -f $f ]] || continue
	mapfile -t more <"$f"
	FAILED+=("${more[@]}")
done
nongo_core

log "done in $(elapsed "$T0")s"
log "cache $CORES: $(du -sh "$CORES" | cut -f1) on disk, $(du -sh --apparent-size "$CORES" | cut -f1) apparent"
if ((${#FAILED[@]})); then
	log "${#FAILED[@]} variant(s) failed:"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
exit 0
