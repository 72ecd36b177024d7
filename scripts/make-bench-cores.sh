#!/bin/bash
# Build the scale corpus (corpora/bench/scale) with the benchmark's Go
# toolchains, run it until it has built its heap and measured its own GC,
# and take a core of it: the inputs of `make bench`.
#
#   scripts/make-bench-cores.sh            (GR_CACHE defaults to ~/.cache/goretain)
#
# Cache layout ($GR_CACHE/bench):
#   go1.NN/<variant>/{bin, core, oracle.json, meta.json, run.log, stamp}
# Variants (GR_BENCH_VARIANTS, default all four, in this order):
#   heap-64m         GR_SCALE_MB=64
#   heap-512m        GR_SCALE_MB=512
#   heap-2g          GR_SCALE_MB=2048
#   goroutines-100k  GR_SCALE_MB=64 and 100,000 parked goroutines
# Toolchains: GR_BENCH_GO (default "1.22 1.26"), /usr/lib/go-1.NN.
#
# Cores are taken the way make-cores.sh takes them: SIGABRT under
# GOTRACEBACK=crash, a kernel core (gdb gcore when core_pattern is a pipe).
# goroutines-100k runs with GR_SCALE_RAW_ABORT=1: the program resets
# SIGABRT to its default action once its oracle is written, because the
# runtime's crash traceback of 100,000 goroutines costs over a minute of
# CPU before the kernel starts writing (gdb gcore of it as long): the
# kernel then dumps the process as it stands, as gcore would.
#
# A variant is redone only when its stamp (sources hash, toolchain, script
# version, settings) changes.  Cores are sparse (the kernel leaves holes
# for pages never touched; fallocate --dig-holes punches the zero pages):
# a 2 GB heap is a core of about 2.5 GB.  Before a variant the script
# checks that the disk and the RAM can take it and fails it otherwise.
# Exit status: 0 if every variant asked for has a core, 1 otherwise.
set -uo pipefail

SCRIPT_VERSION=1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
BENCH=$CACHE/bench
GOS=${GR_BENCH_GO:-1.22 1.26}
VARIANTS=${GR_BENCH_VARIANTS:-heap-64m heap-512m heap-2g goroutines-100k}
ORACLE_TIMEOUT=600

export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOWORK=off GOTELEMETRY=off

