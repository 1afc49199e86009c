/** One benchmark figure, as `npm run bench` prints it and writes it to bench/results.json. */
export interface Figure {
  value: number;
  unit: string;
  /** What the value is compared with, measured in the same run. */
  baseline: number;
  /** value / baseline, or baseline / value where the issue asks "how many times faster". */
  ratio: number;
  note?: string;
}
