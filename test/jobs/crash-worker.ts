/**
 * A dispatcher in a process of its own, for the test that kills it with SIGKILL: it enqueues one
 * job, prints the job id once the job runs, and waits to be killed.
 *
 *   node --import tsx test/jobs/crash-worker.ts STORE_URI JOB_JSON
 */
import { LocalExecutor } from '../../src/executors/local.js';
import { Dispatcher } from '../../src/jobs/dispatcher.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { NewJob } from '../../src/jobs/types.js';
import { openStore } from '../../src/store/open.js';

const [storeUri, jobJson] = process.argv.slice(2);
const store = await openStore(storeUri!);
const dispatcher = new Dispatcher({
  queue: new JobQueue(store.db),
  workerId: 'worker-a',
  capacity: { millicores: 1000, bytes: 2 ** 30, gpuIds: [] },
  executors: [new LocalExecutor()],
});
dispatcher.onJobStarted('training', (job) => {
  process.stdout.write(`${job.id}\n`);
});
await dispatcher.start();
await dispatcher.enqueue(JSON.parse(jobJson!) as NewJob, 'local');
setInterval(() => {}, 60_000);
