import { printable } from './text.js';

/** Escapes text for HTML content and attribute values; a test's terminal escape sequences (colours) are left out, whole. */
export const esc = (s: string): string => printable(s, false).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A whole HTML page of the logs, with their shared style. */
export const page = (title: string, body: string, head = ''): string =>
  `<!doctype html>\n<html><head><meta charset="utf-8">${head}<title>${esc(title)}</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:left}.passed{color:#070}.failed{color:#b00}.skipped{color:#a60}.flaky{color:#a0a}pre{background:#f4f4f4;padding:8px;overflow:auto}</style></head>\n<body><h1>${esc(title)}</h1>\n${body}\n</body></html>\n`;

/** A table row of already escaped cells. */
export const row = (cells: readonly string[]): string => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;

/** An outcome word in its colour. */
export const status = (s: string): string => `<span class="${s}">${s}</span>`;
