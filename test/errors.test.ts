import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, signupUser } from "./helpers";

async function userCount(): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>();
  return row?.n ?? 0;
}

describe("error model: every failure is application/problem+json", () => {
  it("unknown route -> 404", async () => {
    const problem = await expectProblem(await call("/v1/nope"), 404, "not_found");
    expect(problem.request_id).toBeTruthy();
  });

  it("wrong method on a known path -> 405 with Allow", async () => {
    const res = await call("/v1/auth/login", { method: "GET" });
    expect(res.headers.get("allow")).toContain("POST");
    await expectProblem(res, 405, "method_not_allowed");
  });

  it("malformed JSON -> 400, nothing written", async () => {
    const before = await userCount();
    const res = await call("/v1/auth/signup", {
      rawBody: '{"email": "x@example.com", "password": ',
      headers: { "content-type": "application/json" },
    });
    await expectProblem(res, 400, "malformed_json");
    expect(await userCount()).toBe(before);
  });

  it("wrong content type -> 415, the handler never runs", async () => {
    const before = await userCount();
    const res = await call("/v1/auth/signup", {
      rawBody: "email=a@example.com&password=0123456789abc",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await expectProblem(res, 415, "unsupported_media_type");
    expect(await userCount()).toBe(before);
  });

  it("missing content type with a body -> 415", async () => {
    const res = await call("/v1/auth/signup", {
      rawBody: JSON.stringify({ email: "b@example.com", password: "0123456789abc" }),
    });
    await expectProblem(res, 415, "unsupported_media_type");
  });

  it("body over the limit -> 413", async () => {
    const before = await userCount();
    const res = await call("/v1/auth/signup", {
      body: { email: "big@example.com", password: "0123456789abc", name: "x".repeat(70_000) },
    });
    await expectProblem(res, 413, "payload_too_large");
    expect(await userCount()).toBe(before);
  });

  it("a body with thousands of problems gets a bounded answer", async () => {
    const junk = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
    const res = await call("/v1/auth/signup", { body: { email: "x@example.com", password: "0123456789abc", ...junk } });
    const problem = await expectProblem(res, 422, "validation_failed");
    expect(problem.errors?.length).toBeLessThanOrEqual(51);
  });

  it("validation -> 422 listing every issue", async () => {
    const before = await userCount();
    const res = await call("/v1/auth/signup", { body: { email: "not-an-email", password: "short", extra: 1 } });
    const problem = await expectProblem(res, 422, "validation_failed");
    const paths = (problem.errors ?? []).map((e) => e.path).sort();
    expect(paths).toEqual(["body", "body.email", "body.password"]);
    expect(await userCount()).toBe(before);
  });

  it("no credentials -> 401 with a Bearer challenge", async () => {
    const res = await call("/v1/users/me");
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    await expectProblem(res, 401, "unauthenticated");
  });

  it("non-admin on an admin-only capability -> 403 (API key on a human-only route)", async () => {
    const user = await signupUser();
    const created = await call("/v1/api-keys", { token: user.accessToken, body: { name: "ci" } });
    const { key } = (await created.json()) as { key: string };
    await expectProblem(await call("/v1/api-keys", { apiKey: key }), 403, "forbidden");
  });

  it("rate limited -> 429 with Retry-After", async () => {
    const ip = "192.0.2.77";
    let last: Response | undefined;
    for (let i = 0; i < 21; i++) {
      last = await call("/v1/auth/signup", {
        ip,
        body: { email: `rl-${i}-${Date.now()}@example.com`, password: "0123456789abc" },
      });
    }
    expect(last?.headers.get("retry-after")).toBe("60");
    await expectProblem(last as Response, 429, "rate_limited");
  });

  it("responses carry X-Request-Id, echoing a sane incoming one", async () => {
    const res = await call("/health", { headers: { "x-request-id": "trace-abc.123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-abc.123");
    const generated = await call("/health", { headers: { "x-request-id": "bad id with spaces" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("secure headers are set", async () => {
    const res = await call("/health");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("strict-transport-security")).toContain("max-age");
  });

  it("CORS only for allow-listed origins", async () => {
    const allowed = await call("/health", { headers: { origin: "http://localhost:3000" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    const denied = await call("/health", { headers: { origin: "https://evil.example" } });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});
