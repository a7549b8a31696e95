import { useState } from 'react';
import type { Run } from '../../../../src/tracking/entities.js';
import { api, artifactUrl } from '../../api/client.js';
import { useLogText, type LogSource } from '../../api/log-text.js';
import { useResource } from '../../api/use-resource.js';
import { Link } from '../../router.js';
import { Loading } from '../ErrorMessage.js';
import { LogView } from '../LogView.js';
import { runRow } from '../run-columns.js';

export const LOG_ARTIFACT = 'training.log';

/**
 * The run's log. A training's run streams it live from the training while active; afterwards the
 * log stored among the run's artifacts is shown (or the training's own copy when there is none).
 */
export function RunLog({ run, active }: { run: Run; active: boolean }) {
  const trainingId = runRow(run).tags.get('training_id');
  const runId = run.info.run_id;
  const [attempt, setAttempt] = useState(0);
  const stored = useResource(
    async () => (active ? false : (await api.tracking.listArtifacts(runId)).files.some((f) => f.path === LOG_ARTIFACT && !f.is_dir)),
    [runId, active],
  );
  let source: LogSource | undefined;
  if (trainingId && (active || stored.data === false)) source = { kind: 'training', trainingId, follow: true };
  else if (stored.data) source = { kind: 'artifact', runId, path: LOG_ARTIFACT };
  const log = useLogText(source, attempt);

  if (!source) {
    if (stored.data === undefined && stored.error === undefined) return <Loading what="the log" />;
    return <p className="muted">This run has no log: it was not started by a Trainyard training and has no {LOG_ARTIFACT} artifact.</p>;
  }
  return (
    <div className="stack">
      <div className="row">
        {trainingId && (
          <span>
            From training <Link to={`/trainings/${encodeURIComponent(trainingId)}`}>{trainingId}</Link>
          </span>
        )}
        <span className="spacer" />
        {source.kind === 'artifact' && (
          <a className="button" href={artifactUrl(runId, LOG_ARTIFACT)} download>
            Download log
          </a>
        )}
      </div>
      <LogView log={log} label="Run log" onRetry={() => setAttempt((a) => a + 1)} />
    </div>
  );
}
