// newsflow search page: plain JavaScript, no build step. The state lives in
// the URL (?q=&sort=&lang=&source=&entity=&entity_id=&story_id=&from=&to=&offset=, ?id= for
// an article, ?story= for a story), so every view can be bookmarked and Back works.
'use strict';

const $ = (s) => document.querySelector(s);
const LIMIT = 10;
const LISTS = ['lang', 'source', 'entity', 'entity_id', 'story_id'];
const FACET_PARAM = { lang: 'lang', source: 'source', entities: 'entity' };

// The UI speaks the reader's language: the first of the browser's
// languages that it knows (bg, en), else English.
const STRINGS = {
  en: {
    lang: 'Language', source: 'Source', entities: 'Entities',
    PERSON: 'People', LOCATION: 'Places', ORGANIZATION: 'Organisations', OTHER: 'Other',
    searching: 'Searching…', none: 'No articles found.', of: 'of', article: ['article', 'articles'], story: ['story', 'stories'],
    newer: '← Newer', more: 'More →', previous: '← Previous', next: 'Next →', loading: 'Loading…',
    words: 'words', minRead: 'min read', original: 'original', untitled: '(untitled)', untitledTip: 'untitled: its first sentence',
    Entities: 'Entities', Keywords: 'Keywords', Quotes: 'Quotes', Text: 'Text', Related: 'Related', Story: 'Story',
    placeholder: 'Search articles: words, "phrases", OR, -word, title:, entity:, lang:…', query: 'Search query',
    relevance: 'Most relevant', date: 'Newest first', collapse: 'one per story', search: 'Search', syntax: 'Syntax',
    published: 'Published', from: 'from', to: 'to', watch: 'Watch this search', filters: 'Filters', title: 'newsflow search',
    source_: ['source', 'sources'], language_: ['language', 'languages'], storyMeta: '{a} from {s} in {l}',
    searchThem: 'search them', openStory: 'the whole story', wholeStory: 'whole story →', back: '← Back to results',
    firstShown: 'the first {n} shown', storyTitle: 'Story', unknownLang: 'language not known',
    hour: 'per hour', day: 'per day', week: 'per week', dragHint: 'Drag across the bars to set the dates.', chartLabel: 'Articles over time',
    watchTip: 'Save this search: every new article it matches makes an alert',
    watchName: 'Name of the watch (letters, digits, - and _). Alerts go to alerts.<name>.',
    watchWebhook: 'Webhook URL to POST each alert to (optional):',
    watching: 'Watching: new matches alert on {subject}.', watchingHook: 'Watching: new matches alert on {subject} and {webhook}.',
    watchToken: 'Saving a watch needs the API token.', watchNone: 'This server does not keep watches (run the watch worker, or newsflow up).',
    needToken: 'This API needs a token.',
  },
  bg: {
    lang: 'Език', source: 'Източник', entities: 'Споменати',
    PERSON: 'Хора', LOCATION: 'Места', ORGANIZATION: 'Организации', OTHER: 'Други',
    searching: 'Търсене…', none: 'Няма намерени статии.', of: 'от', article: ['статия', 'статии'], story: ['история', 'истории'],
    newer: '← По-нови', more: 'Още →', previous: '← Предишни', next: 'Следващи →', loading: 'Зареждане…',
    words: 'думи', minRead: 'мин. четене', original: 'оригинал', untitled: '(без заглавие)', untitledTip: 'без заглавие: първото изречение',
    Entities: 'Споменати', Keywords: 'Ключови думи', Quotes: 'Цитати', Text: 'Текст', Related: 'Свързани', Story: 'История',
    placeholder: 'Търсене в статиите: думи, "фрази", OR, -дума, title:, entity:, lang:…', query: 'Търсене',
    relevance: 'Най-подходящи', date: 'Най-нови', collapse: 'по една на история', search: 'Търси', syntax: 'Синтаксис',
    published: 'Публикувани', from: 'от', to: 'до', watch: 'Следи това търсене', filters: 'Филтри', title: 'newsflow търсене',
    source_: ['източник', 'източника'], language_: ['език', 'езика'], storyMeta: '{a} от {s} на {l}',
    searchThem: 'търси ги', openStory: 'цялата история', wholeStory: 'цялата история →', back: '← Към резултатите',
    firstShown: 'показани са първите {n}', storyTitle: 'История', unknownLang: 'неизвестен език',
    hour: 'на час', day: 'на ден', week: 'на седмица', dragHint: 'Плъзнете по стълбовете, за да изберете дати.', chartLabel: 'Статии във времето',
    watchTip: 'Запазва търсенето: всяка нова статия, която отговаря на него, дава известие',
    watchName: 'Име на следенето (букви, цифри, - и _). Известията отиват в alerts.<име>.',
    watchWebhook: 'Адрес (webhook), на който да се изпраща всяко известие (по избор):',
    watching: 'Следи се: новите съвпадения дават известие в {subject}.', watchingHook: 'Следи се: новите съвпадения дават известие в {subject} и {webhook}.',
    watchToken: 'За да запазите следене, е нужен ключът на API.', watchNone: 'Този сървър не пази следения (пуснете watch или newsflow up).',
    needToken: 'Този API иска ключ.',
  },
};
const UI = (() => {
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (STRINGS[base]) return base;
  }
  return 'en';
})();
const tr = (k) => STRINGS[UI][k] ?? STRINGS.en[k] ?? k;
// trf fills {name} placeholders of a string in the UI language.
const trf = (k, vals) => tr(k).replace(/\{(\w+)\}/g, (m, n) => (n in vals ? String(vals[n]) : m));
// langName is a language code's name in the UI language.
const langName = (code) => {
  if (!code || code === 'und') return tr('unknownLang');
  try {
    return new Intl.DisplayNames([UI], { type: 'language' }).of(code) || code;
  } catch (e) {
    return code;
  }
};
// count is "n article(s)" in the UI language.
const count = (n, k) => `${n} ${tr(k)[n === 1 ? 0 : 1]}`;
// storyMeta is "n articles from s sources in l languages".
const storyMeta = (n, s, l) => trf('storyMeta', { a: count(n, 'article'), s: count(s, 'source_'), l: count(l, 'language_') });
const FACET_TITLE = { lang: tr('lang'), source: tr('source'), entities: tr('entities') };
const TYPE_TITLE = { PERSON: tr('PERSON'), LOCATION: tr('LOCATION'), ORGANIZATION: tr('ORGANIZATION'), OTHER: tr('OTHER') };

