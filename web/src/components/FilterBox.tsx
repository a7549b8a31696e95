import { useEffect, useRef, useState } from 'react';

/**
 * The search grammar's filter, applied on Enter. The server parses it; its complaint shows under
 * the box. "/" anywhere on the page (outside a text field) jumps here.
 */
export function FilterBox({ value, onApply, error, placeholder }: { value: string; onApply(v: string): void; error?: string; placeholder: string }) {
  const [text, setText] = useState(value);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key !== '/' || t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) return;
      e.preventDefault();
      input.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return (
    <form
      className="filter-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(text.trim());
      }}
    >
      <div className="row">
        <input
          ref={input}
          type="search"
          className="mono"
          style={{ flex: 1, minWidth: 320 }}
          aria-label="Filter runs"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'filter-error' : undefined}
          placeholder={placeholder}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">Search</button>
        {value && (
          <button
            type="button"
            onClick={() => {
              setText('');
              onApply('');
            }}
          >
            Clear
          </button>
        )}
      </div>
      {error && (
        <div id="filter-error" className="inline-error" role="alert" data-testid="filter-error">
          {error}
        </div>
      )}
    </form>
  );
}
