/**
 * Time-ordered, prefixed ids (`usr_01J...`): a 48-bit millisecond timestamp and 80 random bits in
 * Crockford base32, so ids sort by creation time and make stable pagination cursors.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export type IdPrefix = "usr" | "rtk" | "fam" | "key" | "req" | "acc" | "chn" | "cau" | "oas" | "vid" | "stp" | "cst";

export function newId(prefix: IdPrefix, now = Date.now()): string {
  let time = "";
  let remaining = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let tail = "";
  for (let i = 0; i < 16; i++) tail += ALPHABET[(random[i] ?? 0) % 32];
  return `${prefix}_${time}${tail}`;
}
