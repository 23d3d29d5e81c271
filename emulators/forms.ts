// Request body formats other than JSON: Stripe's bracket-notation form encoding and multipart/form-data.

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/**
 * Parses `a[b][0][c]=1&expand[]=x` into nested objects and arrays, the way Stripe reads its form bodies
 * (https://docs.stripe.com/api/request_ids#form-encoding; stripe-node writes arrays as `key[0]`).
 */
export function parseBracketForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const segments = splitKey(rawKey);
    assign(root, segments, value);
  }
  return root;
}

function splitKey(key: string): string[] {
  const first = key.indexOf("[");
  if (first === -1) return [key];
  const segments = [key.slice(0, first)];
  const pattern = /\[([^\]]*)\]/g;
  for (const match of key.slice(first).matchAll(pattern)) segments.push(match[1] ?? "");
  return segments;
}

function assign(container: FormObject | FormValue[], segments: string[], value: string): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (Array.isArray(container)) {
    const index = head === "" ? container.length : Number(head);
    if (rest.length === 0) {
      container[index] = value;
      return;
    }
    let next = container[index];
    if (next === undefined || typeof next === "string") {
      next = isIndex(rest[0]) ? [] : {};
      container[index] = next;
    }
    assign(next, rest, value);
    return;
  }
  if (rest.length === 0) {
    container[head] = value;
    return;
  }
  let next = container[head];
  if (next === undefined || typeof next === "string") {
    next = isIndex(rest[0]) ? [] : {};
    container[head] = next;
  }
  assign(next, rest, value);
}

const isIndex = (segment: string | undefined) => segment === "" || (segment !== undefined && /^\d+$/.test(segment));

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** Parses a multipart/form-data body (RFC 7578). Returns undefined when the body is not valid multipart. */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartPart[] | undefined {
  const boundaryMatch = contentType?.match(/boundary=(?:"([^"]+)"|([^;\s]+))/i);
  const boundary = boundaryMatch?.[1] ?? boundaryMatch?.[2];
  if (!contentType?.toLowerCase().startsWith("multipart/form-data") || !boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position === -1) return undefined;
  while (position !== -1) {
    let start = position + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break; // closing delimiter
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) return undefined;
    // The part ends with CRLF before the next delimiter.
    const partEnd = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    const part = parsePart(body.subarray(start, partEnd));
    if (!part) return undefined;
    parts.push(part);
    position = next;
  }
  return parts;
}

function parsePart(raw: Buffer): MultipartPart | undefined {
  const headerEnd = raw.indexOf("\r\n\r\n");
  if (headerEnd === -1) return undefined;
  const headers = raw.subarray(0, headerEnd).toString("utf8").split("\r\n");
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const line of headers) {
    const [key, ...valueParts] = line.split(":");
    const value = valueParts.join(":").trim();
    if (key?.toLowerCase() === "content-disposition") {
      name = value.match(/\bname="([^"]*)"/)?.[1];
      filename = value.match(/\bfilename="([^"]*)"/)?.[1];
    } else if (key?.toLowerCase() === "content-type") {
      contentType = value;
    }
  }
  if (name === undefined) return undefined;
  return { name, filename, contentType, data: raw.subarray(headerEnd + 4) };
}
