/*
 * goretain HTML report: draws the page from the report JSON.
 *
 * The script is report/html/js/*.js joined in name order (report/html/
 * html.mk), one function scope split by concern: this part (helpers, the
 * page's small pieces, the summary), 10-suspects, 20-dominators,
 * 30-tables, 40-goroutines, 50-holders, 90-main.  report/html.c embeds
 * it, the style sheet and the report JSON ("goretain-report/1",
 * docs/report-schema.json) into one page that loads nothing else.  The JSON sits in <script type="application/json"
 * id="report">; this script parses it and builds every section.
 *
 * Names in the JSON come from the memory of a dead, possibly hostile,
 * process.  They reach the page only as text: el() below turns strings
 * into text nodes and tooltips use textContent.  No string is ever
 * parsed as markup, and no attribute whose value the browser would run or
 * fetch (href, src, style) is ever built from the data.
 *
 * A report of a damaged core may lack any part: every section renders
 * what is there and says what is missing.  When everything is drawn the
 * script adds an empty element with id render-ok; an exception anywhere
 * adds one with id render-error and the message instead (the
 * headless-browser test, tests/integration/html.sh, looks for them).
 *
 * Tables show ROW_LIMIT rows until "show all" is pressed, so a report with
 * thousands of types stays fast; sorting and filtering work on all rows.
 */
