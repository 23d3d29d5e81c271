/** True for a time zone name the runtime's IANA database knows (`Europe/Paris`, `UTC`). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The canonical spelling of a time zone (`utc` -> `UTC`), for storage. */
export function canonicalTimeZone(value: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;
}

/** No control characters or bidirectional overrides in names people see (they spoof other text). */
export function isDisplaySafe(value: string): boolean {
  return !/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(value);
}
