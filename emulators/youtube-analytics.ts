// YouTube Analytics API v2 reports.query (https://developers.google.com/youtube/analytics/reference/reports/query):
// channel reports by day, month and/or video with numbers seeded by channel, video, date and metric.

import { googleError } from "./google-errors";
import type { GoogleOAuthEmulator } from "./google-oauth";
import { type EmuRequest, jsonReply, type Reply, type Upstream } from "./http";
import { hash32 } from "./ids";
import type { YouTubeStore } from "./youtube-store";

type DataType = "INTEGER" | "FLOAT";

/** Metrics this emulator answers, with their data types (https://developers.google.com/youtube/analytics/metrics). */
const METRICS: Record<string, DataType> = {
  views: "INTEGER",
  estimatedMinutesWatched: "INTEGER",
  averageViewDuration: "INTEGER",
  averageViewPercentage: "FLOAT",
  subscribersGained: "INTEGER",
  subscribersLost: "INTEGER",
  likes: "INTEGER",
  dislikes: "INTEGER",
  comments: "INTEGER",
  shares: "INTEGER",
  estimatedRevenue: "FLOAT",
  estimatedAdRevenue: "FLOAT",
  grossRevenue: "FLOAT",
  cpm: "FLOAT",
  playbackBasedCpm: "FLOAT",
};
const REVENUE = new Set(["estimatedRevenue", "estimatedAdRevenue", "grossRevenue", "cpm", "playbackBasedCpm"]);
const AVERAGES = new Set(["averageViewDuration", "averageViewPercentage", "cpm", "playbackBasedCpm"]);
const DIMENSIONS = ["day", "month", "video"];

const badQuery = (message: string) => googleError(400, "badRequest", message, "global");
const notSupported = () =>
  badQuery(
    "The query is not supported. Check the documentation at https://developers.google.com/youtube/analytics/v2/available_reports for a list of supported queries.",
  );

