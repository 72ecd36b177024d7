/*
 * One part of the report page's script: report/html/js/*.js are joined in
 * name order into one script, a single function scope that 00-core.js
 * opens and 90-main.js closes (report/html/html.mk).  This part: the self test (#selftest) and main, which draws every section; it closes the function 00-core.js opens.
 */
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
