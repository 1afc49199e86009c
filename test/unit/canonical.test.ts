import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalParam, canonicalValue, portableValue, pyFloat, pyTuple, pythonStr } from '../../src/core/params/canonical';
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
  /** A vector's Python value: `{"$tuple": [..]}` is a tuple, `{"$float": n}` a float. */
  const typed = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(typed);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('$tuple' in o) return pyTuple((o.$tuple as unknown[]).map(typed));
      if ('$float' in o) return pyFloat(o.$float as number);
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, typed(x)]));
    }
    return v;
  };
  for (const { py, str } of vectors.python_str_typed as { py: unknown; str: string }[]) {
    it(`str() of the Python value ${JSON.stringify(py)} is ${str}`, () => {
      const value = typed(py);
      assert.equal(pythonStr(value), str);
      assert.equal(canonicalValue(value), canonicalParam(str));
      // What crosses to the store's worker or the runner keeps the canonical form.
      assert.equal(canonicalValue(structuredClone(portableValue(value))), canonicalParam(str));
    });
  }
  it('a tuple is not the list of the same items, and JSON still writes it as an array', () => {
    const t = pyTuple([64, 64]);
    assert.notEqual(canonicalValue(t), canonicalValue([64, 64]));
    assert.equal(JSON.stringify({ shape: t, scale: [pyFloat(1)] }), '{"shape":[64,64],"scale":[1]}');
    assert.equal(canonicalValue(pyFloat(32)), canonicalValue(32));
  });
  it('a code literal 1e-3 matches the logged string 0.001', () => {
    assert.equal(canonicalValue(1e-3), canonicalParam('0.001'));
    assert.equal(canonicalValue(32), canonicalParam('32.0'));
    assert.equal(canonicalValue(true), canonicalParam('True'));
    assert.equal(canonicalValue(null), canonicalParam('None'));
    assert.equal(canonicalValue('0.001'), canonicalParam('0.001'));
  });
});
