import { describe, expect, it } from "vitest";
import { call, json } from "./helpers";

describe("health", () => {
  it("liveness answers ok", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: "ok" });
  });

  it("readiness reports D1, KV and R2", async () => {
    const res = await call("/health/ready");
    const body = await json<{ status: string; checks: Record<string, { ok: boolean }> }>(res);
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe("ready");
    expect(Object.keys(body.checks).sort()).toEqual(["d1", "kv", "r2"]);
    for (const check of Object.values(body.checks)) expect(check.ok).toBe(true);
  });
});
