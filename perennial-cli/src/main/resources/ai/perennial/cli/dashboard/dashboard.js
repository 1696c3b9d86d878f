'use strict';
// The dashboard page. Polls the run list and, for each run shown, the new lines of its metrics log (from the byte
// offset the last answer gave). Every text that comes from a run (names, tags, configuration) reaches the page as
// textContent or an attribute value, never as markup.
(() => {
  const POLL_MS = 1000;
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  const DEFAULT_TAGS = ['train/loss', 'eval/average_accuracy'];
  const STEP_TICKS = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].map((p) => m * p)).sort((a, b) => a - b); // whole steps only
  const STATUSES = new Set(['running', 'finished', 'failed', 'stopped', 'stale']);

  const runs = new Map(); // id -> summary from api/runs, in the server's order
  const logs = new Map(); // id -> what was read of the run's log
  const rows = new Map(); // id -> its row in the run table
  const charts = new Map(); // tag -> {box, plot, key}
  let shown = []; // ids of the runs shown, in the order chosen
  let chosenTags = null; // the tags the user ticked, or null for the defaults
  let renderedKeys = {};

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    e.append(...children); // strings become text nodes
    return e;
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: 'no-store' });
    if (!response.ok) throw new Error(url.replace(/\?.*/, '') + ' answered ' + response.status);
    return response.json();
  }

  function newLog() {
    return { next: 0, series: new Map(), matrix: null, matrixVersion: 0, config: null, configVersion: 0 };
  }

  function logOf(id) {
    return logs.get(id) || newLog();
  }

  // one tag's points, ordered by step; a step written again (a resumed run) keeps its latest value
  function put(series, step, value) {
    const { steps, values } = series;
    const n = steps.length;
    if (n === 0 || step > steps[n - 1]) { steps.push(step); values.push(value); return; }
    let lo = 0, hi = n;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (steps[mid] < step) lo = mid + 1; else hi = mid; }
    if (steps[lo] === step) values[lo] = value;
    else { steps.splice(lo, 0, step); values.splice(lo, 0, value); }
  }

  function addRecord(log, r) {
    if (r.kind === 'scalar' && typeof r.tag === 'string' && Number.isFinite(r.step)) {
      if (!log.series.has(r.tag)) log.series.set(r.tag, { steps: [], values: [] });
      put(log.series.get(r.tag), r.step, Number.isFinite(r.value) ? r.value : null);
    } else if (r.kind === 'matrix' && Array.isArray(r.rows)) {
      log.matrix = r;
      log.matrixVersion++;
    } else if (r.kind === 'start') {
      log.config = r.config === undefined ? null : r.config;
      log.configVersion++;
    }
  }

  async function readLog(id) {
    if (!logs.has(id)) logs.set(id, newLog());
    for (;;) {
      let log = logs.get(id);
      const r = await getJson('api/metrics?run=' + encodeURIComponent(id) + '&from=' + log.next);
      if (r.from !== log.next) { log = newLog(); logs.set(id, log); } // the log was rewritten: start over
      for (const record of r.records) addRecord(log, record);
      const progressed = r.next > log.next;
      log.next = r.next;
      if (!progressed || r.next >= r.size) return;
    }
  }

  function label(id) {
    const run = runs.get(id);
    const name = run ? run.name : id;
    let same = 0;
    for (const other of runs.values()) if (other.name === name) same++;
    return same > 1 || !run ? name + ' [' + id + ']' : name;
  }

  function show(ids) {
    shown = ids.filter((id) => runs.has(id));
    render();
    Promise.all(shown.map(readLog)).then(render, connectionLost);
  }

  function updateRuns(list) {
    const seen = new Set(list.map((r) => r.id));
    runs.clear();
    for (const r of list) runs.set(r.id, r);
    for (const [id, row] of rows) if (!seen.has(id)) { row.tr.remove(); rows.delete(id); logs.delete(id); }
    shown = shown.filter((id) => seen.has(id));
    const body = $('runs').tBodies[0];
    for (const r of list) {
      let row = rows.get(r.id);
      if (!row) {
        const check = el('input', { type: 'checkbox', title: 'compare' });
        check.addEventListener('change', () => show(check.checked ? [...shown, r.id] : shown.filter((x) => x !== r.id)));
        const name = el('button', { class: 'run-name', type: 'button' });
        name.addEventListener('click', () => show([r.id]));
        const status = el('span');
        row = { check, name, status, path: el('td', { class: 'path' }), command: el('td'), step: el('td'), acc: el('td') };
        row.tr = el('tr', { 'data-run': r.id }, el('td', null, check), el('td', null, name), row.path, row.command,
          el('td', null, status), row.step, row.acc);
        rows.set(r.id, row);
      }
      row.name.textContent = r.name;
      row.path.textContent = r.id;
      row.command.textContent = r.command || '';
      const status = STATUSES.has(r.status) ? r.status : 'unknown';
      row.status.textContent = r.status;
      row.status.className = 'status status-' + status;
      if (r.error) row.status.setAttribute('title', r.error); else row.status.removeAttribute('title');
      row.step.textContent = r.lastStep == null ? '' : r.lastStep + (r.totalSteps == null ? '' : ' / ' + r.totalSteps);
      row.acc.textContent = r.averageAccuracy == null ? '' : r.averageAccuracy.toFixed(3);
      body.append(row.tr); // in the server's order: the most recently started first
    }
    $('no-runs').hidden = list.length > 0;
  }

  function render() {
    for (const [id, row] of rows) {
      row.check.checked = shown.includes(id);
      row.tr.classList.toggle('shown', shown.includes(id));
    }
    $('view-title').textContent = shown.length === 0 ? 'No run selected'
      : shown.length === 1 ? label(shown[0]) : 'Comparing ' + shown.length + ' runs';
    const tags = renderTags();
    renderCharts(tags);
    renderMatrices();
    renderConfigs();
  }

  function availableTags() {
    const tags = new Set();
    for (const id of shown) for (const tag of logOf(id).series.keys()) tags.add(tag);
    return [...tags].sort();
  }

  function selectedTags(available) {
    if (chosenTags) return available.filter((t) => chosenTags.has(t));
    const defaults = available.filter((t) => DEFAULT_TAGS.includes(t));
    return defaults.length > 0 ? defaults : available.slice(0, 1);
  }

  function renderTags() {
    const available = availableTags();
    const selected = selectedTags(available);
    const key = JSON.stringify([available, selected]);
    if (renderedKeys.tags !== key) {
      renderedKeys.tags = key;
      const box = $('tags');
      box.replaceChildren();
      for (const tag of available) {
        const check = el('input', { type: 'checkbox' });
        check.checked = selected.includes(tag);
        check.addEventListener('change', () => {
          chosenTags = new Set(selectedTags(availableTags()));
          if (check.checked) chosenTags.add(tag); else chosenTags.delete(tag);
          render();
        });
        box.append(el('label', { 'data-tag': tag }, check, ' ' + tag));
      }
    }
    return selected;
  }

  // the runs' points on one step axis (uPlot draws series over shared x values); null where a run has no point
  function aligned(tag) {
    const steps = new Set();
    const series = shown.map((id) => logOf(id).series.get(tag) || { steps: [], values: [] });
    for (const s of series) for (const step of s.steps) steps.add(step);
    const xs = [...steps].sort((a, b) => a - b);
    const ys = series.map((s) => {
      const at = new Map();
      s.steps.forEach((step, i) => at.set(step, s.values[i]));
      return xs.map((x) => (at.has(x) ? at.get(x) : null));
    });
    return [xs, ...ys];
  }

  function renderCharts(tags) {
    const area = $('charts');
    const width = Math.max(280, Math.min(560, area.clientWidth - 12));
    for (const [tag, chart] of charts) {
      if (!tags.includes(tag)) { chart.plot.destroy(); chart.box.remove(); charts.delete(tag); }
    }
    for (const tag of tags) {
      const data = aligned(tag);
      const key = JSON.stringify([shown, width]);
      let chart = charts.get(tag);
      if (chart && chart.key !== key) { chart.plot.destroy(); chart.box.remove(); charts.delete(tag); chart = null; }
      if (!chart) {
        const box = el('figure', { class: 'chart', 'data-tag': tag }, el('h3', { text: tag }));
        const plot = new uPlot({
          width, height: 220,
          scales: { x: { time: false } },
          axes: [{ label: 'step', incrs: STEP_TICKS }, {}],
          series: [{ label: 'step' }, ...shown.map((id, i) => ({
            label: label(id), stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true,
          }))],
        }, data, box);
        chart = { box, plot, key };
        charts.set(tag, chart);
      } else {
        chart.plot.setData(data);
      }
      let points = 0;
      for (const ys of data.slice(1)) for (const y of ys) if (y !== null) points++;
      chart.box.setAttribute('data-points', String(points));
      chart.box.setAttribute('data-series', String(data.length - 1));
      area.append(chart.box); // in the tags' order
    }
  }

  function cellColor(v) {
    const t = Math.max(0, Math.min(1, v)); // red at 0, green at 1
    return 'hsl(' + Math.round(120 * t) + ', 55%, ' + Math.round(38 + 6 * t) + '%)';
  }

  // rebuilds an area holding one element per run shown, only when the runs or their part of it changed
  function renderPerRun(areaId, part, build) {
    const key = JSON.stringify(shown.map((id) => [id, logOf(id)[part + 'Version']]));
    if (renderedKeys[part] === key) return;
    renderedKeys[part] = key;
    $(areaId).replaceChildren(...shown.map((id) => build(id, logOf(id))).filter((e) => e !== null));
  }

  function matrixTable(m) {
    const columns = Math.max(0, ...m.rows.map((r) => (Array.isArray(r) ? r.length : 0)));
    const head = el('tr', null, el('th'));
    for (let j = 0; j < columns; j++) head.append(el('th', { text: 'exp ' + j }));
    const table = el('table', null, head);
    m.rows.forEach((r, i) => {
      const trained = Array.isArray(m.trained) && m.trained[i] != null ? m.trained[i] : i;
      const tr = el('tr', null, el('th', { text: 'after ' + trained }));
      for (let j = 0; j < columns; j++) {
        const v = Array.isArray(r) ? r[j] : null;
        if (Number.isFinite(v)) {
          const td = el('td', { text: v.toFixed(2) });
          td.style.backgroundColor = cellColor(v);
          tr.append(td);
        } else {
          tr.append(el('td', { class: 'empty', text: '–' }));
        }
      }
      table.append(tr);
    });
    return table;
  }

  function renderMatrices() {
    renderPerRun('matrices', 'matrix', (id, log) => {
      const m = log.matrix;
      if (!m) return null;
      const score = typeof m.score === 'string' ? m.score : 'accuracy';
      return el('figure', { class: 'matrix', 'data-run': id }, el('h4', { text: label(id) + ' · ' + score + ', step ' + m.step }),
        matrixTable(m));
    });
    $('matrices-title').hidden = $('matrices').childElementCount === 0;
  }

  function renderConfigs() {
    renderPerRun('configs', 'config', (id, log) => (log.config == null ? null
      : el('details', { 'data-run': id }, el('summary', { text: 'configuration of ' + label(id) }),
        el('pre', { text: JSON.stringify(log.config, null, 2) }))));
  }

  function connectionLost(e) {
    const c = $('connection');
    c.textContent = 'not updating: ' + e.message + ' (is the dashboard still running?)';
    c.classList.add('lost');
  }

  async function poll() {
    try {
      const list = await getJson('api/runs');
      const first = runs.size === 0 && shown.length === 0;
      updateRuns(list.runs);
      if (first && list.runs.length > 0) shown = [list.runs[0].id]; // start with the latest run
      await Promise.all(shown.map(readLog));
      render();
      const c = $('connection');
      c.textContent = 'live · ' + runs.size + ' runs · updated ' + new Date().toLocaleTimeString();
      c.classList.remove('lost');
    } catch (e) {
      connectionLost(e);
    }
    setTimeout(poll, POLL_MS);
  }

  window.addEventListener('resize', () => render());
  poll();
})();
