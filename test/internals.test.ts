import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { expectProblem } from "./helpers";

describe("internal errors", () => {
  it("a thrown error -> 500 problem with the request id and no internals", async () => {
    const app = createApp();
    app.get("/boom", () => {
      throw new Error("SQLITE_CONSTRAINT: secret table users.password_hash");
    });
    const res = await app.fetch(
      new Request("http://api.test/boom", { headers: { "cf-connecting-ip": "198.51.100.1" } }),
      env,
      createExecutionContext(),
    );
    const body = await res.clone().text();
    const problem = await expectProblem(res, 500, "internal_error");
    expect(problem.request_id).toBe(res.headers.get("x-request-id"));
    expect(body).not.toMatch(/SQLITE|password_hash|at \w+ \(/);
  });

  it("a missing secret -> 500 without naming the secret to the caller", async () => {
    const app = createApp();
    const broken = { ...env, JWT_SECRET: undefined };
    const res = await app.fetch(new Request("http://api.test/health"), broken, createExecutionContext());
    const body = await res.clone().text();
    await expectProblem(res, 500, "internal_error");
    expect(body).not.toContain("JWT_SECRET");
  });
});

describe("openapi", () => {
  it("documents every route with security schemes and problem responses", async () => {
    const app = createApp();
    const res = await app.fetch(
      new Request("http://api.test/openapi.json", { headers: { "cf-connecting-ip": "198.51.100.2" } }),
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "bearerAuth"]);
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(doc.paths["/v1/users/me"]?.get?.responses["401"]).toBeDefined();
    expect(doc.paths["/v1/auth/login"]?.post?.responses["429"]).toBeDefined();
    expect(doc.paths["/v1/api-keys/{id}"]?.delete?.security).toEqual([{ bearerAuth: [] }]);
  });

  it("/docs serves an interactive reference", async () => {
    const app = createApp();
    const res = await app.fetch(
      new Request("http://api.test/docs", { headers: { "cf-connecting-ip": "198.51.100.3" } }),
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("/openapi.json");
  });
});
