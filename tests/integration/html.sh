#!/bin/bash
# The HTML report in a real browser: Debian's headless Chromium opens the
# page from disk, with no network, and the DOM it drew and its console are
# checked.  Builds nothing.
#
#   GORETAIN=build/goretain tests/integration/html.sh [OUTDIR]
#
# The page, first that applies:
#   GR_HTML=page.html       check this page as it is
#   GR_REPORT_JSON=r.json   the page for this report JSON
#   otherwise               the page for the leakymap core of the newest Go
#                           in $GR_CACHE/cores (default ~/.cache/goretain)
# A page is written by `goretain report --format html` when goretain knows
# the format.  Otherwise the report JSON (`goretain report --format json`,
# or, before that existed, assembled with jq from heap, suspects, top and
# goroutines --json) goes through GR_HTML_RENDER IN.json OUT.html, by
# default the unit test beside goretain (BUILD/tests/test_html), which
# writes pages with gr_html_write.  The same renderer checks that names
# from a hostile core stay text.
#
# The page is opened twice: as it loads (DOM, console, screenshot), and
# with #selftest, where the page's script clicks through sorting, tabs,
# zooming and the path view; the second time, when a renderer is at hand,
# with hostile names put into the report.
# Keeps page.html, dom.html, chrome.log and screenshot.png (1280x2000) in
# OUTDIR (default a new directory under $TMPDIR) and prints its path.
# Exit status: 0 all passed, 1 a check failed, 2 cannot run (no Chromium,
# no goretain, no core).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
CHROMIUM=${GR_CHROMIUM:-chromium}
RENDER=${GR_HTML_RENDER:-$(dirname "$GORETAIN")/tests/test_html}

die() { echo "html: $*" >&2; exit 2; }
command -v "$CHROMIUM" >/dev/null ||
	die "$CHROMIUM is missing (apt-get install -y --no-install-recommends chromium)"
command -v jq >/dev/null || die "jq is missing (run scripts/install-deps.sh)"
command -v perl >/dev/null || die "perl is missing"

OUT=${1:-$(mktemp -d "${TMPDIR:-/tmp}/goretain-html.XXXXXX")}
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)

PASS=0 FAIL=0
pass() { PASS=$((PASS + 1)); echo "PASS $1"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }
# expect NAME FILE REGEX [MIN]: at least MIN (default 1) matches in FILE.
expect() {
	local n
	n=$(grep -oE -- "$3" "$2" | wc -l)
	if ((n >= ${4:-1})); then pass "$1"; else fail "$1" "$n lines match /$3/ in $2"; fi
}
refuse() { # NAME FILE REGEX: no match in FILE.
	if grep -qE -- "$3" "$2"; then
		fail "$1" "$(grep -oE -- "$3" "$2" | head -n1 | cut -c1-120) in $2"
	else
		pass "$1"
	fi
}

can_write_html() {
	[[ -x $GORETAIN ]] && "$GORETAIN" report --help 2>&1 | grep -q 'html'
}
can_render() { [[ -x $RENDER ]]; }

# newest_core: the leakymap core directory of the newest cached Go.
newest_core() {
	local d
	d=$(ls -d "$CACHE"/cores/go1.*/leakymap-exe 2>/dev/null | sort -t. -k2,2n | tail -n1)
	[[ -n $d && -f $d/core && -f $d/bin ]] || return 1
	echo "$d"
}

# report_json DIR OUT: the report JSON for a core.
report_json() {
	local d=$1 out=$2 t
	if "$GORETAIN" report --exe "$d/bin" "$d/core" --format json -o "$out" 2>"$OUT/goretain.err"; then
		return 0
	fi
	# Before `goretain report` there were the single commands.
	t=$OUT/parts
	mkdir -p "$t"
	"$GORETAIN" heap --json --exe "$d/bin" "$d/core" >"$t/heap.json" &&
		"$GORETAIN" suspects --json --exe "$d/bin" "$d/core" >"$t/suspects.json" &&
		"$GORETAIN" goroutines --json --exe "$d/bin" "$d/core" >"$t/goroutines.json" || return 1
	for by in root kind site type package; do
		"$GORETAIN" top --json --by "$by" --exe "$d/bin" "$d/core" >"$t/top-$by.json" || return 1
	done
	jq -n --slurpfile h "$t/heap.json" --slurpfile s "$t/suspects.json" \
		--slurpfile g "$t/goroutines.json" --slurpfile r "$t/top-root.json" \
		--slurpfile k "$t/top-kind.json" --slurpfile si "$t/top-site.json" \
		--slurpfile ty "$t/top-type.json" --slurpfile p "$t/top-package.json" \
		--arg exe "$d/bin" --arg core "$d/core" '{
		schema: "goretain-report/1", goretain_version: $h[0].goretain_version,
		summary: {go_version: $h[0].go_version, exe: {path: $exe}, core: {path: $core}},
		heap: $h[0], suspects: $s[0].suspects,
		top: {root: $r[0], kind: $k[0], site: $si[0], type: $ty[0], package: $p[0]},
		goroutines: $g[0]}' >"$out"
}

