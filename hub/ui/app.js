// codefed console: a single page over this server's /v1 API. No framework
// and no build step, so that what is embedded in the binary is what runs.
'use strict';

(function () {
  // The console is served at <prefix>/ui/; the API sits beside it, which
  // keeps the console working behind a reverse proxy that adds a prefix.
  const apiBase = location.pathname.replace(/\/ui\/.*$/, '').replace(/\/$/, '');

  const COLORS = {
    green: { word: 'green', zh: '绿码', symbol: '●', meaning: 'no risk on record' },
    yellow: { word: 'yellow', zh: '黄码', symbol: '▲', meaning: 'risk on record: restrictions apply' },
    red: { word: 'red', zh: '红码', symbol: '■', meaning: 'highest risk on record' },
    unknown: { word: 'unknown', zh: '无有效码', symbol: '?', meaning: 'no valid regional status: the federation cannot vouch either way' },
  };

  const DOC_TYPES = [
    ['resident_id', 'Resident identity card (居民身份证)'],
    ['passport', 'Passport (护照)'],
    ['hk_macau_permit', 'Exit-entry permit to Hong Kong and Macau (往来港澳通行证)'],
    ['taiwan_permit', 'Taiwan compatriot permit (台湾居民来往大陆通行证)'],
    ['hk_id', 'Hong Kong identity card'],
    ['macau_id', 'Macau identity card (澳門居民身份證)'],
    ['home_return_permit', 'Home-return permit (港澳居民来往内地通行证)'],
    ['foreign_permanent_resident_id', 'Foreign permanent resident ID (外国人永久居留身份证)'],
    ['dcc_holder', 'EU DCC holder (SURNAME<<GIVEN/1990-01-31)'],
  ];

  // The reason codes of the common schema (schema/reasons.go); others are
  // shown as they come.
  const REASONS = {
    nat_negative_48h: 'negative nucleic-acid test within 48 h',
    nat_negative_72h: 'negative nucleic-acid test within 72 h',
    nat_negative: 'negative nucleic-acid test',
    nat_positive: 'positive nucleic-acid test',
    nat_pending: 'nucleic-acid test result pending',
    nat_overdue: 'no nucleic-acid test within the required period',
    confirmed_case: 'confirmed or asymptomatic case',
    close_contact: 'close contact (密接)',
    secondary_contact: 'contact of a close contact (次密接)',
    from_risk_area: 'arrived from a medium or high risk area',
    visited_risk_area: 'visited a medium or high risk area (derived by the hub)',
    home_quarantine: 'home health monitoring (居家观察)',
    central_quarantine: 'centralised quarantine (集中观察)',
    inbound_traveller: 'inbound traveller in observation',
    fever_clinic: 'visited a fever clinic',
    cannot_confirm: 'the region could not confirm a status',
    no_abnormality: 'nothing abnormal reported (未见异常)',
    vaccinated: 'vaccination certificate',
    recovered: 'recovery certificate',
    risk_group: 'in a regional risk group, reason not stated',
  };

  const KINDS = {
    venue_scan: 'venue scan',
    transit: 'transit',
    checkpoint: 'checkpoint',
    carrier_city: 'carrier city',
    stay: 'stay',
  };

  const OVERLAPS = ['1m', '5m', '15m', '30m', '1h', '2h'];
  const DEFAULT_OVERLAP = '15m';

  // Rough centres of common cities, used only when none of a city's events
  // carries coordinates.
  const CITY_CENTRES = {
    '110000': [39.90, 116.40], '120000': [39.13, 117.20], '310000': [31.23, 121.47],
    '500000': [29.56, 106.55], '810000': [22.32, 114.17], '820000': [22.20, 113.54],
    '440100': [23.13, 113.26], '440300': [22.54, 114.06], '330100': [30.27, 120.15],
    '330200': [29.87, 121.55], '610100': [34.34, 108.94], '350100': [26.07, 119.30],
    '350200': [24.48, 118.09], '370100': [36.65, 117.12], '370200': [36.07, 120.38],
    '460100': [20.04, 110.32], '460200': [18.25, 109.51], '320100': [32.06, 118.80],
    '420100': [30.59, 114.31], '510100': [30.57, 104.07],
  };

  const main = document.getElementById('main');
  let timers = [];
  let shown = { page: null, subject: null, contacts: null };

  // ---------- DOM helpers (text is always set as text, never parsed) ----------

  function append(el, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k == null || k === false) continue;
      el.append(k instanceof Node ? k : String(k));
    }
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    return el;
  }

  function h(tag, attrs, ...kids) {
    return append(setAttrs(document.createElement(tag), attrs), kids);
  }

  function svg(tag, attrs, ...kids) {
    return append(setAttrs(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs), kids);
  }

  function clear(el, ...kids) {
    el.replaceChildren();
    return append(el, kids);
  }

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, code, message, path) {
      super(message);
      this.status = status;
      this.code = code;
      this.path = path;
    }
  }

  async function api(path, opts) {
    const init = Object.assign({ headers: { Accept: 'application/json' }, cache: 'no-store' }, opts || {});
    let res;
    try {
      res = await fetch(apiBase + path, init);
    } catch (e) {
      throw new ApiError(0, 'network', 'cannot reach the server (' + e.message + ')', path);
    }
    const text = await res.text();
    let body = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        body = null;
      }
    }
    if (!res.ok) {
      const e = body && body.error;
      throw new ApiError(res.status, (e && e.code) || 'http_' + res.status,
        (e && e.message) || (res.status + ' ' + res.statusText), path);
    }
    if (body === null) throw new ApiError(res.status, 'bad_response', 'the server answered something that is not JSON', path);
    return body;
  }

  // A route this server does not have yet (older hubs lack some endpoints)
  // is reported as unavailable rather than as a failure of the query.
  function missingRoute(err) {
    return err instanceof ApiError &&
      ((err.status === 404 && /^no route/.test(err.message)) || err.status === 405 || err.status === 501);
  }

  function errorBox(err, what) {
    if (missingRoute(err)) {
      return h('div', { class: 'notice unavailable', role: 'status' },
        h('strong', {}, what + ' is not available on this server yet.'), ' ',
        'The hub answered ' + err.status + ': ', err.message);
    }
    return h('div', { class: 'error', role: 'alert' },
      h('strong', {}, what + ' failed: '), err.message,
      err.code && err.status ? h('span', { class: 'muted' }, ' (' + err.status + ' ' + err.code + ')') : null);
  }

  function sectionState(el, state) {
    el.dataset.state = state;
    el.setAttribute('aria-busy', state === 'loading' ? 'true' : 'false');
  }

  // ---------- formatting ----------

  // Regions record times with different offsets (some in UTC); the console
  // shows them all in China Standard Time, so that a timeline reads in one
  // zone. The recorded value stays in the element's title.
  const DISPLAY_OFFSET_MS = 8 * 3600 * 1000;
  const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

  function parseTime(s) {
    if (!s) return NaN;
    // Go writes up to nine fractional digits; Date.parse wants at most three.
    return Date.parse(s.replace(/(\.\d{3})\d+/, '$1'));
  }

  function cst(s) {
    const t = parseTime(s);
    if (!isFinite(t)) return null;
    const d = new Date(t + DISPLAY_OFFSET_MS);
    const p = (n) => String(n).padStart(2, '0');
    return { day: d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()), hm: p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) };
  }

  function fmtTime(s, opts) {
    if (!s) return '—';
    const c = cst(s);
    if (!c) return s;
    return opts && opts.timeOnly ? c.hm : c.day + ' ' + c.hm;
  }

  function timeEl(s, opts) {
    return h('time', { datetime: s || null, title: s ? 'recorded as ' + s : null }, fmtTime(s, opts));
  }

  function sameDay(a, b) {
    const x = cst(a), y = cst(b);
    return x && y && x.day === y.day;
  }

  function fmtSpan(start, end) {
    if (!end || end === start) return [timeEl(start)];
    return [timeEl(start), ' – ', timeEl(end, { timeOnly: sameDay(start, end) })];
  }

  function fmtDuration(seconds) {
    if (!isFinite(seconds) || seconds < 0) return '—';
    seconds = Math.round(seconds);
    if (seconds < 60) return seconds + ' s';
    const m = Math.round(seconds / 60);
    if (m < 60) return m + ' min';
    const hrs = Math.floor(m / 60);
    const rest = m % 60;
    if (hrs < 48) return hrs + ' h' + (rest ? ' ' + String(rest).padStart(2, '0') + ' min' : '');
    return Math.floor(hrs / 24) + ' d ' + (hrs % 24) + ' h';
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function shortSubject(s) {
    return s.slice(0, 12) + '…';
  }

  function subjectLink(subject, extra) {
    return h('a', Object.assign({ href: '#/subject/' + subject, class: 'subject-link mono', title: subject }, extra || {}),
      shortSubject(subject));
  }

  function colorBadge(color) {
    const c = COLORS[color] || { word: color, symbol: '?', zh: '' };
    return h('span', { class: 'badge badge-' + (COLORS[color] ? color : 'unknown') },
      h('span', { 'aria-hidden': 'true' }, c.symbol), ' ', c.word);
  }

  function levelBadge(level) {
    const cls = { high: 'red', medium: 'yellow', low: 'green' }[level] || 'unknown';
    const sym = { high: '■', medium: '▲', low: '●' }[level] || '?';
    return h('span', { class: 'badge badge-' + cls }, h('span', { 'aria-hidden': 'true' }, sym), ' ', level + ' risk');
  }

  function reasonText(code) {
    return REASONS[code] ? [h('code', {}, code), ' ', h('span', { class: 'muted' }, REASONS[code])] : [h('code', {}, code)];
  }

  function hasCoords(p) {
    return p && typeof p.lat === 'number' && typeof p.lon === 'number' && (p.lat !== 0 || p.lon !== 0);
  }

  function table(head, rows, attrs) {
    return h('div', { class: 'table-wrap' },
      h('table', attrs || {},
        h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows)));
  }

  function card(title, attrs, ...kids) {
    return h('section', Object.assign({ class: 'card' }, attrs || {}), h('h2', {}, title), kids);
  }

  // ---------- routing ----------

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const parts = path.split('/').filter(Boolean).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch (e) {
        return p;
      }
    });
    return { parts, params };
  }

  function stopTimers() {
    for (const t of timers) clearInterval(t);
    timers = [];
  }

  function setNav(page) {
    for (const a of document.querySelectorAll('nav a[data-nav]')) {
      const on = a.dataset.nav === (page === 'subject' ? '' : page);
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  let routed = false;

  function route() {
    // In-page anchors such as the skip link are not routes.
    if (location.hash && !location.hash.startsWith('#/')) return;
    const { parts, params } = parseHash();
    const page = parts[0] || '';
    if (page === 'subject' && shown.page === 'subject' && parts[1] === shown.subject) {
      // Only the contacts' minimum overlap changed: keep the rest of the page.
      const overlap = overlapParam(params);
      if (overlap !== shown.contacts) loadContacts(parts[1], overlap);
      return;
    }
    stopTimers();
    setNav(page);
    shown = { page, subject: null, contacts: null };
    switch (page) {
      case '':
        renderHome();
        break;
      case 'subject':
        renderSubject((parts[1] || '').trim(), params);
        break;
      case 'risk-areas':
        renderRiskAreas();
        break;
      case 'regions':
        renderRegions();
        break;
      case 'cluster':
        renderCluster();
        break;
      default:
        page404();
    }
    window.scrollTo(0, 0);
    // After the first page, tell screen readers the page changed by moving
    // focus to it, as a full page load would.
    if (routed) main.focus({ preventScroll: true });
    routed = true;
  }

  function setPage(title, ...kids) {
    document.title = title + ' · codefed';
    clear(main, kids);
  }

  function page404() {
    setPage('Not found', h('h1', {}, 'Not found'),
      h('p', {}, 'There is no page at ', h('code', {}, location.hash), '. ', h('a', { href: '#/' }, 'Look up a subject'), '.'));
  }

  // ---------- subject lookup ----------

  function lookupPanel() {
    const pseudonym = h('input', {
      id: 'pseudonym', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off',
      placeholder: '64 hexadecimal digits', maxlength: '80', 'aria-describedby': 'pseudonym-msg',
    });
    const pseudoMsg = h('p', { id: 'pseudonym-msg', class: 'field-msg', 'aria-live': 'polite' });
    const byPseudonym = h('form', {
      id: 'lookup-pseudonym', class: 'lookup', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        const v = pseudonym.value.trim().toLowerCase();
        if (!/^[0-9a-f]{64}$/.test(v)) {
          pseudoMsg.textContent = 'A pseudonym is 64 hexadecimal digits (0-9, a-f).';
          pseudoMsg.className = 'field-msg error-text';
          return;
        }
        pseudoMsg.textContent = '';
        location.hash = '#/subject/' + v;
      },
    },
    h('label', { for: 'pseudonym' }, 'Pseudonym'),
    h('div', { class: 'row' }, pseudonym, h('button', { type: 'submit' }, 'Look up')),
    pseudoMsg);

    // The document number is sent once to be pseudonymised by the server and
    // then dropped: the inputs have no name (a form without script cannot
    // put it in a URL), autocomplete is off, and it never reaches the hash.
    const docType = h('select', { id: 'doc-type' }, DOC_TYPES.map(([v, label]) => h('option', { value: v }, label)));
    const docNumber = h('input', {
      id: 'doc-number', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters',
      'aria-describedby': 'doc-msg',
    });
    const docMsg = h('p', { id: 'doc-msg', class: 'field-msg', 'aria-live': 'polite' },
      'The number is pseudonymised by the hub and not kept in the console.');
    const docButton = h('button', { type: 'submit' }, 'Look up');
    const byDocument = h('form', {
      id: 'lookup-document', class: 'lookup', novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        const number = docNumber.value.trim();
        if (!number) {
          docMsg.textContent = 'Enter the document number.';
          docMsg.className = 'field-msg error-text';
          return;
        }
        docButton.disabled = true;
        docMsg.textContent = 'Resolving…';
        docMsg.className = 'field-msg';
        try {
          const res = await api('/v1/subjects', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify({ doc_type: docType.value, doc_number: number }),
          });
          docNumber.value = '';
          docMsg.textContent = '';
          location.hash = '#/subject/' + res.subject;
        } catch (err) {
          // The hub's document errors never repeat the number.
          docMsg.textContent = err.message;
          docMsg.className = 'field-msg error-text';
        } finally {
          docButton.disabled = false;
        }
      },
    },
    h('label', { for: 'doc-type' }, 'Document type'),
    docType,
    h('label', { for: 'doc-number' }, 'Document number'),
    h('div', { class: 'row' }, docNumber, docButton),
    docMsg);

    return h('section', { class: 'card lookup-panel', 'aria-label': 'Look up a subject' },
      h('div', { class: 'lookup-grid' },
        h('div', {}, h('h2', {}, 'By pseudonym'), byPseudonym),
        h('div', {}, h('h2', {}, 'By document'), byDocument)));
  }

  function renderHome() {
    setPage('Subject lookup',
      h('h1', {}, 'Look up a subject'),
      h('p', { class: 'lead' }, 'Federated health-code colour, regional statuses, cross-city trajectory and contacts of one person, ' +
        'identified by pseudonym or by an identity document.'),
      lookupPanel());
  }

  // ---------- subject page ----------

  function overlapParam(params) {
    const v = params.get('min_overlap');
    return v && /^\d+(s|m|h)$/.test(v) ? v : DEFAULT_OVERLAP;
  }

  function renderSubject(subject, params) {
    subject = subject.toLowerCase();
    shown.subject = subject;
    const statusBox = h('section', { id: 'status', class: 'card', 'aria-labelledby': 'status-h' });
    const trajBox = h('section', { id: 'trajectory', class: 'card', 'aria-labelledby': 'trajectory-h' });
    const contactsBox = h('section', { id: 'contacts', class: 'card', 'aria-labelledby': 'contacts-h' });
    setPage('Subject ' + subject.slice(0, 8),
      lookupPanel(),
      h('div', { class: 'subject-head' },
        h('h1', {}, 'Subject'),
        h('code', { id: 'subject-id', class: 'mono subject-id' }, subject)),
      statusBox, trajBox, contactsBox);
    if (!/^[0-9a-f]{64}$/.test(subject)) {
      sectionState(statusBox, 'error');
      clear(statusBox, h('h2', { id: 'status-h' }, 'Status'),
        h('div', { class: 'error', role: 'alert' }, 'A pseudonym is 64 hexadecimal digits (0-9, a-f).'));
      trajBox.remove();
      contactsBox.remove();
      return;
    }
    const statusReady = loadStatus(subject, statusBox);
    loadTrajectory(subject, trajBox, statusReady);
    loadContacts(subject, overlapParam(params));
  }

  async function loadStatus(subject, box) {
    sectionState(box, 'loading');
    clear(box, h('h2', { id: 'status-h' }, 'Federated status'), h('p', { class: 'muted' }, 'Loading…'));
    let st;
    try {
      st = await api('/v1/status/' + subject);
    } catch (err) {
      sectionState(box, 'error');
      clear(box, h('h2', { id: 'status-h' }, 'Federated status'), errorBox(err, 'Status'));
      return null;
    }
    const c = COLORS[st.color] || COLORS.unknown;
    const verdict = h('div', {
      id: 'federated-color', class: 'verdict verdict-' + (COLORS[st.color] ? st.color : 'unknown'),
      dataset: { color: st.color }, role: 'status',
    },
    h('span', { class: 'verdict-symbol', 'aria-hidden': 'true' }, c.symbol),
    h('div', { class: 'verdict-text' },
      h('span', { class: 'verdict-caption' }, 'Federated colour'),
      h('strong', { id: 'color-label', class: 'verdict-word' }, st.color),
      h('span', { class: 'verdict-zh', lang: 'zh-CN' }, c.zh),
      h('span', { class: 'verdict-meaning' }, c.meaning)));

    const reasons = st.reasons && st.reasons.length
      ? table(['Reason', 'Region', 'At'], st.reasons.map((r) => h('tr', {},
        h('td', {}, reasonText(r.code)), h('td', {}, h('code', {}, r.region)), h('td', {}, timeEl(r.at)))), { id: 'reasons' })
      : h('p', { class: 'muted' }, st.color === 'unknown' ? 'No regional status is valid at this time.' : 'No reasons given.');

    const asOf = parseTime(st.as_of);
    const regions = Object.keys(st.regions || {}).sort().map((code) => {
      const r = st.regions[code];
      const expired = r.valid_until && parseTime(r.valid_until) <= asOf;
      return h('tr', { class: expired ? 'expired' : null },
        h('td', {}, h('code', {}, code)),
        h('td', {}, colorBadge(r.color), expired ? h('div', { class: 'muted small' }, 'expired: not counted') : null),
        h('td', { lang: 'zh-CN' }, r.local ? [r.local.label, r.local.code && r.local.code !== r.local.label ? h('span', { class: 'muted' }, ' (' + r.local.code + ')') : null] : '—'),
        h('td', {}, (r.reasons || []).length ? (r.reasons || []).map((code, i) => [i ? h('br') : null, reasonText(code)]) : '—'),
        h('td', {}, timeEl(r.issued_at)),
        h('td', {}, timeEl(r.valid_until)),
        h('td', {}, r.nat ? [r.nat.result, r.nat.sampled_at ? [h('br'), h('span', { class: 'muted small' }, 'sampled ', timeEl(r.nat.sampled_at))] : null] : '—'),
        h('td', {}, r.vaccination ? [r.vaccination.doses + ' dose' + (r.vaccination.doses === 1 ? '' : 's'),
          r.vaccination.last_dose_at ? h('span', { class: 'muted small' }, ' (last ' + r.vaccination.last_dose_at + ')') : null] : '—'),
        h('td', { class: 'small' }, r.source ? [r.source.system, h('br'), h('span', { class: 'muted mono' }, r.source.record_id)] : '—'));
    });

    sectionState(box, 'ready');
    box.dataset.subject = subject;
    clear(box,
      h('h2', { id: 'status-h' }, 'Federated status'),
      h('div', { class: 'status-top' }, verdict,
        h('div', { class: 'status-reasons' }, h('h3', {}, 'Why'), reasons)),
      h('p', { class: 'muted small' }, 'As of ', timeEl(st.as_of), ', log index ', String(st.index), '.'),
      h('h3', {}, 'Regional statuses'),
      regions.length
        ? table(['Region', 'Colour', 'Local code', 'Reasons', 'Issued', 'Valid until', 'Nucleic-acid test', 'Vaccination', 'Source'], regions, { id: 'regions-table' })
        : h('p', { class: 'muted' }, st.color === 'unknown' ? 'No regional status on record.' : 'No regional status on record; the colour comes from the itinerary alone.'));
    return st;
  }

  // Cities are runs of consecutive events in one prefecture-level city, so
  // the events can be dealt out to them in order.
  function cityPrefix(region) {
    let p = region;
    while (p.length > 2 && p.endsWith('00')) p = p.slice(0, -2);
    return p;
  }

  function inCity(ev, city) {
    return ev.place && typeof ev.place.region === 'string' && ev.place.region.startsWith(cityPrefix(city.region));
  }

  function groupByCity(events, cities) {
    if (!cities.length) return [];
    const groups = cities.map((city, i) => ({ city, step: i + 1, events: [] }));
    let k = 0;
    for (const ev of events) {
      while (k + 1 < groups.length) {
        const next = groups[k + 1];
        const t = parseTime(ev.start);
        const first = parseTime(next.city.first);
        if (t > first || (t === first && (inCity(ev, next.city) || !inCity(ev, groups[k].city)))) k++;
        else break;
      }
      groups[k].events.push(ev);
    }
    return groups;
  }

  // A city's position: a carrier_city event is placed at the city itself;
  // otherwise the mean of its places; otherwise a known centre.
  function cityPositions(groups) {
    const acc = new Map();
    for (const g of groups) {
      const a = acc.get(g.city.region) || { carrier: null, lat: 0, lon: 0, n: 0 };
      for (const ev of g.events) {
        if (!hasCoords(ev.place)) continue;
        if (ev.kind === 'carrier_city' && !a.carrier) a.carrier = [ev.place.lat, ev.place.lon];
        a.lat += ev.place.lat;
        a.lon += ev.place.lon;
        a.n++;
      }
      acc.set(g.city.region, a);
    }
    const out = new Map();
    for (const [region, a] of acc) {
      if (a.carrier) out.set(region, a.carrier);
      else if (a.n) out.set(region, [a.lat / a.n, a.lon / a.n]);
      else if (CITY_CENTRES[region]) out.set(region, CITY_CENTRES[region]);
    }
    return out;
  }

  function cityName(city) {
    return city.name || city.region;
  }

  async function loadTrajectory(subject, box, statusReady) {
    sectionState(box, 'loading');
    clear(box, h('h2', { id: 'trajectory-h' }, 'Trajectory'), h('p', { class: 'muted' }, 'Loading…'));
    let tr;
    try {
      tr = await api('/v1/trajectory/' + subject);
    } catch (err) {
      sectionState(box, 'error');
      clear(box, h('h2', { id: 'trajectory-h' }, 'Trajectory'), errorBox(err, 'Trajectory'));
      return;
    }
    const st = await statusReady;
    const riskVisits = new Set();
    for (const r of (st && st.reasons) || []) {
      if (r.code === 'visited_risk_area') riskVisits.add(r.region + '@' + parseTime(r.at));
    }
    const events = tr.events || [];
    const cities = tr.cities || [];
    const groups = groupByCity(events, cities);
    const exports = h('p', { class: 'exports' }, 'Export: ',
      h('a', { href: apiBase + '/v1/trajectory/' + subject + '?format=csv', download: 'trajectory-' + subject.slice(0, 12) + '.csv' }, 'CSV'), ' · ',
      h('a', { href: apiBase + '/v1/trajectory/' + subject + '?format=geojson', download: 'trajectory-' + subject.slice(0, 12) + '.geojson' }, 'GeoJSON'));
    if (!events.length) {
      sectionState(box, 'ready');
      clear(box, h('h2', { id: 'trajectory-h' }, 'Trajectory'), h('p', { class: 'muted' }, 'No events on record.'), exports);
      return;
    }
    const path = groups.map((g) => cityName(g.city));
    const distinctCities = new Set(cities.map((c) => c.region)).size;
    const positions = cityPositions(groups);
    const unplaced = [...new Set(groups.filter((g) => !positions.has(g.city.region)).map((g) => cityName(g.city) + ' (' + g.city.region + ')'))];
    const timeline = h('ol', { class: 'timeline', id: 'timeline' }, groups.map((g) => h('li', { class: 'visit', dataset: { region: g.city.region } },
      h('div', { class: 'visit-head' },
        h('span', { class: 'step', 'aria-label': 'stop ' + g.step }, String(g.step)),
        h('span', { class: 'visit-city', lang: 'zh-CN' }, cityName(g.city)),
        h('code', { class: 'muted' }, g.city.region),
        h('span', { class: 'visit-time' }, fmtSpan(g.city.first, g.city.last))),
      h('ul', { class: 'events' }, g.events.map((ev) => {
        const risky = riskVisits.has(ev.place.region + '@' + parseTime(ev.start));
        const dur = ev.end ? (parseTime(ev.end) - parseTime(ev.start)) / 1000 : NaN;
        return h('li', { class: 'event' + (risky ? ' risky' : ''), dataset: { kind: ev.kind } },
          h('span', { class: 'event-time' }, fmtSpan(ev.start, ev.end)),
          h('span', { class: 'event-kind' }, KINDS[ev.kind] || ev.kind),
          h('span', { class: 'event-place' },
            ev.place.name ? [h('span', { lang: 'zh-CN' }, ev.place.name), ' '] : null,
            h('code', { class: ev.place.name ? 'muted small' : null }, ev.place.id),
            ev.place.region !== ev.place.id ? h('span', { class: 'muted small' }, ' · ', ev.place.region) : null),
          h('span', { class: 'event-extra muted small' },
            isFinite(dur) && dur > 0 ? fmtDuration(dur) + ' · ' : '', ev.source ? ev.source.system : ''),
          risky ? h('span', { class: 'badge badge-yellow small' }, h('span', { 'aria-hidden': 'true' }, '▲'), ' in a risk area') : null);
      })))));
    sectionState(box, 'ready');
    box.dataset.subject = subject;
    clear(box,
      h('h2', { id: 'trajectory-h' }, 'Trajectory'),
      h('p', { class: 'path-summary', id: 'city-path' },
        h('strong', {}, plural(events.length, 'event', 'events') + ' in ' + plural(distinctCities, 'city', 'cities') + ': '),
        h('span', { lang: 'zh-CN' }, path.join(' → '))),
      h('div', { class: 'traj-grid' },
        h('figure', { class: 'map' }, cityMap(groups, positions),
          h('figcaption', { class: 'muted small' }, 'Cities placed by latitude and longitude (equirectangular, graticule in degrees); numbered arrows follow the visits in time order.',
            unplaced.length ? [' ', h('span', { id: 'unplaced' }, 'Not on the map, no coordinates on record: ', h('span', { lang: 'zh-CN' }, unplaced.join(', ')), '.')] : null)),
        h('div', { class: 'timeline-wrap' }, h('h3', {}, 'Timeline'),
          timeline)),
      exports);
  }

  // ---------- the city map ----------

  function niceStep(span) {
    for (const s of [0.25, 0.5, 1, 2, 5, 10, 20]) if (span / s <= 8) return s;
    return 30;
  }

  function fmtDeg(v, pos, neg) {
    return String(+Math.abs(v).toFixed(2)) + '°' + (v >= 0 ? pos : neg);
  }

  function cityMap(groups, positions) {
    const W = 640, H = 420, PAD = 36;
    const placed = [];
    const seen = new Map();
    for (const g of groups) {
      const p = positions.get(g.city.region);
      if (!p) continue;
      let c = seen.get(g.city.region);
      if (!c) {
        c = { region: g.city.region, name: cityName(g.city), lat: p[0], lon: p[1], steps: [] };
        seen.set(g.city.region, c);
        placed.push(c);
      }
      c.steps.push(g.step);
    }
    const title = 'City path: ' + groups.map((g) => cityName(g.city)).join(' → ');
    const root = svg('svg', {
      id: 'city-map', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'city-map-title',
      preserveAspectRatio: 'xMidYMid meet',
    }, svg('title', { id: 'city-map-title' }, title));
    if (!placed.length) {
      root.append(svg('text', { x: W / 2, y: H / 2, class: 'map-empty', 'text-anchor': 'middle' }, 'No coordinates for these cities'));
      return root;
    }
    let latMin = Math.min(...placed.map((c) => c.lat)), latMax = Math.max(...placed.map((c) => c.lat));
    let lonMin = Math.min(...placed.map((c) => c.lon)), lonMax = Math.max(...placed.map((c) => c.lon));
    // Keep a few degrees around the path so one city or two neighbours are
    // not blown up to the whole frame.
    const minSpan = 3;
    const padLat = Math.max((latMax - latMin) * 0.15, (minSpan - (latMax - latMin)) / 2, 0.5);
    const padLon = Math.max((lonMax - lonMin) * 0.15, (minSpan - (lonMax - lonMin)) / 2, 0.5);
    latMin -= padLat; latMax += padLat; lonMin -= padLon; lonMax += padLon;
    const kx = Math.cos(((latMin + latMax) / 2) * Math.PI / 180);
    const scale = Math.min((W - 2 * PAD) / ((lonMax - lonMin) * kx), (H - 2 * PAD) / (latMax - latMin));
    const ox = (W - (lonMax - lonMin) * kx * scale) / 2;
    const oy = (H - (latMax - latMin) * scale) / 2;
    const X = (lon) => ox + (lon - lonMin) * kx * scale;
    const Y = (lat) => oy + (latMax - lat) * scale;

    root.append(svg('defs', {},
      svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }))));

    // Graticule over the whole frame, not just the padded box.
    const grid = svg('g', { class: 'graticule' });
    const lonAt = (x) => lonMin + (x - ox) / (kx * scale);
    const latAt = (y) => latMax - (y - oy) / scale;
    const gLonMin = lonAt(0), gLonMax = lonAt(W), gLatMin = latAt(H), gLatMax = latAt(0);
    const step = niceStep(Math.max(gLonMax - gLonMin, gLatMax - gLatMin));
    for (let lon = Math.ceil(gLonMin / step) * step; lon <= gLonMax; lon += step) {
      const x = X(lon);
      grid.append(svg('line', { x1: x, y1: 0, x2: x, y2: H }));
      grid.append(svg('text', { x: x + 3, y: H - 6, class: 'grid-label' }, fmtDeg(lon, 'E', 'W')));
    }
    for (let lat = Math.ceil(gLatMin / step) * step; lat <= gLatMax; lat += step) {
      const y = Y(lat);
      grid.append(svg('line', { x1: 0, y1: y, x2: W, y2: y }));
      grid.append(svg('text', { x: 4, y: y - 4, class: 'grid-label' }, fmtDeg(lat, 'N', 'S')));
    }
    root.append(svg('rect', { x: 0, y: 0, width: W, height: H, class: 'map-bg' }), grid);

    const R = 7;
    const moves = svg('g', { class: 'moves' });
    for (let i = 1; i < groups.length; i++) {
      const a = positions.get(groups[i - 1].city.region), b = positions.get(groups[i].city.region);
      if (!a || !b || groups[i - 1].city.region === groups[i].city.region) continue;
      const x1 = X(a[1]), y1 = Y(a[0]), x2 = X(b[1]), y2 = Y(b[0]);
      const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy);
      if (len < 2 * R + 2) continue;
      // Bend every move to its left so a return trip does not hide the way out.
      const bend = Math.min(0.18 * len, 60);
      const cx = (x1 + x2) / 2 - dy / len * bend, cy = (y1 + y2) / 2 + dx / len * bend;
      const trim = (px, py, qx, qy, d) => {
        const l = Math.hypot(qx - px, qy - py);
        return [px + (qx - px) / l * d, py + (qy - py) / l * d];
      };
      const [sx, sy] = trim(x1, y1, cx, cy, R + 2);
      const [ex, ey] = trim(x2, y2, cx, cy, R + 3);
      moves.append(svg('path', { d: `M${sx.toFixed(1)},${sy.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`, class: 'move', 'marker-end': 'url(#arrow)' },
        svg('title', {}, 'Move ' + i + ': ' + cityName(groups[i - 1].city) + ' → ' + cityName(groups[i].city))));
      // The curve's midpoint carries the move's number; on a short move it
      // is pushed aside so that it does not hide the arrow.
      const off = len < 70 ? 14 : 0;
      const mx = 0.25 * sx + 0.5 * cx + 0.25 * ex - dy / len * off, my = 0.25 * sy + 0.5 * cy + 0.25 * ey + dx / len * off;
      moves.append(svg('g', { class: 'move-label' },
        svg('circle', { cx: mx.toFixed(1), cy: my.toFixed(1), r: 8 }),
        svg('text', { x: mx.toFixed(1), y: (my + 3.5).toFixed(1), 'text-anchor': 'middle' }, String(i))));
    }
    root.append(moves);

    const marks = svg('g', { class: 'cities' });
    const boxes = [];
    const overlaps = (b) => boxes.some((o) => b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h);
    const lastRegion = groups[groups.length - 1].city.region;
    for (const c of placed) {
      const x = X(c.lon), y = Y(c.lat);
      boxes.push({ x: x - R, y: y - R, w: 2 * R, h: 2 * R });
    }
    for (const c of placed) {
      const x = X(c.lon), y = Y(c.lat);
      const label = c.name + '  ' + c.steps.join(', ');
      // CJK glyphs are about as wide as the font is tall.
      const w = [...label].reduce((s, ch) => s + (ch.charCodeAt(0) > 0x2e80 ? 14 : 7.5), 0), hgt = 16;
      const tries = [[x + R + 4, y - hgt / 2, 'start'], [x - R - 4 - w, y - hgt / 2, 'end'], [x - w / 2, y - R - 4 - hgt, 'middle'], [x - w / 2, y + R + 4, 'middle']];
      let pick = tries.find(([bx, by]) => bx >= 0 && bx + w <= W && by >= 0 && by + hgt <= H && !overlaps({ x: bx, y: by, w, h: hgt })) || tries[0];
      boxes.push({ x: pick[0], y: pick[1], w, h: hgt });
      const tx = pick[2] === 'start' ? pick[0] : pick[2] === 'end' ? pick[0] + w : pick[0] + w / 2;
      marks.append(svg('g', { class: 'city' + (c.region === lastRegion ? ' city-last' : ''), dataset: { region: c.region } },
        svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: R, class: 'city-marker' }),
        svg('text', { x: tx.toFixed(1), y: (pick[1] + hgt - 4).toFixed(1), 'text-anchor': pick[2], class: 'city-label', lang: 'zh-CN' },
          c.name, svg('tspan', { class: 'city-steps' }, '  ' + c.steps.join(', '))),
        svg('title', {}, c.name + ' (' + c.region + '), stop' + (c.steps.length > 1 ? 's ' : ' ') + c.steps.join(', '))));
    }
    root.append(marks);
    return root;
  }

  // ---------- contacts ----------

  async function loadContacts(subject, overlap) {
    const box = document.getElementById('contacts');
    if (!box) return;
    shown.contacts = overlap;
    const select = h('select', {
      id: 'min-overlap',
      onchange: () => { location.hash = '#/subject/' + subject + '?min_overlap=' + select.value; },
    }, (OVERLAPS.includes(overlap) ? OVERLAPS : OVERLAPS.concat([overlap])).map((v) => h('option', { value: v, selected: v === overlap }, fmtOverlapOption(v))));
    const base = apiBase + '/v1/contacts/' + subject + '?min_overlap=' + encodeURIComponent(overlap);
    const controls = h('div', { class: 'controls' },
      h('label', { for: 'min-overlap' }, 'Minimum overlap '), select,
      h('span', { class: 'exports' }, 'Export: ',
        h('a', { href: base + '&format=csv', download: 'contacts-' + subject.slice(0, 12) + '.csv' }, 'CSV'), ' · ',
        h('a', { href: base + '&format=geojson', download: 'contacts-' + subject.slice(0, 12) + '.geojson' }, 'GeoJSON')));
    const head = h('h2', { id: 'contacts-h' }, 'Contacts');
    const note = h('p', { class: 'muted small' }, 'Other subjects at the same place with overlapping times; city-level carrier records do not count.');
    sectionState(box, 'loading');
    delete box.dataset.subject;
    delete box.dataset.overlap;
    clear(box, head, controls, note, h('p', { class: 'muted' }, 'Loading…'));
    let res;
    try {
      res = await api('/v1/contacts/' + subject + '?min_overlap=' + encodeURIComponent(overlap));
    } catch (err) {
      if (shown.subject !== subject || shown.contacts !== overlap) return;
      sectionState(box, missingRoute(err) ? 'unavailable' : 'error');
      if (missingRoute(err)) controls.querySelector('.exports').remove();
      clear(box, head, controls, errorBox(err, 'Contact tracing'));
      return;
    }
    if (shown.subject !== subject || shown.contacts !== overlap) return;
    const contacts = (res.contacts || []).slice().sort((a, b) => (b.overlap_seconds - a.overlap_seconds) ||
      (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0) || (parseTime(a.start) - parseTime(b.start)));
    const people = new Set(contacts.map((c) => c.subject)).size;
    const rows = contacts.map((c) => h('tr', {},
      h('td', {}, subjectLink(c.subject, { class: 'subject-link contact-link mono', href: '#/subject/' + c.subject + (overlap === DEFAULT_OVERLAP ? '' : '?min_overlap=' + overlap) })),
      h('td', { class: 'num' }, fmtDuration(c.overlap_seconds)),
      h('td', {}, h('span', { lang: 'zh-CN' }, (c.place && (c.place.name || c.place.id)) || '—'), c.place ? [h('br'), h('code', { class: 'muted small' }, c.place.id)] : null),
      h('td', {}, c.place ? h('code', {}, c.place.region) : '—'),
      h('td', {}, KINDS[c.kind] || c.kind || '—'),
      h('td', {}, fmtSpan(c.start, c.end))));
    sectionState(box, 'ready');
    box.dataset.subject = subject;
    box.dataset.overlap = overlap;
    clear(box, head, controls, note,
      contacts.length
        ? [h('p', {}, h('strong', {}, String(contacts.length)), ' contact' + (contacts.length === 1 ? '' : 's') + ' with ',
          h('strong', {}, String(people)), ' other subject' + (people === 1 ? '' : 's') + ', overlapping at least ' + fmtOverlapOption(overlap) + ', longest first.'),
        table(['Contact', 'Overlap', 'Place', 'Region', 'Kind', 'Together'], rows, { id: 'contacts-table' })]
        : h('p', { id: 'no-contacts' }, 'No contacts overlapping at least ' + fmtOverlapOption(overlap) + '.'));
  }

  function fmtOverlapOption(v) {
    const m = /^(\d+)(s|m|h)$/.exec(v);
    if (!m) return v;
    return m[1] + ' ' + { s: 's', m: 'min', h: 'h' }[m[2]];
  }

  // ---------- risk areas ----------

  async function renderRiskAreas() {
    const body = h('div', { id: 'risk-areas', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
    setPage('Risk areas', h('h1', {}, 'Risk areas'),
      h('p', { class: 'lead' }, 'Active medium and high risk areas, and who passed through them during their window. ' +
        'A visit inside a medium or high risk area in the last 14 days makes a subject yellow.'), body);
    let res;
    try {
      res = await api('/v1/risk-areas');
    } catch (err) {
      sectionState(body, 'error');
      clear(body, errorBox(err, 'Risk areas'));
      return;
    }
    const areas = res.risk_areas || [];
    if (!areas.length) {
      sectionState(body, 'ready');
      clear(body, h('p', {}, 'No active risk area.'));
      return;
    }
    const summary = table(['Area', 'Region', 'Level', 'From', 'Until', 'Exposed'], areas.map((a) => h('tr', {},
      h('td', {}, h('a', { href: '#/risk-areas', dataset: { target: 'area-' + a.id }, onclick: (ev) => { ev.preventDefault(); const t = document.getElementById('area-' + a.id); if (t) t.scrollIntoView(); } },
        h('span', { lang: 'zh-CN' }, a.name || a.id)), h('br'), h('code', { class: 'muted small' }, a.id)),
      h('td', {}, h('code', {}, a.region)),
      h('td', {}, levelBadge(a.level)),
      h('td', {}, timeEl(a.from)),
      h('td', {}, a.until ? timeEl(a.until) : 'until lifted'),
      h('td', { class: 'num', id: 'count-' + a.id }, '…'))), { id: 'areas-table' });
    const sections = areas.map((a) => h('section', { class: 'card area', id: 'area-' + a.id, dataset: { area: a.id } },
      h('h2', {}, h('span', { lang: 'zh-CN' }, a.name || a.id), ' ', levelBadge(a.level)),
      h('p', { class: 'muted small' }, 'Region ', h('code', {}, a.region), ' · ', fmtSpan(a.from, a.until)),
      h('div', { class: 'exposed' }, h('p', { class: 'muted' }, 'Loading exposed subjects…'))));
    sectionState(body, 'ready');
    clear(body, h('section', { class: 'card' }, h('h2', {}, 'Active areas'), summary), sections);
    await Promise.all(areas.map((a, i) => loadExposed(a, sections[i])));
  }

  const EXPOSED_ROWS = 500;

  async function loadExposed(area, section) {
    const box = section.querySelector('.exposed');
    const count = document.getElementById('count-' + area.id);
    sectionState(section, 'loading');
    let res;
    try {
      res = await api('/v1/risk-areas/' + encodeURIComponent(area.id) + '/exposed');
    } catch (err) {
      sectionState(section, missingRoute(err) ? 'unavailable' : 'error');
      if (count) count.textContent = '—';
      clear(box, errorBox(err, 'The exposure list'));
      return;
    }
    const exposed = res.exposed || [];
    const people = new Set(exposed.map((e) => e.subject)).size;
    if (count) count.textContent = people + (people === 1 ? ' subject' : ' subjects');
    sectionState(section, 'ready');
    if (!exposed.length) {
      clear(box, h('p', {}, 'Nobody on record passed through this area during its window.'));
      return;
    }
    const rows = exposed.slice(0, EXPOSED_ROWS).map((e) => h('tr', {},
      h('td', {}, subjectLink(e.subject, { class: 'subject-link exposed-link mono' })),
      h('td', {}, h('span', { lang: 'zh-CN' }, (e.place && (e.place.name || e.place.id)) || '—'), e.place ? [h('br'), h('code', { class: 'muted small' }, e.place.id)] : null),
      h('td', {}, e.place ? h('code', {}, e.place.region) : '—'),
      h('td', {}, KINDS[e.kind] || e.kind || '—'),
      h('td', {}, fmtSpan(e.start, e.end))));
    clear(box,
      h('p', {}, h('strong', {}, String(people)), ' subject' + (people === 1 ? '' : 's') + ' exposed in ', String(exposed.length), ' visit' + (exposed.length === 1 ? '' : 's') + '.'),
      table(['Subject', 'Place', 'Region', 'Kind', 'When'], rows, { class: 'exposed-table' }),
      exposed.length > EXPOSED_ROWS ? h('p', { class: 'muted' }, 'Showing the first ' + EXPOSED_ROWS + ' visits of ' + exposed.length + '.') : null);
  }

  // ---------- regions ----------

  function certification(c) {
    if (c == null) return h('span', { class: 'muted cert-none' }, 'not certified yet');
    if (typeof c !== 'object') return String(c);
    return h('dl', { class: 'cert' }, Object.keys(c).map((k) => [h('dt', {}, k.replace(/_/g, ' ')),
      h('dd', {}, typeof c[k] === 'object' && c[k] !== null ? JSON.stringify(c[k]) : (TIME_RE.test(String(c[k])) ? timeEl(c[k]) : String(c[k])))]));
  }

  async function renderRegions() {
    const body = h('div', { id: 'regions' }, h('p', { class: 'muted' }, 'Loading…'));
    setPage('Regions', h('h1', {}, 'Regions and formats'),
      h('p', { class: 'lead' }, 'Native formats the hub accepts, the regions each one serves, and the latest conformance certification.'), body);
    let res;
    try {
      res = await api('/v1/regions');
    } catch (err) {
      sectionState(body, 'error');
      clear(body, errorBox(err, 'Regions'));
      return;
    }
    const formats = (res.formats || []).slice().sort((a, b) => (a.format < b.format ? -1 : 1));
    sectionState(body, 'ready');
    clear(body, table(['Format', 'Regions', 'Description', 'Certification'], formats.map((f) => h('tr', { dataset: { format: f.format } },
      h('td', {}, h('code', {}, f.format)),
      h('td', {}, (f.regions || []).map((r, i) => [i ? ', ' : '', r === '*' ? h('span', { title: 'any region' }, 'any') : h('code', {}, r)])),
      h('td', { lang: 'zh-CN' }, f.description),
      h('td', {}, certification(f.certification)))), { id: 'formats-table' }));
  }

  // ---------- cluster ----------

  function renderCluster() {
    const readyBox = h('div', { id: 'ready' });
    const clusterBox = h('div', { id: 'cluster' });
    const updated = h('span', { class: 'muted small', 'aria-live': 'polite' });
    const refresh = () => loadCluster(readyBox, clusterBox, updated);
    setPage('Cluster', h('h1', {}, 'Cluster health'),
      h('p', { class: 'lead' }, 'Raft membership of this federation as seen by the node serving this console. Refreshed every 5 seconds. ',
        h('button', { type: 'button', class: 'link-button', onclick: refresh }, 'Refresh now'), ' ', updated),
      readyBox, clusterBox);
    refresh();
    timers.push(setInterval(refresh, 5000));
  }

  async function loadCluster(readyBox, clusterBox, updated) {
    const [ready, cluster] = await Promise.allSettled([api('/v1/ready'), api('/v1/cluster')]);
    if (!readyBox.isConnected) return;
    if (ready.status === 'fulfilled') {
      const r = ready.value;
      sectionState(readyBox, 'ready');
      clear(readyBox, h('div', { class: 'health ok', role: 'status' }, h('span', { 'aria-hidden': 'true' }, '●'), ' ',
        h('strong', {}, 'Ready'), ' · leader ', h('code', {}, r.leader), ' · applied index ', String(r.applied_index)));
    } else {
      sectionState(readyBox, 'error');
      clear(readyBox, h('div', { class: 'health bad', role: 'alert' }, h('span', { 'aria-hidden': 'true' }, '■'), ' ',
        h('strong', {}, 'Not ready'), ': ', ready.reason.message));
    }
    if (cluster.status === 'rejected') {
      sectionState(clusterBox, 'error');
      clear(clusterBox, errorBox(cluster.reason, 'Cluster membership'));
      updated.textContent = 'Updated ' + new Date().toLocaleTimeString();
      return;
    }
    const c = cluster.value;
    const members = (c.members || []).slice().sort((a, b) => (a.id < b.id ? -1 : 1));
    const here = location.host;
    sectionState(clusterBox, 'ready');
    clear(clusterBox,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Leader'), h('dd', {}, c.leader ? h('code', {}, c.leader) : h('span', { class: 'error-text' }, 'none known')),
        h('dt', {}, 'Applied index'), h('dd', {}, String(c.applied_index)),
        h('dt', {}, 'State digest'), h('dd', {}, h('code', { class: 'mono digest' }, c.digest),
          h('div', { class: 'muted small' }, 'Equal on converged replicas: compare it with the other nodes\' consoles.'))),
      table(['Node', 'Role', 'Voter', 'Raft address', 'HTTP address'], members.map((m) => {
        let host = '';
        try {
          host = new URL(m.http_addr).host;
        } catch (e) {
          host = '';
        }
        return h('tr', { class: m.leader ? 'leader' : null },
          h('td', {}, h('code', {}, m.id), host === here ? h('span', { class: 'muted small' }, ' (this node)') : null),
          h('td', {}, m.leader ? h('span', { class: 'badge badge-green' }, h('span', { 'aria-hidden': 'true' }, '★'), ' leader') : 'follower'),
          h('td', {}, m.voter ? 'yes' : 'no'),
          h('td', {}, h('code', {}, m.raft_addr)),
          h('td', {}, /^https?:\/\//.test(m.http_addr || '') ? h('a', { href: m.http_addr.replace(/\/$/, '') + '/ui/#/cluster' }, m.http_addr) : (m.http_addr || '—')));
      }), { id: 'members-table' }));
    updated.textContent = 'Updated ' + new Date().toLocaleTimeString();
  }

  // ---------- start ----------

  append(document.getElementById('node-info'), [location.host, h('span', { class: 'tz' }, 'times in UTC+08:00')]);
  window.addEventListener('hashchange', route);
  route();
})();
