const TONE: Record<string, string> = {
  FINISHED: 'ok',
  succeeded: 'ok',
  READY: 'ok',
  FAILED: 'bad',
  failed: 'bad',
  'upstream-failed': 'bad',
  KILLED: 'muted',
  cancelled: 'muted',
  RUNNING: 'info',
  running: 'info',
  SCHEDULED: 'warn',
  scheduling: 'warn',
  pending: 'warn',
  cached: 'muted',
  unknown: 'muted',
};

/** A run's or training's state as a coloured label (the word is always there, not colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${TONE[status] ?? 'muted'}`} data-status={status}>
      {status}
    </span>
  );
}
