// Stripe API objects as API version 2026-11-18 shapes them (https://docs.stripe.com/api): customers, prices,
// checkout sessions, subscriptions (billing periods live on the items since 2025-03-31) and invoices.
import type { FormObject, FormValue } from "./forms";
import { unixNow } from "./http";
import { randomId } from "./ids";

export type StripeObject = Record<string, unknown> & { id: string; object: string };

export const STRIPE_API_VERSION = "2026-11-18.endive";

export const newId = (prefix: string) => `${prefix}_${randomId(24)}`;

export function metadataOf(
  value: FormValue | undefined,
  previous: Record<string, string> = {},
): Record<string, string> {
  const out = { ...previous };
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) {
      // Stripe: setting a key to an empty string removes it.
      if (typeof v === "string" && v !== "") out[key] = v;
      else delete out[key];
    }
  }
  return out;
}

export const strField = (form: FormObject, key: string): string | undefined =>
  typeof form[key] === "string" ? (form[key] as string) : undefined;

export function customer(form: FormObject): StripeObject {
  const id = newId("cus");
  return {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created: unixNow(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: strField(form, "description") ?? null,
    discount: null,
    email: strField(form, "email") ?? null,
    invoice_prefix: randomId(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: metadataOf(form.metadata),
    name: strField(form, "name") ?? null,
    phone: strField(form, "phone") ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

/** Unknown price ids are created on first use, so tests need no catalogue: amounts guess from the id. */
export function price(id: string, data?: FormObject): StripeObject {
  const guess = /business/i.test(id) ? 9900 : /pro/i.test(id) ? 4900 : /starter|basic/i.test(id) ? 1900 : 2900;
  const recurring = data?.recurring as FormObject | undefined;
  const interval = typeof recurring?.interval === "string" ? recurring.interval : "month";
  const amount = typeof data?.unit_amount === "string" ? Number(data.unit_amount) : guess;
  return {
    id,
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: unixNow(),
    currency: typeof data?.currency === "string" ? data.currency : "usd",
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: typeof data?.product === "string" ? data.product : newId("prod"),
    recurring: { interval, interval_count: 1, usage_type: "licensed", meter: null, trial_period_days: null },
    tax_behavior: "unspecified",
    type: "recurring",
    unit_amount: amount,
    unit_amount_decimal: String(amount),
  };
}

export function addInterval(from: number, interval: string): number {
  const date = new Date(from * 1000);
  if (interval === "year") date.setUTCFullYear(date.getUTCFullYear() + 1);
  else if (interval === "week") date.setUTCDate(date.getUTCDate() + 7);
  else if (interval === "day") date.setUTCDate(date.getUTCDate() + 1);
  else date.setUTCMonth(date.getUTCMonth() + 1);
  return Math.floor(date.getTime() / 1000);
}

export interface LineItem {
  price: StripeObject;
  quantity: number;
}

export function subscription(input: {
  customer: string;
  items: LineItem[];
  metadata: Record<string, string>;
  trialDays?: number;
  invoiceId: string;
}): StripeObject {
  const id = newId("sub");
  const now = unixNow();
  const interval = String((input.items[0]?.price.recurring as { interval?: string } | undefined)?.interval ?? "month");
  const trialEnd = input.trialDays ? now + input.trialDays * 86_400 : null;
  const periodEnd = trialEnd ?? addInterval(now, interval);
  return {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: periodEnd === trialEnd ? periodEnd : now,
    billing_cycle_anchor_config: null,
    billing_mode: { type: "flexible", flexible: { proration_discounts: "included" } },
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: "charge_automatically",
    created: now,
    currency: String(input.items[0]?.price.currency ?? "usd"),
    customer: input.customer,
    days_until_due: null,
    default_payment_method: newId("pm"),
    default_source: null,
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    items: {
      object: "list",
      data: input.items.map((item) => ({
        id: newId("si"),
        object: "subscription_item",
        created: now,
        current_period_start: now,
        current_period_end: periodEnd,
        discounts: [],
        metadata: {},
        price: item.price,
        quantity: item.quantity,
        subscription: id,
        tax_rates: [],
      })),
      has_more: false,
      total_count: input.items.length,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: input.invoiceId,
    livemode: false,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd ? "trialing" : "active",
    test_clock: null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } },
    trial_start: trialEnd ? now : null,
  };
}

export function invoice(id: string, customerId: string, subscriptionId: string, items: LineItem[]): StripeObject {
  const total = items.reduce((sum, item) => sum + Number(item.price.unit_amount ?? 0) * item.quantity, 0);
  const now = unixNow();
  return {
    id,
    object: "invoice",
    amount_due: total,
    amount_paid: total,
    amount_remaining: 0,
    attempt_count: 1,
    billing_reason: "subscription_create",
    collection_method: "charge_automatically",
    created: now,
    currency: String(items[0]?.price.currency ?? "usd"),
    customer: customerId,
    hosted_invoice_url: null,
    livemode: false,
    metadata: {},
    number: `${randomId(8).toUpperCase()}-0001`,
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { metadata: {}, subscription: subscriptionId },
    },
    period_end: now,
    period_start: now,
    status: "paid",
    status_transitions: { finalized_at: now, paid_at: now, marked_uncollectible_at: null, voided_at: null },
    subtotal: total,
    total,
  };
}
