import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalParam, canonicalValue, pythonStr } from '../../src/core/params/canonical';
import { repoRoot } from './support/repo';

const vectors = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/vectors/canonical.json'), 'utf8'));

describe('parameter values are compared by meaning (shared vectors with the Python client)', () => {
  for (const [raw, expected] of Object.entries(vectors.raw as Record<string, string>)) {
    it(`${JSON.stringify(raw)} -> ${expected}`, () => assert.equal(canonicalParam(raw), expected));
  }
  for (const group of vectors.same as string[][]) {
    it(`${group.join(' == ')}`, () => {
      const forms = new Set(group.map(canonicalParam));
      assert.equal(forms.size, 1, `forms: ${[...forms].join(', ')}`);
    });
  }
  for (const [a, b] of vectors.different as string[][]) {
    it(`${a} != ${b}`, () => assert.notEqual(canonicalParam(a), canonicalParam(b)));
  }
  for (const { json, str } of vectors.python_str as { json: unknown; str: string }[]) {
    it(`str(${JSON.stringify(json)}) is ${str}`, () => assert.equal(pythonStr(json), str));
  }
  it('a code literal 1e-3 matches the logged string 0.001', () => {
    assert.equal(canonicalValue(1e-3), canonicalParam('0.001'));
    assert.equal(canonicalValue(32), canonicalParam('32.0'));
    assert.equal(canonicalValue(true), canonicalParam('True'));
    assert.equal(canonicalValue(null), canonicalParam('None'));
    assert.equal(canonicalValue('0.001'), canonicalParam('0.001'));
  });
});
