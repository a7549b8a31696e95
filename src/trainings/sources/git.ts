/**
 * Fetches a training's code from a git connection into a workspace with the `git` command. The
 * reference is resolved as Odahu-flow does: a full ref, then a tag, then a branch, then a commit
 * hash; the commit id is reported the moment it is known, before the checkout.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { execa, ExecaError } from 'execa';
import { invalid, TrainyardError } from '../../errors.js';
import type { Connection } from '../connections/schema.js';
import { gitLocation, redactUri } from '../connections/uri.js';
import { prepareGitAuth, scrub, type GitAuth } from './git-auth.js';

export interface GitSourceOptions {
  /** The git connection, decrypted (ConnectionService.getDecrypted). */
  connection: Connection;
  /** The training's reference; default: the connection's reference, then the repository's HEAD. */
  reference?: string | undefined;
  /** Where the working tree goes (a workspace's src folder); must not exist yet or be empty. */
  dest: string;
  /** Called with the commit id as soon as the reference is resolved. */
  onCommit?: (commit: string) => void | Promise<void>;
  signal?: AbortSignal;
  /** Longest any one git command may take, ms (default 15 minutes). */
  timeoutMs?: number;
}

export interface GitSource {
  commit: string;
  /** What the reference resolved to: a full ref (refs/heads/main, refs/tags/v1, HEAD) or the commit itself. */
  resolvedRef: string;
}

const COMMIT_HASH = /^[0-9a-fA-F]{4,40}$/;

export async function fetchGitSource(options: GitSourceOptions): Promise<GitSource> {
  const { connection, dest } = options;
  const reference = options.reference || connection.spec.reference || undefined;
  const shownUri = redactUri(connection.spec.uri);
  const context = `git connection '${connection.id}' (${shownUri})${reference ? ` at reference '${reference}'` : ''}`;
  const location = gitLocation(connection.spec.uri);
  if (connection.spec.type !== 'git' || !location) throw invalid(`Cannot fetch the source from ${context}: not a git connection with a git URI`);
  if ((await readdir(dest).catch(() => [])).length > 0) throw invalid(`Cannot put the source into '${dest}': the folder is not empty`);
  await mkdir(dest, { recursive: true });

  const auth = await prepareGitAuth(connection.spec, location, connection.id);
  const git = (args: string[]) => run(args, dest, auth, options, context);
  try {
    await git(['init', '-q']);
    await git(['remote', 'add', 'origin', location.url]);
    const refs = parseLsRemote(await git(['ls-remote', 'origin']));
    const resolved = resolveReference(reference, refs);
    let commit: string;
    if (resolved) {
      await git(['fetch', '-q', '--depth', '1', 'origin', resolved]);
      commit = (await git(['rev-parse', '--verify', 'FETCH_HEAD^{commit}'])).trim();
    } else if (reference && COMMIT_HASH.test(reference)) {
      await git(['fetch', '-q', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
      commit = await commitOf(reference, git, context);
    } else {
      throw invalid(`Cannot fetch the source from ${context}: no such full ref, tag, branch or commit in the repository`);
    }
    await options.onCommit?.(commit);
    await git(['-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', commit]);
    return { commit, resolvedRef: resolved ?? commit };
  } finally {
    await auth.cleanup();
  }
}

/** ref name → object id, from `git ls-remote` output. */
function parseLsRemote(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [sha, name] = line.split('\t');
    if (sha && name) refs.set(name, sha);
  }
  return refs;
}

/** The advertised ref a reference names, in Odahu's order: full ref, tag, branch. A commit advertised as a tip is fetched by its ref too. */
export function resolveReference(reference: string | undefined, refs: Map<string, string>): string | undefined {
  if (reference === undefined) return refs.has('HEAD') ? 'HEAD' : undefined;
  for (const candidate of [reference, `refs/tags/${reference}`, `refs/heads/${reference}`]) if (refs.has(candidate)) return candidate;
  if (/^[0-9a-fA-F]{40}$/.test(reference)) {
    const lower = reference.toLowerCase();
    for (const [name, sha] of refs) if (sha === lower && !name.endsWith('^{}')) return name;
  }
  return undefined;
}

async function commitOf(hash: string, git: (args: string[]) => Promise<string>, context: string): Promise<string> {
  try {
    return (await git(['rev-parse', '--verify', '--quiet', `${hash}^{commit}`])).trim();
  } catch (err) {
    if (err instanceof TrainyardError) {
      throw invalid(`Cannot fetch the source from ${context}: no such full ref, tag, branch or commit in the repository (a short hash must name exactly one commit)`);
    }
    throw err;
  }
}

async function run(args: string[], cwd: string, auth: GitAuth, options: GitSourceOptions, context: string): Promise<string> {
  try {
    const result = await execa('git', args, {
      cwd,
      env: gitEnv(auth.env),
      extendEnv: false,
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 15 * 60_000,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    return result.stdout;
  } catch (err) {
    if (!(err instanceof ExecaError)) throw err;
    if (err.code === 'ENOENT') throw new Error('The git command is not installed on this machine; install git to fetch sources from git connections');
    const why = err.timedOut ? 'git took too long and was stopped' : err.isCanceled ? 'cancelled' : lastLines(scrub(String(err.stderr ?? ''), auth.secrets));
    throw new TrainyardError('INVALID_PARAMETER_VALUE', `Cannot fetch the source from ${context}: git ${args[0]} failed: ${why || `exit code ${err.exitCode}`}`);
  }
}

/** The process environment without GIT_* variables (a GIT_DIR set by a hook would redirect everything), plus the fetch's own. */
function gitEnv(own: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  return { ...env, ...own };
}

function lastLines(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-4).join(' | ');
}
