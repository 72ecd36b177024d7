/*
 * One part of the report page's script: report/html/js/*.js are joined in
 * name order into one script, a single function scope that 00-core.js
 * opens and 90-main.js closes (report/html/html.mk).  This part: maps, channels, finalizers and pools, and what could not be read.
 */
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

