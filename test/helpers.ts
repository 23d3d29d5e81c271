import { exports } from "cloudflare:workers";
import { expect } from "vitest";

let ipCounter = 0;

/** A distinct client IP per call site, so per-IP rate limits of one test never touch another. */
export function freshIp(): string {
  ipCounter += 1;
  const n = Math.floor(Math.random() * 200) + 1;
  return `10.${n}.${Math.floor(ipCounter / 250) % 250}.${ipCounter % 250}`;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: BodyInit;
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  ip?: string;
}

/** One request through the Worker's real fetch handler. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  headers.set("cf-connecting-ip", options.ip ?? freshIp());
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.apiKey) headers.set("x-api-key", options.apiKey);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return exports.default.fetch(
    new Request(`http://api.test${path}`, { method: options.method ?? (body ? "POST" : "GET"), headers, body }),
  );
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

let emailCounter = 0;
export function uniqueEmail(tag = "user"): string {
  emailCounter += 1;
  return `${tag}-${Date.now()}-${emailCounter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export async function signupUser(tag = "user"): Promise<TestUser> {
  const email = uniqueEmail(tag);
  const password = "a-long-enough-password";
  const res = await call("/v1/auth/signup", { body: { email, password } });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  const body = JSON.parse(text);
  return { id: body.user.id, email, password, accessToken: body.access_token, refreshToken: body.refresh_token };
}

/** Asserts an RFC 9457 problem with the given status and code; returns it for further checks. */
export async function expectProblem(res: Response, status: number, code: string) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type"), text).toContain("application/problem+json");
  const problem = JSON.parse(text);
  expect(problem, text).toMatchObject({ status, code });
  expect(typeof problem.type).toBe("string");
  expect(typeof problem.title).toBe("string");
  expect(typeof problem.detail).toBe("string");
  return problem as { detail: string; errors?: { path: string; message: string }[]; request_id?: string };
}
