/** Structured JSON logs, one object per line. Callers pass facts, never secrets or tokens. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
type Fields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export function createLogger(level: LogLevel, base: Fields = {}): Logger {
  const emit = (at: Exclude<LogLevel, "silent">, message: string, fields?: Fields) => {
    if (rank[at] < rank[level]) return;
    const line = JSON.stringify({ level: at, msg: message, time: new Date().toISOString(), ...base, ...fields });
    if (at === "error") console.error(line);
    else if (at === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}

/**
 * What a caught error may say in a log: name, message and stack, never request data. Database errors
 * quote the statement's bound parameters (user input, hashes): those are cut off.
 */
export function describeError(error: unknown): Fields {
  if (!(error instanceof Error)) return { error: "non-error thrown" };
  const scrub = (text: string | undefined) => text?.replace(/params:[\s\S]*/, "params: [redacted]").slice(0, 2000);
  const cause = error.cause instanceof Error ? { cause: `${error.cause.name}: ${scrub(error.cause.message)}` } : {};
  return { error: error.name, error_message: scrub(error.message), stack: scrub(error.stack), ...cause };
}
