// The wxpay-mock console: plain DOM, no framework. Every value is put in the page as text
// (textContent, text nodes), never parsed as HTML. Data comes from the admin API; the page
// polls the open tab about once a second.
'use strict';

const POLL_MS = 1000;
const JOURNAL_MAX = 1000;
const TOKEN_KEY = 'wxpay-mock-admin-token';
const FAULTS = ['error_rate', 'latency_ms', 'drop_rate', 'sign_probe_rate', 'callback_fail_rate', 'callback_duplicate_rate'];

const state = {
  tab: 'overview',
  token: null,
  timer: null,
  rendered: false,
  journal: [],
  lastSeq: 0,
  expanded: new Set(),
  journalDirty: true,
  detail: null, // {stock, code} of the open coupon
  search: '',
  stocksLoaded: false,
  asked: false, // whether the page has asked for the admin token by itself
  ns: '', // the namespace shown ('' = the configured world), kept in the address as ?namespace=
};

const $ = (id) => document.getElementById(id);

// Builds an element; props: class, text, title, data-*, on<event>; children: nodes or text.
function h(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') e.className = value;
    else if (key === 'text') e.textContent = String(value);
    else if (key.startsWith('on')) e.addEventListener(key.slice(2), value);
    else e.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    e.append(child instanceof Node ? child : String(child));
  }
  return e;
}

const td = (text, cls) => h('td', { class: cls, text: text === null || text === undefined ? '' : text });
const badge = (text, cls) => h('span', { class: 'badge ' + (cls || text), text });
const shortTime = (t) => (t ? String(t).replace('T', ' ').replace(/\+08:00$/, '') : '');
const dash = (v) => (v === null || v === undefined || v === '' ? '—' : v);

function fill(tbody, rows, empty, columns) {
  tbody.replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: columns, class: 'muted', text: empty }))]));
}

// --- the admin API ---------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Every admin call is about the world picked (`?namespace=`), but the namespace list itself.
function scoped(path) {
  if (!state.ns || path.startsWith('/mock/namespaces')) return path;
  return path + (path.includes('?') ? '&' : '?') + 'namespace=' + encodeURIComponent(state.ns);
}

async function api(method, path, body) {
  path = scoped(path);
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await res.json();
  } catch (_) {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || res.status + ' ' + res.statusText);
  return data;
}

// Asks for the admin token; true (and polls at once) when one was entered.
function askToken() {
  const token = window.prompt('This emulator has an admin_token. Enter it to use the console:');
  if (!token) return false;
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  schedule(0);
  return true;
}

// A ?token= in the address is kept for this tab and taken out of the address bar.
function initToken() {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
  }
  state.token = sessionStorage.getItem(TOKEN_KEY);
}

// --- the world picker ---------------------------------------------------------------------

// Fills the picker with the namespaces the emulator has now (the one shown stays listed).
async function loadNamespaces() {
  const list = await api('GET', '/mock/namespaces');
  const names = list.data.map((n) => n.name);
  if (state.ns && !names.includes(state.ns)) names.push(state.ns);
  const select = $('namespace');
  const options = [h('option', { value: '', text: 'configured' })].concat(
    names.map((name) => {
      const n = list.data.find((x) => x.name === name);
      return h('option', { value: name, text: n ? name + ' · ' + n.mode + ' ' + n.caller : name + ' (deleted)' });
    }),
  );
  select.replaceChildren(...options);
  select.value = state.ns;
}

// Shows world `ns`: everything the page holds of the previous one is dropped.
function pickWorld(ns) {
  state.ns = ns;
  state.journal = [];
  state.lastSeq = 0;
  state.journalDirty = true;
  state.stocksLoaded = false;
  state.expanded.clear();
  closeDetail();
  const params = new URLSearchParams(location.search);
  if (ns) params.set('namespace', ns);
  else params.delete('namespace');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
  if (state.tab === 'faults') loadFaultForm();
  schedule(0);
}

// --- polling -----------------------------------------------------------------------------

function schedule(ms) {
  clearTimeout(state.timer);
  state.timer = setTimeout(tick, ms);
}

