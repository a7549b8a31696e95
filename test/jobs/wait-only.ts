/**
 * Starts one job with the local executor and waits for it, with nothing else keeping Node's event
 * loop alive (as in `trainyard local train run`); prints the exit as JSON.
 *
 *   node --import tsx test/jobs/wait-only.ts JOB_JSON
 */
import { LocalExecutor } from '../../src/executors/local.js';
import type { ExecJob } from '../../src/executors/types.js';

const exec = new LocalExecutor();
const handle = await exec.start(JSON.parse(process.argv[2]!) as ExecJob);
process.stdout.write(JSON.stringify(await exec.wait(handle)));
