// Fault injection: rules that match requests to one upstream (by method, path, header) and make them fail
// the way that upstream fails (a preset), with a given status/body, slowly, or with a cut connection.
import type { IncomingHttpHeaders } from "node:http";
import { isRecord, jsonReply, type Reply, UPSTREAMS, type Upstream, type UpstreamName } from "./http";
import { randomId } from "./ids";

export interface FaultSpec {
  upstream: UpstreamName;
  method?: string;
  /** Substring of the request path and query as received, e.g. `/chat/completions` or `upload_id=`. */
  pathIncludes?: string;
  match?: { header?: { name: string; includes: string } };
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  preset?: string;
  /** How many matching requests to affect; unlimited when absent. */
  times?: number;
  /** Probability (0..1) that a matching request is affected. */
  rate?: number;
  latencyMs?: number;
  /** Send the status and headers, then hold the body back this long. */
  stallBodyMs?: number;
  /** Destroy the connection after this many request-body bytes (what arrived is kept). */
  cutAfterBytes?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  hits: number;
  remaining: number | null;
  created_at: string;
}

export class FaultError extends Error {}

const NUMBER_FIELDS = ["status", "times", "rate", "latencyMs", "stallBodyMs", "cutAfterBytes"] as const;

export class FaultRegistry {
  private faults: Fault[] = [];

  constructor(private readonly upstreams: Record<UpstreamName, Upstream>) {}

  add(input: unknown): Fault {
    if (!isRecord(input)) throw new FaultError("body must be a JSON object");
    const upstream = input.upstream;
    if (typeof upstream !== "string" || !(UPSTREAMS as readonly string[]).includes(upstream)) {
      throw new FaultError(`upstream must be one of ${UPSTREAMS.join(", ")}`);
    }
    const target = this.upstreams[upstream as UpstreamName];
    for (const field of NUMBER_FIELDS) {
      const value = input[field];
      if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
        throw new FaultError(`${field} must be a non-negative number`);
      }
    }
    if (typeof input.status === "number" && (input.status < 100 || input.status > 599))
      throw new FaultError("status must be 100..599");
    if (typeof input.rate === "number" && input.rate > 1) throw new FaultError("rate must be between 0 and 1");
    if (input.preset !== undefined) {
      const known = [...Object.keys(target.presets), ...target.behaviours];
      if (typeof input.preset !== "string" || !known.includes(input.preset)) {
        throw new FaultError(`preset for ${upstream} must be one of ${known.join(", ")}`);
      }
    }
    if (
      input.headers !== undefined &&
      (!isRecord(input.headers) || Object.values(input.headers).some((v) => typeof v !== "string"))
    ) {
      throw new FaultError("headers must be an object of strings");
    }
    const headerMatch = isRecord(input.match) && isRecord(input.match.header) ? input.match.header : undefined;
    if (headerMatch && (typeof headerMatch.name !== "string" || typeof headerMatch.includes !== "string")) {
      throw new FaultError("match.header needs name and includes (strings)");
    }
    const fault: Fault = {
      ...(input as unknown as FaultSpec),
      id: `flt_${randomId(12)}`,
      hits: 0,
      remaining: typeof input.times === "number" ? input.times : null,
      created_at: new Date().toISOString(),
    };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults;
  }

  clear(): number {
    const count = this.faults.length;
    this.faults = [];
    return count;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  /** The first fault that matches and fires (rate, times); firing consumes one of its `times`. */
  match(upstream: UpstreamName, method: string, pathAndQuery: string, headers: IncomingHttpHeaders): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.upstream !== upstream) continue;
      if (fault.remaining !== null && fault.remaining <= 0) continue;
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (fault.pathIncludes && !pathAndQuery.includes(fault.pathIncludes)) continue;
      const rule = fault.match?.header;
      if (rule) {
        const value = headers[rule.name.toLowerCase()];
        const text = Array.isArray(value) ? value.join(",") : (value ?? "");
        if (!text.includes(rule.includes)) continue;
      }
      if (fault.rate !== undefined && Math.random() >= fault.rate) continue;
      fault.hits += 1;
      if (fault.remaining !== null) fault.remaining -= 1;
      return fault;
    }
    return undefined;
  }

  /** The reply a fault imposes, or undefined when the upstream's handler should run (maybe with a behaviour). */
  imposedReply(fault: Fault): Reply | undefined {
    const upstream = this.upstreams[fault.upstream];
    let reply: Reply | undefined;
    if (fault.status !== undefined) {
      if (fault.body === undefined) {
        reply = upstream.errorReply(fault.status, `Injected fault ${fault.id}`);
        reply = { ...reply, status: fault.status };
      } else if (typeof fault.body === "string") {
        reply = { status: fault.status, headers: { "content-type": "text/plain; charset=utf-8" }, body: fault.body };
      } else {
        reply = jsonReply(fault.status, fault.body);
      }
    } else if (fault.preset && upstream.presets[fault.preset]) {
      reply = upstream.presets[fault.preset]?.();
    }
    if (reply && fault.headers) reply = { ...reply, headers: { ...reply.headers, ...fault.headers } };
    return reply;
  }

  /** A behavioural preset the handler acts out (e.g. stability `content_filtered`). */
  behaviour(fault: Fault | undefined): string | undefined {
    if (!fault?.preset || fault.status !== undefined) return undefined;
    return this.upstreams[fault.upstream].behaviours.includes(fault.preset) ? fault.preset : undefined;
  }
}
