/**
 * How git reaches a connection's repository without its credentials ever being on a command line,
 * in a URL git stores, or in a message: https passwords and tokens through a GIT_ASKPASS helper
 * that reads them from the environment; ssh keys in a private temporary folder, with the server's
 * host key pinned (StrictHostKeyChecking yes).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalid } from '../../errors.js';
import type { ConnectionSpec } from '../connections/schema.js';
import { knownHostsText, privateKeyText } from '../connections/ssh-keys.js';
import type { GitLocation } from '../connections/uri.js';

export interface GitAuth {
  /** Environment for every git command of this fetch. */
  env: Record<string, string>;
  /** Values to scrub from anything git prints before it reaches a message. */
  secrets: string[];
  cleanup(): Promise<void>;
}

// The helper prints what git asks for; the values come from the environment git passes it.
const ASKPASS = `#!/bin/sh
case "$1" in
  [Uu]sername*) printf '%s\\n' "$TRAINYARD_GIT_USERNAME" ;;
  *) printf '%s\\n' "$TRAINYARD_GIT_PASSWORD" ;;
esac
`;

/** Settings that keep a fetch independent of the machine's git and ssh configuration and never interactive. */
const BASE_ENV: Record<string, string> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_ASKPASS: '',
  SSH_ASKPASS: '',
  LC_ALL: 'C',
};

export async function prepareGitAuth(spec: ConnectionSpec, location: GitLocation, connectionId: string): Promise<GitAuth> {
  const dir = await mkdtemp(join(tmpdir(), 'trainyard-git-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    if (location.transport === 'ssh') return { ...(await sshAuth(spec, location, dir, connectionId)), cleanup };
    if (location.transport === 'https' || location.transport === 'http') return { ...(await webAuth(spec, location, dir)), cleanup };
    return { env: { ...BASE_ENV }, secrets: [], cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function webAuth(spec: ConnectionSpec, location: GitLocation, dir: string): Promise<Omit<GitAuth, 'cleanup'>> {
  const password = spec.password || spec.keySecret || location.password;
  const username = spec.username || location.user || (password ? 'git' : undefined);
  if (!password && !username) return { env: { ...BASE_ENV }, secrets: [] };
  const script = join(dir, 'askpass.sh');
  await writeFile(script, ASKPASS, { mode: 0o700 });
  const env = { ...BASE_ENV, GIT_ASKPASS: script, TRAINYARD_GIT_USERNAME: username ?? '', TRAINYARD_GIT_PASSWORD: password ?? '' };
  // Every part of a web URL's userinfo counts as secret: tokens are often written as the user name.
  const secrets = [password, location.user].filter((v): v is string => Boolean(v));
  return { env, secrets };
}

async function sshAuth(spec: ConnectionSpec, location: GitLocation, dir: string, connectionId: string): Promise<Omit<GitAuth, 'cleanup'>> {
  const knownHosts = spec.publicKey ? knownHostsText(spec.publicKey, location.host ?? '', location.port) : undefined;
  if (!knownHosts) {
    throw invalid(`Git connection '${connectionId}' has no usable publicKey: give the server's host key (the output of \`ssh-keyscan ${location.host ?? 'HOST'}\`)`);
  }
  const hostsFile = join(dir, 'known_hosts');
  await writeFile(hostsFile, knownHosts, { mode: 0o600 });
  const options = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${hostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null'];
  const secrets: string[] = [];
  if (spec.keySecret) {
    const key = privateKeyText(spec.keySecret);
    if (!key) throw invalid(`Git connection '${connectionId}': keySecret is not an ssh private key (-----BEGIN ... PRIVATE KEY-----, plain or base64-encoded)`);
    const keyFile = join(dir, 'id');
    await writeFile(keyFile, key, { mode: 0o600 });
    // writeFile's mode is subject to the umask only when creating; make sure ssh accepts the key.
    await chmod(keyFile, 0o600);
    options.push('-i', keyFile, '-o', 'IdentitiesOnly=yes');
    secrets.push(spec.keySecret, key.trim());
  }
  if (location.password) secrets.push(location.password);
  return { env: { ...BASE_ENV, GIT_SSH_COMMAND: ['ssh', ...options].map(shellQuote).join(' ') }, secrets };
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./=:-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Replaces every secret (and its URL-encoded form) in text git printed. */
export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('*****');
  }
  return out;
}
