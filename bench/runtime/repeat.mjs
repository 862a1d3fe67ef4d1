/** Runs a workload `reps` times after a warm-up run (none when reps is 1) and keeps the best and the median rate, and the best rate per second of CPU time. */
export async function repeat(run, reps) {
  if (reps > 1) await run();
  const runs = [];
  for (let i = 0; i < reps; i++) {
    // The process's CPU time over the run (set-up included, GC threads too): on a loaded machine it moves far
    // less than wall time, which counts the time the process waited for a core.
    const c0 = process.cpuUsage();
    const r = await run();
    const c = process.cpuUsage(c0);
    runs.push({ ...r, cpu_rate: r.ops / ((c.user + c.system) / 1e6) });
  }
  const cpuBest = Math.max(...runs.map((r) => r.cpu_rate));
  runs.sort((a, b) => b.rate - a.rate);
  return { ...runs[0], median_rate: runs[Math.floor(runs.length / 2)].rate, cpu_rate: cpuBest, reps };
}
