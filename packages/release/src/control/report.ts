import type { InstallReport } from '@otp-ts/runtime/tools';

/** The health probe's window when `--probe-ms` is not given, as the node's release handler applies it. */
export const DEFAULT_PROBE_MS = 2000;

/** The lines `bin/<name> upgrade|downgrade` prints: what moved, what was suspended and for how long, what was killed. */
export function formatReport(r: InstallReport, wallMs: number, probeMs = DEFAULT_PROBE_MS): string {
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  // Most of a small install's time is the probe's deliberate watch: say so, and how to change it.
  const probe = probeMs > 0 ? `, ${probeMs} ms of it the health probe's watch (--probe-ms MS sets it)` : '';
  return [
    `${r.direction === 'up' ? 'upgraded' : 'downgraded'} ${r.from} → ${r.to} in ${r.ms.toFixed(0)} ms (${wallMs.toFixed(0)} ms with the connection${probe}); ${r.to} is permanent`,
    `  modules swapped: ${list(r.modules.changed)}${r.modules.added.length ? `; added: ${list(r.modules.added)}` : ''}${r.modules.removed.length ? `; removed: ${list(r.modules.removed)}` : ''}`,
    `  processes suspended: ${r.processes}, longest suspension ${r.suspendedMs.toFixed(1)} ms`,
    ...(r.killed?.length ? [`  processes killed (still running purged code): ${r.killed.length}: ${r.killed.map((k) => `${k.pid} (${k.module})`).join(', ')}`] : []),
    ...(r.stranded ?? []).map((s) => strandedLine(s, r)),
    ...(r.apps.added.length || r.apps.removed.length ? [`  applications added: ${list(r.apps.added)}; removed: ${list(r.apps.removed)}`] : []),
    ...(r.children.started.length || r.children.stopped.length ? [`  supervisor children started: ${list(r.children.started)}; stopped: ${list(r.children.stopped)}`] : []),
  ].join('\n');
}

// One process the install left on the code it ran, and the fix. A downgrade leaves it on the version it left (`from`).
function strandedLine(s: NonNullable<InstallReport['stranded']>[number], r: InstallReport): string {
  const up = r.direction === 'up';
  const code = up ? 'the old code' : `the code of ${r.from}, which this downgrade left`;
  const next = up ? `the next upgrade of ${s.module}` : `the next upgrade or downgrade of ${s.module}`;
  if (s.kind === 'supervisor') {
    const specs = up ? "its old child specs, the new version's never apply" : `the child specs of ${r.from}, those of ${r.to} never apply`;
    return `  supervisor ${s.pid} was started with callbacks ${s.module} made at run time (not an export): it keeps ${specs}; export its callbacks object (export const sup = { init }) and start it with that`;
  }
  if (s.kind === 'handler') {
    return `  gen_event manager ${s.pid} runs a handler made at run time by ${s.module} (not an export): the handler stays on ${code}, and ${next} removes it (the manager lives); export the handler object or a class`;
  }
  return `  ${s.pid} runs callbacks made at run time by ${s.module} (not an export): it stays on ${code}, and ${next} kills it; export the callback object or a class`;
}
