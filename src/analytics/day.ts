/** Calendar days in an IANA timezone, as UTC instants; pure, read with Intl. */

export interface DayBounds {
  /** Local midnight the day starts at (inclusive). */
  start: Date;
  /** The next local midnight (exclusive): 23 or 25 hours later on a daylight-saving change. */
  end: Date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock date and time in `timeZone` at `at`, as if it were UTC. */
function wallClock(at: Date, timeZone: string): { year: number; month: number; day: number; asUtc: number } {
  const parts = Object.fromEntries(formatterOf(timeZone).formatToParts(at).map((p) => [p.type, Number(p.value)]));
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return { year, month, day, asUtc: Date.UTC(year, month - 1, day, hour, minute, second) };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const whole = at - (at % 1000);
  return wallClock(new Date(whole), timeZone).asUtc - whole;
}

/** The instant of local midnight starting the calendar day year-month-day (month 1-based, may overflow). */
function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  // The offset at the guess may differ from the one at midnight when a change lies in between:
  // one correction from the offset at the first estimate settles it.
  const first = guess - offsetAt(guess, timeZone);
  return new Date(guess - offsetAt(first, timeZone));
}

/** The calendar day containing `at` in `timeZone`. */
export function dayContaining(at: Date, timeZone: string): DayBounds {
  const { year, month, day } = wallClock(at, timeZone);
  return { start: localMidnight(year, month, day, timeZone), end: localMidnight(year, month, day + 1, timeZone) };
}