(function () {
	'use strict';

	var ROW_LIMIT = 500;
	var GROUP_LIMIT = 200;    /* goroutine groups before "show all" */
	var FRAME_LIMIT = 12;     /* frames per goroutine before "more" */
	var CHAIN_EDGE = 4;       /* path steps kept at each end of a long path */
	var ICICLE_ROW = 22;      /* px per dominator-tree level */
	var ICICLE_DEPTH = 40;    /* levels drawn below the zoomed node */
	var ICICLE_MIN = 0.0005;  /* boxes narrower than this share are left out */

	var errors = [];

	function fail(msg) {
		errors.push(String(msg));
		var box = document.getElementById('render-error');
		if (!box) {
			box = document.createElement('div');
			box.id = 'render-error';
			document.body.insertBefore(box, document.body.firstChild);
		}
		box.textContent = 'The report page failed to draw: ' +
			errors.join('\n');
		var ok = document.getElementById('render-ok');
		if (ok)
			ok.parentNode.removeChild(ok);
	}

	window.addEventListener('error', function (ev) {
		fail((ev && ev.message) || 'unknown error');
	});

	/* ---------- small helpers ---------- */

	function isObj(v) {
		return v !== null && typeof v === 'object' && !Array.isArray(v);
	}

	function arr(v) {
		return Array.isArray(v) ? v : [];
	}

	function obj(v) {
		return isObj(v) ? v : {};
	}

	function str(v) {
		return typeof v === 'string' ? v : (v === null || v === undefined ? '' : String(v));
	}

	/* A count or size: a finite number, else null (unknown). */
	function num(v) {
		return typeof v === 'number' && isFinite(v) ? v : null;
	}

	/*
	 * el('td', {class: 'num', title: '...'}, child...): children are
	 * nodes, strings (made text nodes), arrays of either, or null.
	 * Attribute names are always ours; values may be data, and none of the
	 * attributes used here is one the browser runs or loads.
	 */
	function el(tag, attrs) {
		var e = document.createElement(tag);
		if (attrs) {
			for (var k in attrs) {
				if (!Object.prototype.hasOwnProperty.call(attrs, k))
					continue;
				var v = attrs[k];
				if (v === null || v === undefined || v === false)
					continue;
				if (k === 'class')
					e.className = v;
				else if (k.slice(0, 2) === 'on')
					e.addEventListener(k.slice(2), v);
				else
					e.setAttribute(k, v === true ? '' : String(v));
			}
		}
		for (var i = 2; i < arguments.length; i++)
			add(e, arguments[i]);
		return e;
	}

	/* What a click does, Enter and Space do too, for keyboard users. */
	function onActivate(e, fn) {
		e.addEventListener('click', fn);
		e.addEventListener('keydown', function (ev) {
			if (ev.key === 'Enter' || ev.key === ' ') {
				ev.preventDefault();
				fn(ev);
			}
		});
		return e;
	}

	function add(parent, c) {
		if (c === null || c === undefined || c === false)
			return;
		if (Array.isArray(c)) {
			for (var i = 0; i < c.length; i++)
				add(parent, c[i]);
		} else if (typeof c === 'object' && c.nodeType) {
			parent.appendChild(c);
		} else {
			parent.appendChild(document.createTextNode(String(c)));
		}
	}

	/* Sizes as the text output prints them (report/format.c): 1024-based. */
	function human(b) {
		b = num(b);
		if (b === null)
			return '\u2014';
		var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		var v = b, u = 0;
		while (v >= 1024 && u + 1 < units.length) {
			v /= 1024;
			u++;
		}
		return u === 0 ? Math.round(b) + ' B' : v.toFixed(1) + ' ' + units[u];
	}

	/* 1234567 as "1,234,567".  Not toLocaleString: it costs a formatter
	 * per call, and tables make thousands of calls. */
	function grouped(n) {
		n = num(n);
		if (n === null)
			return '\u2014';
		var s = String(Math.round(Math.abs(n)));
		if (s.indexOf('e') < 0)
			s = s.replace(/\B(?=(\d{3})+$)/g, ',');
		return (n < 0 ? '-' : '') + s;
	}

	/* "1 object", "2 objects". */
	function objects(n) {
		return grouped(n) + (num(n) === 1 ? ' object' : ' objects');
	}

	function exact(b) {
		b = num(b);
		return b === null ? 'unknown' : grouped(b) + ' bytes';
	}

	/* A size with its exact byte count as a tooltip. */
	function bytes(b) {
		return el('span', {title: exact(b)}, human(b));
	}

	function percent(share) {
		share = num(share);
		if (share === null)
			return '\u2014';
		var p = share * 100;
		return (p > 0 && p < 0.1 ? p.toFixed(2) : p.toFixed(1)) + '%';
	}

	function shareBar(share) {
		share = num(share);
		var w = share === null ? 0 : Math.max(0, Math.min(1, share)) * 100;
		var inner = el('span');
		inner.style.width = w.toFixed(2) + '%';
		return el('span', {class: 'share', title: percent(share) + ' of the live heap'}, inner);
	}

	function duration(ns) {
		ns = num(ns);
		if (ns === null || ns < 0)
			return '\u2014';
		if (ns < 1e3)
			return Math.round(ns) + ' ns';
		if (ns < 1e6)
			return (ns / 1e3).toFixed(1) + ' \u00b5s';
		if (ns < 1e9)
			return (ns / 1e6).toFixed(1) + ' ms';
		var s = ns / 1e9;
		if (s < 60)
			return s.toFixed(1) + ' s';
		var m = Math.floor(s / 60);
		if (m < 60)
			return m + 'm' + Math.floor(s % 60) + 's';
		var h = Math.floor(m / 60);
		if (h < 48)
			return h + 'h' + (m % 60) + 'm';
		return Math.floor(h / 24) + 'd' + (h % 24) + 'h';
	}

	function basename(p) {
		p = str(p);
		var i = p.lastIndexOf('/');
		return i >= 0 && i + 1 < p.length ? p.slice(i + 1) : p;
	}

	/* A stable pale colour per type name, so one type looks the same
	 * wherever it appears in the tree. */
	function hue(s) {
		var h = 2166136261;
		for (var i = 0; i < s.length; i++) {
			h ^= s.charCodeAt(i);
			h = Math.imul(h, 16777619);
		}
		return (h >>> 0) % 360;
	}

	function section(id, title) {
		var s = el('section', {id: id}, el('h2', null, title));
		return s;
	}

	/* ---------- the pieces of the page ---------- */

	var R;                 /* the report */
	var liveBytes = null;  /* denominator of shares */
	var tree = null;       /* the dominator tree, see buildTree */
	var icicle = null;     /* the icicle view, see makeIcicle */
	var pathView = null;   /* the drawer, see makePathView */

	function programName() {
		var s = obj(R.summary);
		var p = basename(obj(s.exe).path);
		if (p)
			return p;
		var cmd = str(obj(s.process).command_line).trim().split(/\s+/)[0];
		return cmd ? basename(cmd) : 'Go program';
	}

	function goVersion() {
		return str(obj(R.summary).go_version) || str(obj(R.heap).go_version);
	}

	function navBar() {
		var links = [['summary', 'Summary'], ['suspects', 'Leak suspects'],
			['dominators', 'Dominator tree'], ['top', 'Top retainers'],
			['goroutines', 'Goroutines'], ['maps', 'Maps'], ['channels', 'Channels'],
			['holders', 'Finalizers & pools'], ['trust', 'Could not read']];
		return el('nav', {class: 'top'},
			el('span', {class: 'brand'}, 'goretain'),
			links.map(function (l) {
				return el('a', {href: '#' + l[0]}, l[1]);
			}));
	}

	function card(label, value, detail, title) {
		return el('div', {class: 'card', title: title || null},
			el('div', {class: 'label'}, label),
			el('div', {class: 'value'}, value),
			detail ? el('div', {class: 'detail'}, detail) : null);
	}

	function summarySection() {
		var s = obj(R.summary), exe = obj(s.exe), core = obj(s.core);
		var proc = obj(s.process), heap = obj(R.heap);
		var live = obj(heap.live), garbage = obj(heap.garbage);
		var bd = obj(heap.breakdown), gc = obj(heap.collector);
		var sec = el('header', {id: 'summary'});
		var ver = goVersion();
		add(sec, el('h1', null, programName()));
		add(sec, el('p', {class: 'subtitle'},
			ver ? ver : 'Go version unknown',
			' \u00b7 goretain ', str(R.goretain_version) || '?',
			num(R.analysis_seconds) !== null ?
				' \u00b7 analysed in ' + R.analysis_seconds.toFixed(1) + ' s' : ''));

		var dl = el('dl', {class: 'meta'});
		function row(k, v) {
			if (v !== null && v !== undefined && v !== '')
				add(dl, [el('dt', null, k), el('dd', null, v)]);
		}
		if (isObj(s.exe)) {
			var flags = [];
			if (typeof exe.pie === 'boolean')
				flags.push(exe.pie ? 'PIE' : 'not PIE');
			if (str(exe.build_id))
				flags.push('build ID ' + exe.build_id);
			row('Executable', [el('code', null, str(exe.path)),
				flags.length ? el('span', {class: 'muted'}, ' (' + flags.join(', ') + ')') : null]);
		}
		if (isObj(s.core)) {
			row('Core', [el('code', null, str(core.path)), ' ',
				el('span', {class: 'muted'}, '(', bytes(core.size),
					str(core.format) ? ', ' + core.format : '',
					core.taken_at ? ', taken ' + str(core.taken_at) : '', ')')]);
		}
		if (isObj(s.process)) {
			row('Process', ['pid ' + (num(proc.pid) !== null ? proc.pid : '?') + ', ' +
				grouped(proc.threads) + ' threads']);
			row('Command line', str(proc.command_line) ?
				el('code', null, str(proc.command_line)) : null);
		}
		add(sec, dl);

		if (R.trust && R.trust.partial === true) {
			add(sec, el('div', {class: 'banner'},
				el('strong', null, 'Partial analysis. '),
				'Some of the core could not be read; figures may be low. See ',
				el('a', {href: '#trust'}, 'what could not be read'), '.'));
		}

		var cards = el('div', {class: 'cards'});
		if (isObj(heap.live))
			add(cards, card('Live heap', bytes(live.bytes),
				objects(live.objects)));
		if (isObj(heap.garbage))
			add(cards, card('Garbage', bytes(garbage.bytes),
				objects(garbage.objects) + ' dead since the last GC'));
		if (num(bd.core_resident_bytes) !== null)
			add(cards, card('Resident (in the core)', bytes(bd.core_resident_bytes),
				num(live.bytes) !== null && bd.core_resident_bytes > 0 ?
					'live heap is ' + percent(live.bytes / bd.core_resident_bytes) : null));
		if (num(bd.span_inuse_bytes) !== null)
			add(cards, card('Heap spans in use', bytes(bd.span_inuse_bytes),
				num(bd.free_slot_bytes) !== null ? human(bd.free_slot_bytes) + ' in free slots' : null));
		if (isObj(heap.collector)) {
			var gogc = num(gc.gc_percent);
			var limit = num(gc.memory_limit);
			add(cards, card('GC settings',
				gogc === null ? 'GOGC ?' : gogc < 0 ? 'GOGC=off' : 'GOGC=' + gogc,
				['GOMEMLIMIT ', limit === null ? '?' :
					limit >= 9.2e18 ? 'none' : bytes(limit)]));
			add(cards, card('Next GC at', bytes(gc.heap_goal),
				num(gc.num_gc) !== null ? grouped(gc.num_gc) + ' GCs so far' : null));
		}
		add(sec, cards);
		add(sec, breakdownBar(bd));
		return sec;
	}

	/* Where the resident memory went, as one stacked bar. */
	function breakdownBar(bd) {
		var resident = num(bd.core_resident_bytes);
		if (resident === null || resident <= 0)
			return null;
		var idle = num(bd.heap_idle_bytes), released = num(bd.heap_released_bytes);
		var parts = [
			['Objects', bd.object_bytes, '#5b8def'],
			['Free slots', bd.free_slot_bytes, '#a9c2f5'],
			['Span tail waste', bd.tail_waste_bytes, '#c7a6ef'],
			['Goroutine stacks', bd.stack_span_bytes, '#6cc3a0'],
			['Idle heap, not returned', idle !== null && released !== null ?
				Math.max(0, idle - released) : null, '#f2c36b'],
			['Runtime metadata', bd.runtime_metadata_bytes, '#ef8f7a'],
			['Other file mappings', bd.other_file_mapping_bytes, '#b9c0cc']
		];
		var total = 0;
		parts = parts.filter(function (p) {
			var v = num(p[1]);
			if (v === null || v <= 0)
				return false;
			total += v;
			return true;
		});
		if (total < resident)
			parts.push(['Rest (executable, C memory, other)', resident - total, '#e3e6ec']);
		var scale = Math.max(total, resident);
		var bar = el('div', {class: 'stack-bar', role: 'img',
			'aria-label': 'where the resident memory went'});
		var legend = el('div', {class: 'legend'});
		parts.forEach(function (p) {
			var seg = el('span', {title: p[0] + ': ' + human(p[1]) + ' (' + exact(p[1]) + ')'});
			seg.style.width = (p[1] / scale * 100).toFixed(3) + '%';
			seg.style.background = p[2];
			add(bar, seg);
			var sw = el('span', {class: 'swatch'});
			sw.style.background = p[2];
			add(legend, el('span', null, sw, p[0] + ' ', bytes(p[1])));
		});
		return el('div', null, el('h3', null, 'Where the resident memory went'), bar, legend);
	}

