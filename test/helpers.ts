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
    // Redirects are the API's answer: tests look at them, never follow them.
    new Request(`http://api.test${path}`, {
      method: options.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      redirect: "manual",
    }),
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

/** A user promoted to admin in D1, logged in again so the token carries the role. */
export async function signupAdmin(): Promise<TestUser> {
  const admin = await signupUser("admin");
  const { env } = await import("cloudflare:workers");
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
  const login = await call("/v1/auth/login", { body: { email: admin.email, password: admin.password } });
  const session = (await login.json()) as { access_token: string; refresh_token: string };
  return { ...admin, accessToken: session.access_token, refreshToken: session.refresh_token };
}

/** Adds an upload account through the admin API; returns its id. */
export async function addUploadAccount(
  adminToken: string,
  options: { status?: "active" | "reserve"; audited?: boolean; clientId?: string } = {},
): Promise<string> {
  const clientId = options.clientId ?? `proj-${Math.random().toString(36).slice(2, 10)}.apps.googleusercontent.com`;
  const res = await call("/v1/admin/accounts", {
    token: adminToken,
    body: {
      name: clientId.split(".")[0],
      client_id: clientId,
      client_secret: `secret-${clientId}`,
      status: options.status ?? "active",
      audited: options.audited ?? true,
    },
  });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text).id;
}

/** A channel of `user`, connected to a fresh emulated YouTube channel through the real consent flow. */
export async function connectedChannel(user: TestUser): Promise<{ id: string; youtubeChannelId: string }> {
  const created = await call("/v1/channels", {
    token: user.accessToken,
    body: { name: "Test channel", niche: "science explainers", language: "en", default_privacy: "public" },
  });
  const { id } = (await created.json()) as { id: string };
  const started = await call(`/v1/channels/${id}/connect`, { token: user.accessToken, body: {} });
  const { authorization_url } = (await started.json()) as { authorization_url: string };
  const google = await fetch(authorization_url, { redirect: "manual" });
  const back = new URL(google.headers.get("location") as string);
  const done = await call(`${back.pathname}${back.search}`);
  const text = await done.text();
  expect(done.status, text).toBe(200);
  return { id, youtubeChannelId: JSON.parse(text).channel.youtube.channel_id };
}

export async function setPlan(userId: string, plan: "free" | "creator" | "pro" | "agency", capMicros?: number) {
  const { env } = await import("cloudflare:workers");
  await env.DB.prepare(
    "UPDATE users SET plan = ?, video_cost_cap_micros = COALESCE(?, video_cost_cap_micros) WHERE id = ?",
  )
    .bind(plan, capMicros ?? null, userId)
    .run();
}

/** Polls GET /v1/videos/:id until `done` holds (or the time is up); returns the last body. */
export async function waitForVideo<T extends { status: string }>(
  token: string,
  videoId: string,
  done: (video: T) => boolean,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    const res = await call(`/v1/videos/${videoId}`, { token });
    last = (await res.json()) as T;
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`video ${videoId} never reached the expected state; last: ${JSON.stringify(last)}`);
}
