// bench/RESULTS.md: one section per suite between markers, so each suite rewrites only its own, and at the top a
// summary of every ratio the sections expose, each with its goal and ✔/✘, rebuilt whenever a section is written.
//
// How a section exposes its ratios (bench/README.md says the same for suite authors):
//
//   writeSection('behaviours', markdown, [
//     { measure: 'gen_server cast, 1M: otp-ts / BEAM', value: 0.67, goal: '>= 1', source: 'issue 20' },
//     { measure: 'memory per idle gen_server', value: 1315, unit: ' B', goal: '<= 1229', source: 'Targets' },
//   ]);
//
// - value: the figure as measured, a number (a ratio, or bytes, ms… with `unit`);
// - goal: '>= x' or '<= x', x a number in the same unit; source: where the goal is stated (an issue, Targets);
// - unit: what follows the number in the summary, '×' when left out (a ratio);
// - limit (optional): the most this design reaches on that workload, measured in the same run in the same unit (the
//   bare hand-off's figure against the same anchor). A missed goal the limit itself misses is shown as beyond reach,
//   with the share of the limit reached (issue 20: "if a goal is beyond this design's physical limit, show the
//   measurement that proves it and get as close as the limit allows").
// The list is stored inside the section as one HTML comment (`<!-- ratios {...} -->`, invisible once rendered)
// with the day it was measured. The summary is built from every section's comment, so `npm run bench -- runtime`
// refreshes the runtime's rows and keeps the newest figures of the others. A section written without a list keeps
// the list it had (its date shows how old it is).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultFile = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const header = '# Benchmark results\n\nWritten by `npm run bench`; each section says when, where and how it was measured.\n';
const RATIOS = /<!-- ratios (\{.*\}) -->/;
const SECTION = /<!-- ([a-z0-9-]+):start -->([\s\S]*?)<!-- \1:end -->/g;
const SUMMARY_START = '<!-- summary:start -->';
const SUMMARY_END = '<!-- summary:end -->';

/**
 * Replaces (or appends) the section of `suite` in bench/RESULTS.md, with its ratios if given (see the top of this
 * file), then rebuilds the summary. Returns the file's path.
 */
export function writeSection(suite, markdown, ratios, file = defaultFile) {
  const start = `<!-- ${suite}:start -->`;
  const end = `<!-- ${suite}:end -->`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const previous = i >= 0 && j > i ? RATIOS.exec(text.slice(i, j))?.[0] : undefined;
  let data = previous;
  if (ratios !== undefined) {
    for (const r of ratios) checkRatio(suite, r);
    data = `<!-- ratios ${JSON.stringify({ measured: new Date().toISOString().slice(0, 10), ratios })} -->`;
  }
  const block = `${start}\n${markdown.trim()}\n${data ? `${data}\n` : ''}${end}`;
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, withSummary(text));
  return file;
}

/** Rebuilds the summary of bench/RESULTS.md from its sections' ratios (what writeSection does after writing). */
export function writeSummary(file = defaultFile) {
  if (existsSync(file)) writeFileSync(file, withSummary(readFileSync(file, 'utf8')));
  return file;
}

/** The sections' ratio lists found in a RESULTS.md text, in the order of the sections. */
export function parseRatios(text) {
  const sections = [];
  for (const m of text.matchAll(SECTION)) {
    const data = RATIOS.exec(m[2]);
    if (data) sections.push({ suite: m[1], ...JSON.parse(data[1]) });
  }
  return sections;
}

/** Whether `value` meets `goal` ('>= x' or '<= x'). */
export function meets(value, goal) {
  const { op, target } = parseGoal(goal);
  return op === '>=' ? value >= target : value <= target;
}

