// Structured outputs for the OpenAI emulator: checks a schema the way strict mode does and produces a JSON
// document that conforms to it (https://platform.openai.com/docs/guides/structured-outputs).
import { isRecord } from "./http";
import {
  description,
  imagePrompt,
  narration,
  plainAnswer,
  tags,
  title,
  truncate,
  type WritingContext,
} from "./script-writer";

type Schema = Record<string, unknown>;

/**
 * Strict mode demands, for every object, `additionalProperties: false` and every property listed in
 * `required`. Returns the first violation in words close to OpenAI's 400 message, or undefined.
 */
export function strictSchemaProblem(schema: unknown, path = "()"): string | undefined {
  if (!isRecord(schema)) return undefined;
  const type = schema.type;
  const isObject = type === "object" || (Array.isArray(type) && type.includes("object")) || isRecord(schema.properties);
  if (isObject) {
    if (schema.additionalProperties !== false) {
      return `In context=${path}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = Object.keys(properties).filter((key) => !required.includes(key));
    if (missing.length > 0) {
      return `In context=${path}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    }
    for (const [key, child] of Object.entries(properties)) {
      const problem = strictSchemaProblem(child, `${path === "()" ? "" : path}('properties', '${key}')`);
      if (problem) return problem;
    }
  }
  if (isRecord(schema.items)) return strictSchemaProblem(schema.items, `${path}, 'items'`);
  for (const keyword of ["anyOf", "$defs", "definitions"]) {
    const value = schema[keyword];
    const children = Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [];
    for (const child of children) {
      const problem = strictSchemaProblem(child, path);
      if (problem) return problem;
    }
  }
  return undefined;
}

interface FillState {
  root: Schema;
  ctx: WritingContext;
  depth: number;
  /** Share of the whole narration length this part of the document should carry. */
  share: number;
  /** Scene count and index when inside an array of scenes. */
  index: number;
  count: number;
}

export function fillSchema(schema: unknown, ctx: WritingContext): unknown {
  const root = isRecord(schema) ? schema : {};
  return fill(root, "", { root, ctx, depth: 0, share: 1, index: 0, count: 1 });
}

function resolve(schema: Schema, root: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return schema;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) target = isRecord(target) ? target[part] : undefined;
  return isRecord(target) ? resolve(target, root) : {};
}

function schemaType(schema: Schema): string {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return (type.find((t) => t !== "null") as string | undefined) ?? "null";
  if (isRecord(schema.properties)) return "object";
  if (schema.items !== undefined) return "array";
  return "string";
}

type Kind =
  | "title"
  | "description"
  | "narration"
  | "tags"
  | "prompt"
  | "hook"
  | "cta"
  | "duration"
  | "language"
  | "other";

function kindOf(key: string): Kind {
  const k = key.toLowerCase();
  if (/title|headline/.test(k) || (/thumbnail/.test(k) && /text|caption|overlay/.test(k))) return "title";
  if (/desc|summary|synopsis|overview/.test(k)) return "description";
  if (/tags|keywords|hashtags/.test(k)) return "tags";
  if (/prompt|visual|image|b_?roll|shot|camera|thumbnail|illustration/.test(k)) return "prompt";
  if (/hook|intro|opening/.test(k)) return "hook";
  if (/cta|call_?to_?action|outro|closing|conclusion/.test(k)) return "cta";
  if (/narration|voice_?over|script|spoken|speech|text|body|content|transcript|dialog|paragraph|line/.test(k)) {
    return "narration";
  }
  if (/duration|seconds|length_s|_sec\b|time_s/.test(k)) return "duration";
  if (/lang|locale/.test(k)) return "language";
  return "other";
}

/** Whether an array's items carry narration (scenes, sections, segments). */
function itemsCarryNarration(items: Schema, root: Schema): boolean {
  const resolved = resolve(items, root);
  const properties = isRecord(resolved.properties) ? resolved.properties : {};
  return Object.keys(properties).some((key) => kindOf(key) === "narration");
}

function fill(raw: Schema, key: string, state: FillState): unknown {
  const schema = resolve(raw, state.root);
  if (state.depth > 8) return null;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[Math.floor(state.ctx.rng() * schema.enum.length)];
  }
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(alternatives)) {
    const choice = alternatives.find((alt) => isRecord(alt) && alt.type !== "null") ?? alternatives[0];
    return fill(isRecord(choice) ? choice : {}, key, state);
  }
  const next = { ...state, depth: state.depth + 1 };
  switch (schemaType(schema)) {
    case "object": {
      const out: Record<string, unknown> = {};
      const properties = isRecord(schema.properties) ? schema.properties : {};
      // Every property is written, so `required` is always satisfied (strict mode lists all of them).
      for (const [name, child] of Object.entries(properties)) {
        out[name] = fill(isRecord(child) ? child : {}, name, next);
      }
      return out;
    }
    case "array":
      return fillArray(schema, key, next);
    case "integer":
    case "number":
      return fillNumber(schema, key, state, schemaType(schema) === "integer");
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return fillString(schema, key, state);
  }
}

