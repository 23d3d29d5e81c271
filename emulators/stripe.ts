// Stripe (https://docs.stripe.com/api) at the root /v1: form-encoded requests with bracket notation,
// customers, checkout sessions, billing portal sessions, subscriptions, events, Idempotency-Key replays,
// and signed webhook deliveries. Hosted checkout and portal pages live under /stripe/.
import type { FormObject, FormValue } from "./forms";
import { parseBracketForm } from "./forms";
import {
  bearerToken,
  type EmulatorContext,
  type EmuRequest,
  header,
  jsonReply,
  type Reply,
  type Upstream,
  unixNow,
} from "./http";
import { hmacSha256Hex, randomId, sha256Hex } from "./ids";
import {
  customer as buildCustomer,
  invoice as buildInvoice,
  price as buildPrice,
  subscription as buildSubscription,
  type LineItem,
  metadataOf,
  newId,
  STRIPE_API_VERSION,
  type StripeObject,
  strField,
} from "./stripe-objects";

export function stripeError(status: number, type: string, message: string, code?: string, param?: string): Reply {
  const error: Record<string, unknown> = { type, message };
  if (code) {
    error.code = code;
    error.doc_url = `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`;
  }
  if (param) error.param = param;
  return jsonReply(status, { error }, { "request-id": `req_${randomId(14)}` });
}

const missing = (param: string) =>
  stripeError(400, "invalid_request_error", `Missing required param: ${param}.`, "parameter_missing", param);
const noSuch = (kind: string, id: string, param = "id") =>
  stripeError(404, "invalid_request_error", `No such ${kind}: '${id}'`, "resource_missing", param);

export interface Delivery {
  event_id: string;
  type: string;
  target_url: string;
  status: number | null;
  body: string;
  error?: string;
}

interface CheckoutItems {
  items: LineItem[];
  metadata: Record<string, string>;
  trialDays?: number;
}

/**
 * What survives a restart of `npm start`'s emulator (see persistence.ts): the objects (customers,
 * subscriptions, prices, sessions, invoices) the API's database points at. Events, deliveries and
 * idempotency keys are a log, not state, and start empty.
 */
export interface StripeSnapshot {
  objects: StripeObject[];
  checkoutItems: Array<[string, CheckoutItems]>;
}

interface IdempotentEntry {
  fingerprint: string;
  reply: Reply;
  expiresAt: number;
}

