import { useEffect, useRef, useState } from 'react';
import { kindLabel, type AvailableKeys, type ColumnKind } from './run-columns.js';

const KINDS: ColumnKind[] = ['metric', 'param', 'tag'];

/** Picks which metrics, params and tags show as columns; Escape or a click outside closes it. */
export function ColumnChooser({ keys, chosen, onChange }: { keys: AvailableKeys; chosen: string[]; onChange(ids: string[]): void }) {
  const [open, setOpen] = useState(false);
  const [needle, setNeedle] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const set = new Set(chosen);
  const toggle = (id: string) => onChange(set.has(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const match = (k: string) => !needle || k.toLowerCase().includes(needle.toLowerCase());

  return (
    <span style={{ position: 'relative' }}>
      <button ref={button} type="button" aria-expanded={open} aria-haspopup="dialog" onClick={() => setOpen(!open)}>
        Columns ({chosen.length})
      </button>
      {open && (
        <div
          ref={box}
          className="popover"
          role="dialog"
          aria-label="Choose columns"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              setOpen(false);
              button.current?.focus();
            }
          }}
        >
          <input type="search" autoFocus placeholder="Find a key" aria-label="Find a column key" value={needle} onChange={(e) => setNeedle(e.target.value)} />
          {KINDS.map((kind) => {
            const list = keys[kind].filter(match);
            if (list.length === 0) return null;
            return (
              <fieldset key={kind}>
                <legend>{kindLabel(kind)}</legend>
                {list.map((k) => {
                  const id = `${kind}:${k}`;
                  return (
                    <label key={id}>
                      <input type="checkbox" checked={set.has(id)} onChange={() => toggle(id)} />
                      <span className="mono">{k}</span>
                    </label>
                  );
                })}
              </fieldset>
            );
          })}
          {KINDS.every((k) => keys[k].filter(match).length === 0) && <p className="muted">No keys{needle ? ' match' : ' in the loaded runs'}.</p>}
          <div className="row">
            <button type="button" onClick={() => onChange([])}>
              Clear
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </div>
      )}
    </span>
  );
}