async function tick() {
  const started = performance.now();
  try {
    await REFRESH[state.tab]();
    $('banner').hidden = true;
    $('status').className = 'status';
    $('status').textContent = 'live · updated ' + new Date().toLocaleTimeString();
    if (!state.rendered) {
      state.rendered = true;
      performance.mark('console-first-render');
      document.documentElement.dataset.ready = '1';
    }
  } catch (e) {
    const locked = e instanceof ApiError && e.status === 401;
    if (locked && !state.asked) {
      // Asked once by itself; the banner's button asks again.
      state.asked = true;
      if (askToken()) return;
    }
    $('status').className = 'status error';
    $('status').textContent = 'not updated';
    $('banner-text').textContent = e.message;
    $('banner-token').hidden = !locked;
    $('banner').hidden = false;
  }
  // A big ledger makes some pages slow to compute: then poll less often.
  schedule(Math.max(POLL_MS, 4 * (performance.now() - started)));
}

function show(tab) {
  if (!REFRESH[tab]) tab = 'overview';
  state.tab = tab;
  for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('active', a.dataset.tab === tab);
  for (const page of document.querySelectorAll('.page')) page.hidden = page.id !== 'page-' + tab;
  if (tab === 'faults') loadFaultForm();
  schedule(0);
}

// --- overview ----------------------------------------------------------------------------

// A budget bar: amber from 80 %, red when spent; a share bar (of a total) stays neutral.
function bar(used, cap, share) {
  const n = Number(used) || 0;
  const pct = cap ? Math.min(100, (n * 100) / cap) : 0;
  const level = share ? '' : pct >= 100 ? ' full' : pct >= 80 ? ' high' : '';
  const fillEl = h('span', { class: 'fill' + level });
  fillEl.style.width = pct + '%';
  const label = cap === null || cap === undefined ? n + ' (no limit)' : n + ' / ' + cap;
  return h('div', { class: 'bar', title: label }, fillEl, h('span', { class: 'bar-label', text: label }));
}

function kv(key, value) {
  return h('div', { class: 'kv', 'data-k': key }, h('span', { class: 'muted', text: key }), h('span', { class: 'v', text: value }));
}

async function refreshOverview() {
  const o = await api('GET', '/mock/overview');
  const listed = Array.from($('namespace').options).map((x) => x.value).filter(Boolean);
  const stale = o.namespaces.some((n) => !listed.includes(n)) || listed.some((n) => n !== state.ns && !o.namespaces.includes(n));
  if (stale) loadNamespaces().catch(() => {});
  $('ov-clock').replaceChildren(
    kv('business now', shortTime(o.clock.business_now)),
    kv('real now', shortTime(o.clock.real_now)),
    kv('offset', o.clock.offset_secs + ' s'),
  );
  const total = o.coupons.total;
  const states = Object.entries(o.coupons.by_state);
  $('ov-states').replaceChildren(
    kv('coupons', total),
    ...states.map(([name, n]) => h('div', { class: 'kv', 'data-k': name }, badge(name), bar(n, total, true))),
  );
  const cb = o.callbacks;
  $('ov-callbacks').replaceChildren(kv('pending', cb.pending), kv('delivered', cb.delivered), kv('given up', cb.given_up));
  const active = FAULTS.filter((f) => o.faults[f]);
  $('ov-faults').replaceChildren(...(active.length ? active.map((f) => kv(f, o.faults[f])) : [h('span', { class: 'muted', text: 'none' })]));
  fill(
    $('ov-stocks').tBodies[0],
    o.stocks.map((s) =>
      h(
        'tr',
        { 'data-stock': s.stock_id },
        h('td', {}, h('div', { class: 'mono', text: s.stock_id }), s.remark ? h('div', { class: 'muted', text: s.remark }) : null),
        td(s.product_coupon_id, 'mono'),
        td(s.coupon_code_mode + (s.coupon_code_mode === 'UPLOAD' ? ' · ' + s.codes_available + ' of ' + s.codes_total + ' left' : '')),
        h('td', {}, badge(s.state)),
        h('td', {}, bar(s.sent_total, s.max_count)),
        h('td', {}, bar(s.sent_today, s.max_count_per_day)),
        h('td', {}, bar(s.top_user_count, s.max_count_per_user)),
      ),
    ),
    'no stocks',
    7,
  );
  fill(
    $('ov-callers').tBodies[0],
    o.callers.map((c) =>
      h(
        'tr',
        {},
        td(c.mode),
        td(c.id, 'mono'),
        td(c.serial_no, 'mono'),
        td(c.brands.join(', ')),
        td(c.appids.length ? c.appids.join(', ') : 'any'),
        td(dash(c.notify_url)),
        td(c.apiv3_key ? 'yes' : 'no'),
      ),
    ),
    'no callers',
    7,
  );
  fill(
    $('ov-certificates').tBodies[0],
    (o.platform_certificates || []).map((c) =>
      h('tr', { 'data-serial': c.serial_no }, td(c.serial_no, 'mono'), td(c.not_before), td(c.not_after), td(c.valid_now ? 'yes' : 'no')),
    ),
    'none configured (answers are signed with the public key)',
    4,
  );
  fill(
    $('ov-products').tBodies[0],
    o.product_coupons.map((p) =>
      h(
        'tr',
        {},
        td(p.product_coupon_id, 'mono'),
        td(dash(p.display_info && p.display_info.name)),
        td(p.type),
        td(p.usage_mode),
        h('td', {}, badge(p.state)),
        td(p.brand_id),
      ),
    ),
    'no product coupons',
    6,
  );
  fillSearchOptions(o);
}

