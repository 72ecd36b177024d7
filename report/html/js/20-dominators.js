/*
 * One part of the report page's script: report/html/js/*.js are joined in
 * name order into one script, a single function scope that 00-core.js
 * opens and 90-main.js closes (report/html/html.mk).  This part: the dominator tree (a zoomable icicle) and the path view beside it.
 */
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

