import { describeError } from '../api/errors.js';

/** A failed request or render, said plainly; never a blank page. */
export function ErrorMessage({ error, onRetry, context }: { error: unknown; onRetry?: () => void; context?: string }) {
  const { title, detail } = describeError(error);
  return (
    <div className="message error" role="alert">
      <strong>{context ? `${context}: ${title}` : title}</strong>
      <span>{detail}</span>
      {onRetry && (
        <div style={{ marginTop: 8 }}>
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        </div>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** A feature this server does not offer (its API answered 404). */
export function Unavailable({ feature, detail }: { feature: string; detail?: string }) {
  return (
    <div className="message warn" role="status" data-testid="unavailable">
      <strong>{feature} are not available on this server</strong>
      <span>{detail ?? `This Trainyard server has no ${feature.toLowerCase()} API yet.`}</span>
    </div>
  );
}
