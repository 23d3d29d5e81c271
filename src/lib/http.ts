/**
 * Outbound HTTP with one deadline that covers the whole exchange: connecting, the response headers
 * and reading the body. `fetch`'s own signal is not enough on its own: an upstream that sends its
 * headers and then stalls the body leaves `response.arrayBuffer()` waiting, and the OpenAI SDK clears
 * its timeout once headers arrive (node_modules/openai/client.js `fetchWithTimeout`). So the deadline
 * both aborts the signal and rejects the caller's promise at the same instant, whatever the
 * operation does with the signal.
 */

/** The deadline of an outbound call passed before it finished (headers or body). */
export class UpstreamTimeoutError extends Error {
  override name = "UpstreamTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`No complete answer within ${timeoutMs} ms.`);
  }
}

/** The connection failed or was cut (DNS, refused, reset, body cut mid-stream). */
export class UpstreamNetworkError extends Error {
  override name = "UpstreamNetworkError";
}

/**
 * Runs `operation` with a signal that aborts after `timeoutMs`; the returned promise rejects with
 * UpstreamTimeoutError at that moment even if the operation ignores the signal. A `parent` signal
 * (the caller giving up) aborts the operation too.
 */
export function withDeadline<T>(
  timeoutMs: number,
  operation: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParentAbort);
      settle();
    };
    const timer = setTimeout(() => {
      const error = new UpstreamTimeoutError(timeoutMs);
      finish(() => reject(error));
      controller.abort(error);
    }, timeoutMs);
    const onParentAbort = () => {
      const reason = parent?.reason ?? new Error("aborted");
      finish(() => reject(reason));
      controller.abort(reason);
    };
    if (parent?.aborted) return onParentAbort();
    parent?.addEventListener("abort", onParentAbort, { once: true });
    operation(controller.signal).then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** A response whose body has been read completely inside the deadline. */
export interface BufferedResponse {
  status: number;
  headers: Headers;
  body: ArrayBuffer;
  /** The body as UTF-8 text. */
  text(): string;
}

const decoder = new TextDecoder();

/**
 * `fetch` plus reading the whole body with one signal. Transport failures become
 * UpstreamNetworkError; an aborted signal rethrows its reason. HTTP statuses are returned, not
 * thrown (the provider layer classifies them).
 */
export async function fetchAll(url: string | URL, init: RequestInit, signal: AbortSignal): Promise<BufferedResponse> {
  try {
    const response = await fetch(url, { ...init, signal });
    const body = await response.arrayBuffer();
    return { status: response.status, headers: response.headers, body, text: () => decoder.decode(body) };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new UpstreamNetworkError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
