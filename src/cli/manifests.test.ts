import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentsOf, readManifests } from './manifests.js';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-manifests-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('reading manifest files', () => {
  it('reads several YAML documents, defaulting the kind to the command’s', () => {
    const path = file('multi.yaml', 'kind: Connection\nid: data\nspec: {type: local, uri: /tmp}\n---\nid: train-a\nspec: {}\n---\n');
    const docs = readManifests(path, 'ModelTraining');
    expect(docs.map((d) => [d.kind, d.id])).toEqual([
      ['Connection', 'data'],
      ['ModelTraining', 'train-a'],
    ]);
    expect(docs[1]!.where).toBe(`${path}, document 2 (ModelTraining 'train-a')`);
    expect(docs[0]!.baseDir).toBe(dir);
    expect(documentsOf(docs, 'ModelTraining', path).map((d) => d.id)).toEqual(['train-a']);
  });

  it('reads JSON, a JSON array and a {items} list as printed by get -o', () => {
    expect(readManifests(file('one.json', '{"kind":"ModelTraining","id":"a"}'), 'ModelTraining').map((d) => d.id)).toEqual(['a']);
    expect(readManifests(file('arr.json', '[{"id":"a"},{"id":"b"}]'), 'Connection').map((d) => [d.kind, d.id])).toEqual([
      ['Connection', 'a'],
      ['Connection', 'b'],
    ]);
    expect(readManifests(file('list.yaml', 'items:\n  - id: a\n  - id: b\n'), 'ModelTraining').map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('names the file, line and column of a syntax error', () => {
    expect(() => readManifests(file('bad.yaml', 'id: a\nspec: [unclosed\n'), 'ModelTraining')).toThrow(/bad\.yaml:\d+:\d+: not valid YAML or JSON/);
  });

  it('refuses unknown kinds, empty files, folders and missing files', () => {
    expect(() => readManifests(file('kind.yaml', 'kind: Deployment\nid: x\n'), 'ModelTraining')).toThrow(/kind 'Deployment' is not one Trainyard knows \(ModelTraining, Connection\)/);
    expect(() => readManifests(file('empty.yaml', '# nothing\n'), 'ModelTraining')).toThrow(/holds no manifest/);
    expect(() => readManifests(file('scalar.yaml', 'just text\n'), 'ModelTraining')).toThrow(/expected a mapping/);
    mkdirSync(join(dir, 'folder'));
    expect(() => readManifests(join(dir, 'folder'), 'ModelTraining')).toThrow(/it is a folder/);
    expect(() => readManifests(join(dir, 'missing.yaml'), 'ModelTraining')).toThrow(/Cannot read '.*missing\.yaml': no such file/);
    expect(() => documentsOf(readManifests(file('conn.yaml', 'kind: Connection\nid: c\n'), 'ModelTraining'), 'ModelTraining', 'conn.yaml')).toThrow(
      /'conn\.yaml' holds no ModelTraining/,
    );
  });
});
