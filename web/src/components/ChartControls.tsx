import { X_AXES, type XAxis } from '../charts/series.js';
import type { QueryPatch } from '../router.js';

export interface ChartSettings {
  axis: XAxis;
  smoothing: number;
  logY: boolean;
}

/** Chart settings as URL parameters, so a shared link draws the same charts. */
export function chartSettings(query: URLSearchParams): ChartSettings {
  const x = query.get('x');
  const smoothing = Number(query.get('smooth') ?? 0);
  return {
    axis: X_AXES.some((a) => a.id === x) ? (x as XAxis) : 'step',
    smoothing: Number.isFinite(smoothing) ? Math.min(Math.max(smoothing, 0), 0.99) : 0,
    logY: query.get('log') === '1',
  };
}

export function ChartControls({ settings, onChange }: { settings: ChartSettings; onChange(patch: QueryPatch): void }) {
  return (
    <div className="toolbar" role="group" aria-label="Chart settings">
      <label>
        X axis
        <select value={settings.axis} onChange={(e) => onChange({ x: e.target.value === 'step' ? undefined : e.target.value })}>
          {X_AXES.map((a) => (
            <option key={a.id} value={a.id}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Smoothing
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={settings.smoothing}
          aria-valuetext={settings.smoothing.toFixed(2)}
          onChange={(e) => onChange({ smooth: Number(e.target.value) || undefined })}
        />
        <span className="mono">{settings.smoothing.toFixed(2)}</span>
      </label>
      <label>
        <input type="checkbox" checked={settings.logY} onChange={(e) => onChange({ log: e.target.checked ? '1' : undefined })} />
        Log scale
      </label>
    </div>
  );
}