# browse PAGE DOM LOG [PNG] [FRAGMENT]: open the page headless; the DOM as
# drawn to DOM, the browser's log to LOG.  Scripts are cut from the DOM
# (they name our markers), and so is <title>, whose text a serializer
# writes unescaped.
browse() {
	local page=$1 dom=$2 log=$3 png=${4:-} frag=${5:-} profile rc
	profile=$(mktemp -d "${TMPDIR:-/tmp}/goretain-chromium.XXXXXX")
	local args=(--headless=new --no-sandbox --disable-gpu --user-data-dir="$profile"
		--enable-logging=stderr --v=0 --no-first-run --no-default-browser-check
		--disable-extensions --disable-background-networking --disable-component-update
		--disable-sync --hide-scrollbars --window-size=1280,2000 --dump-dom)
	[[ -n $png ]] && args+=(--screenshot="$png")
	# Timers the page sets (the self test's second half) run before the dump.
	[[ -n $frag ]] && args+=(--virtual-time-budget=5000)
	timeout 180 "$CHROMIUM" "${args[@]}" "file://$page$frag" >"$dom.raw" 2>"$log"
	rc=$?
	rm -rf "$profile"
	perl -0pe 's{<script\b[^>]*>.*?</script>}{}gis; s{<title>.*?</title>}{}gis' "$dom.raw" >"$dom"
	return $rc
}

# check_console LOG NAME: the page never logs, so any console line (an
# uncaught exception, a CSP refusal, a failed load) is a failure.
check_console() {
	refuse "$2: console silent" "$1" 'CONSOLE'
}

# ---- the page ----
PAGE=$OUT/page.html
if [[ -n ${GR_HTML:-} ]]; then
	cp "$GR_HTML" "$PAGE" || die "cannot read $GR_HTML"
	echo "html: checking $GR_HTML"
else
	JSON=${GR_REPORT_JSON:-}
	CORE_DIR=""
	if [[ -z $JSON ]]; then
		CORE_DIR=$(newest_core) || die "no leakymap core in $CACHE/cores (make cores)"
		[[ -x $GORETAIN ]] || die "$GORETAIN is not an executable (build it with make)"
	fi
	if [[ -n $CORE_DIR ]] && can_write_html; then
		echo "html: goretain report --format html on $CORE_DIR"
		"$GORETAIN" report --exe "$CORE_DIR/bin" "$CORE_DIR/core" --format html -o "$PAGE" ||
			die "goretain report --format html failed"
	else
		can_render || die "goretain cannot write HTML and no renderer at $RENDER (make tests, or set GR_HTML_RENDER)"
		if [[ -n $CORE_DIR ]]; then
			JSON=$OUT/report.json
			report_json "$CORE_DIR" "$JSON" || die "cannot make a report JSON from $CORE_DIR"
		fi
		echo "html: $RENDER $JSON"
		"$RENDER" "$JSON" "$PAGE" || die "$RENDER failed on $JSON"
	fi
fi

# ---- the file itself ----
# The page without its data: names from the core may hold anything.
perl -0pe 's{<script type="application/json" id="report">.*?</script>}{}gis' "$PAGE" >"$OUT/page-code.html"
refuse "no remote reference" "$OUT/page-code.html" 'https?:|//[a-z0-9.-]+\.[a-z]{2,}/'
refuse "no external asset" "$OUT/page-code.html" '<(link|script|img|iframe)[^>]* (src|href)="[^d#]'
expect "one document" "$PAGE" '^<!DOCTYPE html>$'
expect "title names the Go version" "$PAGE" '<title>.*go1\.[0-9]+.*</title>'
expect "data embedded" "$PAGE" '<script type="application/json" id="report">'

