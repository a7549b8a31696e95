import { describe, expect, it } from 'vitest';
import { MAX_DIRECTIVE_LINE, parseDirective } from './log-directives.js';

describe('parseDirective', () => {
  it('reads metrics with optional step and timestamp', () => {
    expect(parseDirective('::metric name=rmse value=0.41 step=3')).toEqual({ kind: 'metric', key: 'rmse', value: 0.41, step: 3 });
    expect(parseDirective('::metric name=loss value=-1.5e-3')).toEqual({ kind: 'metric', key: 'loss', value: -0.0015, step: 0 });
    expect(parseDirective('::metric value=2 name=acc timestamp=1700000000000 step=-1')).toEqual({
      kind: 'metric',
      key: 'acc',
      value: 2,
      step: -1,
      timestamp: 1700000000000,
    });
  });

  it('reads NaN and infinities as Python and JavaScript print them', () => {
    expect((parseDirective('::metric name=a value=nan') as { value: number }).value).toBeNaN();
    expect((parseDirective('::metric name=a value=NaN') as { value: number }).value).toBeNaN();
    expect(parseDirective('::metric name=a value=inf')).toMatchObject({ value: Infinity });
    expect(parseDirective('::metric name=a value=-inf')).toMatchObject({ value: -Infinity });
    expect(parseDirective('::metric name=a value=Infinity')).toMatchObject({ value: Infinity });
  });

  it('reads params and tags, with double-quoted values and JSON escapes', () => {
    expect(parseDirective('::param name=alpha value=0.5')).toEqual({ kind: 'param', key: 'alpha', value: '0.5' });
    expect(parseDirective('::tag name=stage value="two words"')).toEqual({ kind: 'tag', key: 'stage', value: 'two words' });
    expect(parseDirective('::tag name="model/kind" value="say \\"hi\\"\\n\\\\ \\u00e9"')).toEqual({
      kind: 'tag',
      key: 'model/kind',
      value: 'say "hi"\n\\ é',
    });
    expect(parseDirective('::tag name=empty value=""')).toEqual({ kind: 'tag', key: 'empty', value: '' });
    expect(parseDirective('::tag name=empty value=')).toEqual({ kind: 'tag', key: 'empty', value: '' });
    expect(parseDirective('::param name=url value=a"b=c')).toEqual({ kind: 'param', key: 'url', value: 'a"b=c' });
  });

  it('tolerates surrounding whitespace, tabs and CRLF', () => {
    expect(parseDirective('  ::metric\tname=rmse   value=1 \r')).toEqual({ kind: 'metric', key: 'rmse', value: 1, step: 0 });
    expect(parseDirective('::tag name=a value="x y"\r\n')).toEqual({ kind: 'tag', key: 'a', value: 'x y' });
  });

  it('ignores ordinary output and other tools\' :: lines', () => {
    for (const line of ['', 'epoch 3 rmse=0.4', 'metric name=a value=1', ' : :metric name=a value=1', '::metrics name=a value=1', '::error::boom', '::group::x']) {
      expect(parseDirective(line), line).toBeUndefined();
    }
  });

  it.each([
    ['::metric value=1', /::metric line: name=\.\.\. is required/],
    ['::metric name=a', /value=\.\.\. is required/],
    ['::metric name=a value=high', /value 'high' of metric 'a' is not a number/],
    ['::metric name=a value=', /value '' of metric 'a' is not a number/],
    ['::metric name=a value=0x10', /is not a number/],
    ['::metric name=a value=1 step=1.5', /step '1\.5' of metric 'a' is not an integer/],
    ['::metric name=a value=1 step=99999999999999999999', /is not an integer/],
    ['::metric name=a value=1 timestamp=-5', /timestamp '-5' of metric 'a' is not a time in epoch milliseconds/],
    ['::metric name=a value=1 unit=s', /unknown attribute 'unit'; ::metric takes name, value, step, timestamp/],
    ['::param name=a value=1 step=2', /unknown attribute 'step'; ::param takes name, value/],
    ['::metric name=a name=b value=1', /attribute 'name' is given twice/],
    ['::metric name=a value=1 junk', /expected name=value at 'junk'/],
    ['::tag name=a value="unterminated', /the quoted value of 'value' has no closing quote/],
    ['::tag name=a value="bad \\q escape"', /the quoted value of 'value' has an invalid escape/],
    ['::tag name=a value="x"y', /expected a space after the quoted value of 'value'/],
    ['::metric name=../etc value=1', /Invalid value "\.\.\/etc" for parameter 'key'/],
    ['::metric name=a!b value=1', /Invalid metric name: 'a!b'/],
    ['::param name=p value=' + 'x'.repeat(6001), /Param value for key 'p' had length 6001/],
  ])('explains what is wrong with %s', (line, message) => {
    const parsed = parseDirective(line);
    expect(parsed?.kind).toBe('invalid');
    expect((parsed as { message: string }).message).toMatch(/^Ignored a malformed ::(metric|param|tag) line: /);
    expect((parsed as { message: string }).message).toMatch(message);
  });

  it('refuses lines longer than the limit', () => {
    const parsed = parseDirective(`::tag name=a value=${'x'.repeat(MAX_DIRECTIVE_LINE)}`);
    expect(parsed).toEqual({ kind: 'invalid', message: `Ignored a malformed ::tag line: longer than ${MAX_DIRECTIVE_LINE} characters` });
  });
});
