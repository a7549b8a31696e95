import { useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import { useTheme } from '../components/ThemeToggle.js';
import { plotData, type ChartLine } from './chart-data.js';
import { colorAt, withAlpha } from './palette.js';
import type { XAxis } from './series.js';

export interface MetricChartProps {
  title: string;
  lines: ChartLine[];
  axis: XAxis;
  smoothing: number;
  logY: boolean;
  height?: number;
  /** Charts with the same key move their cursors together. */
  syncKey?: string;
}

const AXIS_LABEL: Record<XAxis, string> = { step: 'step', relative: 'seconds since start', time: '' };

/** A line chart of one or more metric histories (uPlot on a canvas). */
export function MetricChart({ title, lines, axis, smoothing, logY, height = 260, syncKey }: MetricChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useTheme();

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const plot = plotData(lines, axis, smoothing, logY, width);
    el.dataset.points = String(plot.points);
    const css = getComputedStyle(document.documentElement);
    const grid = css.getPropertyValue('--chart-grid').trim();
    const stroke = css.getPropertyValue('--chart-axis').trim();
    let drawn = false;
    const opts: uPlot.Options = {
      width,
      height,
      scales: { x: { time: axis === 'time' }, y: logY ? { distr: 3, log: 10 } : {} },
      axes: [
        { stroke, grid: { stroke: grid }, ticks: { stroke: grid }, label: AXIS_LABEL[axis] || undefined },
        { stroke, grid: { stroke: grid }, ticks: { stroke: grid }, size: 60 },
      ],
      series: [
        { label: axis === 'step' ? 'step' : 'time' },
        ...plot.series.map((s) => {
          const color = colorAt(s.line);
          const faint = smoothing > 0 && !s.smoothed;
          return { label: s.label, stroke: faint ? withAlpha(color, 0.3) : color, width: faint ? 1 : 1.75, spanGaps: lines.length > 1 || smoothing > 0 };
        }),
      ],
      cursor: syncKey ? { sync: { key: syncKey } } : {},
      legend: { live: true },
      hooks: {
        draw: [
          () => {
            if (drawn) return;
            drawn = true;
            performance.mark('ty:chart:drawn', { detail: { title, points: plot.points } });
          },
        ],
      },
    };
    const chart = new uPlot(opts, plot.data, el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (Math.abs(w - chart.width) > 1) chart.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      chart.destroy();
    };
  }, [lines, axis, smoothing, logY, height, syncKey, theme, title]);

  return <div ref={box} className="metric-chart" role="img" aria-label={`Chart of ${title}`} data-testid="metric-chart" data-title={title} />;
}
