/**
 * ChartSpec: a chart as plain data, built in TypeScript from results (what to draw) and drawn in the browser by
 * the report's client script (how to draw: src/report/assets/report-client.js, with uPlot). Keeping the
 * decisions here makes them testable without a browser; the client only maps a spec onto uPlot's options.
 */

/** XKind says how the x axis reads: seconds since the run's start, HdrHistogram's percentile axis, or plain numbers. */
export type XKind = 'time' | 'percentile' | 'linear';

/** SeriesSpec is one line (or set of points, or bars) of a chart; values align with the chart's x values. */
export interface SeriesSpec {
  label: string;
  values: (number | null)[];
  color: string;
  /** 'line' (default), 'points' (scatter), 'bars', 'step' (a value per second, drawn as steps). */
  style?: 'line' | 'points' | 'bars' | 'step';
  width?: number;
  /** Dash pattern, e.g. [6, 4]. */
  dash?: number[];
  /** Which y axis: the left (default) or the right one. */
  axis?: 'left' | 'right';
  /** Unit shown after values in the legend ('ms', '/s', …). */
  unit?: string;
  /** Join points across missing values (series that only have values at some x). */
  spanGaps?: boolean;
  /** Mark each point of a line. */
  points?: boolean;
}

/** AxisSpec describes a y axis. */
export interface AxisSpec {
  label: string;
  /** Logarithmic (values <= 0 are not drawn). */
  log?: boolean;
  /** Start the axis at zero (linear axes). */
  fromZero?: boolean;
}

/** BandSpec shades a span of x (a phase, a fault's window) with a label at the top. */
export interface BandSpec {
  from: number;
  to: number;
  label: string;
  /** Alternating shades for adjacent phases (0, 1), 2 for a fault window. */
  shade: 0 | 1 | 2;
}

/** MarkerSpec is a vertical line at x (a fault, a recovery). */
export interface MarkerSpec {
  x: number;
  label: string;
  color: string;
}

/** LineSpec is a horizontal line at y on the left axis (an SLO threshold). */
export interface LineSpec {
  y: number;
  label: string;
  color: string;
}

/** PointLabel writes text next to a point (names on a scatter chart). */
export interface PointLabel {
  x: number;
  y: number;
  text: string;
  /** Pixel radius of the point's mark, which the text keeps clear of (default 5). */
  radius?: number;
}

/** ChartSpec is one chart. */
export interface ChartSpec {
  /** Unique in the page; the container's data-chart attribute. */
  id: string;
  /**
   * The x axis. `min`/`max` fix its range: the time charts of one run all span the run's seconds (client and
   * server), so stacked charts share one time axis instead of each fitting its own data.
   */
  x: { kind: XKind; label: string; values: number[]; log?: boolean; min?: number; max?: number };
  y: AxisSpec;
  y2?: AxisSpec;
  series: SeriesSpec[];
  bands?: BandSpec[];
  markers?: MarkerSpec[];
  lines?: LineSpec[];
  pointLabels?: PointLabel[];
  /** Pixel height (default 280). */
  height?: number;
}

/**
 * PALETTE is Okabe and Ito's colour-blind-safe set (without its yellow, too pale on white): series take them in
 * order, so the same run or phase keeps its colour across a report's charts.
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C564B', '#7F7F7F', '#17BECF'] as const;

/** colorAt picks the palette's colour for the i-th series. */
export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** PERCENTILE_COLORS are the colours of p50, p90 and p99 wherever they appear. */
export const PERCENTILE_COLORS = { p50: '#009E73', p90: '#E69F00', p99: '#D55E00' } as const;
