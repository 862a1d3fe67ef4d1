// `otp observer --dump FILE`: the observer's read-only views answered from a crash dump's content instead
// of a node, with the node's own paging, sorting and filtering of the process table.
import type { CrashDump, DumpedProcess } from '@otp-ts/runtime/tools';
import { ObserverError, type Json, type ObserverSource, type ProcessPageQuery } from './server.js';

const MAX_PAGE = 500;

const labelOf = (p: DumpedProcess): string => (p.behaviour ? `${p.behaviour}:${p.module ?? '?'}` : p.initialCall);

// The pid's numbers, for sorting as the node does (serial, then id).
const pidKey = (pid: string): number => {
  const m = /^<\d+\.(\d+)\.(\d+)>$/.exec(pid);
  return m ? Number(m[2]) * 2 ** 32 + Number(m[1]) : Number.MAX_SAFE_INTEGER;
};

// The name key of a process without one.
const NO_NAME = '\uffff';

function key(p: DumpedProcess, by: string): string | number {
  switch (by) {
    case 'name':
      return p.name ?? NO_NAME;
    case 'label':
      return labelOf(p);
    case 'current':
      return p.currentFunction;
    case 'mailbox':
      return p.mailboxLength;
    case 'memory':
      return p.memory;
    case 'reductions':
      return p.reductions;
    case 'links':
      return p.links.length;
    case 'status':
      return p.status;
    default:
      return pidKey(p.pid);
  }
}

/** The first line of a dump's reason (an error's message, not its stack). */
const firstLine = (reason: string): string => reason.split('\n')[0]!.trim();

/** The observer's source for a crash dump: what the node looked like when it died. */
export function dumpSource(dump: CrashDump): ObserverSource {
  const byName = new Map(Object.entries(dump.registered ?? {}));
  return {
    node: dump.node,
    dead: { time: dump.time, reason: firstLine(dump.reason) },
    overview: () =>
      Promise.resolve({
        node: dump.node,
        time: Date.parse(dump.time),
        versions: { node: dump.versions.node, apps: dump.versions.applications },
        uptimeS: 0,
        processes: dump.processCount,
        memory: dump.memory,
        elu: 0,
        // Nothing was sampled over time: not measured, as a live node's first sample says.
        delay: null,
        reductionsPerS: null,
        messages: { deliveredPerS: null, sentPerS: null },
        loadavg: [],
        tables: dump.tables.length,
        dump: { listed: dump.processes.length, truncated: dump.truncated?.note },
      }),
    processes: (query: ProcessPageQuery) => {
      const offset = Math.max(0, Math.floor(Number(query.offset) || 0));
      const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(Number(query.limit) || 50)));
      const filter = query.filter.trim().toLowerCase();
      const dir = query.dir === 'desc' ? -1 : 1;
      const matched = dump.processes.filter((p) => !filter || `${p.pid} ${p.name ?? ''} ${labelOf(p)} ${p.currentFunction}`.toLowerCase().includes(filter));
      // Unnamed processes come after every name in both directions, as on a live node.
      const blank = (k: string | number) => query.sort === 'name' && k === NO_NAME;
      const sorted = matched
        .map((p) => ({ p, k: key(p, query.sort) }))
        .sort((a, b) => (blank(a.k) !== blank(b.k) ? (blank(a.k) ? 1 : -1) : a.k < b.k ? -dir : a.k > b.k ? dir : pidKey(a.p.pid) - pidKey(b.p.pid)));
      const rows = sorted.slice(offset, offset + limit).map(({ p }) => ({
        pid: p.pid,
        name: p.name,
        label: labelOf(p),
        current: p.currentFunction,
        status: p.status,
        mailbox: p.mailboxLength,
        memory: p.memory,
        reductions: p.reductions,
        links: p.links.length,
      }));
      return Promise.resolve({ total: dump.processes.length, matched: matched.length, offset, rows });
    },
    process: (pid: string) => {
      const want = byName.get(pid) ?? pid;
      const p = dump.processes.find((x) => x.pid === want);
      if (!p) {
        const why = dump.truncated ? ` (the dump lists ${dump.truncated.listed} of ${dump.truncated.total} processes)` : '';
        return Promise.reject(new ObserverError(404, `${pid} is not in the crash dump${why}: pick a process from the table`));
      }
      return Promise.resolve({ ...p, monitoredBy: [] } as unknown as Json);
    },
    tree: () => Promise.resolve((dump.tree ?? []) as unknown as Json),
    tables: (offset: number, limit: number) => {
      const from = Math.max(0, Math.floor(offset) || 0);
      const n = Math.min(MAX_PAGE, Math.max(1, Math.floor(limit) || 100));
      return Promise.resolve({ total: dump.tables.length, offset: from, tables: dump.tables.slice(from, from + n) });
    },
  };
}