# ---- as drawn ----
browse "$PAGE" "$OUT/dom.html" "$OUT/chrome.log" "$OUT/screenshot.png" ||
	fail "chromium" "exit status $? (see $OUT/chrome.log)"
DOM=$OUT/dom.html
check_console "$OUT/chrome.log" "load"
expect "rendered" "$DOM" '<div id="render-ok"'
refuse "no render error" "$DOM" 'id="render-error"'
expect "summary" "$DOM" '<header id="summary"'
expect "suspect" "$DOM" 'class="suspect"'
expect "suspect path" "$DOM" '<ol class="chain">'
expect "icicle" "$DOM" 'id="icicle"'
expect "icicle boxes" "$DOM" 'class="node kind-' 3
expect "top tabs" "$DOM" 'role="tab"' 5
for by in root kind site type package; do
	expect "top by $by: tab" "$DOM" "id=\"top-$by\""
done
# The other tabs' tables are built when first shown: see the self test.
expect "top by root: table" "$DOM" 'id="top-root-table"'
expect "sortable tables" "$DOM" '<table class="data sortable">' 2
expect "maps table" "$DOM" 'id="maps-table"'
expect "channels table" "$DOM" 'id="channels-table"'
expect "goroutine groups" "$DOM" '<details class="ggroup'
expect "what could not be read" "$DOM" '<section id="trust"'
if [[ -z ${GR_HTML:-} && -z ${GR_REPORT_JSON:-} ]]; then
	expect "leakymap's suspect" "$DOM" 'main\.sessions'