for tool in jq gdb fallocate flock sha256sum; do
	command -v "$tool" >/dev/null || { echo "make-bench-cores: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

mkdir -p "$BENCH"
exec 9>"$BENCH/.lock"
if ! flock -n 9; then
	echo "make-bench-cores: waiting for another make-bench-cores.sh on $BENCH/.lock" >&2
	flock 9
fi

CUR_PID=""
trap '[[ -n $CUR_PID ]] && kill -KILL "$CUR_PID" 2>/dev/null' EXIT
trap 'exit 130' INT TERM

log() { printf 'make-bench-cores: %s\n' "$*"; }
FAILED=()
fail() { FAILED+=("$1: $2"); log "FAIL $1: $2"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
mb() { awk -v n="$1" 'BEGIN { printf "%.0f MB", n / 1048576 }'; }
apparent() { stat -c %s "$1"; }
ondisk() { echo $(($(stat -c %b "$1") * $(stat -c %B "$1"))); }

CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
CORE_USES_PID=$(cat /proc/sys/kernel/core_uses_pid 2>/dev/null || echo 0)
if [[ $CORE_PATTERN == '|'* || ${GR_CORES_FORCE_GCORE:-} == 1 ]]; then
	CORE_METHOD=gcore
else
	CORE_METHOD=kernel
fi

# kernel_core DIR PID: the core the kernel wrote for PID (cwd DIR, command
# "bin"), following core_pattern; specifiers we cannot predict become globs.
# (The same rules as make-cores.sh's find_kernel_core.)
kernel_core() {
	local dir=$1 pid=$2 pat=$CORE_PATTERN out="" i c f
	for ((i = 0; i < ${#pat}; i++)); do
		c=${pat:i:1}
		if [[ $c == % && $((i + 1)) -lt ${#pat} ]]; then
			i=$((i + 1))
			case ${pat:i:1} in
			p) out+=$pid ;; e) out+=bin ;; s) out+=6 ;; u) out+=$(id -u) ;;
			g) out+=$(id -g) ;; h) out+=$(hostname) ;; %) out+=% ;; *) out+='*' ;;
			esac
		else
			out+=$c
		fi
	done
	[[ $pat != *%p* && $CORE_USES_PID == 1 ]] && out+=".$pid"
	[[ $out == /* ]] || out=$dir/$out
	for f in $out; do [[ -f $f ]] && { echo "$f"; return 0; }; done
	return 1
}

src_hash() {
	(cd "$ROOT/corpora" && find go.mod bench/scale -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16
}

# settings VARIANT: the environment the program runs with.  gctrace=1
# puts the runtime's own account of every collection in run.log: the mark
# CPU of the forced collections the program measures is the benchmark's
# reference (scripts/bench.py).
settings() {
	case $1 in
	heap-64m) echo "GR_SCALE_MB=64 GODEBUG=gctrace=1" ;;
	heap-512m) echo "GR_SCALE_MB=512 GODEBUG=gctrace=1" ;;
	heap-2g) echo "GR_SCALE_MB=2048 GODEBUG=gctrace=1" ;;
	goroutines-100k) echo "GR_SCALE_MB=64 GR_SCALE_GOROUTINES=100000 GR_SCALE_RAW_ABORT=1 GODEBUG=gctrace=1" ;;
	*) return 1 ;;
	esac
}

# need_mb VARIANT: disk (and RAM) the run needs, in MB, with headroom.
need_mb() {
	local heap
	heap=$(settings "$1" | sed -n 's/.*GR_SCALE_MB=\([0-9]*\).*/\1/p')
	echo $((heap * 2 + 512))
}

SRC=$(src_hash)

# variant GOVER_DIR GOKEY VARIANT
variant() {
	local godir=$1 gokey=$2 var=$3 env
	local id=$gokey/$var dest=$BENCH/$gokey/$var
	if ! env=$(settings "$var"); then
		fail "$id" "unknown variant (known: heap-64m heap-512m heap-2g goroutines-100k)"
		return 1
	fi
	local gover
	gover=$("$godir/bin/go" env GOVERSION) || { fail "$id" "$godir/bin/go does not run"; return 1; }
	local method=$CORE_METHOD
	local stamp="script=$SCRIPT_VERSION src=$SRC go=$gover method=$method env=$env"
	if [[ -f $dest/stamp && $(cat "$dest/stamp") == "$stamp" && -f $dest/core ]]; then
		log "$id: up to date"
		return 0
	fi
	local need avail_disk avail_ram
	need=$(need_mb "$var")
	avail_disk=$(df -Pm "$BENCH" | awk 'NR == 2 { print $4 }')
	avail_ram=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	if ((avail_disk < need + 2048)); then
		fail "$id" "needs about $need MB of disk, $avail_disk MB free on $BENCH"
		return 1
	fi
	if ((avail_ram < need)); then
		fail "$id" "needs about $need MB of RAM, $avail_ram MB available"
		return 1
	fi

	local t tmp=$BENCH/$gokey/.tmp-$var.$$
	t=$(date +%s.%N)
	rm -rf "$tmp"
	mkdir -p "$tmp"
	if ! (cd "$ROOT/corpora" && CGO_ENABLED=0 "$godir/bin/go" build -trimpath -o "$tmp/bin" ./bench/scale) >"$tmp/build.log" 2>&1; then
		fail "$id" "build failed: $(head -n 5 "$tmp/build.log" | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	local -a envs
	read -ra envs <<<"$env"
	(cd "$tmp" && ulimit -c unlimited && exec env GOTRACEBACK=crash "${envs[@]}" ./bin oracle.json) \
		>"$tmp/run.log" 2>&1 &
	local pid=$!
	CUR_PID=$pid
	local deadline=$((SECONDS + ORACLE_TIMEOUT))
	until [[ -f $tmp/oracle.json ]]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			fail "$id" "exited with status $? before writing its oracle: $(tail -n 3 "$tmp/run.log" | tr '\n' ' ')"
			rm -rf "$tmp"
			return 1
		fi
		if ((SECONDS > deadline)); then
			kill -KILL "$pid"; wait "$pid" 2>/dev/null
			fail "$id" "no oracle after ${ORACLE_TIMEOUT}s"
			rm -rf "$tmp"
			return 1
		fi
		sleep 0.1
	done
	local rss threads core
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	threads=$(ls "/proc/$pid/task" | wc -l)
	if [[ $method == kernel ]]; then
		kill -ABRT "$pid"
		wait "$pid" 2>/dev/null
		if ! core=$(kernel_core "$tmp" "$pid"); then
			fail "$id" "no kernel core after SIGABRT (core_pattern '$CORE_PATTERN')"
			rm -rf "$tmp"
			return 1
		fi
		[[ $core == "$tmp/core" ]] || mv "$core" "$tmp/core"
	else
		if ! gdb -nx -batch -iex 'set auto-load off' -iex 'set debuginfod enabled off' \
			-p "$pid" -ex "gcore $tmp/core" >"$tmp/gdb.log" 2>&1 || [[ ! -s $tmp/core ]]; then
			kill -KILL "$pid"; wait "$pid" 2>/dev/null
			fail "$id" "gdb gcore failed: $(tail -n 3 "$tmp/gdb.log" | tr '\n' ' ')"
			rm -rf "$tmp"
			return 1
		fi
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
	fi
	CUR_PID=""
	fallocate --dig-holes "$tmp/core"
	jq -n --argjson ver "$SCRIPT_VERSION" --arg variant "$var" --arg gover "$gover" --arg godir "$godir" \
		--arg env "$env" --argjson pid "$pid" --argjson rss "${rss:-0}" --argjson threads "$threads" \
		--arg method "$method" --argjson size "$(apparent "$tmp/core")" --argjson disk "$(ondisk "$tmp/core")" \
		--arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		'{meta_format: 1, script_version: $ver, program: "scale", variant: $variant,
		  go_version: $gover, go_root: $godir, build_cmd: "CGO_ENABLED=0 go build -trimpath ./bench/scale",
		  env: $env, pid: $pid, vm_rss_kb: $rss, threads: $threads, core_method: $method,
		  core_size: $size, core_disk_bytes: $disk, taken_at: $at}' >"$tmp/meta.json"
	echo "$stamp" >"$tmp/stamp"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	log "$id: ok in $(elapsed "$t")s: heap $(mb "$(jq .memstats.heap_alloc "$dest/oracle.json")"), $(jq .memstats.heap_objects "$dest/oracle.json") objects, runtime mark $(jq '.gc.mark_cpu_seconds * 1000 | round / 1000' "$dest/oracle.json") s CPU; core $(mb "$(apparent "$dest/core")") ($(mb "$(ondisk "$dest/core")") on disk)"
}

# Remove temp dirs of interrupted runs (we hold the lock).
find "$BENCH" -maxdepth 2 -name '.tmp-*' -exec rm -rf {} + 2>/dev/null
log "toolchains: $GOS; variants: $VARIANTS; cores taken by $CORE_METHOD; cache $BENCH"
for v in $GOS; do
	godir=/usr/lib/go-$v
	if [[ ! -x $godir/bin/go ]]; then
		fail "go$v" "$godir/bin/go is not installed (scripts/install-go.sh)"
		continue
	fi
	mkdir -p "$BENCH/go$v"
	for var in $VARIANTS; do variant "$godir" "go$v" "$var"; done
done
if ((${#FAILED[@]})); then
	log "${#FAILED[@]} variant(s) failed:"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
exit 0
