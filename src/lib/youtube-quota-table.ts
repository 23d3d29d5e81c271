import { z } from "zod";
import { type Config, ConfigError } from "../env";

/**
 * The one table of YouTube Data API quota: which daily buckets a project has and what each method
 * we call draws from them. Two models, chosen by `YOUTUBE_QUOTA_MODEL`; `YOUTUBE_QUOTA_TABLE` (JSON)
 * may change bucket sizes and method costs. No other module holds a quota figure.
 *
 * Sources: https://developers.google.com/youtube/data/determine_quota_cost (current, bucketed) and
 * https://developers.google.com/youtube/v3/determine_quota_cost (older single 10,000-unit budget).
 */

export const quotaBuckets = ["uploads", "searches", "units"] as const;
export type QuotaBucket = (typeof quotaBuckets)[number];

/** Every YouTube method the platform calls. A call site names one of these, never a free string. */
export const quotaMethods = [
  "videos.insert",
  "search.list",
  "thumbnails.set",
  "videos.update",
  "playlistItems.insert",
  "captions.insert",
  "videos.list",
  "channels.list",
  "playlistItems.list",
] as const;
export type QuotaMethod = (typeof quotaMethods)[number];

export type QuotaModel = Config["YOUTUBE_QUOTA_MODEL"];
export const quotaModels = ["buckets", "legacy"] as const satisfies readonly QuotaModel[];

/** Amounts per bucket; a missing bucket is 0. */
export type BucketAmounts = Partial<Record<QuotaBucket, number>>;

export interface QuotaTable {
  readonly model: QuotaModel;
  /** Daily size of each bucket the model has; a bucket absent here does not exist in the model. */
  readonly limits: Readonly<BucketAmounts>;
  /** What one call of each method draws, per bucket. */
  readonly costs: Readonly<Record<QuotaMethod, Readonly<BucketAmounts>>>;
}

// Methods charged from the shared unit budget alike in both models.
const unitCosts = {
  "thumbnails.set": { units: 50 },
  "videos.update": { units: 50 },
  "playlistItems.insert": { units: 50 },
  "captions.insert": { units: 400 },
  "videos.list": { units: 1 },
  "channels.list": { units: 1 },
  "playlistItems.list": { units: 1 },
} as const satisfies Partial<Record<QuotaMethod, BucketAmounts>>;

const baseTables: Record<QuotaModel, QuotaTable> = {
  // Google's current model: an upload and a search cost 1 each inside their own daily bucket.
  buckets: {
    model: "buckets",
    limits: { uploads: 100, searches: 100, units: 10_000 },
    costs: { "videos.insert": { uploads: 1 }, "search.list": { searches: 1 }, ...unitCosts },
  },
  // The older model: everything from one 10,000-unit budget, 1,600 per upload, 100 per search.
  legacy: {
    model: "legacy",
    limits: { units: 10_000 },
    costs: { "videos.insert": { units: 1_600 }, "search.list": { units: 100 }, ...unitCosts },
  },
};

const amount = z.number().int().nonnegative().max(1_000_000_000);
const bucketAmounts = z.partialRecord(z.enum(quotaBuckets), amount);

/** Shape of `YOUTUBE_QUOTA_TABLE`, e.g. `{"limits":{"units":20000},"costs":{"captions.insert":{"units":200}}}`. */
export const quotaTableOverrideSchema = z.strictObject({
  limits: bucketAmounts.optional(),
  costs: z
    .partialRecord(
      z.enum(quotaMethods),
      bucketAmounts.refine((costs) => totalOf(costs) > 0, "a method must draw at least 1 from some bucket"),
    )
    .optional(),
});
export type QuotaTableOverride = z.infer<typeof quotaTableOverrideSchema>;

/** The quota settings of the deployment, as `src/env.ts` parses them. */
export type QuotaConfig = Pick<Config, "YOUTUBE_QUOTA_MODEL" | "YOUTUBE_QUOTA_TABLE">;

export function totalOf(amounts: BucketAmounts): number {
  let total = 0;
  for (const bucket of quotaBuckets) total += amounts[bucket] ?? 0;
  return total;
}

/** The model's base table with `override` applied: a listed limit or method cost replaces the base one. */
export function applyOverride(base: QuotaTable, override: QuotaTableOverride): QuotaTable {
  const limits: BucketAmounts = { ...base.limits };
  const costs: Record<QuotaMethod, Readonly<BucketAmounts>> = { ...base.costs };
  for (const bucket of quotaBuckets) {
    const limit = override.limits?.[bucket];
    if (limit === undefined) continue;
    if (base.limits[bucket] === undefined) {
      throw new ConfigError(`YOUTUBE_QUOTA_TABLE: limits.${bucket}: the ${base.model} model has no ${bucket} bucket`);
    }
    limits[bucket] = limit;
  }
  for (const method of quotaMethods) {
    const methodCosts = override.costs?.[method];
    if (methodCosts === undefined) continue;
    for (const bucket of quotaBuckets) {
      if ((methodCosts[bucket] ?? 0) > 0 && base.limits[bucket] === undefined) {
        throw new ConfigError(
          `YOUTUBE_QUOTA_TABLE: costs.${method}.${bucket}: the ${base.model} model has no ${bucket} bucket`,
        );
      }
    }
    costs[method] = { ...methodCosts };
  }
  return { model: base.model, limits, costs };
}

/** Parses and validates the `YOUTUBE_QUOTA_TABLE` JSON; a bad table is a ConfigError naming every problem. */
export function parseQuotaTableOverride(json: string): QuotaTableOverride {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ConfigError("YOUTUBE_QUOTA_TABLE: not valid JSON");
  }
  const result = quotaTableOverrideSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ConfigError(`YOUTUBE_QUOTA_TABLE: ${problems.join("; ")}`);
  }
  return result.data;
}

const resolved = new Map<string, QuotaTable>();

/**
 * The table an account works with. `accountModel` pins one account to a model (Google moves projects
 * between models one by one); the deployment's `YOUTUBE_QUOTA_TABLE` was written for the configured
 * model, so it applies only to accounts on that model.
 */
export function quotaTableFor(config: QuotaConfig, accountModel?: QuotaModel | null): QuotaTable {
  const model = accountModel ?? config.YOUTUBE_QUOTA_MODEL;
  const override = model === config.YOUTUBE_QUOTA_MODEL ? config.YOUTUBE_QUOTA_TABLE?.trim() || "" : "";
  const key = `${model}\u0000${override}`;
  const cached = resolved.get(key);
  if (cached) return cached;
  const table = override ? applyOverride(baseTables[model], parseQuotaTableOverride(override)) : baseTables[model];
  resolved.set(key, table);
  return table;
}

/** What one call of `method` draws under `table`. */
export function costOf(table: QuotaTable, method: QuotaMethod): BucketAmounts {
  return { ...table.costs[method] };
}

/** The buckets `table`'s model has, in the fixed bucket order. */
export function bucketsOf(table: QuotaTable): QuotaBucket[] {
  return quotaBuckets.filter((bucket) => table.limits[bucket] !== undefined);
}