function days(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** One metric of one video on one day: stable for the same inputs. */
function dailyValue(channelId: string, videoId: string, day: string, metric: string): number {
  const h = hash32(`${channelId}|${videoId}|${day}|${metric}`);
  const views = 50 + (hash32(`${channelId}|${videoId}|${day}|views`) % 950);
  switch (metric) {
    case "views":
      return views;
    case "estimatedMinutesWatched":
      return Math.round(views * (0.8 + (h % 100) / 100));
    case "averageViewDuration":
      return 30 + (h % 240);
    case "averageViewPercentage":
      return Math.round((25 + (h % 6000) / 100) * 100) / 100;
    case "subscribersGained":
      return Math.floor(views / 60) + (h % 3);
    case "subscribersLost":
      return h % 3;
    case "likes":
      return Math.floor(views / 25);
    case "dislikes":
      return Math.floor(views / 400);
    case "comments":
      return Math.floor(views / 200);
    case "shares":
      return Math.floor(views / 150);
    case "cpm":
    case "playbackBasedCpm":
      return Math.round((2 + (h % 800) / 100) * 1000) / 1000;
    default: // revenue: views x an RPM of 0.50..4.50 USD
      return Math.round(((views * (0.5 + (h % 400) / 100)) / 1000) * 1000) / 1000;
  }
}

export class YouTubeAnalyticsEmulator implements Upstream {
  readonly name = "analytics" as const;
  readonly presets: Record<string, () => Reply> = {
    quota_exceeded: () =>
      googleError(429, "quotaExceeded", "Quota exceeded for quota metric 'Queries'.", "youtube.analytics"),
  };
  readonly behaviours = [] as const;

  constructor(
    private readonly google: GoogleOAuthEmulator,
    private readonly store: YouTubeStore,
  ) {}

  reset(): void {}

  errorReply(status: number, message: string): Reply {
    return googleError(status, status >= 500 ? "backendError" : "badRequest", message, "global");
  }

  handle(req: EmuRequest): Reply {
    if (req.method !== "GET" || req.path !== "/v2/reports") return googleError(404, "notFound", "Not Found", "global");
    const q = req.query;
    const metrics = (q.get("metrics") ?? "").split(",").filter(Boolean);
    const monetary = metrics.some((m) => REVENUE.has(m));
    const auth = this.google.authenticate(
      req,
      monetary ? ["yt-analytics-monetary.readonly"] : ["yt-analytics.readonly", "yt-analytics-monetary.readonly"],
    );
    if (!auth.ok) return auth.reply;
    for (const name of ["ids", "startDate", "endDate", "metrics"]) {
      if (!q.get(name))
        return googleError(400, "required", `Required ${name}`, "global", {
          location: name,
          locationType: "parameter",
        });
    }
    const ids = q.get("ids") ?? "";
    const channelId = ids === "channel==MINE" ? auth.account.channelId : ids.replace(/^channel==/, "");
    if (!ids.startsWith("channel=="))
      return badQuery(
        `Invalid value '${ids}'. Values must match the following regular expression: '(channel|contentOwner)==[^,]+'`,
      );
    if (channelId !== auth.account.channelId) return googleError(403, "forbidden", "Forbidden", "global");
    const startDate = q.get("startDate") ?? "";
    const endDate = q.get("endDate") ?? "";
    if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || !/^\d{4}-\d{2}-\d{2}$/.test(endDate) || startDate > endDate) {
      return badQuery(`Invalid date range ${startDate}..${endDate}`);
    }
    const unknown = metrics.find((m) => !(m in METRICS));
    if (unknown) return badQuery(`Unknown identifier (${unknown}) given in field parameters.metrics.`);
    const dimensions = (q.get("dimensions") ?? "").split(",").filter(Boolean);
    const badDimension = dimensions.find((d) => !DIMENSIONS.includes(d));
    if (badDimension) return badQuery(`Unknown identifier (${badDimension}) given in field parameters.dimensions.`);
    const maxResults = q.get("maxResults") ? Number(q.get("maxResults")) : undefined;
    const sort = q.get("sort") ?? undefined;
    // Top-videos reports need a descending metric sort and at most 200 results.
    if (dimensions.includes("video") && (!sort?.startsWith("-") || maxResults === undefined || maxResults > 200))
      return notSupported();

    const filter = (q.get("filters") ?? "").match(/(?:^|;)video==([^;]+)/)?.[1];
    const videoIds = filter ? filter.split(",") : this.store.videosOf(channelId).map((v) => v.id);
    const sources = videoIds.length > 0 ? videoIds : [""]; // a channel without videos still has channel-level numbers
    const groups = new Map<string, { key: (string | number)[]; sums: Record<string, number>; count: number }>();
    for (const day of days(startDate, endDate)) {
      for (const videoId of sources) {
        const key = dimensions.map((d) => (d === "day" ? day : d === "month" ? day.slice(0, 7) : videoId));
        const id = key.join("|");
        let group = groups.get(id);
        if (!group) {
          group = { key, sums: {}, count: 0 };
          groups.set(id, group);
        }
        group.count++;
        for (const metric of metrics)
          group.sums[metric] = (group.sums[metric] ?? 0) + dailyValue(channelId, videoId, day, metric);
      }
    }
    let rows = [...groups.values()].map((g) => [
      ...g.key,
      ...metrics.map((m) => {
        const sum = g.sums[m] ?? 0;
        if (!AVERAGES.has(m)) return METRICS[m] === "INTEGER" ? sum : Math.round(sum * 1000) / 1000;
        const mean = sum / g.count;
        return METRICS[m] === "INTEGER" ? Math.round(mean) : Math.round(mean * 100) / 100;
      }),
    ]);
    if (sort) {
      const columns = [...dimensions, ...metrics];
      const keys = sort
        .split(",")
        .map((s) => ({ desc: s.startsWith("-"), index: columns.indexOf(s.replace(/^-/, "")) }));
      if (keys.some((k) => k.index < 0)) return badQuery(`Unknown identifier given in field parameters.sort: ${sort}`);
      rows.sort((a, b) => {
        for (const k of keys) {
          const x = a[k.index] ?? 0;
          const y = b[k.index] ?? 0;
          if (x !== y) return (x < y ? -1 : 1) * (k.desc ? -1 : 1);
        }
        return 0;
      });
    }
    const startIndex = Math.max(1, Number(q.get("startIndex") ?? 1));
    rows = rows.slice(startIndex - 1, maxResults ? startIndex - 1 + maxResults : undefined);
    return jsonReply(200, {
      kind: "youtubeAnalytics#resultTable",
      columnHeaders: [
        ...dimensions.map((name) => ({ name, columnType: "DIMENSION", dataType: "STRING" })),
        ...metrics.map((name) => ({ name, columnType: "METRIC", dataType: METRICS[name] })),
      ],
      rows,
    });
  }
}
