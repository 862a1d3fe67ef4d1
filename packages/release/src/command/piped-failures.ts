// A piped remote shell's verdict: every statement runs, as erl's shell and psql run a script on past an error, but
// the exit code says whether any failed, so a CI script can tell (psql needs ON_ERROR_STOP for that; ours does not).

/** The stderr line of a piped remote shell whose statements (`ran` in all) had `failed` failures; exit 1 goes with it. */
export function failedStatements(failed: number, ran: number, node: string): string {
  return `${failed} of ${ran} statement${ran === 1 ? '' : 's'} failed on ${node} (each printed as ** …), so the remote shell exits 1: fix them, or end a statement that may fail with .catch(() => …)`;
}

/** The stderr line of a remote shell (otp remote, bin/<name> remote) whose node went down under it; exit 1 goes with it. */
export function remoteNodeDown(node: string): string {
  return `${node} went down before it answered: its log or crash dump says why; the remote shell ends`;
}
