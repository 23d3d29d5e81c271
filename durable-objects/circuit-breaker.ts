import { DurableObject } from "cloudflare:workers";

/** Circuit breaker state of one upstream provider, shared by every Worker instance (one instance per provider). */
export class CircuitBreaker extends DurableObject {}
