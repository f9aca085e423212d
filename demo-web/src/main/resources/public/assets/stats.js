// /stats.html: polls GET /api/cache/stats every 2 s and draws four live charts with the vendored uPlot:
// hit rate per tier and latency percentiles per tier (of the chosen region), DB loads per second (per
// region) and write-behind queue depth (per write-behind region). Counters are totals since the node
// started, so rates are the change between two answers over the time between them; a counter that went
// down (the node restarted) gives no point for that interval.
import { api, describeFailure, el, showNode } from '/assets/api.js';

const POLL_MILLIS = 2000;
const MAX_POINTS = 150; // 5 minutes at one answer per 2 s
const TIER_COLOR = { l1: '#2e7d32', l2: '#1565c0', db: '#ef6c00' };
const PERCENTILE_DASH = { p50: undefined, p95: [8, 4], p99: [2, 3] };
// Regions get colours of their own, apart from the tiers' green, blue and orange.
const PALETTE = ['#8e24aa', '#00838f', '#6d4c41', '#c2185b', '#546e7a', '#9e9d24', '#5e35b1', '#d84315'];

/** The answers kept, oldest first: {t: epoch seconds, snap: the JSON}. */
const history = [];
let selectedRegion = null;
let paused = false;
let answers = 0;
let timer = null;

const regionSelect = document.getElementById('region');
const errorBanner = document.getElementById('error-banner');
const pollState = document.getElementById('poll-state');

// ---- reading the answers ---------------------------------------------------------------------------

function regionOf(entry, name) {
  return entry.snap.regions?.find((r) => r.name === name);
}

/** later - earlier of a counter; null when either is missing or the counter went down. */
function delta(earlier, later) {
  if (typeof earlier !== 'number' || typeof later !== 'number') {
    return null;
  }
  return later >= earlier ? later - earlier : null;
}

/** part / whole as a percentage; null when nothing happened in the interval. */
function percent(part, whole) {
  return part === null || whole === null || whole <= 0 ? null : (100 * part) / whole;
}

/** Every region name seen in the kept answers, in the order first seen. */
function regionNames(filter = () => true) {
  const names = [];
  for (const entry of history) {
    for (const region of entry.snap.regions || []) {
      if (filter(region) && !names.includes(region.name)) {
        names.push(region.name);
      }
    }
  }
  return names;
}

/** A region's colour: the same in every chart. */
function regionColour(name) {
  const index = regionNames().indexOf(name);
  return PALETTE[Math.max(0, index) % PALETTE.length];
}

// ---- the charts ------------------------------------------------------------------------------------

function formatPercent(v) {
  return `${v.toFixed(v >= 10 || v === 0 ? 0 : 1)} %`;
}

function formatMicros(v) {
  if (v >= 1_000_000) {
    return `${(v / 1_000_000).toFixed(1)} s`;
  }
  if (v >= 1000) {
    return `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} ms`;
  }
  return `${v.toFixed(v >= 10 ? 0 : 1)} µs`;
}

function formatCount(v) {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? Math.round(v).toLocaleString() : v.toFixed(1);
}

const fromZero = (u, min, max) => [0, max > 0 ? max * 1.15 : 1];

/**
 * Each chart: its title, scale and formatting, whether its points are intervals (deltas between two
 * answers) or readings (one answer), and its series with the value each takes from (earlier, later).
 */
