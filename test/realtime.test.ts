import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hubOf } from "../src/services/realtime";
import { call, expectProblem, json, signupUser } from "./helpers";

async function open(query = "", protocols?: string) {
  const headers = new Headers({ upgrade: "websocket", "cf-connecting-ip": "198.51.100.20" });
  if (protocols) headers.set("sec-websocket-protocol", protocols);
  return exports.default.fetch(new Request(`http://api.test/v1/realtime${query}`, { headers }));
}

function collect(socket: WebSocket) {
  const messages: Record<string, unknown>[] = [];
  socket.addEventListener("message", (event) => messages.push(JSON.parse(event.data as string)));
  return {
    messages,
    async next(predicate: (m: Record<string, unknown>) => boolean, timeoutMs = 1000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = messages.find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`);
    },
  };
}

async function connect(token: string) {
  const res = await open("", `ytempire.v1, bearer.${token}`);
  expect(res.status).toBe(101);
  expect(res.headers.get("sec-websocket-protocol")).toBe("ytempire.v1");
  const socket = res.webSocket as WebSocket;
  socket.accept();
  return socket;
}

const sampleEvent = (id: string) => ({
  type: "video.updated" as const,
  video: {
    id,
    status: "voicing",
    step: "voice",
    cost_micros: 1200,
    title: null,
    youtube_video_id: null,
    error_code: null,
  },
  at: new Date().toISOString(),
});

describe("realtime", () => {
  it("a plain GET -> 426; no credentials -> 401; a bad token -> 401", async () => {
    await expectProblem(await call("/v1/realtime"), 426, "upgrade_required");
    await expectProblem(await open(), 401, "unauthenticated");
    await expectProblem(await open("", "ytempire.v1, bearer.not-a-jwt"), 401, "unauthenticated");
  });

  it("answers ping and reaches every socket of the user, and no other user's", async () => {
    const alice = await signupUser();
    const bob = await signupUser();
    const [a1, a2, b1] = [
      await connect(alice.accessToken),
      await connect(alice.accessToken),
      await connect(bob.accessToken),
    ];
    const [inbox1, inbox2, inboxBob] = [collect(a1), collect(a2), collect(b1)];

    a1.send(JSON.stringify({ type: "ping" }));
    await inbox1.next((m) => m.type === "pong");

    const delivered = await hubOf(env, alice.id).publish(sampleEvent("vid_alice"));
    expect(delivered).toBe(2);
    await inbox1.next((m) => m.type === "video.updated");
    await inbox2.next((m) => m.type === "video.updated");
    await new Promise((r) => setTimeout(r, 100));
    expect(inboxBob.messages.filter((m) => m.type === "video.updated")).toEqual([]);
    for (const s of [a1, a2, b1]) s.close(1000, "done");
  });

  it("tickets work once", async () => {
    const user = await signupUser();
    const { ticket } = await json<{ ticket: string }>(
      await call("/v1/realtime/tickets", { method: "POST", token: user.accessToken }),
    );
    const first = await open(`?ticket=${ticket}`);
    expect(first.status).toBe(101);
    first.webSocket?.accept();
    first.webSocket?.close(1000, "bye");
    await expectProblem(await open(`?ticket=${ticket}`), 401, "unauthenticated");
    await expectProblem(await open(`?ticket=rt1.${user.id}.${"0".repeat(32)}`), 401, "unauthenticated");
  });

  it("watching another user's video is 'not found'; a bad message gets an error", async () => {
    const owner = await signupUser();
    const other = await signupUser();
    const now = Date.now();
    const ch = await json<{ id: string }>(
      await call("/v1/channels", { token: owner.accessToken, body: { name: "c", niche: "n", language: "en" } }),
    );
    await env.DB.prepare(
      "INSERT INTO videos (id, user_id, channel_id, topic, language, style, target_seconds, privacy, status, step, cost_cap_micros, created_at, updated_at) VALUES ('vid_owned', ?, ?, 't', 'en', 'explainer', 60, 'private', 'queued', 'script', 3000000, ?, ?)",
    )
      .bind(owner.id, ch.id, now, now)
      .run();

    const mine = collect(await connect(owner.accessToken));
    const theirs = await connect(other.accessToken);
    const inbox = collect(theirs);
    theirs.send(JSON.stringify({ type: "watch", video_id: "vid_owned" }));
    expect(await inbox.next((m) => m.type === "error")).toMatchObject({ code: "video_not_found" });
    theirs.send("not json");
    await inbox.next((m) => m.type === "error" && m.code === "bad_message");

    const ownerSocket = await connect(owner.accessToken);
    const ownerInbox = collect(ownerSocket);
    ownerSocket.send(JSON.stringify({ type: "watch", video_id: "vid_owned" }));
    expect(await ownerInbox.next((m) => m.type === "video.snapshot")).toMatchObject({
      video: { id: "vid_owned", status: "queued" },
    });
    expect(mine.messages).toEqual([]);
  });
});
