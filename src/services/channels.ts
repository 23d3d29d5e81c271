import { and, count, desc, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { type ChannelRow, type ChannelSchedule, channels, users, videos } from "../db/schema";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { decodeCursor, paginate } from "../lib/pagination";
import { planLimits } from "../lib/plans";
import { revokeChannelGrants } from "./channel-tokens";
import type { ServiceDeps } from "./deps";
import { deleteVideoMedia } from "./pipeline/media";
import { isUploadRunning } from "./pipeline/steps";

export type Privacy = "private" | "unlisted" | "public";

export interface ChannelInput {
  name: string;
  niche: string;
  language: string;
  default_privacy: Privacy;
  schedule: ChannelSchedule;
}

export function toChannelResponse(channel: ChannelRow, now = Date.now()) {
  const limited = channel.uploadLimitedUntil !== null && channel.uploadLimitedUntil > now;
  return {
    id: channel.id,
    name: channel.name,
    niche: channel.niche,
    language: channel.language,
    default_privacy: channel.defaultPrivacy,
    schedule: channel.schedule,
    status: channel.status,
    youtube:
      channel.youtubeChannelId === null
        ? null
        : {
            channel_id: channel.youtubeChannelId,
            title: channel.youtubeTitle,
            url: `https://www.youtube.com/channel/${channel.youtubeChannelId}`,
          },
    upload_limited: limited,
    upload_limited_until: limited ? new Date(channel.uploadLimitedUntil as number).toISOString() : null,
    created_at: new Date(channel.createdAt).toISOString(),
    updated_at: new Date(channel.updatedAt).toISOString(),
  };
}

export type ChannelResponse = ReturnType<typeof toChannelResponse>;

/** A channel of this user, or 404 — another user's channel id is indistinguishable from a missing one. */
export async function getOwnedChannel(deps: ServiceDeps, userId: string, channelId: string): Promise<ChannelRow> {
  const channel = await deps.db
    .select()
    .from(channels)
    .where(and(eq(channels.id, channelId), eq(channels.userId, userId)))
    .get();
  if (!channel) throw new ApiError("channel_not_found", `No channel ${channelId}.`);
  return channel;
}

export async function createChannel(deps: ServiceDeps, userId: string, input: ChannelInput): Promise<ChannelRow> {
  const [owner, owned] = await deps.db.batch([
    deps.db.select({ plan: users.plan }).from(users).where(eq(users.id, userId)),
    deps.db.select({ n: count() }).from(channels).where(eq(channels.userId, userId)),
  ]);
  const plan = owner[0]?.plan;
  if (!plan) throw new ApiError("unauthenticated", "This account no longer exists.");
  const limit = planLimits[plan].channels;
  if ((owned[0]?.n ?? 0) >= limit) {
    throw new ApiError("plan_limit_reached", `The ${plan} plan allows ${limit} channel(s). Upgrade to add more.`);
  }
  const now = Date.now();
  return deps.db
    .insert(channels)
    .values({
      id: newId("chn", now),
      userId,
      name: input.name,
      niche: input.niche,
      language: input.language,
      defaultPrivacy: input.default_privacy,
      schedule: input.schedule,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
}

const cursorSchema = z.object({ id: z.string() });

export async function listChannels(
  deps: ServiceDeps,
  userId: string,
  query: { limit: number; cursor?: string; status?: ChannelRow["status"] },
) {
  const after = decodeCursor(query.cursor, cursorSchema);
  const rows = await deps.db
    .select()
    .from(channels)
    .where(
      and(
        eq(channels.userId, userId),
        after ? lt(channels.id, after.id) : undefined,
        query.status ? eq(channels.status, query.status) : undefined,
      ),
    )
    .orderBy(desc(channels.id))
    .limit(query.limit + 1);
  const page = paginate(rows, query.limit, (row) => ({ id: row.id }));
  return { data: page.data.map((row) => toChannelResponse(row)), next_cursor: page.next_cursor };
}

export async function updateChannel(
  deps: ServiceDeps,
  userId: string,
  channelId: string,
  changes: Partial<ChannelInput>,
): Promise<ChannelRow> {
  const updated = await deps.db
    .update(channels)
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.niche !== undefined ? { niche: changes.niche } : {}),
      ...(changes.language !== undefined ? { language: changes.language } : {}),
      ...(changes.default_privacy !== undefined ? { defaultPrivacy: changes.default_privacy } : {}),
      ...(changes.schedule !== undefined ? { schedule: changes.schedule } : {}),
      updatedAt: Date.now(),
    })
    .where(and(eq(channels.id, channelId), eq(channels.userId, userId)))
    .returning()
    .get();
  if (!updated) throw new ApiError("channel_not_found", `No channel ${channelId}.`);
  return updated;
}

/** Revokes the grants, forgets the tokens; the channel stays (its videos and history) as `disconnected`. */
export async function disconnectChannel(deps: ServiceDeps, userId: string, channelId: string): Promise<ChannelRow> {
  await getOwnedChannel(deps, userId, channelId);
  await revokeChannelGrants(deps, channelId);
  return updateChannelStatus(deps, channelId, "disconnected");
}

/**
 * Deletes the channel with its videos and their media (videos already on YouTube stay there). A
 * video of the channel whose upload is running must finish first, or it would land on YouTube with
 * nothing left here to manage it.
 */
export async function deleteChannel(deps: ServiceDeps, userId: string, channelId: string): Promise<void> {
  await getOwnedChannel(deps, userId, channelId);
  const owned = await deps.db
    .select({ id: videos.id, status: videos.status, leaseUntil: videos.leaseUntil })
    .from(videos)
    .where(eq(videos.channelId, channelId));
  if (owned.some((video) => isUploadRunning(video))) {
    throw new ApiError("conflict", "A video of this channel is being uploaded; delete the channel afterwards.");
  }
  await revokeChannelGrants(deps, channelId);
  for (const video of owned) await deleteVideoMedia(deps.env.MEDIA, userId, video.id);
  await deps.db.delete(channels).where(and(eq(channels.id, channelId), eq(channels.userId, userId)));
}

async function updateChannelStatus(deps: ServiceDeps, channelId: string, status: ChannelRow["status"]) {
  const row = await deps.db
    .update(channels)
    .set({ status, updatedAt: Date.now() })
    .where(eq(channels.id, channelId))
    .returning()
    .get();
  if (!row) throw new ApiError("channel_not_found", `No channel ${channelId}.`);
  return row;
}