// --- coupons -----------------------------------------------------------------------------

function fillSearchOptions(o) {
  if (state.stocksLoaded) return;
  state.stocksLoaded = true;
  const form = $('coupon-search');
  form.elements.stock_id.append(...o.stocks.map((s) => h('option', { value: s.stock_id, text: s.stock_id + ' (' + s.coupon_code_mode + ')' })));
  form.elements.state.append(...o.coupons.states.map((name) => h('option', { value: name, text: name })));
}

function searchQuery() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData($('coupon-search'))) if (value) params.set(key, value.trim());
  params.set('limit', '100');
  return params.toString();
}

async function refreshCoupons() {
  if (!state.stocksLoaded) fillSearchOptions(await api('GET', '/mock/overview'));
  const list = await api('GET', '/mock/coupons?' + state.search);
  $('coupon-count').textContent = list.total_count + ' coupon(s)' + (list.total_count > list.data.length ? ', first ' + list.data.length + ' shown' : '');
  fill(
    $('coupon-table').tBodies[0],
    list.data.map((c) => {
      const open = state.detail && state.detail.stock === c.stock.stock_id && state.detail.code === c.coupon_code;
      return h(
        'tr',
        {
          class: 'clickable' + (open ? ' selected' : ''),
          'data-code': c.coupon_code,
          'data-stock': c.stock.stock_id,
          onclick: () => openCoupon(c.stock.stock_id, c.coupon_code),
        },
        td(c.coupon_code, 'mono code'),
        td(c.stock.stock_id, 'mono'),
        td(c.openid, 'mono'),
        h('td', { class: 'state' }, badge(c.coupon_state)),
        td(shortTime(c.receive_time), 'nowrap'),
        td(shortTime(c.valid_end_time), 'nowrap'),
      );
    }),
    'no coupon matches',
    6,
  );
  if (state.detail) await refreshDetail();
}

function openCoupon(stock, code) {
  state.detail = { stock, code };
  schedule(0);
}

