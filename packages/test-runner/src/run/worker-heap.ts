import type { Session as InspectorSession } from 'node:inspector';
import type { Worker } from 'node:worker_threads';

type Post = (method: string, params?: object) => Promise<unknown>;

/** How long the main thread waits for a worker's heap size: the inspector answers between two steps of a loop, a thrashing heap between collections. */
export const HEAP_ASK_MS = 1500;

/**
 * The used heap of one worker thread in bytes, asked through the inspector, which a worker answers even while its
 * JavaScript never yields (V8 runs inspector requests as interrupts); undefined when it cannot be asked or does not
 * answer within `ms`. Only this worker's heap: the process's memory holds every worker's.
 */
export async function workerHeapUsed(worker: Worker, ms = HEAP_ASK_MS): Promise<number | undefined> {
  let session: InspectorSession;
  try {
    const { Session } = await import('node:inspector');
    session = new Session();
    session.connect();
  } catch {
    return undefined; // a Node.js built without the inspector
  }
  const post: Post = (method, params) => new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  try {
    return await Promise.race([askHeap(session, post, worker.threadId), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);
  } catch {
    return undefined;
  } finally {
    post('NodeWorker.disable').catch(() => undefined).finally(() => session.disconnect());
  }
}

// Node's inspector names a worker `[worker <threadId>]`; its session relays the question and the answer.
async function askHeap(session: InspectorSession, post: Post, threadId: number): Promise<number | undefined> {
  let target: string | undefined;
  session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string; workerInfo: { title: string } } }) => {
    if (m.params.workerInfo.title === `[worker ${threadId}]`) target = m.params.sessionId;
  });
  const answer = new Promise<number | undefined>((resolve) => {
    session.on('NodeWorker.receivedMessageFromWorker', (m: { params: { sessionId: string; message: string } }) => {
      const reply = JSON.parse(m.params.message) as { id?: number; result?: { usedSize?: number } };
      if (m.params.sessionId === target && reply.id === 1) resolve(reply.result?.usedSize);
    });
  });
  await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  if (target === undefined) return undefined;
  await post('NodeWorker.sendMessageToWorker', { sessionId: target, message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }) });
  return answer;
}
