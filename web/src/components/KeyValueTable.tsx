import type { ReactNode } from 'react';

export interface Entry {
  key: string;
  value: ReactNode;
}

export function KeyValueTable({ entries, empty, label }: { entries: Entry[]; empty: string; label: string }) {
  if (entries.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="data kv" aria-label={label}>
      <tbody>
        {entries.map((e) => (
          <tr key={e.key}>
            <td>{e.key}</td>
            <td className="mono">{e.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
