// YouTube's state: projects (OAuth clients) with their daily quota, channel limits, uploaded videos.
// Quota model: https://developers.google.com/youtube/data/determine_quota_cost (buckets) and
// https://developers.google.com/youtube/v3/determine_quota_cost (legacy, 1,600 units an upload).

export type QuotaMethod =
  | "videos.insert"
  | "search.list"
  | "thumbnails.set"
  | "videos.update"
  | "videos.list"
  | "channels.list";

const UNIT_COSTS: Record<QuotaMethod, number> = {
  "videos.insert": 1600,
  "search.list": 100,
  "thumbnails.set": 50,
  "videos.update": 50,
  "videos.list": 1,
  "channels.list": 1,
};

export interface QuotaLimits {
  uploads: number;
  searches: number;
  units: number;
}

export interface Project {
  clientId: string;
  audited: boolean;
  exhausted: boolean;
  model: "buckets" | "legacy";
  limits: QuotaLimits;
  day: string;
  used: QuotaLimits;
}

export interface ChannelSettings {
  uploadCap: number;
  thumbnailsAllowed: boolean;
  /** Completion times of uploads, for the rolling 24-hour cap. */
  uploads: number[];
}

export interface VideoSnippet {
  title: string;
  description: string;
  tags?: string[];
  categoryId: string;
  defaultLanguage?: string;
  defaultAudioLanguage?: string;
}

export interface VideoStatus {
  privacyStatus: "public" | "private" | "unlisted";
  publishAt?: string;
  selfDeclaredMadeForKids?: boolean;
  containsSyntheticMedia?: boolean;
  license: string;
  embeddable: boolean;
  publicStatsViewable: boolean;
}

export interface StoredVideo {
  id: string;
  channelId: string;
  channelTitle: string;
  clientId: string;
  snippet: VideoSnippet;
  status: VideoStatus;
  publishedAt: string;
  /** The uploaded file; absent for a video restored from a previous run (only metadata is persisted). */
  bytes?: Buffer;
  size: number;
  contentType: string;
  sha256: string;
  durationSeconds?: number;
  /** The privacy the upload asked for, before an unaudited project forced it to private. */
  requestedPrivacy: string;
  thumbnail?: StoredThumbnail;
}

export interface StoredThumbnail {
  /** Absent after a restart, like the video's bytes. */
  bytes?: Buffer;
  size: number;
  contentType: string;
  sha256: string;
  setAt: string;
}

/** A video as persisted: everything but the bytes (hundreds of KB each, rewritten on every save). */
export type PersistedVideo = Omit<StoredVideo, "bytes" | "thumbnail"> & { thumbnail?: Omit<StoredThumbnail, "bytes"> };

/** What survives a restart of `npm start`'s emulator (see persistence.ts). */
export interface YouTubeSnapshot {
  /** With the day's usage: a restart must not hand a project a fresh quota the same Pacific day. */
  projects: Project[];
  channels: Array<[string, ChannelSettings]>;
  videos: PersistedVideo[];
}

export const DEFAULT_UPLOAD_CAP = 50;

/** Calendar day in America/Los_Angeles: YouTube quotas reset at Pacific midnight. */
export function pacificDay(at = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles" }).format(at);
}

export class YouTubeStore {
  readonly projects = new Map<string, Project>();
  readonly channels = new Map<string, ChannelSettings>();
  readonly videos = new Map<string, StoredVideo>();

  reset(): void {
    this.projects.clear();
    this.channels.clear();
    this.videos.clear();
  }

  snapshot(): YouTubeSnapshot {
    return {
      projects: [...this.projects.values()],
      channels: [...this.channels],
      videos: [...this.videos.values()].map(({ bytes: _, thumbnail, ...video }) => {
        if (!thumbnail) return video;
        const { bytes: __, ...meta } = thumbnail;
        return { ...video, thumbnail: meta };
      }),
    };
  }

  restore(snapshot: YouTubeSnapshot): void {
    this.reset();
    for (const project of snapshot.projects) this.projects.set(project.clientId, project);
    for (const [id, channel] of snapshot.channels) this.channels.set(id, channel);
    for (const video of snapshot.videos) this.videos.set(video.id, video);
  }

  project(clientId: string): Project {
    let project = this.projects.get(clientId);
    if (!project) {
      project = {
        clientId,
        audited: true,
        exhausted: false,
        model: "buckets",
        limits: { uploads: 100, searches: 100, units: 10_000 },
        day: pacificDay(),
        used: { uploads: 0, searches: 0, units: 0 },
      };
      this.projects.set(clientId, project);
    }
    const today = pacificDay();
    if (project.day !== today) {
      project.day = today;
      project.used = { uploads: 0, searches: 0, units: 0 };
    }
    return project;
  }

  channel(channelId: string): ChannelSettings {
    let channel = this.channels.get(channelId);
    if (!channel) {
      channel = { uploadCap: DEFAULT_UPLOAD_CAP, thumbnailsAllowed: true, uploads: [] };
      this.channels.set(channelId, channel);
    }
    return channel;
  }

  /** Charges one call to the project's buckets; false when the quota it draws from is spent. */
  charge(clientId: string, method: QuotaMethod): boolean {
    const project = this.project(clientId);
    if (project.exhausted) return false;
    let bucket: keyof QuotaLimits = "units";
    let cost = UNIT_COSTS[method];
    if (project.model === "buckets" && method === "videos.insert") {
      bucket = "uploads";
      cost = 1;
    } else if (project.model === "buckets" && method === "search.list") {
      bucket = "searches";
      cost = 1;
    }
    if (project.used[bucket] + cost > project.limits[bucket]) return false;
    project.used[bucket] += cost;
    return true;
  }

  uploadsInLast24h(channelId: string): number {
    const since = Date.now() - 24 * 3600_000;
    const channel = this.channel(channelId);
    channel.uploads = channel.uploads.filter((t) => t > since);
    return channel.uploads.length;
  }

  videosOf(channelId: string): StoredVideo[] {
    return [...this.videos.values()].filter((v) => v.channelId === channelId);
  }
}
