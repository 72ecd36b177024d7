/*
 * One part of the report page's script: report/html/js/*.js are joined in
 * name order into one script, a single function scope that 00-core.js
 * opens and 90-main.js closes (report/html/html.mk).  This part: goroutine groups by creation site and wait reason.
 */
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

