import { useEffect, useState } from 'react';
import { api, artifactUrl } from '../api/client.js';
import { formatBytes } from '../format.js';
import { parseDelimited } from './csv.js';
import { ErrorMessage, Loading } from './ErrorMessage.js';

type Kind = 'image' | 'json' | 'csv' | 'tsv' | 'text' | 'unknown';

const IMAGE = /\.(png|jpe?g|gif|svg|webp|bmp|ico)$/i;
const TEXT = /(\.(txt|log|ya?ml|md|py|r|sh|ini|cfg|conf|toml|xml|html?|js|ts|sql|properties|env|out|err)|^MLmodel|^MLproject|requirements\.txt|Dockerfile|conda\.yaml)$/i;
const PREVIEW_LIMIT = 5 * 1024 * 1024;

function kindOf(path: string): Kind {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (IMAGE.test(name)) return 'image';
  if (/\.json$/i.test(name)) return 'json';
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.tsv$/i.test(name)) return 'tsv';
  if (TEXT.test(name)) return 'text';
  return 'unknown';
}

/** Shows one artifact: images inline, JSON pretty-printed, CSV as a table, text as text; always a download link. */
export function ArtifactPreview({ runId, path, size }: { runId: string; path: string; size?: number }) {
  const kind = kindOf(path);
  const url = artifactUrl(runId, path);
  const tooLarge = size !== undefined && size > PREVIEW_LIMIT;
  return (
    <div className="stack" data-testid="artifact-preview">
      <div className="row">
        <strong className="mono">{path}</strong>
        <span className="muted">{formatBytes(size)}</span>
        <span className="spacer" />
        <a className="button" href={url} download={path.slice(path.lastIndexOf('/') + 1)}>
          Download
        </a>
      </div>
      {kind === 'image' ? (
        <img src={url} alt={path} style={{ maxWidth: '100%', background: 'white' }} />
      ) : tooLarge ? (
        <p className="muted">Too large to preview here ({formatBytes(size)}); download it instead.</p>
      ) : (
        <TextPreview url={url} kind={kind} />
      )}
    </div>
  );
}

function TextPreview({ url, kind }: { url: string; kind: Kind }) {
  const [state, setState] = useState<{ text?: string; binary?: boolean; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    setState({});
    const [path, query] = url.split('?');
    api.http
      .send('GET', path!, { query: Object.fromEntries(new URLSearchParams(query)) })
      .then((res) => res.arrayBuffer())
      .then((buf) => {
        if (!live) return;
        const bytes = new Uint8Array(buf);
        // A NUL in the first few KiB says binary, whatever the name.
        if (bytes.subarray(0, 8192).includes(0)) setState({ binary: true });
        else setState({ text: new TextDecoder().decode(bytes) });
      })
      .catch((error: unknown) => live && setState({ error }));
    return () => {
      live = false;
    };
  }, [url]);

  if (state.error !== undefined) return <ErrorMessage error={state.error} context="Could not load the file" />;
  if (state.binary) return <p className="muted">A binary file; download it to open it.</p>;
  if (state.text === undefined) return <Loading what="the file" />;
  if (kind === 'csv' || kind === 'tsv') return <CsvTable text={state.text} delimiter={kind === 'csv' ? ',' : '\t'} />;
  if (kind === 'json') {
    let pretty = state.text;
    try {
      pretty = JSON.stringify(JSON.parse(state.text), null, 2);
    } catch {
      // Not valid JSON: show it as it is.
    }
    return <pre className="block">{pretty}</pre>;
  }
  return <pre className="block">{state.text}</pre>;
}

function CsvTable({ text, delimiter }: { text: string; delimiter: string }) {
  const { rows, truncated } = parseDelimited(text, delimiter);
  const [head, ...body] = rows;
  if (!head) return <p className="muted">Empty file.</p>;
  return (
    <div style={{ overflow: 'auto', maxHeight: '70vh' }}>
      <table className="data" aria-label="CSV preview" data-testid="csv-table">
        <thead>
          <tr>
            {head.map((h, i) => (
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {body.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j} className={c !== '' && !Number.isNaN(Number(c)) ? 'num' : undefined}>
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {truncated && <p className="muted">Showing the first {rows.length.toLocaleString()} rows; download the file for all of them.</p>}
    </div>
  );
}
