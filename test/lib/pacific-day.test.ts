import { describe, expect, it } from "vitest";
import { nextPacificMidnight, nextQuotaDay, pacificMidnightOf, quotaDayOf } from "../../src/lib/pacific-day";

const HOUR = 60 * 60 * 1000;
const at = (iso: string) => Date.parse(iso);

describe("quotaDayOf", () => {
  it("follows the Pacific calendar, not UTC", () => {
    expect(quotaDayOf(at("2026-06-15T06:59:59.999Z"))).toBe("2026-06-14"); // 23:59:59.999 PDT
    expect(quotaDayOf(at("2026-06-15T07:00:00.000Z"))).toBe("2026-06-15"); // 00:00 PDT
    expect(quotaDayOf(at("2026-01-15T07:59:59.999Z"))).toBe("2026-01-14"); // 23:59:59.999 PST
    expect(quotaDayOf(at("2026-01-15T08:00:00.000Z"))).toBe("2026-01-15"); // 00:00 PST
  });

  it("spring-forward Sunday 2026-03-08: 02:00 PST jumps to 03:00 PDT inside one day", () => {
    expect(quotaDayOf(at("2026-03-08T07:59:59.999Z"))).toBe("2026-03-07");
    expect(quotaDayOf(at("2026-03-08T08:00:00.000Z"))).toBe("2026-03-08");
    expect(quotaDayOf(at("2026-03-08T09:59:59.000Z"))).toBe("2026-03-08"); // 01:59:59 PST
    expect(quotaDayOf(at("2026-03-08T10:00:00.000Z"))).toBe("2026-03-08"); // 03:00 PDT
    expect(quotaDayOf(at("2026-03-09T06:59:59.999Z"))).toBe("2026-03-08");
    expect(quotaDayOf(at("2026-03-09T07:00:00.000Z"))).toBe("2026-03-09");
  });

  it("fall-back Sunday 2026-11-01: 01:00-02:00 happens twice, both on the same day", () => {
    expect(quotaDayOf(at("2026-11-01T06:59:59.999Z"))).toBe("2026-10-31");
    expect(quotaDayOf(at("2026-11-01T07:00:00.000Z"))).toBe("2026-11-01");
    expect(quotaDayOf(at("2026-11-01T08:30:00.000Z"))).toBe("2026-11-01"); // 01:30 PDT
    expect(quotaDayOf(at("2026-11-01T09:30:00.000Z"))).toBe("2026-11-01"); // 01:30 PST
    // A fixed -7 h offset would already say 2026-11-02 here: the day is 25 hours long.
    expect(quotaDayOf(at("2026-11-02T07:30:00.000Z"))).toBe("2026-11-01");
    expect(quotaDayOf(at("2026-11-02T07:59:59.999Z"))).toBe("2026-11-01");
    expect(quotaDayOf(at("2026-11-02T08:00:00.000Z"))).toBe("2026-11-02");
  });
});

describe("pacificMidnightOf", () => {
  it.each([
    ["2026-03-07", "2026-03-07T08:00:00.000Z", 24],
    ["2026-03-08", "2026-03-08T08:00:00.000Z", 23],
    ["2026-03-09", "2026-03-09T07:00:00.000Z", 24],
    ["2026-10-31", "2026-10-31T07:00:00.000Z", 24],
    ["2026-11-01", "2026-11-01T07:00:00.000Z", 25],
    ["2026-11-02", "2026-11-02T08:00:00.000Z", 24],
    ["2026-12-31", "2026-12-31T08:00:00.000Z", 24],
    ["2028-02-29", "2028-02-29T08:00:00.000Z", 24],
  ])("%s starts at %s and lasts %i hours", (day, startIso, hours) => {
    const start = pacificMidnightOf(day);
    expect(new Date(start).toISOString()).toBe(startIso);
    expect(pacificMidnightOf(nextQuotaDay(day)) - start).toBe(hours * HOUR);
    expect(quotaDayOf(start)).toBe(day);
    expect(quotaDayOf(start - 1)).not.toBe(day);
  });

  it("rejects what is not a calendar day", () => {
    expect(() => pacificMidnightOf("2026-02-30")).toThrow(RangeError);
    expect(() => pacificMidnightOf("2026-3-8")).toThrow(RangeError);
    expect(() => nextQuotaDay("yesterday")).toThrow(RangeError);
  });
});

describe("nextPacificMidnight", () => {
  it.each([
    // [instant, next reset]
    ["2026-03-07T12:00:00.000Z", "2026-03-08T08:00:00.000Z"], // Saturday before spring-forward: PST midnight
    ["2026-03-08T07:59:59.999Z", "2026-03-08T08:00:00.000Z"],
    ["2026-03-08T08:00:00.000Z", "2026-03-09T07:00:00.000Z"], // at midnight: the next one, strictly after
    ["2026-03-08T09:59:59.999Z", "2026-03-09T07:00:00.000Z"], // 01:59 PST
    ["2026-03-08T10:00:00.000Z", "2026-03-09T07:00:00.000Z"], // 03:00 PDT
    ["2026-03-09T12:00:00.000Z", "2026-03-10T07:00:00.000Z"],
    ["2026-10-31T20:00:00.000Z", "2026-11-01T07:00:00.000Z"], // Saturday before fall-back: PDT midnight
    ["2026-11-01T08:30:00.000Z", "2026-11-02T08:00:00.000Z"], // first 01:30 (PDT)
    ["2026-11-01T09:30:00.000Z", "2026-11-02T08:00:00.000Z"], // second 01:30 (PST)
    ["2026-11-02T07:30:00.000Z", "2026-11-02T08:00:00.000Z"], // 23:30 PST on the 25-hour day
    ["2026-11-02T08:00:00.000Z", "2026-11-03T08:00:00.000Z"],
    ["2026-12-31T23:00:00.000Z", "2027-01-01T08:00:00.000Z"], // 15:00 PST on New Year's Eve
  ])("after %s the quota resets at %s", (instantIso, resetIso) => {
    expect(new Date(nextPacificMidnight(at(instantIso))).toISOString()).toBe(resetIso);
  });
});
