import { DurableObject } from "cloudflare:workers";

/**
 * Per-user WebSocket hub (Hibernation API), one instance per user. The binding exists from the
 * foundation on; sockets and event fan-out arrive with the pipeline work.
 */
export class RealtimeHub extends DurableObject {}
