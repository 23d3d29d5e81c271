/**
 * What each subscription plan allows. One table, read by the services that enforce it; billing maps
 * Stripe prices onto these names.
 */
export type Plan = "free" | "creator" | "pro" | "agency";

export interface PlanLimits {
  channels: number;
  videosPerDay: number;
}

export const planLimits: Record<Plan, PlanLimits> = {
  free: { channels: 1, videosPerDay: 3 },
  creator: { channels: 5, videosPerDay: 50 },
  pro: { channels: 20, videosPerDay: 150 },
  agency: { channels: 100, videosPerDay: 400 },
};
