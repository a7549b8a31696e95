/**
 * A table that renders only the rows in view (plus a margin), so ten thousand rows scroll like
 * fifty. Keyboard: the grid takes focus; arrows, Page Up/Down, Home/End move the active row,
 * Space toggles it, Enter opens it.
 */
import { memo, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { flushSync } from 'react-dom';

export interface VColumn<R> {
  id: string;
  label: string;
  width: number;
  align?: 'right';
  sortable?: boolean;
  render(row: R, index: number): ReactNode;
}

export interface VirtualTableProps<R> {
  rows: readonly R[];
  columns: VColumn<R>[];
  rowKey(row: R): string;
  label: string;
  rowHeight?: number;
  /** CSS height of the scrolling area. */
  height?: string;
  sort?: { id: string; ascending: boolean };
  onSort?(id: string): void;
  isSelected?(row: R): boolean;
  onToggle?(row: R, index: number, range: boolean): void;
  onOpen?(row: R): void;
  /** Called when the view comes near the last loaded row. */
  onNearEnd?(): void;
  /** Called after the rows in view were committed to the DOM. */
  onRendered?(visibleRows: number): void;
}

const OVERSCAN = 12;

export function VirtualTable<R>(props: VirtualTableProps<R>) {
  const { rows, columns, rowKey, rowHeight = 30, sort } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [active, setActive] = useState(0);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setViewport(el.clientHeight);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const headHeight = rowHeight + 4;
  const first = Math.max(0, Math.floor((scrollTop - headHeight) / rowHeight) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN);
  const width = columns.reduce((w, c) => w + c.width, 0);

  const { onNearEnd, onRendered } = props;
  useEffect(() => {
    if (rows.length > 0 && last >= rows.length - 3 * OVERSCAN) onNearEnd?.();
  }, [last, rows.length, onNearEnd]);
  // A layout effect: it runs as soon as the rows are in the DOM, in the task that paints them.
  useLayoutEffect(() => {
    if (rows.length > 0) onRendered?.(last - first);
  }, [rows.length > 0]); // eslint-disable-line react-hooks/exhaustive-deps

  const onScroll = () => {
    // One update per frame, however many scroll events arrive, committed before that frame paints
    // so rows coming into view are never a frame late.
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = scroller.current;
      if (el) flushSync(() => setScrollTop(el.scrollTop));
    });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const moveTo = (i: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, i));
    setActive(next);
    const el = scroller.current;
    if (!el) return;
    const top = next * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight + headHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight + headHeight - el.clientHeight;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget || rows.length === 0) return;
    const page = Math.max(1, Math.floor(viewport / rowHeight) - 1);
    const moves: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, PageDown: active + page, PageUp: active - page, Home: 0, End: rows.length - 1 };
    const row = rows[Math.min(active, rows.length - 1)];
    if (e.key in moves) moveTo(moves[e.key]!);
    else if (e.key === ' ' && row !== undefined) props.onToggle?.(row, active, e.shiftKey);
    else if (e.key === 'Enter' && row !== undefined) props.onOpen?.(row);
    else return;
    e.preventDefault();
  };

  const idOf = (i: number) => `${props.label.replace(/\W+/g, '-')}-row-${i}`;
  const visible: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const row = rows[i]!;
    visible.push(
      <VirtualRow
        key={rowKey(row)}
        id={idOf(i)}
        row={row}
        index={i}
        columns={columns}
        selected={props.isSelected?.(row) ?? false}
        active={i === active}
        height={rowHeight}
        width={width}
        onActivate={setActive}
      />,
    );
  }

  return (
    <div
      ref={scroller}
      className="vgrid"
      role="grid"
      aria-label={props.label}
      aria-rowcount={rows.length + 1}
      aria-activedescendant={rows.length ? idOf(Math.min(active, rows.length - 1)) : undefined}
      tabIndex={0}
      style={{ height: props.height ?? '70vh', ['--row-height' as string]: `${rowHeight}px` }}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      data-testid="runs-grid"
    >
      <div role="row" aria-rowindex={1} className="vhead" style={{ height: headHeight, width }}>
        {columns.map((c) => {
          const sorted = sort?.id === c.id;
          return (
            <div
              key={c.id}
              role="columnheader"
              className={`vcell${c.align === 'right' ? ' num' : ''}`}
              style={{ width: c.width }}
              aria-sort={sorted ? (sort!.ascending ? 'ascending' : 'descending') : undefined}
              title={c.label}
            >
              {c.sortable && props.onSort ? (
                <button type="button" className="sort" onClick={() => props.onSort!(c.id)}>
                  {c.label}
                  {sorted ? (sort!.ascending ? ' ▲' : ' ▼') : ''}
                </button>
              ) : (
                c.label
              )}
            </div>
          );
        })}
      </div>
      <div className="vbody" style={{ height: rows.length * rowHeight, width }}>
        {visible}
      </div>
    </div>
  );
}

interface RowProps<R> {
  id: string;
  row: R;
  index: number;
  columns: VColumn<R>[];
  selected: boolean;
  active: boolean;
  height: number;
  width: number;
  onActivate(index: number): void;
}

// Rows already in view are not rendered again while scrolling: only the ones coming into view are.
const VirtualRow = memo(function VirtualRow<R>({ id, row, index, columns, selected, active, height, width, onActivate }: RowProps<R>) {
  return (
    <div
      id={id}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`vrow${selected ? ' selected' : ''}${active ? ' active' : ''}`}
      style={{ transform: `translateY(${index * height}px)`, height, width }}
      onClick={() => onActivate(index)}
    >
      {columns.map((c) => (
        <div key={c.id} role="gridcell" className={`vcell${c.align === 'right' ? ' num' : ''}`} style={{ width: c.width }}>
          {c.render(row, index)}
        </div>
      ))}
    </div>
  );
}) as <R>(props: RowProps<R>) => ReactNode;
