/**
 * The YouTube quota day. Google resets every project's daily quota at midnight America/Los_Angeles
 * (https://developers.google.com/youtube/v3/getting-started#quota), so a quota day is 23 hours long
 * on the spring-forward Sunday and 25 hours on the fall-back Sunday. Offsets come from the runtime's
 * time-zone database through Intl, never from a fixed -8/-7.
 */

export const QUOTA_TIME_ZONE = "America/Los_Angeles";

/** A quota day in the Pacific calendar, "YYYY-MM-DD". */
export type QuotaDay = string;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

// One formatter per isolate: building an Intl.DateTimeFormat is the expensive part. `h23` keeps
// midnight as hour 0 (some ICU versions render it "24" under hour12: false).
const pacificClock = new Intl.DateTimeFormat("en-US", {
  timeZone: QUOTA_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function pacificWallClock(instant: number): WallClock {
  const fields: Record<string, number> = {};
  for (const part of pacificClock.formatToParts(new Date(instant))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? Number.NaN,
    month: fields.month ?? Number.NaN,
    day: fields.day ?? Number.NaN,
    hour: fields.hour ?? Number.NaN,
    minute: fields.minute ?? Number.NaN,
    second: fields.second ?? Number.NaN,
  };
}

/** Milliseconds to add to a UTC instant to read Pacific wall-clock time (-8 h or -7 h). */
function pacificOffsetAt(instant: number): number {
  const wall = pacificWallClock(instant);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // The formatter has second precision: compare against the instant truncated to the second.
  return wallAsUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

function formatDay(year: number, month: number, day: number): QuotaDay {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function parseDay(day: QuotaDay): { year: number; month: number; day: number } {
  const match = DAY_PATTERN.exec(day);
  if (!match) throw new RangeError(`not a quota day (YYYY-MM-DD): ${day}`);
  const parsed = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const roundTrip = new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day)).toISOString().slice(0, 10);
  if (roundTrip !== day) throw new RangeError(`not a calendar day: ${day}`);
  return parsed;
}

/** The quota day (Pacific calendar date) that `instant` (ms since epoch, UTC) falls in. */
export function quotaDayOf(instant: number): QuotaDay {
  const wall = pacificWallClock(instant);
  return formatDay(wall.year, wall.month, wall.day);
}

/** The calendar day after `day`. */
export function nextQuotaDay(day: QuotaDay): QuotaDay {
  const { year, month, day: dayOfMonth } = parseDay(day);
  return new Date(Date.UTC(year, month - 1, dayOfMonth + 1)).toISOString().slice(0, 10);
}

/**
 * The UTC instant at which `day` begins in Los Angeles. Pacific DST switches at 02:00 local time,
 * so midnight always exists exactly once; two passes settle the offset even when the day before
 * had the other one.
 */
export function pacificMidnightOf(day: QuotaDay): number {
  const { year, month, day: dayOfMonth } = parseDay(day);
  const wallMidnight = Date.UTC(year, month - 1, dayOfMonth);
  let instant = wallMidnight - pacificOffsetAt(wallMidnight);
  instant = wallMidnight - pacificOffsetAt(instant);
  return instant;
}

/** The exact UTC instant of the first Pacific midnight strictly after `instant`: when quota resets. */
export function nextPacificMidnight(instant: number): number {
  return pacificMidnightOf(nextQuotaDay(quotaDayOf(instant)));
}
