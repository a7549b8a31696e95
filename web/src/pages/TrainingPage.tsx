import { useState } from 'react';
import type { ModelTraining } from '../../../src/clients/v1.js';
import { artifactUrl, v1 } from '../api/client.js';
import { isMissingApi } from '../api/errors.js';
import { useLogText } from '../api/log-text.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading, Unavailable } from '../components/ErrorMessage.js';
import { KeyValueTable } from '../components/KeyValueTable.js';
import { LogView } from '../components/LogView.js';
import { ManifestView } from '../components/ManifestView.js';
import { StateTimeline } from '../components/StateTimeline.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatDuration, formatTime } from '../format.js';
import { Link } from '../router.js';
import { ACTIVE_STATES } from './TrainingsPage.js';

const RESULTS_FOLDER = 'results';

export function TrainingPage({ trainingId }: { trainingId: string }) {
  const training = useResource(() => v1.getTraining(trainingId), [trainingId], { every: (t) => (ACTIVE_STATES.has(t.status.state) ? 1500 : undefined) });
  const state = training.data?.status.state;
  const generation = training.data?.status.generation;
  const events = useResource(() => v1.trainingEvents(trainingId), [trainingId, state, generation]);
  const active = state !== undefined && ACTIVE_STATES.has(state);
  const [attempt, setAttempt] = useState(0);
  // Following a finished training streams its whole log and ends, so one stream serves both
  // cases; a new generation (re-run) starts a new log.
  const log = useLogText(training.data ? { kind: 'training', trainingId, follow: true } : undefined, attempt + (generation ?? 0) * 1000);
  const [busy, setBusy] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const [confirmRerun, setConfirmRerun] = useState(false);

  if (isMissingApi(training.error)) return <Unavailable feature="Trainings" />;
  if (training.data === undefined) {
    return training.error !== undefined ? <ErrorMessage error={training.error} onRetry={training.reload} context={`Could not load training ${trainingId}`} /> : <Loading what="the training" />;
  }
  const t = training.data;
  const act = async (what: string, call: () => Promise<ModelTraining>) => {
    setBusy(what);
    setActionError(undefined);
    try {
      await call();
      training.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(undefined);
    }
  };
  const rerun = () => act('re-run', () => v1.editTraining({ kind: 'ModelTraining', id: t.id, spec: t.spec } as Parameters<typeof v1.editTraining>[0]));

  const s = t.status;
  const summary = [
    { key: 'State', value: <StatusBadge status={s.state} /> },
    { key: 'Model', value: `${t.spec.model.name} ${t.spec.model.version}` },
    { key: 'Generation', value: String(s.generation) },
    { key: 'Created', value: formatTime(s.createdAt) },
    { key: 'Started', value: formatTime(s.startedAt) },
    { key: 'Finished', value: formatTime(s.finishedAt) },
    { key: 'Duration', value: s.startedAt ? formatDuration((s.finishedAt ?? Date.now()) - s.startedAt) : '—' },
    { key: 'Run', value: s.runId ? <Link to={`/runs/${s.runId}`}>{s.runId}</Link> : '—' },
  ];
  if (s.exitCode !== undefined) summary.push({ key: 'Exit code', value: String(s.exitCode) });
  if (s.reason) summary.push({ key: 'Reason', value: s.reason });
  if (s.message) summary.push({ key: 'Message', value: s.message });
  if (s.commitID) summary.push({ key: 'Commit', value: s.commitID });
  if (s.sourceHash) summary.push({ key: 'Source hash', value: s.sourceHash });
  if (s.modelVersion) summary.push({ key: 'Registered version', value: <Link to={`/models/${encodeURIComponent(t.spec.model.name)}`}>{`${t.spec.model.name} v${s.modelVersion}`}</Link> });

  return (
    <>
      <div className="crumbs">
        <Link to="/trainings">Trainings</Link> /
      </div>
      <div className="page-head">
        <h1>{t.id}</h1>
        <StatusBadge status={s.state} />
        <span className="spacer" />
        <button type="button" className="danger" disabled={!active || busy !== undefined} onClick={() => void act('cancel', () => v1.cancelTraining(t.id))}>
          {busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
        </button>
        <button type="button" disabled={busy !== undefined} onClick={() => (active ? setConfirmRerun(true) : void rerun())}>
          {busy === 're-run' ? 'Starting…' : 'Re-run'}
        </button>
      </div>
      {confirmRerun && (
        <div className="message warn" role="alertdialog" aria-label="Confirm re-run">
          <strong>Re-run while this generation is still {s.state}?</strong>
          <span>The running generation is cancelled first.</span>
          <div className="row" style={{ marginTop: 8 }}>
            <button
              type="button"
              autoFocus
              onClick={() => {
                setConfirmRerun(false);
                void rerun();
              }}
            >
              Re-run
            </button>
            <button type="button" onClick={() => setConfirmRerun(false)}>
              Keep it running
            </button>
          </div>
        </div>
      )}
      {actionError !== undefined && <ErrorMessage error={actionError} context="The action failed" />}
      {training.error !== undefined && <ErrorMessage error={training.error} context="Live updates paused" />}
      <div className="grid-2">
        <section>
          <h2>Status</h2>
          <KeyValueTable label="Training status" entries={summary} empty="" />
          <h2>Result archive</h2>
          {s.artifacts.length === 0 ? (
            <p className="muted">{active ? 'Made when the training succeeds.' : 'None.'}</p>
          ) : (
            <ul aria-label="Result archives">
              {s.artifacts.map((a) => (
                <li key={a.artifactName}>
                  <a href={artifactUrl(a.runId, `${RESULTS_FOLDER}/${a.artifactName}`)} download={a.artifactName}>
                    {a.artifactName}
                  </a>
                  {a.commitID && <span className="muted mono"> commit {a.commitID.slice(0, 12)}</span>}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section>
          <h2>State timeline</h2>
          {events.error !== undefined && <ErrorMessage error={events.error} onRetry={events.reload} />}
          {events.data && <StateTimeline events={events.data} />}
        </section>
      </div>
      <h2>Log</h2>
      <LogView log={log} label="Training log" onRetry={() => setAttempt((a) => a + 1)} />
      <h2>Manifest</h2>
      <ManifestView value={{ kind: t.kind, id: t.id, spec: t.spec }} label="Training manifest" />
    </>
  );
}
