import * as assert from 'node:assert/strict';
import { codeSpan, escapeMd } from '../../src/core/text/markdown';

describe('run text inside Markdown (tooltips, hovers)', () => {
  it('shows markup, links and HTML as text', () => {
    assert.equal(escapeMd('[click](http://x) <img src=x onerror=alert(1)> **b**'),
      '\\[click\\]\\(http://x\\) \\<img src=x onerror=alert\\(1\\)\\> \\*\\*b\\*\\*');
  });
  it('cannot break out of a table row with any line break', () => {
    for (const nl of ['\n', '\r', '\r\n']) assert.equal(escapeMd(`a${nl}| b |`), 'a \\| b \\|');
  });
  it('keeps a code span closed whatever the text holds', () => {
    assert.equal(codeSpan('lr=`1`\r\nx'), "`lr='1' x`");
  });
});
