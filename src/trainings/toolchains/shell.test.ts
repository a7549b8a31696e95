import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fillPlaceholders, shellJoin, shellQuote } from './shell.js';

/** What a real shell makes of `printf '%s\0' WORDS`: the words it received. */
function wordsSeenBy(shell: string, line: string): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const TRICKY = [
  'plain',
  '',
  'two words',
  "it's",
  "''",
  'say "hi"',
  '$HOME',
  '${PATH}',
  '`id`',
  '$(id)',
  'line1\nline2',
  'tab\there',
  'back\\slash',
  'glob*?[a]',
  '~user',
  '; rm -rf /',
  'a|b&c>d<e',
  '#comment',
  '-n',
  'ünïcødé',
  "mixed ' \" $ ` \\ \n end",
];

describe('shellQuote', () => {
  it.each(['/bin/sh', 'bash'])('round-trips every value through %s unchanged, as one word each', (shell) => {
    expect(wordsSeenBy(shell, TRICKY.map(shellQuote).join(' '))).toEqual(TRICKY);
  });

  it('leaves safe words bare and quotes the rest', () => {
    expect(shellQuote('0.5')).toBe('0.5');
    expect(shellQuote('/data/train.csv')).toBe('/data/train.csv');
    expect(shellQuote('a=b,c:d@e%f+g')).toBe('a=b,c:d@e%f+g');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('joins argv into a line a shell splits back into the same argv', () => {
    const argv = ['python3', 'train.py', '--name', 'two words', "it's $5"];
    expect(wordsSeenBy('/bin/sh', shellJoin(argv))).toEqual(argv);
  });
});

describe('fillPlaceholders', () => {
  const values = new Map([
    ['alpha', '0.5'],
    ['l1-ratio', 'a b'],
  ]);
  const quoted = { render: shellQuote, where: 'spec.command' };

  it('substitutes every {name}, rendering each value', () => {
    expect(fillPlaceholders('train --a {alpha} --b {l1-ratio} {alpha}', values, quoted)).toBe("train --a 0.5 --b 'a b' 0.5");
  });

  it('keeps {{ and }} as literal braces', () => {
    expect(fillPlaceholders('echo {{alpha}} {alpha}}}', values, quoted)).toBe('echo {alpha} 0.5}');
  });

  it('leaves ${VAR} to the shell', () => {
    expect(fillPlaceholders('cp x ${TRAINYARD_OUTPUT_DIR}/m {alpha}', values, quoted)).toBe('cp x ${TRAINYARD_OUTPUT_DIR}/m 0.5');
  });

  it('leaves braces around things that cannot be names', () => {
    expect(fillPlaceholders("awk '{ print $1 }' {alpha}", values, quoted)).toBe("awk '{ print $1 }' 0.5");
  });

  it('names an unknown placeholder and the known ones', () => {
    expect(() => fillPlaceholders('run {alpah}', values, quoted)).toThrow(
      /spec\.command uses the placeholder \{alpah\}, which is not a parameter \(known: alpha, l1-ratio\)/,
    );
    expect(() => fillPlaceholders('run {x}', new Map(), quoted)).toThrow(/\{x\}.*there are none/);
  });

  it('does not re-expand placeholders that appear inside substituted values', () => {
    const v = new Map([
      ['a', '{b}'],
      ['b', 'B'],
    ]);
    expect(fillPlaceholders('{a} {b}', v, { render: (s) => s, where: 'x' })).toBe('{b} B');
  });
});