export class StripeEmulator implements Upstream {
  readonly name = "stripe" as const;
  readonly presets: Record<string, () => Reply> = {
    rate_limit: () =>
      stripeError(
        429,
        "invalid_request_error",
        "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        "rate_limit",
      ),
    api_error: () => stripeError(500, "api_error", "An unknown error occurred"),
    card_declined: () => stripeError(402, "card_error", "Your card was declined.", "card_declined"),
  };
  readonly behaviours = [] as const;
  readonly objects = new Map<string, StripeObject>();
  readonly events: StripeObject[] = [];
  readonly deliveries: Delivery[] = [];
  /** Where API-driven events (updates, cancellations, hosted checkout) are delivered, if set. */
  webhookUrl: string | undefined;
  private idempotency = new Map<string, IdempotentEntry>();
  /** What each checkout session will subscribe to when completed (not part of Stripe's object). */
  private checkoutItems = new Map<string, CheckoutItems>();

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly defaultWebhookUrl?: string,
  ) {
    this.webhookUrl = defaultWebhookUrl;
  }

  reset(): void {
    this.objects.clear();
    this.events.length = 0;
    this.deliveries.length = 0;
    this.idempotency.clear();
    this.checkoutItems.clear();
    this.webhookUrl = this.defaultWebhookUrl;
  }

  snapshot(): StripeSnapshot {
    return { objects: [...this.objects.values()], checkoutItems: [...this.checkoutItems] };
  }

  restore(snapshot: StripeSnapshot): void {
    this.reset();
    for (const object of snapshot.objects) this.objects.set(object.id, object);
    for (const [id, items] of snapshot.checkoutItems) this.checkoutItems.set(id, items);
  }

  errorReply(status: number, message: string): Reply {
    return stripeError(status, status >= 500 ? "api_error" : "invalid_request_error", message);
  }

  async handle(req: EmuRequest): Promise<Reply> {
    if (req.path.startsWith("/stripe/")) return this.hostedPage(req);
    const key = bearerToken(req) ?? basicKey(req);
    if (!key) {
      return stripeError(
        401,
        "invalid_request_error",
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    const expected = this.ctx.secrets.STRIPE_SECRET_KEY;
    if (expected ? key !== expected : !/^(sk|rk)_test_/.test(key)) {
      return stripeError(
        401,
        "invalid_request_error",
        `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
        "api_key_invalid",
      );
    }
    const raw = req.method === "GET" || req.method === "DELETE" ? req.query.toString() : req.body.toString("utf8");
    const form = parseBracketForm(raw);
    const idempotencyKey = header(req, "idempotency-key");
    if (req.method === "POST" && idempotencyKey) {
      // https://docs.stripe.com/api/idempotent_requests: the first result (errors included) replays for 24 h.
      const fingerprint = sha256Hex(`${req.method} ${req.path} ${raw}`);
      const cacheKey = `${key}:${idempotencyKey}`;
      const cached = this.idempotency.get(cacheKey);
      if (cached && cached.expiresAt > Date.now()) {
        if (cached.fingerprint !== fingerprint) {
          return stripeError(
            400,
            "idempotency_error",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          );
        }
        return {
          ...cached.reply,
          headers: { ...cached.reply.headers, "idempotent-replayed": "true", "idempotency-key": idempotencyKey },
        };
      }
      const reply = await this.route(req, form);
      if (reply.status < 500)
        this.idempotency.set(cacheKey, { fingerprint, reply, expiresAt: Date.now() + 24 * 3600_000 });
      return { ...reply, headers: { ...reply.headers, "idempotency-key": idempotencyKey } };
    }
    return this.route(req, form);
  }

  private ok(value: unknown): Reply {
    return jsonReply(200, value, { "request-id": `req_${randomId(14)}`, "stripe-version": STRIPE_API_VERSION });
  }

  private route(req: EmuRequest, form: FormObject): Reply | Promise<Reply> {
    const segments = req.path.split("/").filter(Boolean); // ["v1", ...]
    const [, resource, id, action] = segments;
    const m = req.method;
    if (resource === "customers") {
      if (m === "POST" && !id) return this.ok(this.store(buildCustomer(form)));
      if (m === "GET" && !id)
        return this.ok(this.list("customer", "/v1/customers", (o) => !form.email || o.email === form.email, form));
      if (id && m === "GET") return this.found("customer", id, form);
      if (id && m === "POST") return this.updateCustomer(id, form);
    }
    if (resource === "prices" && id && m === "GET") return this.ok(this.priceFor(id));
    if (resource === "checkout" && id === "sessions") {
      const sessionId = action;
      if (m === "POST" && !sessionId) return this.createCheckout(form);
      if (m === "GET" && !sessionId)
        return this.ok(this.list("checkout.session", "/v1/checkout/sessions", () => true, form));
      if (m === "GET" && sessionId && segments[4] === "line_items") return this.lineItems(sessionId);
      if (m === "GET" && sessionId) return this.found("checkout.session", sessionId, form);
      if (m === "POST" && sessionId && segments[4] === "expire") return this.expireCheckout(sessionId);
    }
    if (resource === "billing_portal" && id === "sessions" && m === "POST" && !action) return this.portal(form);
    if (resource === "subscriptions") {
      if (m === "GET" && !id) {
        return this.ok(
          this.list(
            "subscription",
            "/v1/subscriptions",
            (o) =>
              (!form.customer || o.customer === form.customer) &&
              (!form.status || form.status === "all" || o.status === form.status),
            form,
          ),
        );
      }
      if (id && m === "GET") return this.found("subscription", id, form);
      if (id && m === "POST") return this.updateSubscription(id, form);
      if (id && m === "DELETE") return this.cancelSubscription(id);
    }
    if (resource === "invoices" && id && m === "GET") return this.found("invoice", id, form);
    if (resource === "events") {
      if (id && m === "GET") {
        const event = this.events.find((e) => e.id === id);
        return event ? this.ok(event) : noSuch("event", id);
      }
      if (m === "GET") {
        const data = this.events
          .filter((e) => !form.type || e.type === form.type)
          .slice()
          .reverse();
        return this.ok({
          object: "list",
          data: data.slice(0, Number(form.limit ?? 10)),
          has_more: data.length > Number(form.limit ?? 10),
          url: "/v1/events",
        });
      }
    }
    return stripeError(
      404,
      "invalid_request_error",
      `Unrecognized request URL (${m}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    );
  }

  private store(object: StripeObject): StripeObject {
    this.objects.set(object.id, object);
    return object;
  }

  private get(kind: string, id: string): StripeObject | undefined {
    const object = this.objects.get(id);
    return object?.object === kind ? object : undefined;
  }

  private found(kind: string, id: string, form: FormObject): Reply {
    const object = this.get(kind, id);
    return object ? this.ok(this.expand(object, form.expand)) : noSuch(kind, id);
  }

  /** `expand[]=customer`: replace ids by the objects they name (one level, plus `subscription.latest_invoice` style paths). */
  private expand(object: StripeObject, expand: FormValue | undefined): StripeObject {
    const paths = Array.isArray(expand)
      ? expand.filter((p): p is string => typeof p === "string")
      : typeof expand === "string"
        ? [expand]
        : [];
    if (paths.length === 0) return object;
    const copy: StripeObject = structuredClone(object);
    for (const path of paths) {
      const [head, ...rest] = path.split(".");
      if (!head) continue;
      if (head === "line_items" && copy.object === "checkout.session") {
        copy.line_items = this.lineItemList(copy.id);
        continue;
      }
      const value = copy[head];
      if (typeof value === "string" && this.objects.has(value)) {
        const target = this.objects.get(value) as StripeObject;
        copy[head] = rest.length > 0 ? this.expand(target, rest.join(".")) : structuredClone(target);
      }
    }
    return copy;
  }

  private list(kind: string, url: string, filter: (o: StripeObject) => boolean, form: FormObject) {
    const limit = Math.min(100, Number(form.limit ?? 10));
    const data = [...this.objects.values()].filter((o) => o.object === kind && filter(o)).reverse();
    return { object: "list", data: data.slice(0, limit), has_more: data.length > limit, url };
  }

  private updateCustomer(id: string, form: FormObject): Reply {
    const object = this.get("customer", id);
    if (!object) return noSuch("customer", id);
    for (const field of ["email", "name", "description", "phone"]) {
      const value = strField(form, field);
      if (value !== undefined) object[field] = value || null;
    }
    object.metadata = metadataOf(form.metadata, object.metadata as Record<string, string>);
    return this.ok(object);
  }

  private priceFor(id: string, data?: FormObject): StripeObject {
    const existing = this.get("price", id);
    return existing ?? this.store(buildPrice(id, data));
  }

  private lineItemsOf(form: FormObject): LineItem[] | Reply {
    const raw = form.line_items;
    const entries = Array.isArray(raw) ? raw : [];
    const items: LineItem[] = [];
    for (const [i, entry] of entries.entries()) {
      if (!entry || typeof entry !== "object" || Array.isArray(entry)) return missing(`line_items[${i}][price]`);
      const quantity = Number(entry.quantity ?? 1);
      if (!Number.isInteger(quantity) || quantity < 1) {
        return stripeError(
          400,
          "invalid_request_error",
          "Invalid integer: quantity",
          "parameter_invalid_integer",
          `line_items[${i}][quantity]`,
        );
      }
      if (typeof entry.price === "string") {
        items.push({ price: this.priceFor(entry.price), quantity });
      } else if (entry.price_data && typeof entry.price_data === "object" && !Array.isArray(entry.price_data)) {
        items.push({ price: this.store(buildPrice(newId("price"), entry.price_data)), quantity });
      } else {
        return missing(`line_items[${i}][price]`);
      }
    }
    return items;
  }

  private createCheckout(form: FormObject): Reply {
    const mode = strField(form, "mode");
    if (!mode) return missing("mode");
    if (!["payment", "setup", "subscription"].includes(mode)) {
      return stripeError(
        400,
        "invalid_request_error",
        `Invalid mode: must be one of payment, setup, or subscription`,
        "parameter_invalid_string",
        "mode",
      );
    }
    const uiMode = strField(form, "ui_mode") ?? "hosted";
    const successUrl = strField(form, "success_url");
    if (uiMode === "hosted" && !successUrl) return missing("success_url");
    const lineItems = this.lineItemsOf(form);
    if (!Array.isArray(lineItems)) return lineItems;
    if (mode === "subscription" && lineItems.length === 0) {
      return stripeError(
        400,
        "invalid_request_error",
        "You must provide at least one recurring price in `subscription` mode when using prices.",
        "parameter_missing",
        "line_items",
      );
    }
    const customerId = strField(form, "customer");
    const customerEmail = strField(form, "customer_email");
    if (customerId && customerEmail) {
      return stripeError(
        400,
        "invalid_request_error",
        "You may only specify one of these parameters: customer, customer_email.",
      );
    }
    if (customerId && !this.get("customer", customerId)) return noSuch("customer", customerId, "customer");
    const total = lineItems.reduce((sum, item) => sum + Number(item.price.unit_amount ?? 0) * item.quantity, 0);
    const id = `cs_test_${randomId(58)}`;
    const now = unixNow();
    const subscriptionData = form.subscription_data as FormObject | undefined;
    const session: StripeObject = {
      id,
      object: "checkout.session",
      adaptive_pricing: null,
      after_expiration: null,
      allow_promotion_codes: form.allow_promotion_codes === "true" ? true : null,
      amount_subtotal: total,
      amount_total: total,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: null,
      cancel_url: strField(form, "cancel_url") ?? null,
      client_reference_id: strField(form, "client_reference_id") ?? null,
      client_secret: null,
      consent: null,
      consent_collection: null,
      created: now,
      currency: lineItems.length > 0 ? String(lineItems[0]?.price.currency) : null,
      custom_fields: [],
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer: customerId ?? null,
      customer_creation: customerId ? null : "always",
      customer_details: null,
      customer_email: customerEmail ?? null,
      discounts: [],
      expires_at: now + 24 * 3600,
      invoice: null,
      invoice_creation: null,
      livemode: false,
      locale: null,
      metadata: metadataOf(form.metadata),
      mode,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: "always",
      payment_method_types: ["card"],
      payment_status: "unpaid",
      recovered_from: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: "open",
      submit_type: null,
      subscription: null,
      success_url: successUrl ?? null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: uiMode,
      url: uiMode === "hosted" ? `${this.ctx.baseUrl()}/stripe/checkout/${id}` : null,
    };
    this.store(session);
    this.checkoutItems.set(id, {
      items: lineItems,
      metadata: metadataOf(subscriptionData?.metadata),
      trialDays: subscriptionData?.trial_period_days ? Number(subscriptionData.trial_period_days) : undefined,
    });
    return this.ok(session);
  }

  private lineItemList(sessionId: string) {
    const items = this.checkoutItems.get(sessionId)?.items ?? [];
    return {
      object: "list",
      data: items.map((item) => ({
        id: newId("li"),
        object: "item",
        amount_discount: 0,
        amount_subtotal: Number(item.price.unit_amount) * item.quantity,
        amount_tax: 0,
        amount_total: Number(item.price.unit_amount) * item.quantity,
        currency: item.price.currency,
        description: null,
        price: item.price,
        quantity: item.quantity,
      })),
      has_more: false,
      url: `/v1/checkout/sessions/${sessionId}/line_items`,
    };
  }

  private lineItems(sessionId: string): Reply {
    return this.get("checkout.session", sessionId)
      ? this.ok(this.lineItemList(sessionId))
      : noSuch("checkout.session", sessionId);
  }

  private expireCheckout(sessionId: string): Reply {
    const session = this.get("checkout.session", sessionId);
    if (!session) return noSuch("checkout.session", sessionId);
    if (session.status !== "open") {
      return stripeError(
        400,
        "invalid_request_error",
        `Only Checkout Sessions with a status of open can be expired. This Checkout Session has a status of ${session.status}.`,
      );
    }
    session.status = "expired";
    session.url = null;
    return this.ok(session);
  }

  private portal(form: FormObject): Reply {
    const customerId = strField(form, "customer");
    if (!customerId) return missing("customer");
    if (!this.get("customer", customerId)) return noSuch("customer", customerId, "customer");
    const id = `bps_${randomId(24)}`;
    return this.ok(
      this.store({
        id,
        object: "billing_portal.session",
        configuration: `bpc_${randomId(24)}`,
        created: unixNow(),
        customer: customerId,
        flow: null,
        livemode: false,
        locale: null,
        on_behalf_of: null,
        return_url: strField(form, "return_url") ?? null,
        url: `${this.ctx.baseUrl()}/stripe/billing/${id}`,
      }),
    );
  }

  private updateSubscription(id: string, form: FormObject): Reply {
    const sub = this.get("subscription", id);
    if (!sub) return noSuch("subscription", id);
    if (sub.status === "canceled") {
      return stripeError(
        400,
        "invalid_request_error",
        "A canceled subscription can only update its cancellation_details and metadata.",
      );
    }
    const previous: Record<string, unknown> = {};
    const cancelAtEnd = strField(form, "cancel_at_period_end");
    if (cancelAtEnd !== undefined) {
      previous.cancel_at_period_end = sub.cancel_at_period_end;
      sub.cancel_at_period_end = cancelAtEnd === "true";
      const items = (sub.items as { data: Array<{ current_period_end: number }> }).data;
      sub.cancel_at = sub.cancel_at_period_end ? (items[0]?.current_period_end ?? null) : null;
    }
    if (form.metadata !== undefined) {
      previous.metadata = sub.metadata;
      sub.metadata = metadataOf(form.metadata, sub.metadata as Record<string, string>);
    }
    const newItems = Array.isArray(form.items) ? form.items : [];
    for (const entry of newItems) {
      if (!entry || typeof entry !== "object" || Array.isArray(entry) || typeof entry.price !== "string") continue;
      const items = sub.items as { data: Array<Record<string, unknown>> };
      previous.items = structuredClone(sub.items);
      const target = items.data.find((item) => item.id === entry.id) ?? items.data[0];
      if (target) target.price = this.priceFor(entry.price);
    }
    this.emit("customer.subscription.updated", sub, previous);
    return this.ok(sub);
  }

  private cancelSubscription(id: string): Reply {
    const sub = this.get("subscription", id);
    if (!sub) return noSuch("subscription", id);
    if (sub.status === "canceled")
      return stripeError(400, "invalid_request_error", `This subscription has already been canceled: ${id}`);
    const now = unixNow();
    Object.assign(sub, {
      status: "canceled",
      canceled_at: now,
      ended_at: now,
      cancellation_details: { comment: null, feedback: null, reason: "cancellation_requested" },
    });
    this.emit("customer.subscription.deleted", sub);
    return this.ok(sub);
  }

  // ---------- events and webhooks ----------

  /** A real event object (https://docs.stripe.com/api/events/object). */
  buildEvent(
    type: string,
    object: Record<string, unknown>,
    previousAttributes?: Record<string, unknown>,
  ): StripeObject {
    const event: StripeObject = {
      id: `evt_${randomId(24)}`,
      object: "event",
      api_version: STRIPE_API_VERSION,
      created: unixNow(),
      data: {
        object: structuredClone(object),
        ...(previousAttributes && Object.keys(previousAttributes).length > 0
          ? { previous_attributes: previousAttributes }
          : {}),
      },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    return event;
  }

  /** Records an event and, when a webhook URL is configured, delivers it in the background. */
  private emit(type: string, object: StripeObject, previous?: Record<string, unknown>): StripeObject {
    const event = this.buildEvent(type, object, previous);
    if (this.webhookUrl) void this.deliver(event, this.webhookUrl);
    return event;
  }

  /** POSTs an event signed as Stripe does: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`. */
  async deliver(event: StripeObject, targetUrl: string): Promise<Delivery> {
    const payload = JSON.stringify(event, null, 2);
    const t = unixNow();
    const signature = hmacSha256Hex(this.ctx.secrets.STRIPE_WEBHOOK_SECRET, `${t}.${payload}`);
    const delivery: Delivery = {
      event_id: event.id,
      type: String(event.type),
      target_url: targetUrl,
      status: null,
      body: "",
    };
    try {
      const res = await fetch(targetUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": `t=${t},v1=${signature}`,
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      delivery.status = res.status;
      delivery.body = (await res.text()).slice(0, 2000);
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
    }
    this.deliveries.push(delivery);
    return delivery;
  }

  /** Control API: send any event; `object` may be an object or the id of one the emulator holds. */
  async sendEvent(type: string, object: unknown, targetUrl: string, previous?: Record<string, unknown>) {
    const data = typeof object === "string" ? this.objects.get(object) : object;
    if (!data || typeof data !== "object") throw new Error(`unknown object ${String(object)}`);
    const event = this.buildEvent(type, data as Record<string, unknown>, previous);
    return { event, delivery: await this.deliver(event, targetUrl) };
  }

  /**
   * Completes a checkout session as a paying customer would: creates the customer (if needed), the
   * subscription and its first invoice, then sends checkout.session.completed and
   * customer.subscription.created (in that order) to the target URL.
   */
  async completeCheckout(sessionId: string, targetUrl: string | undefined) {
    const session = this.get("checkout.session", sessionId);
    if (!session) throw new Error(`No such checkout.session: '${sessionId}'`);
    if (session.status !== "open") throw new Error(`checkout session ${sessionId} is ${String(session.status)}`);
    const plan = this.checkoutItems.get(sessionId) ?? { items: [], metadata: {} };
    let customerId = session.customer as string | null;
    if (!customerId) {
      const email = (session.customer_email as string | null) ?? `customer-${randomId(6).toLowerCase()}@example.com`;
      customerId = this.store(buildCustomer({ email })).id;
    }
    const customer = this.get("customer", customerId);
    let subscription: StripeObject | undefined;
    if (session.mode === "subscription") {
      const invoiceId = newId("in");
      subscription = this.store(
        buildSubscription({
          customer: customerId,
          items: plan.items,
          metadata: plan.metadata,
          trialDays: plan.trialDays,
          invoiceId,
        }),
      );
      this.store(buildInvoice(invoiceId, customerId, subscription.id, plan.items));
    }
    Object.assign(session, {
      status: "complete",
      payment_status: session.mode === "setup" ? "no_payment_required" : "paid",
      customer: customerId,
      subscription: subscription?.id ?? null,
      invoice: subscription ? subscription.latest_invoice : null,
      customer_details: {
        address: null,
        email: customer?.email ?? null,
        name: customer?.name ?? null,
        phone: null,
        tax_exempt: "none",
        tax_ids: [],
      },
      url: null,
    });
    const target = targetUrl ?? this.webhookUrl;
    const events = [this.buildEvent("checkout.session.completed", session)];
    if (subscription) events.push(this.buildEvent("customer.subscription.created", subscription));
    const deliveries: Delivery[] = [];
    if (target) for (const event of events) deliveries.push(await this.deliver(event, target));
    return {
      session,
      subscription: subscription ?? null,
      customer: customer ?? null,
      events: events.map((e) => ({ id: e.id, type: e.type })),
      deliveries,
    };
  }

  // ---------- hosted pages (the `url` of checkout and portal sessions) ----------

  private async hostedPage(req: EmuRequest): Promise<Reply> {
    const checkout = req.path.match(/^\/stripe\/checkout\/(cs_test_\w+)$/);
    if (checkout?.[1]) {
      const session = this.get("checkout.session", checkout[1]);
      if (!session) return html(404, "<h1>Checkout session not found</h1>");
      if (req.method === "POST") {
        if (session.status === "open") await this.completeCheckout(session.id, undefined);
        const success = String(session.success_url ?? "/").replace("{CHECKOUT_SESSION_ID}", session.id);
        return { status: 303, headers: { location: success } };
      }
      const amount = (Number(session.amount_total ?? 0) / 100).toFixed(2);
      return html(
        200,
        `<h1>Emulated Stripe Checkout</h1><p>${escapeHtml(String(session.mode))}: ${amount} ${escapeHtml(String(session.currency ?? "usd")).toUpperCase()}</p><p>Status: ${escapeHtml(String(session.status))}</p>${
          session.status === "open"
            ? `<form method="post"><button type="submit">Pay (test card 4242)</button></form>${session.cancel_url ? `<p><a href="${escapeHtml(String(session.cancel_url))}">Cancel</a></p>` : ""}`
            : ""
        }`,
      );
    }
    const portal = req.path.match(/^\/stripe\/billing\/(bps_\w+)$/);
    if (portal?.[1]) {
      const session = this.get("billing_portal.session", portal[1]);
      if (!session) return html(404, "<h1>Portal session not found</h1>");
      const subs = [...this.objects.values()].filter(
        (o) => o.object === "subscription" && o.customer === session.customer,
      );
      return html(
        200,
        `<h1>Emulated Stripe customer portal</h1><ul>${subs.map((s) => `<li>${escapeHtml(s.id)}: ${escapeHtml(String(s.status))}</li>`).join("")}</ul>${session.return_url ? `<a href="${escapeHtml(String(session.return_url))}">Return</a>` : ""}`,
      );
    }
    return html(404, "<h1>Not found</h1>");
  }
}

function basicKey(req: EmuRequest): string | undefined {
  const basic = header(req, "authorization")?.match(/^Basic\s+(\S+)$/i)?.[1];
  return basic ? Buffer.from(basic, "base64").toString("utf8").split(":")[0] : undefined;
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function html(status: number, body: string): Reply {
  return {
    status,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: `<!doctype html><meta charset="utf-8"><title>Stripe (emulated)</title>${body}`,
  };
}
