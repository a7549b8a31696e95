import { invalid } from '../../errors.js';
import type { GrammarProfile, OrderKey } from './grammar.js';
import { identifierLength, resolveIdentifier } from './identifier.js';
import { tokenize } from './tokens.js';

/**
 * Parses order_by entries (`metrics.rmse ASC`, `` params.`batch size` desc ``, `start_time`) into
 * keys checked against `profile`. The direction is optional (ASC by default) and case-insensitive.
 * A field named twice, even through an alias, is refused.
 */
export function parseOrderBy(entries: readonly string[] | undefined, profile: GrammarProfile): OrderKey[] {
  const keys: OrderKey[] = [];
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const entry of entries ?? []) {
    const unparsable = () => invalid(`Invalid order_by clause '${entry}'. Could not be parsed: expected '<key> [ASC|DESC]'.`);
    const tokens = tokenize(entry, 'order_by clause');
    const idLength = identifierLength(tokens);
    if (idLength === 0) throw unparsable();
    let ascending = true;
    if (idLength < tokens.length) {
      const dir = tokens[idLength]!;
      const word = dir.kind === 'word' ? dir.text.toUpperCase() : '';
      if ((word !== 'ASC' && word !== 'DESC') || idLength + 1 !== tokens.length) throw unparsable();
      ascending = word === 'ASC';
    }
    const resolved = resolveIdentifier(tokens.slice(0, idLength), profile, 'order');
    if (!resolved.ok) throw invalid(`Invalid ordering key in order_by clause '${entry}': ${resolved.problem}.`);
    const { entity, key, rule } = resolved.value;
    const id = `${entity.entity}\u0000${key}`;
    const first = seen.get(id);
    if (first !== undefined) duplicates.push(`'${first}' and '${entry}'`);
    else seen.set(id, entry);
    keys.push({ entity: entity.entity, key, type: rule.type, ascending, text: entry });
  }
  if (duplicates.length > 0) {
    throw invalid(`\`order_by\` contains duplicate fields: ${duplicates.join(', ')} order by the same field.`);
  }
  return keys;
}