const CHARTS = [
  {
    id: 'chart-hit-rate',
    title: () => `Hit rate per tier — ${selectedRegion ?? 'no region'}`,
    yLabel: 'hit rate',
    scale: { range: [0, 100] },
    format: formatPercent,
    interval: true,
    series: () => selectedRegion === null ? [] : [
      {
        key: 'l1', label: 'L1 hits / reads', stroke: TIER_COLOR.l1,
        value: (p, c) => percent(delta(p.l1?.hits, c.l1?.hits),
          sum(delta(p.l1?.hits, c.l1?.hits), delta(p.l1?.misses, c.l1?.misses))),
      },
      {
        key: 'l2', label: 'L2 hits / L1 misses', stroke: TIER_COLOR.l2,
        value: (p, c) => percent(delta(p.l2?.hits, c.l2?.hits),
          sum(delta(p.l2?.hits, c.l2?.hits), delta(p.l2?.misses, c.l2?.misses))),
      },
      {
        key: 'db', label: 'DB loads / requests', stroke: TIER_COLOR.db,
        value: (p, c) => percent(delta(p.db?.loads, c.db?.loads), delta(p.requests, c.requests)),
      },
    ].map((s) => ({ ...s, of: selectedRegion })),
  },
  {
    id: 'chart-latency',
    title: () => `Latency percentiles per tier — ${selectedRegion ?? 'no region'}`,
    yLabel: 'latency (log)',
    scale: { distr: 3, log: 10 },
    format: formatMicros,
    interval: false,
    series: () => selectedRegion === null ? [] : ['l1', 'l2', 'db'].flatMap((tier) => ['p50', 'p95', 'p99'].map((p) => ({
      key: `${tier}.${p}`,
      label: `${tier.toUpperCase()} ${p}`,
      stroke: TIER_COLOR[tier],
      dash: PERCENTILE_DASH[p],
      of: selectedRegion,
      // A log scale has no zero: a tier that served nothing has no point.
      value: (c) => {
        const v = c.latencyMicros?.[tier]?.[p];
        return typeof v === 'number' && v > 0 ? v : null;
      },
    }))),
  },
  {
    id: 'chart-db-loads',
    title: () => 'DB loads per second',
    yLabel: 'loads / s',
    scale: { range: fromZero },
    format: formatCount,
    interval: true,
    series: () => regionNames().map((name) => ({
      key: name, label: name, stroke: regionColour(name), of: name,
      value: (p, c, seconds) => {
        const loads = delta(p.db?.loads, c.db?.loads);
        return loads === null ? null : loads / seconds;
      },
    })),
  },
  {
    id: 'chart-queue-depth',
    title: () => 'Write-behind queue depth',
    yLabel: 'records queued',
    scale: { range: fromZero },
    format: formatCount,
    interval: false,
    empty: 'No region is written behind.',
    series: () => regionNames((r) => r.writeBehind).map((name) => ({
      key: name, label: name, stroke: regionColour(name), of: name,
      value: (c) => (typeof c.writeBehind?.queueDepth === 'number' ? c.writeBehind.queueDepth : null),
    })),
  },
];

function sum(a, b) {
  return a === null || b === null ? null : a + b;
}

/** The chart's x values and one array of y values per series, from the kept answers. */
function dataOf(chart, series) {
  const xs = [];
  const ys = series.map(() => []);
  for (let i = chart.interval ? 1 : 0; i < history.length; i++) {
    const later = history[i];
    const earlier = chart.interval ? history[i - 1] : null;
    xs.push(later.t);
    series.forEach((s, n) => {
      const c = regionOf(later, s.of);
      const p = earlier && regionOf(earlier, s.of);
      let v = null;
      if (c && (!chart.interval || p)) {
        v = chart.interval ? s.value(p, c, later.t - earlier.t) : s.value(c);
      }
      ys[n].push(v === undefined || Number.isNaN(v) ? null : v);
    });
  }
  return [xs, ...ys];
}

/** One chart on the page: rebuilt when its series change, else given new data. */
class LiveChart {
  constructor(spec) {
    this.spec = spec;
    this.container = document.getElementById(spec.id);
    this.plot = null;
    this.shape = '';
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(this.container);
  }

  size() {
    return { width: Math.max(300, this.container.clientWidth), height: 260 };
  }

