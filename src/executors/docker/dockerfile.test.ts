import { describe, expect, it } from 'vitest';
import { dockerfileInputs, instructions } from './dockerfile.js';

describe('Dockerfile inputs', () => {
  it('lists base images, COPY/ADD sources and URLs; stage names and scratch are not images', () => {
    const text = [
      '# syntax comment',
      'ARG BASE=python:3.11',
      'FROM ${BASE} AS build',
      'COPY --chown=1000:1000 requirements.txt constraints.txt /app/',
      'RUN pip install \\',
      '  # a comment inside the continuation',
      '  -r /app/requirements.txt',
      'FROM scratch',
      'COPY --from=build /app /app',
      'COPY --from=tools:1 /bin/tool /bin/tool',
      'ADD ["src dir/", "/src/"]',
      'ADD https://example.com/data.csv /data/',
    ].join('\n');
    expect(dockerfileInputs(text)).toEqual({
      images: [
        { ref: 'python:3.11', line: 3 },
        { ref: 'tools:1', line: 10 },
      ],
      sources: ['requirements.txt', 'constraints.txt', 'src dir/'],
      wholeContext: false,
      urls: ['https://example.com/data.csv'],
    });
  });

  it('takes the whole context when a source holds a variable', () => {
    expect(dockerfileInputs('FROM a\nARG DIR=x\nCOPY $DIR /x\n').wholeContext).toBe(true);
  });

  it('joins continuations with the escape character a directive sets', () => {
    expect(instructions('# escape=`\nFROM a\nRUN echo `\n  hi\n').map((i) => [i.keyword, i.args])).toEqual([
      ['FROM', 'a'],
      ['RUN', 'echo  hi'],
    ]);
  });

  it('refuses a FROM variable without a default and a file without FROM, naming the line', () => {
    expect(() => dockerfileInputs('ARG V\nFROM python:$V\n', 'docker/Dockerfile')).toThrow(/docker\/Dockerfile line 2: FROM uses \$V, which has no default/);
    expect(() => dockerfileInputs('RUN true\n')).toThrow(/no FROM instruction/);
  });
});
