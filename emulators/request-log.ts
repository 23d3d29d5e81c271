// The request log behind `GET /__control/requests`: enough for tests to count and inspect calls.
import type { IncomingHttpHeaders } from "node:http";
import type { UpstreamName } from "./http";

export interface LoggedRequest {
  id: number;
  upstream: UpstreamName;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body_bytes: number;
  status: number | null;
  fault_id: string | null;
  cut: boolean;
  time: string;
  duration_ms: number;
}

/** Headers worth seeing in the log (never the whole set, which may hold large cookies). */
const KEPT_HEADERS = [
  "authorization",
  "accept",
  "content-type",
  "content-length",
  "content-range",
  "idempotency-key",
  "stripe-version",
  "user-agent",
  "x-api-key",
  "xi-api-key",
  "x-n8n-api-key",
  "x-upload-content-length",
  "x-upload-content-type",
  "x-request-id",
];

const MAX_ENTRIES = 10_000;

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private counter = 0;

  add(entry: Omit<LoggedRequest, "id" | "headers"> & { rawHeaders: IncomingHttpHeaders }): LoggedRequest {
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = entry.rawHeaders[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const { rawHeaders: _, ...rest } = entry;
    const logged: LoggedRequest = { ...rest, id: ++this.counter, headers };
    this.entries.push(logged);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return logged;
  }

  query(filter: { upstream?: string; pathIncludes?: string; method?: string; since?: number }): LoggedRequest[] {
    return this.entries.filter(
      (e) =>
        (!filter.upstream || e.upstream === filter.upstream) &&
        (!filter.method || e.method === filter.method.toUpperCase()) &&
        (!filter.pathIncludes || `${e.path}${e.query}`.includes(filter.pathIncludes)) &&
        (filter.since === undefined || e.id > filter.since),
    );
  }

  clear(): void {
    this.entries = [];
  }
}
