import { useEffect, useState } from 'react';

/** A resource as the YAML people write manifests in (the YAML library loads on first use). */
export function ManifestView({ value, label }: { value: unknown; label: string }) {
  const [text, setText] = useState<string>();
  useEffect(() => {
    let live = true;
    import('yaml').then(
      (yaml) => live && setText(yaml.stringify(value, { lineWidth: 0 })),
      () => live && setText(JSON.stringify(value, null, 2)),
    );
    return () => {
      live = false;
    };
  }, [value]);
  return (
    <pre className="block" aria-label={label} data-testid="manifest">
      {text ?? JSON.stringify(value, null, 2)}
    </pre>
  );
}
