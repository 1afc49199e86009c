/**
 * numpy's `linspace`, `logspace` and `arange`, computed the way numpy computes them so that the
 * floats match what a script logs (`np.linspace(0, 1, 11)[3]` is 0.30000000000000004, not 0.3).
 */

/** numpy.linspace: `i * step + start`, with the last value set to `stop` exactly. */
export function linspace(start: number, stop: number, num = 50, endpoint = true): number[] {
  if (!Number.isInteger(num) || num < 0) return [];
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const out: number[] = [];
  if (div <= 0) { // numpy: step is NaN and y = y * delta, i.e. only `start` survives
    if (num === 1) out.push(start);
    return out;
  }
  const step = delta / div;
  for (let i = 0; i < num; i++) out.push(step === 0 ? (i / div) * delta + start : i * step + start);
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/** numpy.logspace: `base ** linspace(...)`. */
export function logspace(start: number, stop: number, num = 50, endpoint = true, base = 10): number[] {
  return linspace(start, stop, num, endpoint).map(y => accuratePow(base, y));
}

/**
 * numpy.arange. numpy stores `start` and `start + step`, then fills the rest as
 * `start + i * delta` with `delta = (start + step) - start`; the length is
 * `ceil((stop - start) / step)`.
 */
export function arange(start: number, stop: number, step: number, limit: number): number[] | undefined {
  if (step === 0 || !Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step)) return undefined;
  const len = Math.max(0, Math.ceil((stop - start) / step));
  if (len > limit) return undefined;
  const out: number[] = [];
  if (len > 0) out.push(start);
  if (len > 1) out.push(start + step);
  const delta = (start + step) - start;
  for (let i = 2; i < len; i++) out.push(start + i * delta);
  return out;
}

// --- A correctly rounded power -------------------------------------------------------------
// V8's Math.pow is off by an ulp for about one value in eight of `10 ** fractional` (it gives
// 10 ** -4 as 0.00009999999999999999), while CPython and numpy use the C library's pow, which is
// correctly rounded in practice. So powers are computed here in 160-bit fixed point and rounded once.

const BITS = 160n;
const ONE = 1n << BITS;

function fixedMul(a: bigint, b: bigint): bigint { return (a * b) >> BITS; }

/** A finite double's magnitude exactly, as |x| = mant × 2^exp (from its IEEE 754 bits). */
export function binaryParts(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  // Subnormals have no implicit leading bit.
  return expBits === 0 ? { mant, exp: -1074 } : { mant: mant | (1n << 52n), exp: expBits - 1075 };
}

/** A double as an exact fixed-point number (truncated below 2^-160). */
function toFixed(x: number): bigint {
  if (x === 0) return 0n;
  const { mant, exp } = binaryParts(x);
  const shift = BigInt(exp) + BITS;
  const r = shift >= 0n ? mant << shift : mant >> -shift;
  return x < 0 ? -r : r;
}

/** atanh(z) = z + z^3/3 + z^5/5 + ..., for small fixed-point z. */
function atanh(z: bigint): bigint {
  const z2 = fixedMul(z, z);
  let term = z, sum = z;
  for (let n = 3n; ; n += 2n) {
    term = fixedMul(term, z2);
    const t = term / n;
    if (t === 0n) return sum;
    sum += t;
  }
}

const LN2 = 2n * atanh(ONE / 3n);

/** ln(x) for x > 0 in fixed point: x = m * 2^e with m in [1, 2), ln m = 2 atanh((m-1)/(m+1)). */
function ln(x: number): bigint {
  let e = Math.floor(Math.log2(x));
  let m = x / 2 ** e;
  if (m >= 2) { m /= 2; e++; }
  if (m < 1) { m *= 2; e--; }
  const mf = toFixed(m);
  return 2n * atanh(((mf - ONE) << BITS) / (mf + ONE)) + BigInt(e) * LN2;
}

/** exp(t) for fixed-point t, rounded once to the nearest double. */
function expToDouble(t: bigint): number {
  let k = t / LN2;
  let r = t - k * LN2;
  if (r < 0n) { r += LN2; k -= 1n; }
  let term = ONE, sum = ONE;
  for (let n = 1n; ; n++) {
    term = fixedMul(term, r) / n;
    if (term === 0n) break;
    sum += term;
  }
  const scale = Number(k) - Number(BITS);
  if (scale < -1000 || scale > 1000) return Math.pow(2, Number(k)) * Math.exp(Number(r) / Number(ONE));
  // Number(bigint) rounds to nearest; scaling by a power of two is then exact.
  return Number(sum) * 2 ** scale;
}

const lnCache = new Map<number, bigint>();

export function accuratePow(base: number, y: number): number {
  if (!(base > 0) || !Number.isFinite(base) || !Number.isFinite(y)) return Math.pow(base, y);
  if (y === 0 || base === 1) return 1;
  if (base === 10 && Number.isInteger(y) && Math.abs(y) <= 300) return Number(`1e${y}`);
  if (Number.isInteger(y) && Math.abs(y) <= 64 && Number.isInteger(base)) {
    const exact = base ** Math.abs(y); // exact while below 2^53
    if (Number.isSafeInteger(exact)) return y > 0 ? exact : 1 / exact;
  }
  let l = lnCache.get(base);
  if (l === undefined) { l = ln(base); lnCache.set(base, l); }
  return expToDouble(fixedMul(toFixed(y), l));
}
