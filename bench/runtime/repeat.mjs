/** Runs a workload `reps` times after a warm-up run (none when reps is 1) and keeps the best and the median rate. */
export async function repeat(run, reps) {
  if (reps > 1) await run();
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await run());
  runs.sort((a, b) => b.rate - a.rate);
  return { ...runs[0], median_rate: runs[Math.floor(runs.length / 2)].rate, reps };
}
