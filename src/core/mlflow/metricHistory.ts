/**
 * A metric's history as the MLflow importers hold it: its points column by column in one
 * Float64Array (step, value, timestamp for each), not an object per point. A store holds millions
 * of points, and an object per point, with its numbers boxed, cost an import more to make and to
 * collect than reading the store did. A Float64Array keeps every bit of a double: -0, NaN and
 * +/-Infinity come back as they went in.
 */

export interface MetricPoint {
  step: number;
  /** May be NaN, +/-Infinity or -0, as MLflow's client returns them for the store. */
  value: number;
  /** ms since the epoch. */
  timestamp: number;
}

const FIELDS = 3;

/**
 * Whether a point (step, timestamp, value) comes after another in MLflow's order of the latest
 * point: the higher step, then the later timestamp, then the larger value, exactly as the file
 * store's `max(key=(step, timestamp, value))` picks it. A NaN never compares greater, so between a
 * NaN and a number at the same step and time the earlier point stays, as in Python.
 */
function isLater(step: number, timestamp: number, value: number, thanStep: number, thanTimestamp: number, thanValue: number): boolean {
  return step !== thanStep ? step > thanStep : timestamp !== thanTimestamp ? timestamp > thanTimestamp : value > thanValue;
}

/**
 * Where the histories of one read keep their points: blocks of many histories each. A typed array
 * of its own for each history is memory outside the JavaScript heap, which V8's garbage collector
 * tracks one array at a time; with tens of thousands of them an import spent a third of its time
 * there. A block lives as long as any history in it.
 */
export class PointBlocks {
  private block = new Float64Array(0);
  private used = 0;
  /** The first block is just large enough for the first history (a reader of one file needs no more). */
  private nextSize = 0;

  /**
   * The block to write up to `points` points to (step, value, timestamp each), from index `start`;
   * `take` then makes a history of those written.
   */
  room(points: number): Float64Array {
    const size = points * FIELDS;
    if (this.used + size > this.block.length) {
      this.block = new Float64Array(Math.max(this.nextSize, size));
      this.used = 0;
      this.nextSize = Math.min(Math.max(this.nextSize * 2, FIRST_SHARED_BLOCK), MAX_BLOCK);
    }
    return this.block;
  }

  /** A history of a copy of the first `points` points of `columns` (step, value, timestamp each). */
  copy(columns: Float64Array, points: number): MetricHistory {
    const block = this.room(points);
    for (let i = 0, at = this.used; i < points * FIELDS; i++, at++) block[at] = columns[i];
    return this.take(points);
  }

  get start(): number {
    return this.used;
  }

  /** A history of the `points` points written from `start`. */
  take(points: number): MetricHistory {
    const size = points * FIELDS;
    if (this.block.length > MAX_BLOCK && size < this.block.length / 2) {
      // A block made for one large file, which took much less room than it might have: a copy of
      // its points is kept, not the block.
      const data = this.block.slice(this.used, this.used + size);
      this.block = new Float64Array(0);
      this.used = 0;
      return new MetricHistory(data, points);
    }
    // A view made by the constructor: `subarray` takes a slow, generic way, at tens of thousands of calls.
    const data = new Float64Array(this.block.buffer, this.used * Float64Array.BYTES_PER_ELEMENT, size);
    this.used += size;
    return new MetricHistory(data, points);
  }
}

/** 512 KB: 21,000 points. */
const FIRST_SHARED_BLOCK = 64 * 1024;
/** 8 MB: 350,000 points. */
const MAX_BLOCK = 1024 * 1024;

export class MetricHistory implements Iterable<MetricPoint> {
  private data: Float64Array;
  private size = 0;

  /** `data` holds `length` points as step, value, timestamp, one after another (it is kept, not copied). */
  constructor(data: Float64Array = new Float64Array(16 * FIELDS), length = 0) {
    this.data = data;
    this.size = length;
  }

  static of(points: Iterable<MetricPoint>): MetricHistory {
    const history = new MetricHistory();
    for (const p of points) history.push(p.step, p.value, p.timestamp);
    return history;
  }

  /**
   * The points as step, value, timestamp one after another (a view: its buffer may be a block of
   * others'), and how many: what crosses between threads (`fromColumns` makes the history again).
   */
  columns(): { data: Float64Array; length: number } {
    return { data: this.data, length: this.size };
  }

  static fromColumns({ data, length }: { data: Float64Array; length: number }): MetricHistory {
    return new MetricHistory(data, length);
  }

  /** How many points. */
  get length(): number {
    return this.size;
  }

  /** Adds the first `points` points of `columns` (step, value, timestamp each). */
  append(columns: Float64Array, points: number): void {
    for (let i = 0; i < points * FIELDS; i += FIELDS) this.push(columns[i], columns[i + 1], columns[i + 2]);
  }

  push(step: number, value: number, timestamp: number): void {
    let at = this.size * FIELDS;
    if (at === this.data.length) {
      const grown = new Float64Array(Math.max(this.data.length * 2, 16 * FIELDS));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[at++] = step;
    this.data[at++] = value;
    this.data[at] = timestamp;
    this.size++;
  }

  step(i: number): number { return this.data[i * FIELDS]; }
  value(i: number): number { return this.data[i * FIELDS + 1]; }
  timestamp(i: number): number { return this.data[i * FIELDS + 2]; }

  /** Point `i` as an object of its own (undefined past the end). */
  point(i: number): MetricPoint | undefined {
    return i >= 0 && i < this.size ? { step: this.step(i), value: this.value(i), timestamp: this.timestamp(i) } : undefined;
  }

  toArray(): MetricPoint[] {
    const points: MetricPoint[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) points[i] = this.point(i) as MetricPoint;
    return points;
  }

  *[Symbol.iterator](): Iterator<MetricPoint> {
    for (let i = 0; i < this.size; i++) yield this.point(i) as MetricPoint;
  }

  /** As JSON, the array of its points (what a history was before it had columns). */
  toJSON(): MetricPoint[] {
    return this.toArray();
  }

  /** MLflow's latest point (see `isLater`); undefined without points. */
  latest(): MetricPoint | undefined {
    const d = this.data;
    let best = 0;
    for (let at = FIELDS; at < this.size * FIELDS; at += FIELDS) {
      if (isLater(d[at], d[at + 2], d[at + 1], d[best], d[best + 2], d[best + 1])) best = at;
    }
    return this.point(best / FIELDS);
  }

  /** The latest timestamp of any point; -Infinity without points. */
  lastTimestamp(): number {
    let last = -Infinity;
    for (let at = 2; at < this.size * FIELDS; at += FIELDS) if (this.data[at] > last) last = this.data[at];
    return last;
  }

  /** Sorts the points by `compare`, keeping points it calls equal in their order. */
  sort(compare: (a: MetricPoint, b: MetricPoint) => number): void {
    const sorted = this.toArray().sort(compare);
    for (let i = 0; i < sorted.length; i++) {
      const at = i * FIELDS;
      this.data[at] = sorted[i].step;
      this.data[at + 1] = sorted[i].value;
      this.data[at + 2] = sorted[i].timestamp;
    }
  }
}
