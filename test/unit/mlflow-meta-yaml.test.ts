import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { META_SCHEMA, plainMapping } from '../../src/core/mlflow/metaYaml';
import { FIXTURE_MLRUNS } from './mlflow-fixtures';

const yaml = (text: string) => load(text, { schema: META_SCHEMA, json: true });

function metaFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? metaFiles(path.join(dir, e.name))
    : e.name === 'meta.yaml' ? [path.join(dir, e.name)] : []);
}

describe('meta.yaml as PyYAML writes it, read without js-yaml', () => {
  it('reads every meta.yaml MLflow wrote as js-yaml does', () => {
    const files = metaFiles(FIXTURE_MLRUNS);
    assert.ok(files.length > 20);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const fields = plainMapping(text);
      assert.ok(fields, `${file} is read the quick way`);
      assert.deepEqual(fields, yaml(text), file);
    }
  });

  it('reads plain, quoted, empty, null and flow values as js-yaml does, and leaves anything else to it', () => {
    const quick = ['name: bench', 'name: run 0', 'uri: file:///a/b:c/d', "id: '1'", "id: ''", "note: 'it''s'", "note: ' padded '",
      'end_time: null', 'end_time: Null', 'end_time:', 'tags: []', 'tags: {}', 'x: 1e5', 'x: .5', 'x: a-b_c.d/e@f+g=h~i',
      'x: true', 'x: 0x10', 'x: 007', 'dup: 1\ndup: 2', 'a: 1\nb: two words\nc:'];
    // js-yaml reads these (or refuses them) itself
    const refused = ['x: a: b', 'x: a #c', 'x: "q"', 'x: a:', 'x: trailing ', 'x:  two', "x: 'ünïcödé'", 'x: ünïcödé', 'x: [a]', 'x: &a b',
      'x: *a', 'x: !!str 1', 'x: |\n  block', 'x: >\n  folded', 'x: long\n  continued', '- a', '---\nx: 1', 'x: 1 # c', '__proto__: x',
      "x: 'a\tb'", 'x: a\tb', 'x: %a', 'x: @a', 'x: `a', 'x: ?a', "x: 'unclosed", "x: it's", ' x: 1', 'x : 1', 'x: 1\r\n', '', 'x: ~', 'x: -1',
      'a: 1\n\nb: 2'];
    for (const line of quick) {
      for (const text of [line, line + '\n']) assert.deepEqual(plainMapping(text), yaml(text), JSON.stringify(text));
    }
    for (const line of refused) {
      for (const text of [line, line + '\n']) assert.equal(plainMapping(text), undefined, JSON.stringify(text));
    }
  });
});
