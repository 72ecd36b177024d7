/*
 * goretain HTML report: draws the page from the report JSON.
 *
 * report/html.c embeds this file, the style sheet and the report JSON
 * ("goretain-report/1", docs/report-schema.json) into one page that loads
 * nothing else.  The JSON sits in <script type="application/json"
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

	/* ---------- paths ---------- */

	function stepItem(step) {
		step = obj(step);
		return el('li', {title: str(step.addr) || null},
			str(step.edge) ? el('span', {class: 'edge'}, str(step.edge)) : null,
			el('span', {class: 'type'}, str(step.type) || '?'));
	}

	/* A path from a root as a horizontal chain; long ones folded in the
	 * middle behind a button. */
	function chain(path) {
		path = obj(path);
		var steps = arr(path.steps);
		var ol = el('ol', {class: 'chain'}, el('li', {class: 'root', title: 'root'}, str(path.root) || '?'));
		if (steps.length <= 2 * CHAIN_EDGE + 1) {
			add(ol, steps.map(stepItem));
			return ol;
		}
		add(ol, steps.slice(0, CHAIN_EDGE).map(stepItem));
		var hidden = steps.slice(CHAIN_EDGE, steps.length - CHAIN_EDGE);
		var gap = el('li', {class: 'gap'},
			el('button', {onclick: function (ev) {
				ev.stopPropagation();
				var frag = document.createDocumentFragment();
				add(frag, hidden.map(stepItem));
				ol.replaceChild(frag, gap);
			}}, '\u2026 ' + hidden.length + ' more steps'));
		add(ol, gap);
		add(ol, steps.slice(steps.length - CHAIN_EDGE).map(stepItem));
		return ol;
	}

	/* ---------- leak suspects ---------- */

	function suspectTitle(s) {
		switch (s.kind) {
		case 'root':
			return [str(s.root) || '?', s.root_type ? el('code', {class: 'muted'}, ' ' + str(s.root_type)) : null];
		case 'shared':
			return ['object ', el('code', null, str(s.object)), ' ', str(s.object_type),
				el('span', {class: 'muted'}, ' (shared by several roots)')];
		case 'site':
			return ['goroutines started at ', el('code', null, str(s.site))];
		default:
			return str(s.root || s.object || s.site) || 'suspect';
		}
	}

	/* Where a suspect's objects were allocated: the runtime's memory
	 * profile stacks of the sampled objects it retains. */
	function allocSites(at) {
		at = isObj(at) ? at : null;
		var stacks = at ? arr(at.stacks) : [];
		if (!stacks.length)
			return null;
		var rows = stacks.map(function (st) {
			st = obj(st);
			var fr = arr(st.frames).map(function (f) { return str(obj(f).function); });
			var file = str(st.file).split('/').pop();
			return el('tr', null,
				el('td', {class: 'num'}, grouped(st.sampled_objects)),
				el('td', {class: 'num'}, bytes(st.estimated_bytes)),
				el('td', null, el('code', {title: fr.join(' \u2190 ')}, str(st.function)),
					file ? el('span', {class: 'muted'}, ' ' + file + ':' + str(st.line)) : null,
					fr.length > 1 ? el('span', {class: 'muted'},
						' \u2190 ' + fr.slice(1, 4).join(' \u2190 ')) : null));
		});
		return [el('div', {class: 'muted'}, 'Allocated at: ' + objects(at.sampled_objects) +
			' sampled by the memory profile, about ' + human(at.estimated_bytes) + ':'),
			el('table', {class: 'alloc-sites'},
				el('thead', null, el('tr', null, el('th', null, 'objects'),
					el('th', null, 'bytes (est.)'), el('th', null, 'allocated by'))),
				el('tbody', null, rows))];
	}

	function suspectCard(s, i) {
		s = obj(s);
		var acc = isObj(s.accumulation) ? s.accumulation : null;
		var div = el('div', {class: 'suspect', tabindex: '0', 'data-index': i,
			title: 'Show its path and dominators'});
		add(div, el('div', {class: 'suspect-head'},
			el('span', {class: 'badge'}, str(s.kind) + (s.root_kind ? ' \u00b7 ' + str(s.root_kind) : '')),
			el('span', {class: 'suspect-title'}, suspectTitle(s))));
		add(div, el('p', null, 'Retains ', el('span', {class: 'big', title: exact(s.retained_bytes)},
			human(s.retained_bytes)), ' in ', objects(s.retained_objects), ', ',
			percent(s.share), ' of the live heap.', shareBar(s.share)));
		if (acc) {
			add(div, el('p', null, 'Accumulates in ', el('code', null, str(acc.type) || '?'),
				' at ', el('code', null, str(acc.addr)), ', which retains ',
				bytes(acc.retained_bytes), ' in ', objects(acc.retained_objects)));
		}
		if (s.member_type) {
			add(div, el('p', null, grouped(s.members), ' \u00d7 ',
				el('code', null, str(s.member_type)), ' retaining ', bytes(s.member_bytes),
				' between them.'));
		}
		var paths = arr(s.paths);
		if (paths.length) {
			add(div, el('div', {class: 'muted'}, paths.length === 1 ? 'Path from the root:' :
				'Paths from ' + paths.length + ' roots:'));
			add(div, paths.map(chain));
		}
		add(div, allocSites(s.allocated_at));
		return onActivate(div, function () {
			showSuspect(s);
		});
	}

	function suspectsSection() {
		var sec = section('suspects', 'Leak suspects');
		if (!Array.isArray(R.suspects)) {
			add(sec, el('p', {class: 'empty'}, 'The report has no suspect list.'));
			return sec;
		}
		if (!R.suspects.length) {
			add(sec, el('p', {class: 'empty'}, 'No suspects: no root, shared object or goroutine ' +
				'creation site alone retains a notable share of the live heap.'));
			return sec;
		}
		add(sec, el('p', {class: 'hint muted'}, 'Largest first.  Click a suspect for its ' +
			'paths and dominator chain.'));
		var ap = isObj(R.allocation_profile) ? R.allocation_profile : null;
		if (ap && ap.reason)
			add(sec, el('p', {class: 'hint muted'}, 'No allocation stacks: ' + str(ap.reason) + '.'));
		add(sec, R.suspects.map(suspectCard));
		return sec;
	}

	/* ---------- dominator tree ---------- */

	/*
	 * Nodes come parents first; a node whose parent is not already known
	 * (absent from the excerpt, or a damaged document) hangs off the
	 * pseudo-root, so the structure is a tree whatever the input says.
	 */
	function buildTree(raw) {
		var byId = new Map(), list = [], root = null, orphans = [];
		arr(raw).forEach(function (d) {
			if (!isObj(d) || num(d.id) === null || byId.has(d.id))
				return;
			var n = {d: d, id: d.id, parent: null, children: [], depth: 0,
				retained: Math.max(0, num(d.retained_bytes) || 0), index: list.length};
			byId.set(d.id, n);
			list.push(n);
			if ((d.parent === null || d.parent === undefined) && !root)
				root = n;
			else if (byId.has(d.parent) && byId.get(d.parent) !== n)
				link(byId.get(d.parent), n);
			else
				orphans.push(n);
		});
		if (!list.length)
			return null;
		if (!root) {
			root = {d: {kind: 'pseudo', name: 'all roots', type: ''}, id: null, parent: null,
				children: [], depth: 0, retained: 0, index: list.length};
			list.push(root);
			orphans.forEach(function (n) { root.retained += n.retained; });
		}
		orphans.forEach(function (n) {
			if (n !== root)
				link(root, n);
		});
		list.forEach(function (n) {
			n.children.sort(function (a, b) { return b.retained - a.retained; });
		});
		setDepth(root);
		return {root: root, list: list};
	}

	function link(parent, child) {
		child.parent = parent;
		parent.children.push(child);
	}

	function setDepth(root) {
		var stack = [root];
		while (stack.length) {
			var n = stack.pop();
			n.children.forEach(function (c) {
				c.depth = n.depth + 1;
				stack.push(c);
			});
		}
	}

	function ancestry(n) {
		var out = [];
		for (; n; n = n.parent)
			out.push(n);
		return out.reverse();
	}

	function nodeName(n) {
		var d = n.d;
		return str(d.name) || str(d.type) || (d.addr ? 'object ' + str(d.addr) : '?');
	}

	function nodeColour(n) {
		var d = n.d;
		if (d.kind === 'pseudo')
			return '#dfe3ea';
		if (d.kind === 'root')
			return 'hsl(' + (205 + hue(str(d.name)) % 30) + ', 60%, 78%)';
		return 'hsl(' + hue(str(d.type) || str(d.name)) + ', 55%, 82%)';
	}

	function nodeTooltip(n) {
		var d = n.d, lines = [];
		lines.push(['t-title', nodeName(n)]);
		if (str(d.type) && d.type !== d.name)
			lines.push(['t-row', 'type ' + d.type]);
		lines.push(['t-row', str(d.kind) + (d.root_kind ? ' (' + str(d.root_kind) + ')' : '') +
			(d.addr ? ' at ' + str(d.addr) : '')]);
		lines.push(['', 'retains ' + human(n.retained) + ' (' + exact(n.retained) + ') in ' +
			objects(d.retained_objects)]);
		if (liveBytes)
			lines.push(['', percent(n.retained / liveBytes) + ' of the live heap']);
		if (n.parent && n.parent.retained > 0)
			lines.push(['', percent(n.retained / n.parent.retained) + ' of its dominator']);
		if (num(d.shallow_bytes) !== null)
			lines.push(['t-row', 'own size ' + human(d.shallow_bytes) + ' (' + exact(d.shallow_bytes) + ')']);
		return lines;
	}

	function makeTooltip() {
		var tip = el('div', {id: 'tooltip', hidden: true, role: 'tooltip'});
		document.body.appendChild(tip);
		return {
			show: function (lines, x, y) {
				tip.textContent = '';
				lines.forEach(function (l) {
					add(tip, el('div', {class: l[0] || null}, l[1]));
				});
				tip.hidden = false;
				this.move(x, y);
			},
			move: function (x, y) {
				var w = tip.offsetWidth, h = tip.offsetHeight;
				var left = x + 14, top = y + 14;
				if (left + w > window.innerWidth - 4)
					left = Math.max(4, x - w - 14);
				if (top + h > window.innerHeight - 4)
					top = Math.max(4, y - h - 14);
				tip.style.left = left + 'px';
				tip.style.top = top + 'px';
			},
			hide: function () {
				tip.hidden = true;
			}
		};
	}

	/*
	 * The icicle: the zoomed node spans the width, each level below it one
	 * row, every box as wide as what it retains.  Boxes are absolutely
	 * placed divs with percentages, so the view needs no redraw on resize.
	 */
	function makeIcicle(t, crumbs, box, tooltip) {
		var zoomed = t.root, selected = null, shown = [];

		function draw() {
			box.textContent = '';
			shown = [];
			var frag = document.createDocumentFragment();
			var whole = zoomed.retained > 0 ? zoomed.retained : 1;
			var maxDepth = 0;
			var stack = [{n: zoomed, x: 0, w: 1, level: 0}];
			while (stack.length) {
				var it = stack.pop(), n = it.n;
				var div = el('div', {class: 'node kind-' + str(n.d.kind) + (n === selected ? ' selected' : ''),
					tabindex: '0', 'data-i': shown.length, 'aria-label': nodeName(n) + ', ' + human(n.retained)},
					nodeName(n), el('span', {class: 'size'}, human(n.retained)));
				div.style.left = (it.x * 100).toFixed(4) + '%';
				div.style.width = (it.w * 100).toFixed(4) + '%';
				div.style.top = (it.level * ICICLE_ROW) + 'px';
				div.style.background = nodeColour(n);
				shown.push(n);
				frag.appendChild(div);
				if (it.level > maxDepth)
					maxDepth = it.level;
				if (it.level >= ICICLE_DEPTH)
					continue;
				var x = it.x, end = it.x + it.w;
				/* Pushed in reverse so the largest child is drawn first;
				 * widths are clamped to the parent, whatever the data. */
				var kids = [];
				for (var i = 0; i < n.children.length; i++) {
					var c = n.children[i];
					var w = Math.min(c.retained / whole, Math.max(0, end - x));
					if (w < ICICLE_MIN)
						continue;
					kids.push({n: c, x: x, w: w, level: it.level + 1});
					x += w;
				}
				for (var k = kids.length - 1; k >= 0; k--)
					stack.push(kids[k]);
			}
			box.appendChild(frag);
			box.style.height = ((maxDepth + 1) * ICICLE_ROW + 2) + 'px';
			drawCrumbs();
		}

		function drawCrumbs() {
			crumbs.textContent = '';
			var line = ancestry(zoomed);
			line.forEach(function (n, i) {
				if (i)
					add(crumbs, el('span', {class: 'sep'}, '\u203a'));
				if (n === zoomed)
					add(crumbs, el('span', {class: 'current'}, nodeName(n) + ' (' + human(n.retained) + ')'));
				else
					add(crumbs, el('button', {title: nodeName(n), onclick: function () { zoom(n); }},
						nodeName(n)));
			});
		}

		function zoom(n) {
			zoomed = n || t.root;
			draw();
		}

		function nodeAt(ev) {
			var target = ev.target.closest ? ev.target.closest('.node') : null;
			if (!target || !box.contains(target))
				return null;
			return shown[Number(target.getAttribute('data-i'))] || null;
		}

		function activate(n) {
			/* Clicking the zoomed node zooms out one level. */
			selected = n;
			zoom(n === zoomed && n.parent ? n.parent : n);
			pathView.showNode(n);
		}

		onActivate(box, function (ev) {
			var n = nodeAt(ev);
			if (n)
				activate(n);
		});
		box.addEventListener('mousemove', function (ev) {
			var n = nodeAt(ev);
			if (n)
				tooltip.show(nodeTooltip(n), ev.clientX, ev.clientY);
			else
				tooltip.hide();
		});
		box.addEventListener('mouseleave', function () { tooltip.hide(); });

		draw();
		return {
			zoom: zoom,
			/* Zoom so that @n and what lies under it are in view, and mark it. */
			reveal: function (top, n) {
				zoomed = top || t.root;
				selected = n || null;
				draw();
			}
		};
	}

	function dominatorSection() {
		var sec = section('dominators', 'Dominator tree');
		var dt = obj(R.dominator_tree);
		tree = buildTree(dt.nodes);
		if (!tree) {
			add(sec, el('p', {class: 'empty'}, 'The report has no dominator tree.'));
			return sec;
		}
		add(sec, el('p', {class: 'hint muted'},
			'Each box is a root or an object, as wide as what it retains: the bytes the ' +
			'collector would free without it.  Below a box are the objects only it keeps ' +
			'alive.  Click to zoom in (the top box zooms out) and see its dominator chain; ',
			num(dt.min_bytes) !== null ? 'nodes retaining less than ' + human(dt.min_bytes) +
				' are left out of the report.' : ''));
		var crumbs = el('nav', {class: 'breadcrumb', 'aria-label': 'zoom path'});
		var box = el('div', {class: 'icicle', id: 'icicle', role: 'tree'});
		add(sec, [crumbs, box]);
		icicle = makeIcicle(tree, crumbs, box, makeTooltip());
		return sec;
	}

	function findNode(pred) {
		if (!tree)
			return null;
		for (var i = 0; i < tree.list.length; i++)
			if (pred(tree.list[i].d))
				return tree.list[i];
		return null;
	}

	/* ---------- path view ---------- */

	function makePathView() {
		var aside = el('aside', {id: 'path-view', hidden: true, 'aria-label': 'path view'});
		var title = el('h2');
		var body = el('div', {class: 'drawer-body'});
		add(aside, el('div', {class: 'drawer-head'}, title,
			el('button', {onclick: function () { aside.hidden = true; }, title: 'Close (Esc)'}, 'Close')));
		add(aside, body);
		document.body.appendChild(aside);
		document.addEventListener('keydown', function (ev) {
			if (ev.key === 'Escape')
				aside.hidden = true;
		});

		function open(t) {
			title.textContent = t;
			body.textContent = '';
			aside.hidden = false;
			aside.scrollTop = 0;
		}

		/* The dominators of @n, outermost first, each a link that zooms. */
		function domChain(n, top) {
			var ol = el('ol', {class: 'vchain'});
			ancestry(n).forEach(function (a) {
				var d = a.d;
				add(ol, el('li', {class: a === n ? 'here' : null},
					onActivate(el('span', {class: 'link', role: 'button', tabindex: '0'}, nodeName(a)),
						function () {
							icicle.reveal(a, a);
							showNode(a);
						}),
					' ', el('span', {class: 'badge'}, str(d.kind)),
					el('div', {class: 'muted'},
						str(d.type) && d.type !== d.name ? el('code', null, str(d.type) + ' ') : null,
						d.addr ? el('code', null, str(d.addr) + ' ') : null,
						'retains ', bytes(a.retained),
						liveBytes ? ' (' + percent(a.retained / liveBytes) + ')' : '')));
			});
			return ol;
		}

		function showNode(n) {
			open(nodeName(n));
			add(body, el('p', {class: 'muted'}, 'Dominator chain: each entry alone keeps the ' +
				'next one alive.'));
			add(body, domChain(n));
			if (n.children.length) {
				add(body, el('h3', null, 'Largest children'));
				var ol = el('ol', {class: 'vchain'});
				n.children.slice(0, 15).forEach(function (c) {
					add(ol, el('li', null, onActivate(el('span', {class: 'link', role: 'button',
						tabindex: '0'}, nodeName(c)), function () {
						icicle.reveal(c, c);
						showNode(c);
					}), ' ', bytes(c.retained)));
				});
				add(body, ol);
			}
		}

		function showSuspect(s) {
			open(str(s.root || s.object_type || s.site) || 'Suspect');
			add(body, el('p', null, 'Retains ', bytes(s.retained_bytes), ' (', percent(s.share),
				' of the live heap).'));
			arr(s.paths).forEach(function (p, i) {
				p = obj(p);
				add(body, el('h3', null, 'Path ' + (i + 1) + ' from ', el('code', null, str(p.root))));
				var ol = el('ol', {class: 'vchain'}, el('li', null, el('code', null, str(p.root)),
					' ', el('span', {class: 'badge'}, 'root')));
				arr(p.steps).forEach(function (st, j, all) {
					st = obj(st);
					add(ol, el('li', {class: j === all.length - 1 ? 'here' : null},
						st.edge ? el('span', {class: 'edge mono'}, str(st.edge) + ' ') : null,
						el('code', null, str(st.type)),
						el('div', {class: 'muted mono'}, str(st.addr))));
				});
				add(body, ol);
			});
			var acc = obj(s.accumulation);
			var top = s.kind === 'root' ? findNode(function (d) { return d.kind === 'root' && d.name === s.root; }) :
				s.kind === 'shared' ? findNode(function (d) { return d.addr === s.object; }) : null;
			var at = acc.addr ? findNode(function (d) { return d.addr === acc.addr; }) : null;
			var target = at || top;
			if (target) {
				add(body, el('h3', null, 'Dominator chain'));
				add(body, domChain(target));
				icicle.reveal(top || target.parent || target, target);
			}
		}

		return {showNode: showNode, showSuspect: showSuspect};
	}

	function showSuspect(s) {
		pathView.showSuspect(s);
	}

	/* ---------- sortable tables ---------- */

	/*
	 * A table over @rows with @cols = [{label, title, num (numeric),
	 * value(row) for sorting, cell(row) for display}].  Sorted by
	 * @sortCol descending at first; ROW_LIMIT rows until "show all".
	 */
	function dataTable(id, cols, rows, sortCol, onRow) {
		var state = {col: sortCol, desc: true, all: false, filter: ''};
		var wrap = el('div', {class: 'table-block', id: id || null});
		var tbody = el('tbody');
		var more = el('div', {class: 'more'});
		var count = el('span', {class: 'muted'});
		var heads = cols.map(function (c, i) {
			return onActivate(el('th', {class: c.num ? 'num' : null,
				title: c.title || 'Sort by ' + c.label, scope: 'col', tabindex: '0'}, c.label),
				function () { sortBy(i); });
		});
		var texts = null; /* lower-cased searchable text per row, built on first filter */

		function sortBy(i) {
			if (state.col === i)
				state.desc = !state.desc;
			else {
				state.col = i;
				state.desc = !!cols[i].num;
			}
			render();
		}

		function compare(a, b) {
			var c = cols[state.col];
			var va = c.value(a), vb = c.value(b);
			/* Unknown values sort last whichever the direction. */
			var na = va === null || va === undefined, nb = vb === null || vb === undefined;
			if (na || nb)
				return na === nb ? 0 : na ? 1 : -1;
			var r = c.num ? va - vb : String(va).localeCompare(String(vb));
			return state.desc ? -r : r;
		}

		function render() {
			var idx = rows.map(function (r, i) { return i; });
			if (state.filter) {
				if (!texts)
					texts = rows.map(function (r) {
						return cols.map(function (c) {
							return c.num ? '' : str(c.value(r)).toLowerCase();
						}).join('\u0000');
					});
				idx = idx.filter(function (i) { return texts[i].indexOf(state.filter) >= 0; });
			}
			if (state.col !== null && state.col !== undefined)
				idx.sort(function (i, j) { return compare(rows[i], rows[j]) || i - j; });
			heads.forEach(function (h, i) {
				if (i === state.col)
					h.setAttribute('aria-sort', state.desc ? 'descending' : 'ascending');
				else
					h.removeAttribute('aria-sort');
			});
			var n = state.all ? idx.length : Math.min(idx.length, ROW_LIMIT);
			var frag = document.createDocumentFragment();
			for (var k = 0; k < n; k++) {
				var r = rows[idx[k]];
				var tr = el('tr', {class: onRow ? 'clickable' : null});
				for (var ci = 0; ci < cols.length; ci++) {
					var c = cols[ci];
					add(tr, el('td', {class: c.num ? 'num' : 'text'}, c.cell ? c.cell(r) : str(c.value(r))));
				}
				if (onRow)
					tr.addEventListener('click', onRow.bind(null, r));
				frag.appendChild(tr);
			}
			tbody.textContent = '';
			tbody.appendChild(frag);
			count.textContent = (idx.length === rows.length ? grouped(rows.length) + ' rows' :
				grouped(idx.length) + ' of ' + grouped(rows.length) + ' rows match') +
				(n < idx.length ? ', showing the first ' + grouped(n) : '');
			more.textContent = '';
			if (n < idx.length)
				add(more, el('button', {class: 'show-all', onclick: function () {
					state.all = true;
					render();
				}}, 'Show all ' + grouped(idx.length) + ' rows'));
		}

		var tools = el('div', {class: 'table-tools'}, count);
		if (rows.length > 10) {
			var input = el('input', {type: 'search', placeholder: 'Filter rows', 'aria-label': 'filter rows'});
			var timer = null;
			input.addEventListener('input', function () {
				clearTimeout(timer);
				timer = setTimeout(function () {
					state.filter = input.value.trim().toLowerCase();
					render();
				}, 120);
			});
			tools.insertBefore(input, count);
		}
		add(wrap, [tools, el('div', {class: 'table-wrap'},
			el('table', {class: 'data sortable'}, el('thead', null, el('tr', null, heads)), tbody)), more]);
		render();
		return wrap;
	}

	function bytesCol(label, key, title) {
		return {label: label, num: true, title: title,
			value: function (r) { return num(r[key]); },
			cell: function (r) { return bytes(r[key]); }};
	}

	function countCol(label, key, title) {
		return {label: label, num: true, title: title,
			value: function (r) { return num(r[key]); },
			cell: function (r) { return grouped(r[key]); }};
	}

	function textCol(label, key, mono) {
		return {label: label,
			value: function (r) { return str(r[key]); },
			cell: mono ? function (r) { return str(r[key]) ? el('code', null, str(r[key])) : ''; } : null};
	}

	/* Retained bytes with the share of the live heap drawn beneath. */
	function retainedCol(total) {
		return {label: 'Retained', num: true, title: 'what the collector would free without it',
			value: function (r) { return num(r.retained_bytes); },
			cell: function (r) {
				var b = num(r.retained_bytes);
				return [bytes(b), total ? shareBar(b / total) : null];
			}};
	}

	/* ---------- top retainers ---------- */

	var GROUPINGS = [
		['root', 'By root', 'Root', 'Kind'],
		['kind', 'By root kind', 'Root kind', null],
		['site', 'By goroutine site', 'Creation site', 'Location'],
		['type', 'By type', 'Type', null],
		['package', 'By package', 'Package', null]
	];

	function topTable(g, t) {
		var total = num(t.live_bytes) || liveBytes;
		var rows = arr(t.rows).filter(isObj);
		var cols = [textCol(g[2], 'key', g[0] !== 'kind')];
		if (g[3])
			cols.push(textCol(g[3], 'detail', g[0] === 'site'));
		cols.push(countCol('Members', 'members', 'roots, goroutines or instances in the group'));
		cols.push(bytesCol('Shallow', 'shallow_bytes', 'the group\'s own bytes'));
		cols.push(retainedCol(total));
		cols.push(countCol('Retained objs', 'retained_objects'));
		cols.push(bytesCol('Reachable', 'reachable_bytes', 'everything it reaches, shared or not'));
		cols.push(countCol('Reachable objs', 'reachable_objects'));
		var retainedIndex = cols.length - 4;
		/* Where what a root retains was allocated, when the runtime's
		 * memory profile sampled some of it. */
		if (g[0] === 'root' && rows.some(function (r) { return isObj(r.allocated_at); })) {
			cols.push({label: 'Allocated by', title: 'the largest allocation stack of what it retains ' +
				'(sampled objects, estimated bytes)',
				value: function (r) { return isObj(r.allocated_at) ? str(r.allocated_at.function) : ''; },
				cell: function (r) {
					var at = isObj(r.allocated_at) ? r.allocated_at : null;
					if (!at)
						return '';
					return [el('code', {title: str(at.file) + ':' + str(at.line)}, str(at.function)),
						el('span', {class: 'muted'}, ' ' + grouped(at.sampled_objects) + ', ' +
							human(at.estimated_bytes))];
				}});
		}
		var onRow = g[0] === 'root' ? function (r) {
			var n = findNode(function (d) { return d.kind === 'root' && d.name === r.key; });
			if (n) {
				icicle.reveal(n, n);
				pathView.showNode(n);
			}
		} : null;
		return dataTable('top-' + g[0] + '-table', cols, rows, retainedIndex, onRow);
	}

	function topSection() {
		var sec = section('top', 'Top retainers');
		var top = obj(R.top);
		var present = GROUPINGS.filter(function (g) { return isObj(top[g[0]]); });
		if (!present.length) {
			add(sec, el('p', {class: 'empty'}, 'The report has no top-retainer tables.'));
			return sec;
		}
		add(sec, el('p', {class: 'hint muted'}, 'Shallow: own bytes.  Retained: what the ' +
			'collector would free if the whole group were gone.  Reachable: everything it ' +
			'reaches, including what others also hold.  Click a header to sort.'));
		var tabs = el('div', {class: 'tabs', role: 'tablist'});
		var panels = [], buttons = [];
		/* A table is built when its tab is first shown (or for printing,
		 * which shows them all): five tables of 500 rows cost time. */
		function fill(panel, g, t) {
			if (panel.childNodes.length)
				return;
			add(panel, [el('h3', {class: 'tab-title'}, g[1]),
				el('p', {class: 'muted'}, grouped(t.groups) + ' groups; the table lists ' +
					grouped(arr(t.rows).length) + '.'),
				topTable(g, t)]);
		}
		present.forEach(function (g, i) {
			var t = top[g[0]];
			var panel = el('div', {class: 'tabpanel', id: 'top-' + g[0], role: 'tabpanel',
				hidden: i !== 0});
			if (i === 0)
				fill(panel, g, t);
			window.addEventListener('beforeprint', function () { fill(panel, g, t); });
			var b = el('button', {role: 'tab', 'aria-selected': i === 0 ? 'true' : 'false',
				'aria-controls': 'top-' + g[0],
				onclick: function () {
					fill(panel, g, t);
					panels.forEach(function (p, j) { p.hidden = j !== i; });
					buttons.forEach(function (x, j) {
						x.setAttribute('aria-selected', j === i ? 'true' : 'false');
					});
				}}, g[1]);
			panels.push(panel);
			buttons.push(b);
			add(tabs, b);
		});
		add(sec, tabs);
		add(sec, panels);
		return sec;
	}

	/* ---------- goroutines ---------- */

	function frameList(frames) {
		frames = arr(frames);
		var ol = el('ol', {class: 'frames'});
		function item(f) {
			f = obj(f);
			return el('li', {title: str(f.pc) || null}, str(f.func) || '?',
				el('span', {class: 'file'}, str(f.file) + (num(f.line) !== null ? ':' + f.line : '')));
		}
		add(ol, frames.slice(0, FRAME_LIMIT).map(item));
		if (frames.length <= FRAME_LIMIT)
			return ol;
		var btn = el('button', {onclick: function () {
			add(ol, frames.slice(FRAME_LIMIT).map(item));
			btn.parentNode.removeChild(btn);
		}}, 'Show ' + (frames.length - FRAME_LIMIT) + ' more frames');
		return [ol, btn];
	}

	function goroutineGroup(g) {
		g = obj(g);
		var ex = obj(g.example);
		var wait = num(g.wait_ns_max) > 0 ? (g.wait_ns_min !== g.wait_ns_max ?
			'waiting ' + duration(g.wait_ns_min) + '\u2013' + duration(g.wait_ns_max) :
			'waiting ' + duration(g.wait_ns_max)) : '';
		var det = el('details', {class: 'ggroup' + (g.system ? ' system' : '')});
		add(det, el('summary', null,
			el('span', {class: 'gcount', title: grouped(g.count) + ' goroutines'}, '\u00d7' + grouped(g.count)),
			el('span', {class: 'gkey'}, str(g.key)),
			wait ? el('span', {class: 'muted'}, wait) : null,
			g.system ? el('span', {class: 'badge system'}, 'runtime') : null));
		/* The body is built when first opened: thousands of groups stay cheap. */
		det.addEventListener('toggle', function once() {
			if (!det.open)
				return;
			det.removeEventListener('toggle', once);
			var dl = el('dl', {class: 'meta'});
			function row(k, v) {
				if (v !== '' && v !== null && v !== undefined)
					add(dl, [el('dt', null, k), el('dd', null, v)]);
			}
			row('Example', 'goroutine ' + grouped(ex.id) + (str(ex.status) ? ', ' + str(ex.status) : '') +
				(str(ex.wait_reason) ? ' (' + str(ex.wait_reason) + ')' : ''));
			if (str(ex.created_by))
				row('Created by', [el('code', null, str(ex.created_by)), ' at ',
					el('code', null, str(ex.created_file) + ':' + grouped(ex.created_line))]);
			row('Runs', str(ex.go_func || ex.start_func) ? el('code', null, str(ex.go_func || ex.start_func)) : '');
			if (isObj(ex.labels) && Object.keys(ex.labels).length)
				row('Labels', Object.keys(ex.labels).map(function (k) {
					return str(k) + '=' + str(ex.labels[k]);
				}).join(', '));
			if (ex.unwind_complete === false)
				row('Stack', 'unwound only in part');
			add(det, dl);
			add(det, frameList(ex.frames));
		});
		return det;
	}

	function goroutinesSection() {
		var sec = section('goroutines', 'Goroutines');
		if (!isObj(R.goroutines)) {
			add(sec, el('p', {class: 'empty'}, 'The report has no goroutines.'));
			return sec;
		}
		var G = R.goroutines, groups = arr(G.groups);
		add(sec, el('p', null, grouped(G.goroutines) + ' goroutines: ' + grouped(G.user) + ' user, ' +
			grouped(G.system) + ' runtime, in ' + grouped(groups.length) +
			' groups by creation site and wait reason.  Click a group for an example stack.'));
		var hideSystem = el('input', {type: 'checkbox', id: 'hide-system'});
		add(sec, el('label', {class: 'table-tools'}, hideSystem, 'Hide runtime goroutines'));
		var list = el('div', {class: 'ggroups', id: 'goroutine-groups'});
		var more = el('div', {class: 'more'});
		var all = false;
		function render() {
			list.textContent = '';
			more.textContent = '';
			var shown = groups.filter(function (g) { return !(hideSystem.checked && obj(g).system); });
			var n = all ? shown.length : Math.min(shown.length, GROUP_LIMIT);
			var frag = document.createDocumentFragment();
			add(frag, shown.slice(0, n).map(goroutineGroup));
			list.appendChild(frag);
			if (n < shown.length)
				add(more, el('button', {class: 'show-all', onclick: function () {
					all = true;
					render();
				}}, 'Show all ' + grouped(shown.length) + ' groups'));
		}
		hideSystem.addEventListener('change', render);
		render();
		add(sec, [list, more]);
		return sec;
	}

	/* ---------- maps, finalizers, pools ---------- */

	function mapsSection() {
		var sec = section('maps', 'Maps');
		if (!Array.isArray(R.maps)) {
			add(sec, el('p', {class: 'empty'}, 'The report has no map list.'));
			return sec;
		}
		var rows = R.maps.filter(isObj);
		if (!rows.length) {
			add(sec, el('p', {class: 'empty'}, 'No live maps listed.'));
			return sec;
		}
		var wasted = 0;
		rows.forEach(function (m) { wasted += num(m.wasted_bytes) || 0; });
		add(sec, el('p', null, 'The largest live maps; waste is storage holding no entry (',
			bytes(wasted), ' in those listed).  A map that grew and was emptied keeps its size.'));
		var cols = [
			textCol('Type', 'type', true),
			countCol('Entries', 'entries'),
			countCol('Capacity', 'capacity', 'slots allocated'),
			{label: 'Load', num: true, title: 'entries / capacity',
				value: function (m) {
					return num(m.capacity) ? (num(m.entries) || 0) / m.capacity : null;
				},
				cell: function (m) {
					return num(m.capacity) ? percent((num(m.entries) || 0) / m.capacity) : '\u2014';
				}},
			bytesCol('Bytes', 'bytes', 'header and storage'),
			bytesCol('Wasted', 'wasted_bytes', 'storage bytes holding no entry'),
			{label: 'Waste', num: true, title: 'wasted / bytes',
				value: function (m) { return num(m.bytes) ? (num(m.wasted_bytes) || 0) / m.bytes : null; },
				cell: function (m) {
					return num(m.bytes) ? percent((num(m.wasted_bytes) || 0) / m.bytes) : '\u2014';
				}},
			textCol('Held by', 'held_by', true),
			textCol('Impl', 'impl'),
			textCol('Address', 'addr', true)
		];
		add(sec, dataTable('maps-table', cols, rows, 4));
		return sec;
	}

	function channelsSection() {
		var sec = section('channels', 'Channels');
		var c = isObj(R.channels) ? R.channels : null;
		if (!c) {
			add(sec, el('p', {class: 'empty'}, 'The report has no channel list.'));
			return sec;
		}
		if (c.unavailable) {
			add(sec, el('p', {class: 'empty'}, 'Channels could not be read: ' + str(c.unavailable)));
			return sec;
		}
		var rows = arr(c.list).filter(isObj);
		if (!rows.length) {
			add(sec, el('p', {class: 'empty'}, 'No channel holds queued items or blocked goroutines (' +
				grouped(c.live) + ' live channels).'));
			return sec;
		}
		add(sec, el('p', null, grouped(c.busy) + ' of ' + grouped(c.live) + ' live channels hold queued ' +
			'items or parked goroutines.  A goroutine in a select counts on every channel it waits on.'));
		var cols = [
			{label: 'Channel', value: function (r) { return 'chan ' + str(r.elem_type); },
				cell: function (r) {
					return [el('code', null, 'chan ' + str(r.elem_type)),
						r.closed === true ? el('span', {class: 'muted'}, ' (closed)') : null];
				}},
			retainedCol(liveBytes),
			countCol('Len', 'len', 'items queued'),
			countCol('Cap', 'cap', 'buffer slots'),
			bytesCol('Queued', 'queued_bytes', 'len \u00d7 element size'),
			countCol('Senders', 'blocked_senders', 'goroutines parked sending'),
			countCol('Receivers', 'blocked_receivers', 'goroutines parked receiving'),
			textCol('Global', 'global', true),
			textCol('Held by', 'held_by', true),
			textCol('Address', 'addr', true)
		];
		add(sec, dataTable('channels-table', cols, rows, 1));
		return sec;
	}

	function holderTable(id, rows) {
		var cols = [textCol('Name', 'name', true), textCol('Kind', 'kind'), textCol('Type', 'type', true),
			retainedCol(liveBytes), countCol('Retained objs', 'retained_objects'),
			bytesCol('Reachable', 'reachable_bytes')];
		return dataTable(id, cols, rows.filter(isObj), 3);
	}

	function holdersSection() {
		var sec = section('holders', 'Finalizers, cleanups and pools');
		var fin = arr(R.finalizers), pools = arr(R.pools);
		if (!Array.isArray(R.finalizers) && !Array.isArray(R.pools)) {
			add(sec, el('p', {class: 'empty'}, 'The report has no finalizer or pool lists.'));
			return sec;
		}
		add(sec, el('h3', null, 'Finalizers and cleanups'));
		add(sec, fin.length ? holderTable('finalizers-table', fin) :
			el('p', {class: 'empty'}, 'None.'));
		add(sec, el('h3', null, 'sync.Pool caches'));
		add(sec, pools.length ? holderTable('pools-table', pools) :
			el('p', {class: 'empty'}, 'None.'));
		return sec;
	}

	/* ---------- what could not be read ---------- */

	function trustSection() {
		var sec = section('trust', 'What could not be read');
		var trust = obj(R.trust), dmg = obj(obj(R.heap).damage), types = obj(R.types);
		var notes = arr(trust.notes);
		var problems = arr(dmg.problems).filter(isObj);
		var status = el('p', {id: 'trust-status'});
		add(sec, status);
		if (notes.length)
			add(sec, el('ul', null, notes.map(function (n) { return el('li', null, str(n)); })));
		var counts = [];
		if (num(dmg.heap_problems))
			counts.push(grouped(dmg.heap_problems) + ' heap problems');
		if (num(dmg.unscannable_objects))
			counts.push(objects(dmg.unscannable_objects) + ' (' + human(dmg.unscannable_bytes) +
				') whose pointers could not be read');
		if (num(dmg.dangling_pointers))
			counts.push(grouped(dmg.dangling_pointers) + ' pointers into no live object');
		if (counts.length)
			add(sec, el('p', null, counts.join('; ') + '.'));
		if (problems.length)
			add(sec, dataTable('damage-table', [textCol('Address', 'addr', true),
				bytesCol('Bytes skipped', 'bytes'), textCol('What', 'what')], problems, null));
		if (!isObj(R.trust)) {
			status.className = 'banner';
			status.textContent = 'The report does not say how complete it is.';
		} else if (trust.partial === true || notes.length || counts.length || problems.length) {
			status.className = 'banner';
			status.textContent = trust.partial === true ?
				'Partial: figures may be low where the core could not be read.' :
				'Complete, with the exceptions below.';
		} else {
			status.textContent = 'Complete: goretain read everything it needed.';
		}
		if (num(types.unknown_bytes))
			add(sec, el('p', null, bytes(types.unknown_bytes), ' of the live heap in ',
				objects(types.unknown_objects) + ' has no known type (' +
				percent(types.unknown_share) + '); those objects are listed as "unknown".'));
		return sec;
	}

	/* ---------- self test ---------- */

	/*
	 * With #selftest in the address the page clicks through itself the
	 * way a reader would (every tab and sort order, show all, zoom in and
	 * out, a suspect, the path view, goroutine groups, the filter) and
	 * then adds an element with id selftest-ok, so that
	 * tests/integration/html.sh finds exceptions that only interaction
	 * raises.  Group bodies and the filter run from events and timers:
	 * the test lets virtual time pass (--virtual-time-budget).
	 */
	function selfTest() {
		function all(sel) {
			return Array.prototype.slice.call(document.querySelectorAll(sel));
		}
		function click(e) {
			if (e)
				e.click();
		}
		function expect(cond, what) {
			if (!cond)
				throw new Error('selftest: ' + what);
		}
		all('.tabs [role=tab]').forEach(click);
		all('table.data th').forEach(function (th) {
			click(th);
			click(th);
		});
		all('button.show-all').forEach(click);
		var boxes = all('#icicle .node');
		if (boxes.length > 1) {
			click(boxes[1]);
			expect(all('.breadcrumb button').length >= 1, 'zooming in adds a breadcrumb');
			expect(!document.getElementById('path-view').hidden, 'a box opens the path view');
			click(document.querySelector('#path-view .vchain .link'));
			click(document.querySelector('.breadcrumb button'));
			expect(all('.breadcrumb button').length === 0, 'the breadcrumb zooms out');
		}
		var sus = document.querySelector('.suspect');
		if (sus) {
			click(sus);
			expect(!document.getElementById('path-view').hidden, 'a suspect opens the path view');
			all('ol.chain .gap button').forEach(click);
		}
		var hide = document.getElementById('hide-system');
		click(hide);
		click(hide);
		all('details.ggroup').slice(0, 50).forEach(function (d) { d.open = true; });
		var f = document.querySelector('.table-tools input[type=search]');
		if (f) {
			f.value = 'a';
			f.dispatchEvent(new Event('input'));
		}
		setTimeout(function () {
			safely(function () {
				all('ol.frames + button').forEach(click);
				if (document.querySelector('details.ggroup'))
					expect(document.querySelector('details.ggroup ol.frames'),
						'an open group shows its frames');
				if (!errors.length)
					document.body.appendChild(el('div', {id: 'selftest-ok', hidden: true}));
			});
		}, 500);
	}

	/* ---------- main ---------- */

	function safely(fn) {
		try {
			return fn();
		} catch (e) {
			fail((e && e.stack) || e);
			return null;
		}
	}

	function main() {
		var app = document.getElementById('app');
		var data = document.getElementById('report');
		try {
			R = JSON.parse(data ? data.textContent : '');
		} catch (e) {
			fail('the embedded report is not JSON: ' + e.message);
			return;
		}
		if (!isObj(R)) {
			fail('the embedded report is not a JSON object');
			return;
		}
		if (R.schema !== 'goretain-report/1')
			add(app, el('p', {class: 'banner'}, 'This page expects schema goretain-report/1; the ' +
				'report says ' + JSON.stringify(str(R.schema) || null) + '.  Showing what it can.'));
		liveBytes = num(obj(obj(R.heap).live).bytes) || num(obj(obj(R.top).root).live_bytes) || null;
		document.title = programName() + (goVersion() ? ' (' + goVersion() + ')' : '') +
			' \u2014 goretain report';
		document.body.insertBefore(navBar(), app);
		pathView = makePathView();
		[summarySection, suspectsSection, dominatorSection, topSection, goroutinesSection,
			mapsSection, channelsSection, holdersSection, trustSection].forEach(function (fn) {
			var s = safely(fn);
			if (s)
				app.appendChild(s);
		});
		add(app, el('footer', null, 'Written by goretain ' + (str(R.goretain_version) || '') +
			' from ' + (str(obj(obj(R.summary).core).path) || 'a core') +
			'.  This page loads nothing: it works offline.'));
		if (!errors.length)
			document.body.appendChild(el('div', {id: 'render-ok', hidden: true}));
		if (location.hash === '#selftest')
			selfTest();
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', function () { safely(main); });
	else
		safely(main);
})();
