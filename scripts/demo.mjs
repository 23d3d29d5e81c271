// `npm run demo "how volcanoes form"`: a video from a topic to YouTube against the running local API
// (`npm start`), as a real client would: log in, connect a channel through the (emulated) Google
// consent, create the video, follow it over the WebSocket, print the result and its itemised cost.
// Exit code 0 only when the video is published (or scheduled).
import WebSocket from "ws";

const API = process.env.API_URL ?? "http://127.0.0.1:8787";
const EMAIL = process.env.DEMO_EMAIL ?? "demo@ytempire.local";
const PASSWORD = process.env.DEMO_PASSWORD ?? "demo-password-123";
const topic = process.argv.slice(2).join(" ").trim() || "how volcanoes form";
const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 180_000);

const started = Date.now();
const say = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
const dollars = (micros) => `$${(micros / 1e6).toFixed(6)}`;

async function api(path, { method = "GET", token, body, headers = {} } = {}) {
  const res = await fetch(new URL(path, API), {
    method,
    redirect: "manual",
    headers: {
      ...(body ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${json?.detail ?? text}`);
  return json;
}

async function login() {
  try {
    return await api("/v1/auth/login", { method: "POST", body: { email: EMAIL, password: PASSWORD } });
  } catch {
    return api("/v1/auth/signup", { method: "POST", body: { email: EMAIL, password: PASSWORD, name: "Demo" } });
  }
}

/** A connected channel of the demo user, connecting one through Google's consent if there is none. */
async function channel(token) {
  const { data } = await api("/v1/channels?status=connected", { token });
  if (data[0]) return data[0];
  const created = await api("/v1/channels", {
    method: "POST",
    token,
    body: { name: "Demo channel", niche: "science explainers", language: "en", default_privacy: "public" },
  });
  const { authorization_url } = await api(`/v1/channels/${created.id}/connect`, { method: "POST", token, body: {} });
  say(`consent: ${new URL(authorization_url).origin}${new URL(authorization_url).pathname}`);
  // The browser's part: Google (emulated) approves and redirects back to our callback.
  const consent = await fetch(authorization_url, { redirect: "manual" });
  const callback = consent.headers.get("location");
  if (consent.status !== 302 || !callback) throw new Error(`consent answered ${consent.status}`);
  const result = await api(new URL(callback).pathname + new URL(callback).search);
  return result.channel;
}

function follow(token, videoId) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${API.replace(/^http/, "ws")}/v1/realtime`, ["ytempire.v1", `bearer.${token}`]);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no final state within ${TIMEOUT_MS / 1000}s`));
    }, TIMEOUT_MS);
    let last = "";
    socket.on("open", () => socket.send(JSON.stringify({ type: "watch", video_id: videoId })));
    socket.on("message", (raw) => {
      const event = JSON.parse(String(raw));
      if (event.type === "error") return say(`realtime error: ${event.code} ${event.message}`);
      const video = event.video;
      if (!video || video.id !== videoId) return;
      const line = `${video.status}${video.step ? ` (step: ${video.step})` : ""}  cost so far ${dollars(video.cost_micros)}${video.detail ? `  - ${video.detail}` : ""}`;
      if (line !== last) say(line);
      last = line;
      if (video.status === "waiting_quota") {
        // The wait can be hours (the Pacific-midnight reset): say until when, and stop here.
        clearTimeout(timer);
        socket.close();
        return resolve(video.status);
      }
      if (["published", "scheduled", "failed", "cancelled"].includes(video.status)) {
        clearTimeout(timer);
        socket.close();
        resolve(video.status);
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

try {
  const session = await login();
  const token = session.access_token;
  say(`logged in as ${session.user.email}`);
  const ch = await channel(token);
  say(`channel ${ch.id} connected to YouTube channel ${ch.youtube.channel_id}`);
  const video = await api("/v1/videos", {
    method: "POST",
    token,
    headers: { "idempotency-key": `demo-${Date.now()}` },
    body: { channel_id: ch.id, topic, target_seconds: 60 },
  });
  say(`video ${video.id} queued: "${topic}"`);
  const final = await follow(token, video.id);
  const detail = await api(`/v1/videos/${video.id}`, { token });
  const costs = await api(`/v1/videos/${video.id}/costs`, { token });
  console.log();
  if (detail.youtube) {
    console.log(`YouTube video id: ${detail.youtube.video_id}`);
    console.log(
      `URL:              ${detail.youtube.url}${detail.youtube.locked_private ? "  (locked private: unaudited API project)" : ""}`,
    );
  }
  if (detail.error) console.log(`failed at ${detail.error.step}: ${detail.error.code} - ${detail.error.message}`);
  if (detail.waiting)
    console.log(`waiting (${detail.waiting.reason}) until ${detail.waiting.until}; it resumes by itself then`);
  if (detail.warnings.length) console.log(`warnings: ${detail.warnings.join(", ")}`);
  console.log();
  console.table(
    costs.data.map((e) => ({
      step: e.step,
      provider: e.provider,
      model: e.model ?? "",
      operation: e.operation,
      cost: dollars(e.cost_micros),
    })),
  );
  console.log(`total ${dollars(costs.total_micros)} (cap ${dollars(costs.cap_micros)})`);
  const withinCap = costs.total_micros <= 3_000_000 && costs.total_micros <= costs.cap_micros;
  if (!withinCap) console.log("the cost is over $3.00 or over the cap");
  process.exit(final === "published" && withinCap ? 0 : 1);
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
}
