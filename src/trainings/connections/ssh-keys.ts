/**
 * SSH key material of git connections, accepted plain or base64-encoded (Odahu-flow asked for
 * base64; people paste plain text): a private key in keySecret, the server's host key in publicKey.
 */

const KEY_LINE = /^(?:(\S+)\s+)?((?:ssh|ecdsa|sk)-[A-Za-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/;

/** The PEM/OpenSSH private key text, or undefined when the value is neither a key nor base64 of one. */
export function privateKeyText(value: string): string | undefined {
  const plain = value.trim();
  if (plain.startsWith('-----BEGIN ')) return `${plain}\n`;
  const decoded = fromBase64(plain)?.trim();
  return decoded?.startsWith('-----BEGIN ') ? `${decoded}\n` : undefined;
}

/**
 * known_hosts lines for the host a connection points at. A line without a host name (just
 * `ssh-ed25519 AAAA...`) is given this host, `[host]:port` when the port is not 22.
 * Undefined when the value holds no host key.
 */
export function knownHostsText(publicKey: string, host: string, port = 22): string | undefined {
  const text = publicKey.includes(' ') ? publicKey : (fromBase64(publicKey.trim()) ?? publicKey);
  const name = port === 22 ? host : `[${host}]:${port}`;
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = KEY_LINE.exec(line);
    if (!m) return undefined;
    lines.push(m[1] ? line : `${name} ${line}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : undefined;
}

function fromBase64(s: string): string | undefined {
  if (!/^[A-Za-z0-9+/\r\n]+={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64').toString('utf8');
}