  update() {
    const series = this.spec.series();
    const data = dataOf(this.spec, series);
    const drawable = data.slice(1).some((ys) => ys.some((v) => v !== null));
    const shape = `${this.spec.title()}|${series.map((s) => s.key).join('|')}|${drawable}`;
    if (series.length === 0 || (!drawable && this.spec.scale.distr === 3)) {
      // Nothing to draw (and a log scale cannot be drawn without a value): say so instead.
      this.destroy();
      const why = history.length > 0 && series.length === 0 && this.spec.empty ? this.spec.empty : 'No data yet.';
      this.container.replaceChildren(el('div', { class: 'u-title' }, this.spec.title()), el('div', { class: 'none' }, why));
      this.shape = shape;
      return;
    }
    if (this.plot === null || shape !== this.shape) {
      this.destroy();
      this.container.replaceChildren();
      this.plot = new uPlot(this.options(series), data, this.container);
      this.shape = shape;
      // The colours drawn, for a test to find on the canvas.
      this.container.dataset.strokes = series.map((s) => s.stroke).join(' ');
    } else {
      this.plot.setData(data);
    }
  }

  options(series) {
    const format = this.spec.format;
    return {
      title: this.spec.title(),
      ...this.size(),
      scales: { x: { time: true }, y: this.spec.scale },
      series: [
        { label: 'time', value: (u, v) => (v == null ? '–' : new Date(v * 1000).toLocaleTimeString()) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          dash: s.dash,
          width: 2,
          spanGaps: false,
          value: (u, v) => (v == null ? '–' : format(v)),
        })),
      ],
      axes: [
        // Whole seconds at least: a minute of answers has no use for ticks at :35.500.
        { stroke: '#5d6677', grid: { stroke: '#eceff4' }, incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600] },
        {
          label: this.spec.yLabel,
          stroke: '#5d6677',
          grid: { stroke: '#eceff4' },
          size: 72,
          values: (u, splits) => splits.map((v) => (v == null ? '' : format(v))),
        },
      ],
      cursor: { drag: { x: false, y: false } },
      hooks: { draw: [(u) => this.drawn(u)] },
    };
  }

  /** Marks the container with the most points one series has drawn: what a test waits for. */
  drawn(u) {
    const most = Math.max(0, ...u.data.slice(1).map((ys) => ys.filter((v) => v != null).length));
    this.container.dataset.points = String(most);
  }

  destroy() {
    this.plot?.destroy();
    this.plot = null;
    this.container.dataset.points = '0';
  }
}

const charts = CHARTS.map((spec) => new LiveChart(spec));

// ---- the rest of the page --------------------------------------------------------------------------