// translateStatic puts the UI language into the page's fixed text:
// data-i18n (text), data-i18n-placeholder, data-i18n-label (aria-label).
function translateStatic() {
  document.documentElement.lang = UI;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = tr(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = tr(e.dataset.i18nPlaceholder);
  for (const e of document.querySelectorAll('[data-i18n-label]')) e.setAttribute('aria-label', tr(e.dataset.i18nLabel));
  for (const e of document.querySelectorAll('[data-i18n-title]')) e.title = tr(e.dataset.i18nTitle);
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// The snippet is HTML from the API (text escaped, matches in <mark>).
// Keep only text and <mark>, whatever arrives.
function snippetNodes(html) {
  const t = document.createElement('template');
  t.innerHTML = html || '';
  const out = [];
  for (const n of t.content.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) out.push(document.createTextNode(n.textContent));
    else if (n.nodeName === 'MARK') out.push(el('mark', {}, n.textContent));
    else out.push(document.createTextNode(n.textContent));
  }
  return out;
}

// firstSentence is the first sentence of text, at most 100 characters.
function firstSentence(text) {
  text = (text || '').replace(/^…/, '').replace(/\s+/g, ' ').trim();
  const m = text.match(/^.+?[.!?…](?=\s|$)/);
  const s = m ? m[0] : text;
  return s.length > 100 ? s.slice(0, 99) + '…' : s;
}

// An untitled article is headed by its first sentence, marked as such
// (in italics, "untitled" beside it), or by its id when it has no text.
function untitled(h, text) {
  if (text === undefined) {
    const t = document.createElement('template');
    t.innerHTML = h.snippet || '';
    text = t.content.textContent;
  }
  const s = firstSentence(text);
  return [el('span', { class: 'untitled', title: tr('untitledTip') }, s || h.id),
    el('span', { class: 'untitled-mark' }, tr('untitled'))];
}

function fmtDate(s) {
  if (!s) return '';
  const d = new Date(s);
  if (isNaN(d)) return '';
  // The reader's locale: the browser's languages, in its order.
  const opts = { year: 'numeric', month: 'short', day: 'numeric' };
  try {
    return d.toLocaleDateString([...(navigator.languages || [])].map((l) => String(l).split(';')[0].trim()), opts);
  } catch (e) {
    return d.toLocaleDateString(undefined, opts);
  }
}

function state() {
  const p = new URLSearchParams(location.search);
  const s = { q: p.get('q') || '', sort: p.get('sort') || 'relevance', from: p.get('from') || '', to: p.get('to') || '',
    collapse: p.get('collapse') || '',
    offset: Math.max(0, parseInt(p.get('offset') || '0', 10) || 0), id: p.get('id') || '', story: p.get('story') || '' };
  for (const k of LISTS) s[k] = p.getAll(k);
  return s;
}

function toQuery(s) {
  const p = new URLSearchParams();
  if (s.id) { p.set('id', s.id); return p; }
  if (s.story) { p.set('story', s.story); return p; }
  if (s.q) p.set('q', s.q);
  if (s.sort && s.sort !== 'relevance') p.set('sort', s.sort);
  if (s.collapse) p.set('collapse', s.collapse);
  for (const k of LISTS) for (const v of s[k] || []) p.append(k, v);
  if (s.from) p.set('from', s.from);
  if (s.to) p.set('to', s.to);
  if (s.offset) p.set('offset', String(s.offset));
  return p;
}

function go(s) {
  const qs = toQuery(s).toString();
  history.pushState(null, '', qs ? '?' + qs : '/');
  render();
}

function token() { return sessionStorage.getItem('newsflow-token') || ''; }

async function api(path) {
  const headers = {};
  if (token()) headers.Authorization = 'Bearer ' + token();
  const r = await fetch(path, { headers });
  let body = null;
  try { body = await r.json(); } catch (_) { /* not JSON */ }
  if (r.status === 401) {
    $('#token').hidden = false;
    throw new Error(tr('needToken'));
  }
  if (!r.ok) {
    const msg = body && body.error ? body.error.message : r.status + ' ' + r.statusText;
    const err = new Error(msg);
    err.status = r.status;
    throw err;
  }
  return body;
}

// watchSearch saves the current search as a watch (POST /v1/watches):
// every article indexed from now on that it matches makes an alert.
async function watchSearch() {
  const s = state();
  const q = s.q || '*';
  const slug = q.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
  const suggested = /^[a-z0-9_-]{1,64}$/.test(slug) ? slug : 'watch-' + Date.now().toString(36);
  const name = prompt(tr('watchName'), suggested);
  if (!name) return;
  const webhook = prompt(tr('watchWebhook'), '') || '';
  const body = { name, query: q };
  for (const k of LISTS) if ((s[k] || []).length) body[k] = s[k];
  if (webhook) body.webhook = webhook;
  const headers = { 'Content-Type': 'application/json' };
  if (token()) headers.Authorization = 'Bearer ' + token();
  const msg = $('#watch-msg');
  try {
    const r = await fetch('/v1/watches', { method: 'POST', headers, body: JSON.stringify(body) });
    let res = null;
    try { res = await r.json(); } catch (_) { /* not JSON */ }
    if (r.status === 401) { $('#token').hidden = false; throw new Error(tr('watchToken')); }
    if (r.status === 404) throw new Error(tr('watchNone'));
    if (!r.ok) throw new Error(res && res.error ? res.error.message : r.status + ' ' + r.statusText);
    const subject = 'alerts.' + (res.subject || res.name);
    msg.textContent = res.webhook ? trf('watchingHook', { subject, webhook: res.webhook }) : trf('watching', { subject });
    msg.dataset.state = 'saved';
  } catch (e) {
    msg.textContent = e.message;
    msg.dataset.state = 'error';
  }
}

function showError(msg) {
  const e = $('#error');
  e.textContent = msg || '';
  e.hidden = !msg;
}

async function render() {
  const s = state();
  // The server rendered the first search of this URL (data-state
  // "server"): keep its results, status and error in view until the
  // script's own answer replaces them, so nothing flashes.
  const server = $('#results').dataset.state === 'server';
  $('#q').value = s.q;
  $('#sort').value = s.sort;
  $('#collapse').checked = s.collapse === 'story';
  $('#from').value = s.from;
  $('#to').value = s.to;
  if (!server) showError('');
  if (s.id) return renderArticle(s.id);
  if (s.story) return renderStoryView(s.story);
  $('#article').hidden = true;
  $('#results').hidden = false;
  $('#filters').hidden = false;
  renderActive(s);
  const p = toQuery(s);
  p.delete('offset');
  if (!p.get('q')) p.set('q', '*');
  p.set('limit', String(LIMIT));
  p.set('offset', String(s.offset));
  if (!server) $('#status').textContent = tr('searching');
  $('#results').dataset.state = 'loading';
  let res;
  try {
    res = await api('/v1/search?' + p.toString());
  } catch (e) {
    $('#status').textContent = '';
    $('#hits').replaceChildren();
    $('#pager').replaceChildren();
    showError(e.message);
    $('#results').dataset.state = 'error';
    return;
  }
  showError('');
  renderHits(s, res);
  renderFacets(s, res.facets || {}, res.entity_facet || []);
  await renderChart(s);
  // Tests (and anyone scripting the page) wait for this.
  $('#results').dataset.q = s.q;
  $('#results').dataset.state = 'done';
  document.title = (s.q ? s.q + ' – ' : '') + tr('title');
}

function renderHits(s, res) {
  const hits = res.hits || [];
  const total = res.total || 0;
  $('#status').textContent = total === 0 ? tr('none')
    : `${s.offset + 1}–${s.offset + hits.length} ${tr('of')} ${count(total, s.collapse ? 'story' : 'article')}`;
  $('#hits').replaceChildren(...hits.map((h) => el('li', { class: 'hit', 'data-id': h.id },
    el('a', { class: 'title', href: '?id=' + encodeURIComponent(h.id), onclick: (ev) => { ev.preventDefault(); go({ id: h.id }); } },
      h.title || untitled(h)),
    el('div', { class: 'meta' }, [h.source, h.lang, fmtDate(h.published_at)].filter(Boolean).join(' · '),
      // Collapsed, a hit stands for its story: open the whole of it.
      s.collapse && h.story_id ? [' · ', el('a', { class: 'story-link', href: '?story=' + encodeURIComponent(h.story_id),
        onclick: (ev) => { ev.preventDefault(); go({ story: h.story_id }); } }, tr('wholeStory'))] : null),
    el('p', { class: 'snippet' }, snippetNodes(h.snippet)))));
  const prev = el('button', { type: 'button', disabled: s.offset === 0, onclick: () => go({ ...s, offset: Math.max(0, s.offset - LIMIT) }) }, tr('newer'));
  const next = el('button', { type: 'button', disabled: s.offset + LIMIT >= total, onclick: () => go({ ...s, offset: s.offset + LIMIT }) }, tr('more'));
  if (s.sort !== 'date') { prev.textContent = tr('previous'); next.textContent = tr('next'); }
  $('#pager').replaceChildren(...(total > LIMIT ? [prev, next] : []));
}

function renderActive(s) {
  const chips = [];
  for (const k of LISTS) {
    for (const v of s[k]) {
      chips.push(el('span', { class: 'chip' }, `${k}: ${v}`,
        el('button', { type: 'button', 'aria-label': `remove ${k} ${v}`, onclick: () => go({ ...s, offset: 0, [k]: s[k].filter((x) => x !== v) }) }, '×')));
    }
  }
  $('#active').replaceChildren(...chips);
}

// renderFacets lists the facets; entities, when the index groups them by
// id (entity_facet), once per entity whatever the language it is named
// in, shown by its name in the language filtered on (else its most common
// one), and choosing one filters on its id.
function renderFacets(s, facets, byID) {
  const blocks = [];
  for (const name of ['lang', 'source', 'entities']) {
    if (name === 'entities' && byID.length > 0) {
      blocks.push(el('h3', {}, FACET_TITLE[name]), el('ul', { 'data-facet': name },
        byID.map((e) => el('li', {}, el('button', { type: 'button', title: e.id, 'data-entity-id': e.id,
          'aria-pressed': String(s.entity_id.includes(e.id)),
          onclick: () => go({ ...s, offset: 0, entity_id: s.entity_id.includes(e.id) ? s.entity_id : [...s.entity_id, e.id] }) },
        el('span', {}, e.name || e.id), el('span', { class: 'n' }, String(e.count)))))));
      continue;
    }
    const counts = Object.entries(facets[name] || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (counts.length === 0) continue;
    const param = FACET_PARAM[name];
    blocks.push(el('h3', {}, FACET_TITLE[name]), el('ul', { 'data-facet': name },
      counts.map(([v, n]) => el('li', {}, el('button', { type: 'button', 'aria-pressed': String(s[param].includes(v)),
        onclick: () => go({ ...s, offset: 0, [param]: s[param].includes(v) ? s[param] : [...s[param], v] }) },
      el('span', {}, v), el('span', { class: 'n' }, String(n)))))));
  }
  $('#facets').replaceChildren(...blocks);
}

// The chart: the matches counted per hour, day or week (GET /v1/histogram,
// same query and filters but the dates' own range), drawn as SVG bars.
// Dragging across it (or clicking one bar) sets from and to.
const SVG = 'http://www.w3.org/2000/svg';
const DAY = 86400000;

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

function isoDate(ms) { return new Date(ms).toISOString().slice(0, 10); }

// interval picks the bucket size for the dates in view: hours for three
// days or less, days up to half a year, else weeks.
function interval(s) {
  if (s.from && s.to) {
    const span = (Date.parse(s.to) - Date.parse(s.from)) / DAY;
    if (span <= 3) return 'hour';
    if (span <= 183) return 'day';
  }
  return s.from && s.to ? 'week' : 'day';
}

async function histogram(s) {
  const p = toQuery(s);
  p.delete('offset');
  p.delete('sort');
  p.delete('collapse');
  if (!p.get('q')) p.set('q', '*');
  let iv = interval(s);
  p.set('interval', iv);
  let h;
  try {
    h = await api('/v1/histogram?' + p.toString());
  } catch (e) {
    if (e.status !== 400 || iv === 'week') throw e;
    iv = 'week';
  }
  // Too many days to draw (or to count): weeks.
  if (!h || (iv === 'day' && h.buckets.length > 200)) {
    p.set('interval', 'week');
    h = await api('/v1/histogram?' + p.toString());
  }
  return h;
}

async function renderChart(s) {
  const fig = $('#chart');
  fig.dataset.state = 'loading';
  let h;
  try {
    h = await histogram(s);
  } catch (e) {
    fig.hidden = true;
    fig.dataset.state = 'error';
    return;
  }
  const buckets = h.buckets || [];
  fig.hidden = buckets.length === 0;
  const box = $('#chart-svg');
  const W = 1000, H = 90, top = 4, bottom = 14;
  box.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const peak = Math.max(1, ...buckets.map((b) => b.count));
  const bw = W / Math.max(1, buckets.length);
  const step = h.interval === 'hour' ? 3600000 : h.interval === 'week' ? 7 * DAY : DAY;
  const nodes = buckets.map((b, i) => {
    const bh = b.count === 0 ? 0 : Math.max(1, (H - top - bottom) * b.count / peak);
    const start = Date.parse(b.start);
    const r = svg('rect', { class: 'bar', x: i * bw + bw * 0.1, y: H - bottom - bh, width: Math.max(0.5, bw * 0.8), height: bh,
      'data-start': b.start, 'data-count': b.count, 'data-i': i });
    const t = svg('title', {});
    t.textContent = `${h.interval === 'hour' ? b.start.slice(0, 16).replace('T', ' ') : isoDate(start)}: ${b.count}`;
    r.append(t);
    return r;
  });
  const axis = [];
  if (buckets.length) {
    axis.push(svg('text', { class: 'axis', x: 0, y: H - 2 }));
    axis[0].textContent = isoDate(Date.parse(buckets[0].start));
    const last = svg('text', { class: 'axis', x: W, y: H - 2, 'text-anchor': 'end' });
    last.textContent = isoDate(Date.parse(buckets[buckets.length - 1].start));
    axis.push(last);
  }
  const brush = svg('rect', { class: 'brush', x: 0, y: 0, width: 0, height: H - bottom, visibility: 'hidden' });
  box.replaceChildren(...nodes, ...axis, brush);
  $('#chart-caption').textContent = `${count(h.total, 'article')} ${tr(h.interval)}`;

  // Brushing: bucket index under a client x.
  const at = (clientX) => {
    const r = box.getBoundingClientRect();
    const x = (clientX - r.left) / r.width * W;
    return Math.min(buckets.length - 1, Math.max(0, Math.floor(x / bw)));
  };
  let from = -1;
  const show = (a, b) => {
    const lo = Math.min(a, b), hi = Math.max(a, b);
    brush.setAttribute('x', lo * bw);
    brush.setAttribute('width', (hi - lo + 1) * bw);
    brush.setAttribute('visibility', 'visible');
    for (const n of nodes) n.classList.toggle('out', +n.dataset.i < lo || +n.dataset.i > hi);
  };
  box.onpointerdown = (ev) => {
    if (!buckets.length) return;
    from = at(ev.clientX);
    box.setPointerCapture(ev.pointerId);
    show(from, from);
  };
  box.onpointermove = (ev) => { if (from >= 0) show(from, at(ev.clientX)); };
  box.onpointerup = (ev) => {
    if (from < 0) return;
    const to = at(ev.clientX);
    const lo = Math.min(from, to), hi = Math.max(from, to);
    from = -1;
    const start = Date.parse(buckets[lo].start);
    const end = Date.parse(buckets[hi].start) + step - 1;
    go({ ...state(), id: '', offset: 0, from: isoDate(start), to: isoDate(end) });
  };
  box.onpointercancel = () => { from = -1; brush.setAttribute('visibility', 'hidden'); };
  fig.dataset.interval = h.interval;
  fig.dataset.state = 'done';
}

async function renderArticle(id) {
  $('#results').hidden = true;
  $('#filters').hidden = true;
  const box = $('#article');
  box.hidden = false;
  box.replaceChildren(el('p', { class: 'meta' }, tr('loading')));
  let a;
  try {
    a = await api('/v1/articles/' + encodeURIComponent(id));
  } catch (e) {
    box.replaceChildren(backLink(), el('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  document.title = (a.title || firstSentence(a.clean_body || a.body) || a.id) + ' – newsflow';
  const meta = [a.source, a.lang, fmtDate(a.published_at),
    a.word_count ? `${a.word_count} ${tr('words')}` : '', a.reading_time_seconds ? `${Math.max(1, Math.round(a.reading_time_seconds / 60))} ${tr('minRead')}` : '']
    .filter(Boolean).join(' · ');
  const parts = [backLink(), el('h1', {}, a.title || untitled(a, a.clean_body || a.body || '')), el('p', { class: 'meta' }, meta,
    a.url ? [' · ', el('a', { href: a.url, rel: 'noopener noreferrer', target: '_blank' }, tr('original'))] : [])];
  if (a.summary) parts.push(el('p', { class: 'summary' }, a.summary));
  const ents = a.entities || [];
  if (ents.length) {
    const byType = {};
    for (const e of ents) (byType[e.type] = byType[e.type] || []).push(e);
    const dl = el('dl', {});
    for (const type of ['PERSON', 'LOCATION', 'ORGANIZATION', 'OTHER']) {
      if (!byType[type]) continue;
      dl.append(el('dt', {}, TYPE_TITLE[type]), el('dd', {}, byType[type].map((e) =>
        // An entity with an id finds its articles in every language
        // (Тръмп, Трамп, Trump share one), else by its name.
        el('a', { class: 'chip entity', href: e.id ? '?entity_id=' + encodeURIComponent(e.id) : '?entity=' + encodeURIComponent(e.text),
          'data-type': e.type, 'data-id': e.id || null, title: e.id || null,
          onclick: (ev) => { ev.preventDefault(); go({ ...state(), id: '', q: '', offset: 0, entity: e.id ? [] : [e.text], entity_id: e.id ? [e.id] : [], lang: [], source: [] }); } },
        e.text, e.count > 1 ? el('span', { class: 'n' }, ' ×' + e.count) : null))));
    }
    parts.push(el('section', { class: 'entities', id: 'entities' }, el('h2', {}, tr('Entities')), dl));
  }
  if ((a.keywords || []).length) {
    parts.push(el('section', { class: 'keywords' }, el('h2', {}, tr('Keywords')), a.keywords.map((k) =>
      el('a', { class: 'chip', href: '?q=' + encodeURIComponent(k.term),
        onclick: (ev) => { ev.preventDefault(); go({ ...state(), id: '', q: k.term, offset: 0 }); } }, k.term))));
  }
  if ((a.quotes || []).length) {
    parts.push(el('section', { class: 'quotes' }, el('h2', {}, tr('Quotes')), a.quotes.map((q) =>
      el('blockquote', {}, '“' + q.text + '”', q.speaker ? el('cite', {}, '— ' + q.speaker) : null))));
  }
  const body = a.clean_body || a.body || '';
  if (body) {
    parts.push(el('section', { class: 'body' }, el('h2', {}, tr('Text')),
      body.split(/\n+/).map((p) => el('p', {}, p.trim())).filter((p) => p.textContent)));
  }
  if ((a.related_links || []).length) {
    parts.push(el('section', { class: 'related' }, el('h2', {}, tr('Related')), el('ul', {}, a.related_links.map((l) =>
      el('li', {}, /^https?:\/\//.test(l) ? el('a', { href: l, rel: 'noopener noreferrer', target: '_blank' }, l)
        : el('a', { href: '?q=' + encodeURIComponent('"' + l.replace(/"/g, '') + '"'),
          onclick: (ev) => { ev.preventDefault(); go({ q: '"' + l.replace(/"/g, '') + '"', lang: [], source: [], entity: [] }); } }, l))))));
  }
  if (a.story_id) parts.splice(3, 0, el('section', { class: 'story', id: 'story' }, el('h2', {}, tr('Story')), el('p', { class: 'meta' }, tr('loading'))));
  box.replaceChildren(...parts);
  window.scrollTo(0, 0);
  if (a.story_id) await renderStory(a);
}

// renderStory lists the articles of a's story (GET /v1/search?story_id=),
// by language and source, each linking to the article.
async function renderStory(a) {
  const box = $('#story');
  let res;
  try {
    res = await api('/v1/search?' + new URLSearchParams({ q: '*', story_id: a.story_id, sort: 'date', limit: '100' }).toString());
  } catch (e) {
    box.replaceChildren(el('h2', {}, tr('Story')), el('p', { class: 'error' }, e.message));
    return;
  }
  const hits = (res.hits || []).slice().sort((x, y) => (x.lang || '').localeCompare(y.lang || '') || (x.source || '').localeCompare(y.source || ''));
  const langs = new Set(hits.map((h) => h.lang)), sources = new Set(hits.map((h) => h.source));
  box.replaceChildren(el('h2', {}, tr('Story')),
    el('p', { class: 'meta' }, storyMeta(res.total, sources.size, langs.size), ' · ',
      el('a', { class: 'open-story', href: '?story=' + encodeURIComponent(a.story_id),
        onclick: (ev) => { ev.preventDefault(); go({ story: a.story_id }); } }, tr('openStory')), ' · ',
      el('a', { class: 'search-story', href: '?story_id=' + encodeURIComponent(a.story_id) + '&sort=date',
        onclick: (ev) => { ev.preventDefault(); go({ q: '', sort: 'date', offset: 0, lang: [], source: [], entity: [], entity_id: [], story_id: [a.story_id] }); } }, tr('searchThem'))),
    el('table', { class: 'story-articles' }, el('tbody', {}, hits.map((h) => el('tr', { 'data-id': h.id, class: h.id === a.id ? 'current' : null },
      el('td', { class: 'lang' }, h.lang || ''), el('td', { class: 'source' }, h.source || ''), el('td', {}, fmtDate(h.published_at)),
      el('td', {}, h.id === a.id ? (h.title || h.id) : el('a', { href: '?id=' + encodeURIComponent(h.id),
        onclick: (ev) => { ev.preventDefault(); go({ id: h.id }); } }, h.title || untitled(h))))))));
  box.dataset.state = 'done';
}

// renderStoryView shows one story (?story=): its articles grouped by
// language (the most articles first), then by source, each in date order.
async function renderStoryView(id) {
  $('#results').hidden = true;
  $('#filters').hidden = true;
  const box = $('#article');
  box.hidden = false;
  box.dataset.state = 'loading';
  box.replaceChildren(el('p', { class: 'meta' }, tr('loading')));
  const LIMIT_STORY = 100;
  let res;
  try {
    res = await api('/v1/search?' + new URLSearchParams({ q: '*', story_id: id, sort: 'date', limit: String(LIMIT_STORY) }).toString());
  } catch (e) {
    box.replaceChildren(backLink(), el('p', { class: 'error', role: 'alert' }, e.message));
    box.dataset.state = 'error';
    return;
  }
  const hits = (res.hits || []).slice().reverse(); // oldest first
  if (hits.length === 0) {
    box.replaceChildren(backLink(), el('h1', {}, tr('storyTitle')), el('p', { class: 'meta' }, tr('none')));
    box.dataset.state = 'done';
    return;
  }
  const byLang = new Map();
  for (const h of hits) {
    const l = h.lang || 'und';
    if (!byLang.has(l)) byLang.set(l, new Map());
    const bySource = byLang.get(l);
    if (!bySource.has(h.source)) bySource.set(h.source, []);
    bySource.get(h.source).push(h);
  }
  const langs = [...byLang.entries()].map(([l, m]) => [l, m, [...m.values()].reduce((n, x) => n + x.length, 0)])
    .sort((a, b) => b[2] - a[2] || a[0].localeCompare(b[0]));
  const sources = new Set(hits.map((h) => h.source));
  const first = hits[0], last = hits[hits.length - 1];
  const dates = [fmtDate(first.published_at), fmtDate(last.published_at)].filter(Boolean);
  const link = (h) => el('a', { href: '?id=' + encodeURIComponent(h.id), onclick: (ev) => { ev.preventDefault(); go({ id: h.id }); } }, h.title || untitled(h));
  box.replaceChildren(backLink(),
    el('h1', {}, el('span', { class: 'kicker' }, tr('storyTitle') + ': '), first.title || untitled(first)),
    el('p', { class: 'meta' }, storyMeta(res.total, sources.size, byLang.size),
      dates.length ? ' · ' + [...new Set(dates)].join(' – ') : '',
      res.total > hits.length ? ' · ' + trf('firstShown', { n: hits.length }) : '', ' · ',
      el('a', { class: 'search-story', href: '?story_id=' + encodeURIComponent(id) + '&sort=date',
        onclick: (ev) => { ev.preventDefault(); go({ q: '', sort: 'date', offset: 0, lang: [], source: [], entity: [], entity_id: [], story_id: [id] }); } }, tr('searchThem'))),
    ...langs.map(([l, bySource, n]) => el('section', { class: 'story-lang', 'data-lang': l },
      el('h2', {}, langName(l), el('span', { class: 'n' }, ' · ' + count(n, 'article'))),
      [...bySource.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([src, list]) =>
        el('div', { class: 'story-source', 'data-source': src }, el('h3', {}, src),
          el('ul', {}, list.map((h) => el('li', { 'data-id': h.id }, el('span', { class: 'meta' }, fmtDate(h.published_at)), ' ', link(h)))))))));
  document.title = tr('storyTitle') + ': ' + (first.title || first.id) + ' – newsflow';
  window.scrollTo(0, 0);
  box.dataset.state = 'done';
}

function backLink() {
  return el('a', { class: 'back', href: '/', onclick: (ev) => { ev.preventDefault(); history.length > 1 ? history.back() : go({}); } }, tr('back'));
}

document.addEventListener('DOMContentLoaded', () => {
  translateStatic();
  // Controls that need the script (the server renders them hidden).
  $('#watch-bar').hidden = false;
  $('#search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const s = state();
    go({ ...s, id: '', q: $('#q').value.trim(), sort: $('#sort').value, offset: 0 });
  });
  $('#sort').addEventListener('change', () => go({ ...state(), id: '', sort: $('#sort').value, offset: 0 }));
  $('#collapse').addEventListener('change', () => go({ ...state(), id: '', collapse: $('#collapse').checked ? 'story' : '', offset: 0 }));
  for (const k of ['from', 'to']) {
    $('#' + k).addEventListener('change', () => go({ ...state(), id: '', [k]: $('#' + k).value, offset: 0 }));
  }
  $('#home').addEventListener('click', (ev) => { ev.preventDefault(); go({}); });
  $('#watch-btn').addEventListener('click', watchSearch);
  $('#token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem('newsflow-token', $('#token-input').value);
    $('#token').hidden = true;
    render();
  });
  window.addEventListener('popstate', render);
  render();
});
