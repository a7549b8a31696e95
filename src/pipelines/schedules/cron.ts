/**
 * Cron expressions through croner: five fields (minute hour day-of-month month day-of-week), or
 * six with a leading seconds field; names (MON, JAN) and nicknames (@daily) too. Day-of-month and
 * day-of-week restricted together match either, as in Vixie cron. Times are computed in the
 * schedule's IANA time zone, so "0 3 * * *" in Europe/Berlin is 03:00 there across DST changes.
 */
import { Cron } from 'croner';

export interface CronSchedule {
  /** The first firing time strictly after `after` (epoch ms), or undefined when there is none. */
  next(after: number): number | undefined;
}

/** What is wrong with the expression and the time zone, by field; empty when both are usable. */
export function cronProblems(expression: string, timezone: string): { field: 'cron' | 'timezone'; message: string }[] {
  const problems: { field: 'cron' | 'timezone'; message: string }[] = [];
  let zone = timezone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    problems.push({ field: 'timezone', message: `'${timezone}' is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)` });
    zone = 'UTC';
  }
  try {
    if (compile(expression, zone).next(Date.now()) === undefined) problems.push({ field: 'cron', message: `'${expression}' never fires` });
  } catch (err) {
    problems.push({ field: 'cron', message: `'${expression}' is not a cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}` });
  }
  return problems;
}

export function compile(expression: string, timezone: string): CronSchedule {
  const cron = new Cron(expression, { paused: true, timezone, mode: '5-or-6-parts', legacyMode: true });
  return {
    next(after: number): number | undefined {
      return cron.nextRun(new Date(after))?.getTime();
    },
  };
}