function fillArray(schema: Schema, key: string, state: FillState): unknown[] {
  const items = isRecord(schema.items) ? resolve(schema.items, state.root) : { type: "string" };
  const min = typeof schema.minItems === "number" ? schema.minItems : 1;
  const max = typeof schema.maxItems === "number" ? schema.maxItems : 50;
  let count: number;
  const scenes = itemsCarryNarration(items, state.root);
  if (scenes) {
    // About one scene per 12 seconds of narration.
    count = Math.round((state.ctx.targetChars * state.share) / 15 / 12);
  } else if (kindOf(key) === "tags") {
    count = 8;
  } else {
    count = 3;
  }
  count = Math.min(max, Math.max(min, count, 0));
  const out: unknown[] = [];
  if (kindOf(key) === "tags" && schemaType(items) === "string" && !Array.isArray(items.enum)) {
    const maxLength = typeof items.maxLength === "number" ? items.maxLength : 30;
    const words = tags(state.ctx, count).map((tag) => truncate(tag, maxLength));
    while (words.length < count) words.push(`${state.ctx.topic.split(" ")[0] ?? "video"}${words.length}`);
    return words;
  }
  for (let i = 0; i < count; i++) {
    out.push(
      fill(items, key, {
        ...state,
        share: scenes ? state.share / count : state.share,
        index: i,
        count,
      }),
    );
  }
  return out;
}

function fillNumber(schema: Schema, key: string, state: FillState, integer: boolean): number {
  const min =
    typeof schema.minimum === "number"
      ? schema.minimum
      : typeof schema.exclusiveMinimum === "number"
        ? schema.exclusiveMinimum + 1
        : undefined;
  const max =
    typeof schema.maximum === "number"
      ? schema.maximum
      : typeof schema.exclusiveMaximum === "number"
        ? schema.exclusiveMaximum - 1
        : undefined;
  let value: number;
  const k = key.toLowerCase();
  if (kindOf(key) === "duration") {
    value = (state.ctx.targetChars * state.share) / 15;
  } else if (/index|order|number|position|scene/.test(k)) {
    value = state.index + 1;
  } else {
    value = min !== undefined && max !== undefined ? (min + max) / 2 : 1 + Math.floor(state.ctx.rng() * 9);
  }
  if (min !== undefined) value = Math.max(min, value);
  if (max !== undefined) value = Math.min(max, value);
  return integer ? Math.round(value) : Math.round(value * 10) / 10;
}

function fillString(schema: Schema, key: string, state: FillState): string {
  const { ctx } = state;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const format = typeof schema.format === "string" ? schema.format : undefined;
  let value: string;
  if (format === "date-time") value = new Date().toISOString();
  else if (format === "date") value = new Date().toISOString().slice(0, 10);
  else if (format === "uri" || format === "url")
    value = `https://example.com/${encodeURIComponent(ctx.topic.toLowerCase())}`;
  else if (format === "email") value = "hello@example.com";
  else if (format === "uuid") value = "00000000-0000-4000-8000-000000000000";
  else {
    const chars = Math.round(ctx.targetChars * state.share);
    switch (kindOf(key)) {
      case "title":
        value = title(ctx, maxLength ?? 70);
        break;
      case "description":
        value = description(ctx, maxLength ?? 600);
        break;
      case "narration":
        value = narration(ctx, chars, { open: state.index === 0, close: state.index === state.count - 1 });
        break;
      case "prompt":
        value = imagePrompt(ctx, state.index);
        break;
      case "hook":
        value = narration(ctx, 60, { close: false });
        break;
      case "cta":
        value = `If you enjoyed this look at ${ctx.topic}, like and subscribe for more.`;
        break;
      case "language":
        value = "en";
        break;
      case "tags":
        value = tags(ctx, 1)[0] ?? ctx.topic;
        break;
      default:
        value = /mood|tone|style/i.test(key)
          ? "upbeat, curious"
          : key
            ? `${ctx.topic} ${key.replace(/_/g, " ")}`
            : plainAnswer(ctx);
    }
  }
  if (maxLength !== undefined) value = truncate(value, maxLength);
  while (value.length < minLength) value += ` ${ctx.topic}`;
  return maxLength !== undefined ? value.slice(0, maxLength) : value;
}
