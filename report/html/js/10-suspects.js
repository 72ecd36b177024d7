/*
 * One part of the report page's script: report/html/js/*.js are joined in
 * name order into one script, a single function scope that 00-core.js
 * opens and 90-main.js closes (report/html/html.mk).  This part: paths from a root (the chain of steps) and the leak suspects, with their allocation stacks.
 */
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

