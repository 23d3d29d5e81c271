import { DurableObject } from "cloudflare:workers";

/**
 * Per-upload-account YouTube quota counter, one instance per account. The binding exists from the
 * foundation on; reservations, buckets and the Pacific-midnight roll-over arrive with the channels work.
 */
export class YouTubeQuota extends DurableObject {}
