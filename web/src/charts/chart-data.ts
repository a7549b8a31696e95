/**
 * Turns histories into what uPlot draws: each line on the chosen x axis, smoothed on the full
 * data, then decimated to about two points per pixel, and the lines joined on one x column.
 */
import uPlot from 'uplot';
import { decimate } from './decimate.js';
import { firstTime, seriesOf, type History, type XAxis } from './series.js';
import { smooth } from './smooth.js';

export interface ChartLine {
  label: string;
  history: History;
}

export interface PlotSeries {
  label: string;
  /** Index of the line it belongs to (raw and smoothed share a colour). */
  line: number;
  smoothed: boolean;
}

export interface PlotData {
  data: uPlot.AlignedData;
  series: PlotSeries[];
  /** Points in the input histories. */
  points: number;
}

export function plotData(lines: readonly ChartLine[], axis: XAxis, smoothing: number, logY: boolean, width: number): PlotData {
  const buckets = Math.max(100, Math.round(width));
  const t0 = firstTime(lines.map((l) => l.history));
  const tables: uPlot.AlignedData[] = [];
  const series: PlotSeries[] = [];
  let points = 0;
  lines.forEach((line, i) => {
    points += line.history.value.length;
    const s = seriesOf(line.history, axis, t0);
    const raw = decimate(s, buckets);
    tables.push([raw.x, yValues(raw.y, logY)]);
    series.push({ label: line.label, line: i, smoothed: false });
    if (smoothing > 0) {
      const sm = decimate({ x: s.x, y: smooth(s.y, smoothing) }, buckets);
      tables.push([sm.x, yValues(sm.y, logY)]);
      series.push({ label: `${line.label} (smoothed)`, line: i, smoothed: true });
    }
  });
  if (tables.length === 0) return { data: [[]], series, points };
  const data = tables.length === 1 ? tables[0]! : uPlot.join(tables);
  return { data, series, points };
}

/** uPlot draws null as a gap; a log axis cannot show zero or negatives. */
function yValues(y: Float64Array, logY: boolean): (number | null)[] {
  const out: (number | null)[] = new Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    out[i] = Number.isFinite(v) && (!logY || v > 0) ? v : null;
  }
  return out;
}
