import { z } from "zod";
import { fetchAll } from "../lib/http";
import { callProvider, type ProviderContext } from "./call";
import { classifyGoogleApi, malformedResponse, ProviderError } from "./errors";
import { answerOf, isSuccess, joinUrl, parseBody } from "./upstream";

/**
 * YouTube Analytics API v2 `reports.query`
 * (https://developers.google.com/youtube/analytics/reference/reports/query). Data lags up to about
 * two days; revenue metrics need the monetary scope.
 */

export interface ReportQuery<M extends string, D extends string> {
  /** YYYY-MM-DD, Pacific time as YouTube reports. */
  startDate: string;
  endDate: string;
  metrics: readonly M[];
  dimensions?: readonly D[];
  /** e.g. `video==ID1,ID2` */
  filters?: string;
  /** e.g. `-views` */
  sort?: string;
  maxResults?: number;
  /** Default `channel==MINE`. */
  ids?: string;
}

/** One row keyed by column name: dimensions are strings, metrics numbers. */
export type ReportRow<M extends string, D extends string> = Record<M, number> & Record<D, string>;

export interface Report<M extends string, D extends string> {
  columns: { name: string; columnType: string; dataType: string }[];
  rows: ReportRow<M, D>[];
}

const reportSchema = z.object({
  kind: z.string().optional(),
  columnHeaders: z.array(z.object({ name: z.string(), columnType: z.string(), dataType: z.string() })),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))).default([]),
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function queryReport<M extends string, D extends string = never>(
  ctx: ProviderContext,
  accessToken: string,
  query: ReportQuery<M, D>,
): Promise<Report<M, D>> {
  const url = new URL(joinUrl(ctx.config.YOUTUBE_ANALYTICS_BASE_URL, "/reports"));
  if (!DATE.test(query.startDate) || !DATE.test(query.endDate)) {
    throw new ProviderError({
      provider: "youtube_analytics",
      disposition: "fail",
      code: "invalid_query",
      message: "startDate and endDate must be YYYY-MM-DD",
    });
  }
  url.searchParams.set("ids", query.ids ?? "channel==MINE");
  url.searchParams.set("startDate", query.startDate);
  url.searchParams.set("endDate", query.endDate);
  url.searchParams.set("metrics", query.metrics.join(","));
  if (query.dimensions?.length) url.searchParams.set("dimensions", query.dimensions.join(","));
  if (query.filters) url.searchParams.set("filters", query.filters);
  if (query.sort) url.searchParams.set("sort", query.sort);
  if (query.maxResults !== undefined) url.searchParams.set("maxResults", String(query.maxResults));

  return callProvider(ctx, "youtube_analytics", { operation: "reports.query" }, async (signal) => {
    const response = await fetchAll(url, { headers: { authorization: `Bearer ${accessToken}` } }, signal);
    if (!isSuccess(response.status)) throw classifyGoogleApi("youtube_analytics", answerOf(response));
    const report = parseBody("youtube_analytics", response, reportSchema);
    const names = report.columnHeaders.map((column) => column.name);
    for (const wanted of [...query.metrics, ...(query.dimensions ?? [])]) {
      if (!names.includes(wanted)) throw malformedResponse("youtube_analytics", response.status, `no column ${wanted}`);
    }
    const rows = report.rows.map((cells) => {
      const row: Record<string, string | number> = {};
      report.columnHeaders.forEach((column, index) => {
        const cell = cells[index] ?? null;
        // METRIC columns are numbers (null when YouTube has no value yet), DIMENSION columns strings.
        row[column.name] = column.columnType === "METRIC" ? Number(cell ?? 0) : String(cell ?? "");
      });
      return row as ReportRow<M, D>;
    });
    return { columns: report.columnHeaders, rows };
  });
}
