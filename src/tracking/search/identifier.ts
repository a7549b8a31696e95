import type { EntityRule, GrammarProfile, KeyRule } from './grammar.js';
import type { Token } from './tokens.js';

/** An identifier resolved against a profile: which entity, which (canonical) key, and its rule. */
export interface ResolvedKey {
  entity: EntityRule;
  key: string;
  rule: KeyRule;
}

export type Resolution = { ok: true; value: ResolvedKey } | { ok: false; problem: string };

const NAME_KINDS = new Set(['word', 'backquoted', 'dot']);

/**
 * The identifier at the front of `tokens`: adjacent name pieces (words, `backquoted`, "double
 * quoted", dots) glued together, e.g. metrics.`my metric` or tags.mlflow.runName. Returns how
 * many tokens it spans; 0 when the first token cannot start an identifier.
 */
export function identifierLength(tokens: readonly Token[], from = 0): number {
  let n = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    const isName = NAME_KINDS.has(t.kind) || (t.kind === 'quoted' && t.quote === '"');
    if (!isName) break;
    if (i > from && tokens[i - 1]!.end !== t.start) break;
    n++;
  }
  if (n > 0 && tokens[from]!.kind === 'dot') return 0;
  return n;
}

/**
 * Resolves identifier tokens to an entity and key. The prefix is what precedes the first dot; a
 * name with no dot is a key of the profile's bare entity. `use` picks which keys count as valid:
 * those that can be filtered on, or those that can be ordered by.
 */
export function resolveIdentifier(pieces: readonly Token[], profile: GrammarProfile, use: 'filter' | 'order'): Resolution {
  const dot = pieces.findIndex((t) => t.kind === 'dot');
  let prefix: string | undefined;
  let keyPieces: readonly Token[];
  if (dot === -1) {
    if (pieces.length !== 1) return { ok: false, problem: `malformed identifier '${spell(pieces)}'` };
    keyPieces = pieces;
  } else {
    if (dot !== 1) return { ok: false, problem: `malformed identifier '${spell(pieces)}'` };
    prefix = pieces[0]!.text;
    keyPieces = pieces.slice(2);
  }
  const key = keyPieces.map((t) => t.text).join('');
  if (key === '') return { ok: false, problem: `missing key after '${prefix}.'` };

  let entity: EntityRule | undefined;
  if (prefix === undefined) {
    entity = profile.entities.find((e) => e.entity === profile.bareEntity);
    if (!entity) return { ok: false, problem: `'${key}' has no prefix; expected <prefix>.<key> with a prefix among ${list(allPrefixes(profile))}` };
  } else {
    entity = profile.entities.find((e) => e.prefixes.includes(prefix!));
    if (!entity) return { ok: false, problem: `invalid entity type '${prefix}'; valid prefixes are ${list(allPrefixes(profile))}` };
  }

  const usable = (r: KeyRule) => (use === 'filter' ? r.comparators.length > 0 : r.orderable);
  if (entity.anyKey) {
    if (!usable(entity.anyKey)) return { ok: false, problem: `${entity.entity} keys cannot be used in ${use === 'filter' ? 'a filter' : 'order_by'}` };
    return { ok: true, value: { entity, key, rule: entity.anyKey } };
  }
  const canonical = entity.aliases?.[key] ?? key;
  const rule = Object.hasOwn(entity.keys ?? {}, canonical) ? entity.keys![canonical] : undefined;
  if (!rule || !usable(rule)) {
    return { ok: false, problem: `invalid ${entity.entity} key '${key}'; valid keys are ${list(validKeys(entity, usable))}` };
  }
  return { ok: true, value: { entity, key: canonical, rule } };
}

function validKeys(entity: EntityRule, usable: (r: KeyRule) => boolean): string[] {
  const keys = Object.entries(entity.keys ?? {})
    .filter(([, r]) => usable(r))
    .map(([k]) => k);
  for (const [alias, target] of Object.entries(entity.aliases ?? {})) if (keys.includes(target)) keys.push(alias);
  return keys;
}

function allPrefixes(profile: GrammarProfile): string[] {
  return profile.entities.flatMap((e) => e.prefixes);
}

export function list(items: readonly string[]): string {
  return `[${items.map((i) => `'${i}'`).join(', ')}]`;
}

function spell(tokens: readonly Token[]): string {
  return tokens.map((t) => (t.kind === 'backquoted' ? `\`${t.text}\`` : t.kind === 'quoted' ? `"${t.text}"` : t.text)).join('');
}