async function refreshDetail() {
  const { stock, code } = state.detail;
  let d;
  try {
    d = await api('GET', '/mock/coupons/' + encodeURIComponent(stock) + '/' + encodeURIComponent(code));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return closeDetail();
    throw e;
  }
  const c = d.coupon;
  $('detail-title').textContent = 'Coupon ' + c.coupon_code;
  const facts = [
    ['state', badge(c.coupon_state)],
    ['stock', c.stock.stock_id],
    ['product coupon', c.product_coupon.product_coupon_id],
    ['brand', c.brand_id],
    ['openid', d.openid],
    ['appid', d.appid],
    ['send_request_no', c.send_request_no],
    ['valid', shortTime(c.valid_begin_time) + ' → ' + shortTime(c.valid_end_time)],
    ['attach', dash(c.attach)],
  ];
  $('detail-facts').replaceChildren(...facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
  $('timeline').replaceChildren(
    ...d.timeline.map((e) =>
      h('li', { 'data-event': e.event }, h('span', { class: 'when', text: shortTime(e.time) }), badge(e.event), ' ', h('span', { class: 'what', text: e.detail })),
    ),
  );
  $('detail-json').textContent = JSON.stringify(c, null, 2);
  $('coupon-detail').hidden = false;
  $('coupon-split').classList.add('open');
}

function closeDetail() {
  state.detail = null;
  $('coupon-detail').hidden = true;
  $('coupon-split').classList.remove('open');
}

// --- requests ----------------------------------------------------------------------------

// Newlines made visible: each line of a signed message ends with ↵.
const visibleNewlines = (s) => String(s).replace(/\n/g, '↵\n');

async function refreshRequests() {
  let page = await api('GET', '/mock/requests?since=' + state.lastSeq + '&limit=' + JOURNAL_MAX);
  if (page.last_seq < state.lastSeq) {
    // The emulator was reset: start over.
    state.journal = [];
    state.lastSeq = 0;
    state.expanded.clear();
    page = await api('GET', '/mock/requests?since=0&limit=' + JOURNAL_MAX);
  }
  if (page.data.length) {
    state.journal = page.data.concat(state.journal).slice(0, JOURNAL_MAX);
    state.lastSeq = state.journal[0].seq;
    state.journalDirty = true;
  }
  if (state.journalDirty) renderRequests();
}

function renderRequests() {
  state.journalDirty = false;
  const errorsOnly = $('errors-only').checked;
  const rows = [];
  for (const e of state.journal) {
    if (errorsOnly && e.status < 400 && e.status !== 0) continue;
    const failed = e.status >= 400 || e.status === 0;
    const open = state.expanded.has(e.seq);
    rows.push(
      h(
        'tr',
        {
          'data-seq': e.seq,
          'data-code': e.code,
          class: (failed ? 'err clickable' : '') + (e.signature ? ' sig' : '') + (open ? ' selected' : ''),
          onclick: failed ? () => toggleRequest(e.seq) : null,
        },
        td(e.seq),
        h('td', { class: 'nowrap', title: e.time, text: shortTime(e.time).slice(11) }),
        td(dash(e.caller), 'nowrap'),
        td(e.operation, 'nowrap'),
        h('td', { class: 'path mono', title: e.method + ' ' + e.path, text: e.method + ' ' + e.path }),
        td(e.status === 0 ? 'dropped' : e.status),
        td(dash(e.code)),
        td(e.latency_ms.toFixed(1) + ' ms'),
        td(e.request_id, 'mono'),
      ),
    );
    if (open) rows.push(requestDetail(e));
  }
  $('request-count').textContent = state.journal.length + ' request(s) kept (the last ' + JOURNAL_MAX + ')';
  fill($('request-table').tBodies[0], rows, 'no requests yet', 9);
}

function requestDetail(e) {
  const parts = [];
  if (e.message) parts.push(h('p', {}, h('strong', { text: 'message: ' }), e.message));
  const s = e.signature;
  if (s) {
    parts.push(h('p', {}, h('strong', { text: 'signature check failed: ' }), h('span', { class: 'reason', text: s.reason })));
    if (s.expected_message !== null && s.expected_message !== undefined) {
      parts.push(h('div', { class: 'muted', text: 'The emulator verified the signature against exactly this string (METHOD, URL, TIMESTAMP, NONCE, BODY, each line ending in \\n):' }));
      parts.push(h('pre', { class: 'expected', text: visibleNewlines(s.expected_message) }));
    }
    if (s.presented) {
      parts.push(h('div', { class: 'muted', text: 'Authorization presented (signature elided):' }));
      parts.push(h('pre', { class: 'presented', text: s.presented }));
    }
  }
  return h('tr', { class: 'detail', 'data-detail-of': e.seq }, h('td', { colspan: 9 }, parts));
}

function toggleRequest(seq) {
  if (state.expanded.has(seq)) state.expanded.delete(seq);
  else state.expanded.add(seq);
  renderRequests();
}

// --- callbacks ---------------------------------------------------------------------------

function inMs(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return 'due now';
  const s = Math.round(ms / 1000);
  return s < 120 ? 'in ' + s + ' s' : 'in ' + Math.round(s / 60) + ' min';
}

async function refreshCallbacks() {
  const list = await api('GET', '/mock/callbacks');
  $('callback-count').textContent = list.total_count + ' callback(s)';
  fill(
    $('callback-table').tBodies[0],
    list.data
      .slice()
      .reverse()
      .map((v) => {
        const outcome = v.delivered ? 'delivered' : v.given_up ? 'given-up' : 'pending';
        return h(
          'tr',
          { 'data-id': v.id, 'data-outcome': outcome },
          h('td', { class: 'mono', title: v.id, text: v.id.slice(0, 10) + '…' }),
          td(v.event_type),
          td(v.caller),
          td(v.coupon_code ? v.stock_id + ' / ' + v.coupon_code : '—', 'mono'),
          td(v.attempts, 'attempts'),
          td(dash(v.last_status)),
          td(dash(v.last_error), 'last-error'),
          h('td', { class: 'next', title: v.next_attempt_time || '' }, inMs(v.next_attempt_in_ms)),
          h('td', { class: 'outcome' }, badge(outcome.replace('-', ' '), outcome)),
          h('td', {}, h('button', { type: 'button', class: 'redeliver', text: 'Re-deliver', onclick: (ev) => redeliver(ev.target, v.id) })),
        );
      }),
    'no callbacks (a caller needs a notify URL and an APIv3 key)',
    10,
  );
}

async function redeliver(button, id) {
  button.disabled = true;
  try {
    await api('POST', '/mock/callbacks/' + encodeURIComponent(id) + '/redeliver');
  } finally {
    schedule(300);
  }
}

// --- faults and clock --------------------------------------------------------------------

function describeFaults(f) {
  const active = FAULTS.filter((k) => f[k]);
  return active.length ? 'Active: ' + active.map((k) => k + '=' + f[k]).join(', ') : 'No faults.';
}

async function loadFaultForm() {
  try {
    const f = await api('GET', '/mock/faults');
    const form = $('fault-form');
    for (const key of FAULTS) form.elements[key].value = f[key];
    setNote('fault-status', describeFaults(f), '');
    const clock = await api('GET', '/mock/clock');
    $('clock-offset').value = clock.offset_secs;
  } catch (e) {
    setNote('fault-status', e.message, 'error');
  }
}

async function refreshFaults() {
  const clock = await api('GET', '/mock/clock');
  $('clock-now').replaceChildren(
    kv('business now', shortTime(clock.business_now)),
    kv('real now', shortTime(clock.real_now)),
    kv('offset', clock.offset_secs + ' s'),
  );
}

function setNote(id, text, cls) {
  $(id).textContent = text;
  $(id).className = cls;
}

async function putFaults(faults) {
  try {
    const saved = await api('PUT', '/mock/faults', faults);
    for (const key of FAULTS) $('fault-form').elements[key].value = saved[key];
    setNote('fault-status', 'Saved. ' + describeFaults(saved), 'ok');
  } catch (e) {
    setNote('fault-status', e.message, 'error');
  }
}

async function putClock(offset) {
  try {
    const saved = await api('PUT', '/mock/clock', { offset_secs: offset });
    $('clock-offset').value = saved.offset_secs;
    setNote('clock-status', 'Saved: offset ' + saved.offset_secs + ' s', 'ok');
    schedule(0);
  } catch (e) {
    setNote('clock-status', e.message, 'error');
  }
}

function wire() {
  window.addEventListener('hashchange', () => show(location.hash.slice(1)));
  $('namespace').addEventListener('change', (ev) => pickWorld(ev.target.value));
  $('namespace').addEventListener('focus', () => loadNamespaces().catch(() => {}));
  $('banner-token').addEventListener('click', askToken);
  $('coupon-search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.search = searchQuery();
    closeDetail();
    schedule(0);
  });
  $('coupon-search').addEventListener('reset', () => {
    state.search = '';
    closeDetail();
    schedule(0);
  });
  $('detail-close').addEventListener('click', closeDetail);
  $('errors-only').addEventListener('change', renderRequests);
  $('fault-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const faults = {};
    for (const key of FAULTS) {
      const raw = ev.target.elements[key].value.trim();
      if (raw !== '') faults[key] = Number(raw);
    }
    putFaults(faults);
  });
  $('fault-clear').addEventListener('click', () => putFaults({}));
  $('clock-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    putClock(Number($('clock-offset').value || 0));
  });
  $('clock-day').addEventListener('click', () => putClock(Number($('clock-offset').value || 0) + 86400));
  $('clock-clear').addEventListener('click', () => putClock(0));
}

const REFRESH = {
  overview: refreshOverview,
  coupons: refreshCoupons,
  requests: refreshRequests,
  callbacks: refreshCallbacks,
  faults: refreshFaults,
};

document.addEventListener('DOMContentLoaded', () => {
  initToken();
  state.ns = new URLSearchParams(location.search).get('namespace') || '';
  wire();
  loadNamespaces().catch(() => {});
  state.search = searchQuery();
  show(location.hash.slice(1) || 'overview');
});
