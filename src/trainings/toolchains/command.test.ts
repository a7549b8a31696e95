import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderCommand } from './command.js';

/** Runs a rendered command for real and returns its stdout. */
function run(argv: string[], env: Record<string, string> = {}): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('renderCommand', () => {
  it('runs a string through /bin/sh -c with each value quoted', () => {
    const hostile = `two words; echo INJECTED $(echo sub) \`id\` 'q' "dq"\nnext`;
    const cmd = renderCommand("printf '%s|' {name} {alpha}", { name: hostile, alpha: '0.5' });
    expect(cmd.argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(run(cmd.argv)).toBe(`${hostile}|0.5|`);
  });

  it('substitutes raw values per element of an argv array, with no shell', () => {
    const cmd = renderCommand(['printf', '%s|', '--name={name}', '{alpha}'], { name: 'a b $HOME', alpha: '1' });
    expect(cmd.argv).toEqual(['printf', '%s|', '--name=a b $HOME', '1']);
    expect(run(cmd.argv)).toBe('--name=a b $HOME|1|');
    expect(cmd.display).toBe("printf '%s|' '--name=a b $HOME' 1");
  });

  it('exports every hyper-parameter as TRAINYARD_PARAM_<NAME>', () => {
    const cmd = renderCommand('printf "%s/%s" "$TRAINYARD_PARAM_L1_RATIO" "$TRAINYARD_PARAM_EPOCHS"', { 'l1-ratio': 'x y', epochs: '3' });
    expect(cmd.env).toEqual({ TRAINYARD_PARAM_L1_RATIO: 'x y', TRAINYARD_PARAM_EPOCHS: '3' });
    expect(run(cmd.argv, cmd.env)).toBe('x y/3');
  });

  it('refuses two parameters that would share one variable', () => {
    expect(() => renderCommand('true', { 'a.b': '1', 'a-b': '2' })).toThrow(/'a\.b' and 'a-b' would both be exported as TRAINYARD_PARAM_A_B/);
  });

  it('names an unknown placeholder with the element it is in', () => {
    expect(() => renderCommand('train {epochz}', { epochs: '3' })).toThrow(/spec\.command uses the placeholder \{epochz\}.*known: epochs/);
    expect(() => renderCommand(['train', '{epochz}'], { epochs: '3' })).toThrow(/spec\.command\[1\] uses the placeholder \{epochz\}/);
  });

  it('lets the shell expand ${VAR} and keeps literal braces', () => {
    const cmd = renderCommand('printf "%s {{x}}" "${GREETING}"', {});
    expect(run(cmd.argv, { GREETING: 'hello' })).toBe('hello {x}');
  });

  it('refuses an empty command or program', () => {
    expect(() => renderCommand('  ', {})).toThrow(/spec\.command: the command is empty/);
    expect(() => renderCommand([''], {})).toThrow(/first element must name the program/);
  });
});
