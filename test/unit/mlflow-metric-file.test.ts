import * as assert from 'node:assert/strict';
import { parseMetricFile } from '../../src/core/mlflow/metricFile';
import { MetricHistory, PointBlocks } from '../../src/core/mlflow/metricHistory';
import { assertSameNumber } from './mlflow-fixtures';

/** The points of a metric file's text, and the lines reported. */
function parse(text: string, blocks?: PointBlocks) {
  const problems: { path: string; message: string }[] = [];
  const history = parseMetricFile(Buffer.from(text, 'utf8'), 'm', problems, blocks);
  return { history, points: history.toArray(), problems };
}

/** The value read from the line `1795000000000 <spelling> 7`. */
function valueOf(spelling: string): number {
  const { history, problems } = parse(`1795000000000 ${spelling} 7\n`);
  assert.deepEqual(problems, [], spelling);
  assert.equal(history.length, 1, spelling);
  return history.value(0);
}

/** A small seeded generator, so that a failure can be found again. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function digits(next: () => number, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += String(Math.floor(next() * 10));
  return s;
}

describe('Metric file values, read from the bytes', function () {
  this.timeout(30_000);
  it('reads each spelling exactly as Number() (and Python\'s float()) reads it, to the bit', () => {
    for (const spelling of ['0.0', '-0.0', '0', '-0', '1.0', '7', '0.1', '0.2', '0.30000000000000004', '2.897', '-2.897',
      '1e-05', '1e+16', '1.5e+300', '1e308', '1e+308', '1.7976931348623157e+308', '5e-324', '2.2250738585072014e-308',
      '4.9406564584124654e-324', '1e22', '1e23', '1e-22', '1e-23', '123456789012345.6', '9007199254740992', '9007199254740993',
      '9007199254740995', '18014398509481985', '0.000000000000000000000000000001', '123456789012345678901234567890',
      '1.00000000000000011102230246251565404236316680908203125', '0.69314718055994530941723212145817656807550013436025525412',
      '00000000000000000000000000000000001.5', '1.50000000000000000000000000000000000000000', '3.14159e0', '3.14159e-0',
      '314159e-5', '2.5e-3', '9.999999999999999e22', '8.98846567431158e307', '1e-400', '1e400', '-1e400']) {
      assertSameNumber(valueOf(spelling), Number(spelling), spelling);
    }
  });

  it('reads nan, inf and -inf as Python writes them, and the other spellings Python accepts', () => {
    assertSameNumber(valueOf('nan'), NaN, 'nan');
    assertSameNumber(valueOf('inf'), Infinity, 'inf');
    assertSameNumber(valueOf('-inf'), -Infinity, '-inf');
    for (const [spelling, value] of [['-nan', NaN], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['+inf', Infinity],
      ['1.', 1], ['.5', 0.5], ['-.5', -0.5], ['+1.5', 1.5], ['1E5', 1e5], ['1_000.5', 1000.5], ['1e+5', 1e5]] as const) {
      assertSameNumber(valueOf(spelling), value, spelling);
    }
  });

  it('agrees with Number() on 100,000 random spellings of every length and scale', () => {
    const next = random(20241206);
    for (let i = 0; i < 100_000; i++) {
      const integer = digits(next, 1 + Math.floor(next() * (next() < 0.8 ? 6 : 25)));
      const fraction = next() < 0.8 ? '.' + digits(next, 1 + Math.floor(next() * (next() < 0.5 ? 6 : 22))) : '';
      const exponent = next() < 0.3 ? `e${['', '+', '-'][Math.floor(next() * 3)]}${Math.floor(next() * (next() < 0.7 ? 30 : 400))}` : '';
      const spelling = (next() < 0.3 ? '-' : '') + integer + fraction + exponent;
      assertSameNumber(valueOf(spelling), Number(spelling), spelling);
    }
  });

  it('agrees with Number() where a significand stops being exact (2^53) and a scale stops being exact (10^22)', () => {
    for (let significand = 9007199254740980n; significand <= 9007199254741010n; significand++) {
      for (let scale = -24; scale <= 24; scale++) {
        for (const spelling of [`${significand}e${scale}`, `-${significand}e${scale}`, `${significand / 10n}.${significand % 10n}e${scale}`]) {
          assertSameNumber(valueOf(spelling), Number(spelling), spelling);
        }
      }
    }
  });

  it('reads back every double as JavaScript and Python write it', () => {
    const next = random(7);
    const bits = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 30_000; i++) {
      bits.setUint32(0, Math.floor(next() * 2 ** 32));
      bits.setUint32(4, Math.floor(next() * 2 ** 32));
      const x = i % 2 ? bits.getFloat64(0) : (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
      if (!Number.isFinite(x)) continue;
      // Python's repr: the shortest round trip, with e-05 and e+16 where JavaScript writes e-5 and 1e21.
      const python = Math.abs(x) >= 1e16 || (x !== 0 && Math.abs(x) < 1e-4)
        ? x.toExponential().replace(/e([+-])(\d)$/, (_, sign: string, digit: string) => `e${sign}0${digit}`) : String(x).includes('.') || String(x).includes('e') ? String(x) : `${x}.0`;
      for (const spelling of [String(x), python, x.toPrecision(17)]) assertSameNumber(valueOf(spelling), x, spelling);
    }
  });
});

describe('Metric file lines, read from the bytes', () => {
  it('reads timestamps and steps of up to 15 digits in place, and longer ones exactly', () => {
    const { points, problems } = parse('999999999999999 1 999999999999999\n1234567890123456789 2 12345678901234567\n0001795000000000 3 007\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(points.map(p => [p.timestamp, p.step]), [[999999999999999, 999999999999999],
      [Number('1234567890123456789'), Number('12345678901234567')], [1795000000000, 7]]);
  });

  it('reads CRLF line ends, blank lines, spaces around a line, a last line without its newline and a missing step', () => {
    const { points, problems } = parse('1 0.5 1\r\n\n  2 -0.0 2  \n\n3 nan\n4 1e-05 4');
    assert.deepEqual(problems, []);
    assert.deepEqual(points.map(p => [p.timestamp, p.step]), [[1, 1], [2, 2], [3, 0], [4, 4]]);
    assertSameNumber(points[1].value, -0, '-0.0');
    assertSameNumber(points[2].value, NaN, 'nan');
    assertSameNumber(points[3].value, 1e-5, '1e-05');
  });

  it('gives the same points and problems for a file whatever its first bad line is', () => {
    const good = '1795000000000 0.25 0\n1795000000010 0.5 1\n';
    for (const bad of ['x y z', '1 2 3 4', '1.5 2 3', '1 2 -3', '-1 2 3', '1 0x10 3', '1 2.5.1 3', '1\t2 3', '1 2  3']) {
      const { points, problems } = parse(good + bad + '\n' + good);
      assert.equal(points.length, 4 + (bad === '1 2 -3' || bad === '-1 2 3' ? 1 : 0), bad);
      assert.deepEqual(problems.map(p => p.path), bad === '1 2 -3' || bad === '-1 2 3' ? [] : ['m:3'], bad);
    }
  });

  it('reports bytes that are not UTF-8 once, and reads the lines that are fine', () => {
    const problems: { path: string; message: string }[] = [];
    const history = parseMetricFile(Buffer.concat([Buffer.from('1 2 3\n'), Buffer.from([0xff, 0x0a]), Buffer.from('4 5 6\n')]), 'm', problems);
    assert.deepEqual(history.toArray().map(p => p.timestamp), [1, 4]);
    assert.deepEqual(problems.map(p => [p.path, p.message.split(':')[0]]), [['m', 'not valid UTF-8'], ['m:2', 'not a metric line (timestamp value [step])']]);
  });

  it('keeps each history to its own points when many share a block', () => {
    const blocks = new PointBlocks();
    const histories: MetricHistory[] = [];
    for (let i = 0; i < 3000; i++) histories.push(parse(`${i} ${i / 4} ${i}\n${i + 1} 0.5 ${i + 1}\n`, blocks).history);
    histories.forEach((h, i) => assert.deepEqual(h.toArray(), [{ step: i, value: i / 4, timestamp: i }, { step: i + 1, value: 0.5, timestamp: i + 1 }]));
    const large = parse('1795000000000 0.25 1\n'.repeat(400_000), blocks).history;
    assert.equal(large.length, 400_000);
    assert.deepEqual(large.point(399_999), { step: 1, value: 0.25, timestamp: 1795000000000 });
    // A large file's points are given room by its lines: a last line without a newline, and blank lines, included.
    const unended = parse('1795000000000 0.25 1\n\n'.repeat(100_000) + '1795000000001 0.5 2', blocks).history;
    assert.equal(unended.length, 100_001);
    assert.deepEqual(unended.point(100_000), { step: 2, value: 0.5, timestamp: 1795000000001 });
    histories[0].push(9, 9, 9);
    assert.deepEqual(histories[1].toArray().length, 2, 'a history that grows leaves the block to the others');
  });
});

describe('A metric history in columns', () => {
  it('gives back the points it was given, to the bit, with MLflow\'s latest point', () => {
    const points = [{ step: 1, value: -0, timestamp: 5 }, { step: 3, value: NaN, timestamp: 4 }, { step: 3, value: 2, timestamp: 4 }, { step: 2, value: Infinity, timestamp: 9 }];
    const history = MetricHistory.of(points);
    assert.equal(history.length, 4);
    assert.deepEqual(history.toArray(), points);
    assert.ok(Object.is(history.value(0), -0));
    assert.deepEqual(history.latest(), { step: 3, value: NaN, timestamp: 4 }); // step, then time; a NaN never wins a tie
    assert.equal(history.lastTimestamp(), 9);
    assert.equal(JSON.stringify(history), JSON.stringify(points));
  });
});
