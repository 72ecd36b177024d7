/*
 * One part of the report page's script: report/html/js/*.js are joined in
 * name order into one script, a single function scope that 00-core.js
 * opens and 90-main.js closes (report/html/html.mk).  This part: sortable, filterable tables and the top-retainers tabs.
 */
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
		/* Where what a root retains, or a type's instances, were
		 * allocated, when the runtime's memory profile sampled some. */
		if ((g[0] === 'root' || g[0] === 'type') && rows.some(function (r) { return isObj(r.allocated_at); })) {
			cols.push({label: 'Allocated by', title: 'the largest allocation stack of ' +
				(g[0] === 'root' ? 'what it retains' : 'its instances') + ' (sampled objects, estimated bytes)',
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