fi
if [[ -s $OUT/screenshot.png ]] && [[ $(head -c 8 "$OUT/screenshot.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]; then
	pass "screenshot"
else
	fail "screenshot" "no PNG at $OUT/screenshot.png"
fi

# ---- names from a hostile core, clicked through ----
# With #selftest the page's script clicks through sorting, tabs, zooming
# and the path view.  It does so on a report whose names are hostile when
# a renderer can write one, else on the page itself.
BASE=${JSON:-}
if [[ -z $BASE && -n ${CORE_DIR:-} ]] && can_render; then
	BASE=$OUT/report.json
	report_json "$CORE_DIR" "$BASE" || BASE=""
fi
TARGET=$PAGE
if [[ -n $BASE ]] && can_render; then
	# jq writes '<' as is, unlike goretain's writer: gr_html_write alone
	# must keep these inside the data.
	if jq --arg s '</script><script>document.body.setAttribute("data-pwned","1")</script>' \
		--arg i '<img src=x onerror="document.body.setAttribute(`data-pwned`,`2`)">' \
		--arg c '<!--<script>' '
		(if (.suspects | length) > 0 then .suspects[0].root_type = $s else . end)
		| .dominator_tree.nodes |= (if length > 1 then .[1].name = $i else . end)
		| .top.type.rows |= (if length > 0 then .[0].key = $i else . end)
		| .goroutines.groups |= (if length > 0 then .[0].key = $c + "line\u2028sep" else . end)
		| .summary.exe.path = "/srv/" + $i' "$BASE" >"$OUT/hostile.json" &&
		"$RENDER" "$OUT/hostile.json" "$OUT/hostile.html"; then
		TARGET=$OUT/hostile.html
	else
		fail "hostile page" "could not write it"
	fi
else
	echo "SKIP hostile names: no report JSON or no renderer ($RENDER)"
fi
browse "$TARGET" "$OUT/selftest-dom.html" "$OUT/selftest-chrome.log" "" "#selftest" ||
	fail "chromium (selftest)" "exit status $?"
SDOM=$OUT/selftest-dom.html
check_console "$OUT/selftest-chrome.log" "selftest"
expect "selftest: rendered" "$SDOM" '<div id="render-ok"'
expect "selftest: clicked through" "$SDOM" '<div id="selftest-ok"'
for by in root kind site type package; do
	expect "selftest: top by $by" "$SDOM" "id=\"top-$by-table\""
done
expect "selftest: goroutine stacks" "$SDOM" '<ol class="frames">'
refuse "selftest: no render error" "$SDOM" 'id="render-error"'
if [[ $TARGET != "$PAGE" ]]; then
	refuse "hostile: nothing ran" "$SDOM" '<body[^>]*data-pwned'
	refuse "hostile: no element from data" "$SDOM" '<img'
	expect "hostile: names shown as text" "$SDOM" '&lt;img src=x onerror=' 3
fi

# ---- allocation stacks ----
# The allocsites program is linked with memory profiling at rate 1: its
# suspects show where their objects were allocated.
AS=$(ls -d "$CACHE"/cores/go1.*/allocsites-exe 2>/dev/null | sort -t. -k2,2n | tail -n1)
if [[ -n $AS && -z ${GR_HTML:-} && -z ${GR_REPORT_JSON:-} ]] && can_write_html; then
	if "$GORETAIN" report --quiet --exe "$AS/bin" "$AS/core" --format html -o "$OUT/allocsites.html"; then
		browse "$OUT/allocsites.html" "$OUT/allocsites-dom.html" "$OUT/allocsites-chrome.log" "" "#selftest" ||
			fail "chromium (allocsites)" "exit status $?"
		check_console "$OUT/allocsites-chrome.log" "allocsites"
		expect "allocsites: clicked through" "$OUT/allocsites-dom.html" '<div id="selftest-ok"'
		expect "allocsites: allocation stacks table" "$OUT/allocsites-dom.html" '<table class="alloc-sites">' 2
		expect "allocsites: top roots name their allocation sites" "$OUT/allocsites-dom.html" \
			'<code title="[^"]*main\.go:[0-9]+">main\.newPayload</code><span class="muted"> 3,000, '
		expect "allocsites: main.newRecord allocated 3,000" "$OUT/allocsites-dom.html" \
			'<td class="num">3,000</td><td class="num"><span[^>]*>[0-9.]+ KiB</span></td><td><code[^>]*>main\.newRecord</code>'
	else
		fail "allocsites page" "goretain report --format html failed"
	fi
fi

# ---- a damaged report ----
# Parts missing, of the wrong type, or inconsistent (a node its own
# parent, one whose parent comes later): the page shows what is there.
if can_render; then
	cat >"$OUT/damaged.json" <<'EOF'
{"schema": "goretain-report/1", "summary": {"exe": null, "core": {"size": "big"}},
 "heap": {"live": {"bytes": -1}, "breakdown": {"core_resident_bytes": 100, "object_bytes": 400},
          "damage": {"heap_problems": 2, "problems": [{"addr": "0xc000100000", "bytes": 8192,
                     "what": "span not in the core"}, null]}},
 "suspects": [null, 7, {"kind": "weird", "paths": [{"steps": [null, {"edge": 5}]}]},
              {"kind": "root", "allocated_at": {"stacks": [null, {"frames": [null, 5], "line": []}, 3]}},
              {"kind": "site", "site": "main.worker (main.go:9)", "share": 2}],
 "top": {"root": {"rows": [null, {}, {"key": "x", "retained_bytes": null}]}, "type": [],
         "kind": {"rows": "none"}},
 "goroutines": {"groups": [{"example": {"frames": [null, {"line": "9"}]}}, 3]},
 "maps": [{}, {"capacity": 0, "bytes": 0}],
 "channels": {"live": "many", "busy": null, "list": [null, {"len": "x", "elem_type": 7, "closed": true}]},
 "dominator_tree": {"nodes": [{"id": 1, "parent": 2, "retained_bytes": 10}, {"id": 2, "parent": 2},
                              {"id": 3, "parent": null, "retained_bytes": 1e300}, {"id": "x"}]},
 "types": {"unknown_bytes": 5}, "allocation_profile": {"reason": 17},
 "trust": {"partial": true, "notes": ["core truncated at 0x1000"]}}
EOF
	if "$RENDER" "$OUT/damaged.json" "$OUT/damaged.html"; then
		browse "$OUT/damaged.html" "$OUT/damaged-dom.html" "$OUT/damaged-chrome.log" "" "#selftest" ||
			fail "chromium (damaged)" "exit status $?"
		check_console "$OUT/damaged-chrome.log" "damaged"
		expect "damaged: rendered" "$OUT/damaged-dom.html" '<div id="selftest-ok"'
		refuse "damaged: no render error" "$OUT/damaged-dom.html" 'id="render-error"'
		expect "damaged: notes shown" "$OUT/damaged-dom.html" 'core truncated at 0x1000'
		expect "damaged: problems shown" "$OUT/damaged-dom.html" 'span not in the core'
	else
		fail "damaged page" "could not write it"
	fi
fi

echo "html: $PASS passed, $FAIL failed; page, DOM, log and screenshot in $OUT"
echo "html: screenshot $OUT/screenshot.png"
((FAIL == 0))
