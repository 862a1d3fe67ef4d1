// What a stretch of code allocates, garbage included: V8's sampling heap profiler with the objects that minor and
// major collections freed counted too, so a short-lived record costs what it cost to make. Used by the allocation
// workloads of bench/code (upgrade_10k_alloc) and bench/behaviours (call_alloc, start_alloc).
import { Session } from 'node:inspector/promises';

/** A sampler: `start()` begins sampling; `stop()` ends it and answers the bytes allocated and the top 8 allocating functions. */
export function allocationSampler() {
  const session = new Session();
  session.connect();
  return {
    start: () => session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
    async stop() {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      session.disconnect();
      const by = new Map();
      let bytes = 0;
      const walk = (node) => {
        const fn = `${node.callFrame.functionName || '(anonymous)'}`;
        bytes += node.selfSize;
        by.set(fn, (by.get(fn) ?? 0) + node.selfSize);
        node.children.forEach(walk);
      };
      walk(profile.head);
      const top = [...by].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([fn, b]) => ({ fn, bytes: b }));
      return { allocated_bytes: bytes, top };
    },
  };
}