function bytes(n) {
  if (typeof n !== 'number') {
    return '?';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function showSummary(snap) {
  document.getElementById('stats-node').textContent = snap.node ?? '?';
  const takenAt = new Date(snap.takenAt);
  document.getElementById('taken-at').textContent = Number.isNaN(takenAt.getTime()) ? String(snap.takenAt) : takenAt.toLocaleTimeString();
  const redis = snap.redis || {};
  const up = redis.up === true ? 'UP' : redis.up === false ? 'DOWN' : '?';
  document.getElementById('redis-up').replaceChildren(el('span', { class: `badge ${up}` }, up));
  document.getElementById('breaker').replaceChildren(el('span', { class: `badge ${redis.breaker ?? ''}` }, redis.breaker ?? '?'));
  document.getElementById('redis-memory').textContent = redis.maxMemoryBytes > 0
    ? `${bytes(redis.usedMemoryBytes)} of ${bytes(redis.maxMemoryBytes)}`
    : `${bytes(redis.usedMemoryBytes)} (no limit)`;
  document.getElementById('evicted').textContent = formatOr(redis.evictedKeys);
}

function formatOr(v) {
  return typeof v === 'number' ? v.toLocaleString() : '–';
}

function rate(v) {
  return typeof v === 'number' ? `${(100 * v).toFixed(1)} %` : '–';
}

function showRegions(snap) {
  const rows = (snap.regions || []).map((r) => {
    const wb = r.writeBehind;
    return el('tr', { 'data-region': r.name },
      el('td', {}, el('b', {}, r.name)),
      el('td', { class: 'num' }, formatOr(r.requests)),
      el('td', { class: 'num' }, formatOr(r.l1?.hits)),
      el('td', { class: 'num' }, formatOr(r.l1?.misses)),
      el('td', { class: 'num' }, rate(r.l1?.hitRate)),
      el('td', { class: 'num' }, formatOr(r.l1?.entries)),
      el('td', { class: 'num' }, formatOr(r.l2?.hits)),
      el('td', { class: 'num' }, formatOr(r.l2?.misses)),
      el('td', { class: 'num' }, formatOr(r.l2?.errors)),
      el('td', { class: 'num' }, rate(r.l2?.hitRate)),
      el('td', { class: 'num' }, formatOr(r.db?.loads)),
      el('td', { class: 'num' }, `${formatOr(r.invalidations?.sent)} / ${formatOr(r.invalidations?.received)}`),
      el('td', { class: 'num' }, formatOr(r.leaseWaits)),
      el('td', { class: 'num' }, formatOr(r.decodeFailures)),
      el('td', { class: 'num' }, wb
        ? `${formatOr(wb.queueDepth)} / ${formatOr(wb.lagMillis)} ms / ${formatOr(wb.flushed)} / ${formatOr(wb.deadLettered)}`
        : 'written through'));
  });
  document.querySelector('#regions tbody').replaceChildren(...(rows.length
    ? rows
    : [el('tr', { class: 'empty' }, el('td', { colspan: 15 }, 'No region has been used yet.'))]));
}

function showRegionChoice() {
  const names = regionNames();
  if (selectedRegion === null || !names.includes(selectedRegion)) {
    selectedRegion = names.find((n) => /product/i.test(n)) ?? names[0] ?? null;
  }
  const current = [...regionSelect.options].map((o) => o.value).join('|');
  if (current !== names.join('|')) {
    regionSelect.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
  }
  if (selectedRegion !== null) {
    regionSelect.value = selectedRegion;
  }
}

regionSelect.addEventListener('change', () => {
  selectedRegion = regionSelect.value;
  charts.forEach((c) => c.update());
});

document.getElementById('pause').addEventListener('click', (event) => {
  paused = !paused;
  event.target.textContent = paused ? 'Resume' : 'Pause';
  pollState.textContent = paused ? 'paused' : 'resuming…';
  if (!paused) {
    poll();
  }
});

function showError(message) {
  errorBanner.textContent = message;
  errorBanner.hidden = message === null;
}

async function poll() {
  clearTimeout(timer);
  if (paused) {
    return;
  }
  try {
    const answer = await api('GET', '/api/cache/stats');
    if (answer.ok && answer.json && Array.isArray(answer.json.regions)) {
      accept(answer.json);
      showError(null);
    } else if (answer.status === 404) {
      showError('This service answers no /api/cache/stats (404): it has no cache statistics to show yet.');
    } else {
      showError(`The stats could not be read: ${answer.ok ? 'the answer is not the stats JSON' : describeFailure(answer)}`);
    }
  } catch (e) {
    showError(`The service cannot be reached: ${e.message}`);
  }
  if (!paused) {
    timer = setTimeout(poll, POLL_MILLIS);
  }
}

function accept(snap) {
  const taken = Date.parse(snap.takenAt);
  const t = (Number.isNaN(taken) ? Date.now() : taken) / 1000;
  const last = history[history.length - 1];
  if (last && t <= last.t) {
    return; // the same answer again (or a clock that went back): no interval to measure
  }
  history.push({ t, snap });
  if (history.length > MAX_POINTS + 1) {
    history.shift();
  }
  answers++;
  document.body.dataset.answers = String(answers);
  pollState.textContent = `${answers} answer(s), every ${POLL_MILLIS / 1000} s`;
  showSummary(snap);
  showRegions(snap);
  showRegionChoice();
  charts.forEach((c) => c.update());
}

showNode();
charts.forEach((c) => c.update());
poll();