/** The summary's markdown: one row per ratio, with its goal and ✔ (met) or ✘ (not met). */
export function buildSummary(sections) {
  const rows = sections.flatMap((s) => s.ratios.map((r) => ({ ...r, suite: s.suite, measured: s.measured })));
  const met = rows.filter((r) => meets(r.value, r.goal)).length;
  const beyond = rows.filter((r) => !meets(r.value, r.goal) && beyondLimit(r));
  const lines = [
    '## Summary: every ratio against its goal',
    '',
    'Rebuilt from each section below whenever `npm run bench` writes one (so from the newest figures of every section, whichever suite ran last); *measured* is the day of that section\'s run. Ratios are otp-ts / the other side for rates, and time or bytes otp-ts / the other side where the goal is ≤.',
    '',
    '| section | measure | measured | value | goal | |',
    '| --- | --- | --- | ---: | --- | :---: |',
  ];
  for (const r of rows) {
    const unit = r.unit ?? '×';
    const { op, target } = parseGoal(r.goal);
    const goal = `${op === '>=' ? '≥' : '≤'} ${target}${unit}${r.source ? ` (${r.source})` : ''}`;
    lines.push(`| ${r.suite} | ${r.measure} | ${r.measured} | ${format(r.value)}${unit} | ${goal} | ${mark(r, unit)} |`);
  }
  const names = beyond.map((r) => r.measure.replace(/:.*$/, '')).join(', ');
  lines.push('', `${met} of ${rows.length} goals met.${beyond.length > 0 ? ` ${beyond.length} of the ${rows.length - met} missed ${beyond.length === 1 ? 'lies' : 'lie'} beyond this design's limit measured in the same run (${names}): the bare hand-off itself misses ${beyond.length === 1 ? 'it' : 'them'}.` : ''}`);
  return lines.join('\n');
}

// A missed goal that the workload's limit (the bare hand-off, same run) misses too.
function beyondLimit(r) {
  return typeof r.limit === 'number' && Number.isFinite(r.limit) && !meets(r.limit, r.goal);
}

// ✔ or ✘; a missed goal beyond the limit says so, with the share of the limit reached.
function mark(r, unit) {
  if (meets(r.value, r.goal)) return '✔';
  if (!beyondLimit(r)) return '✘';
  const share = parseGoal(r.goal).op === '>=' ? r.value / r.limit : r.limit / r.value;
  return `✘ beyond reach: the limit is ${format(r.limit)}${unit}, reached ${Math.round(share * 100)} %`;
}

function withSummary(text) {
  const summary = `${SUMMARY_START}\n${buildSummary(parseRatios(text))}\n${SUMMARY_END}`;
  const i = text.indexOf(SUMMARY_START);
  const j = text.indexOf(SUMMARY_END);
  if (i >= 0 && j > i) return text.slice(0, i) + summary + text.slice(j + SUMMARY_END.length);
  // First summary: right after the header, before the first section.
  const first = text.search(/<!-- [a-z0-9-]+:start -->/);
  return first < 0 ? `${text.trimEnd()}\n\n${summary}\n` : `${text.slice(0, first)}${summary}\n\n${text.slice(first)}`;
}

function parseGoal(goal) {
  const m = /^\s*(>=|<=)\s*(-?[0-9.]+(?:e-?[0-9]+)?)\s*$/.exec(String(goal));
  if (!m) throw new Error(`bench goal '${goal}' is not '>= number' or '<= number'`);
  return { op: m[1], target: Number(m[2]) };
}

function checkRatio(suite, r) {
  if (typeof r?.measure !== 'string' || typeof r.value !== 'number' || !Number.isFinite(r.value)) {
    throw new Error(`bench section '${suite}': a ratio needs a measure (text) and a finite value (number), got ${JSON.stringify(r)}`);
  }
  parseGoal(r.goal);
  if (r.limit !== undefined && (typeof r.limit !== 'number' || !Number.isFinite(r.limit))) {
    throw new Error(`bench section '${suite}': the limit of '${r.measure}' must be a finite number, got ${JSON.stringify(r.limit)}`);
  }
}

function format(v) {
  return Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(2);
}
