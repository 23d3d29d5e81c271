// Real image files made in code: a PNG (zlib-compressed RGB) and a baseline JPEG whose 8x8 blocks are
// flat colours (DC coefficients only). Both draw the same picture: a sky gradient, a sun and hills,
// with colours seeded by the prompt so different prompts give different images.
import { deflateSync } from "node:zlib";
import { seededRandom } from "./ids";

type Rgb = [number, number, number];
type Painter = (x: number, y: number) => Rgb;

function painter(width: number, height: number, seed: string, muted = false): Painter {
  const rng = seededRandom(seed);
  const hue = rng() * 360;
  const top = muted ? ([128, 128, 128] as Rgb) : hsl(hue, 0.65, 0.35);
  const bottom = muted ? ([150, 150, 150] as Rgb) : hsl((hue + 40) % 360, 0.7, 0.7);
  const sun = muted ? ([170, 170, 170] as Rgb) : hsl((hue + 180) % 360, 0.9, 0.6);
  const hill = muted ? ([110, 110, 110] as Rgb) : hsl((hue + 120) % 360, 0.5, 0.3);
  const sunX = width * (0.25 + rng() * 0.5);
  const sunY = height * (0.2 + rng() * 0.25);
  const sunR = Math.min(width, height) * (0.08 + rng() * 0.08);
  const phase = rng() * Math.PI * 2;
  return (x, y) => {
    const horizon = height * (0.68 + 0.08 * Math.sin((x / width) * Math.PI * 2 + phase));
    if (y > horizon) return hill;
    const dx = x - sunX;
    const dy = y - sunY;
    if (dx * dx + dy * dy < sunR * sunR) return sun;
    const t = y / height;
    return [
      Math.round(top[0] + (bottom[0] - top[0]) * t),
      Math.round(top[1] + (bottom[1] - top[1]) * t),
      Math.round(top[2] + (bottom[2] - top[2]) * t),
    ];
  };
}

function hsl(h: number, s: number, l: number): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] =
    h < 60
      ? [c, x, 0]
      : h < 120
        ? [x, c, 0]
        : h < 180
          ? [0, c, x]
          : h < 240
            ? [0, x, c]
            : h < 300
              ? [x, 0, c]
              : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

// ---------- PNG (https://www.w3.org/TR/png/) ----------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

export function png(width: number, height: number, seed: string, options: { muted?: boolean } = {}): Buffer {
  const paint = painter(width, height, seed, options.muted);
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      const offset = y * stride + 1 + x * 3;
      raw[offset] = r;
      raw[offset + 1] = g;
      raw[offset + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 6 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---------- JPEG, baseline, DC-only blocks (ITU-T T.81) ----------

// Standard luminance DC table (T.81 Annex K.3): code lengths per length 1..16 and the categories.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
// Every block has only an end-of-block AC symbol (0x00): one code of length 1 is enough.
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALUES = [0];

function canonicalCodes(bits: number[], values: number[]): Map<number, { code: number; length: number }> {
  const codes = new Map<number, { code: number; length: number }>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < (bits[length - 1] ?? 0); i++) {
      const value = values[k++];
      if (value !== undefined) codes.set(value, { code, length });
      code++;
    }
    code <<= 1;
  }
  return codes;
}

class BitWriter {
  private bytes: number[] = [];
  private current = 0;
  private count = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.current = (this.current << 1) | ((value >> i) & 1);
      this.count++;
      if (this.count === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0x00); // byte stuffing
    this.current = 0;
    this.count = 0;
  }
  finish(): Buffer {
    if (this.count > 0) this.write(0x7f, 8 - this.count); // pad with 1-bits
    return Buffer.from(this.bytes);
  }
}

function segment(marker: number, payload: number[]): Buffer {
  const length = payload.length + 2;
  return Buffer.from([0xff, marker, length >> 8, length & 0xff, ...payload]);
}

export function jpeg(width: number, height: number, seed: string, options: { muted?: boolean } = {}): Buffer {
  const paint = painter(width, height, seed, options.muted);
  const dcCodes = canonicalCodes(DC_BITS, DC_VALUES);
  const writer = new BitWriter();
  const previous = [0, 0, 0];
  const blocksX = Math.ceil(width / 8);
  const blocksY = Math.ceil(height / 8);
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      const [r, g, b] = paint(Math.min(bx * 8 + 4, width - 1), Math.min(by * 8 + 4, height - 1));
      // JFIF YCbCr; with a DC quantiser of 8 the quantised DC of a flat block equals (level - 128).
      const ycc = [
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
      ];
      for (let component = 0; component < 3; component++) {
        const dc = Math.round((ycc[component] ?? 128) - 128);
        const diff = dc - (previous[component] ?? 0);
        previous[component] = dc;
        const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
        const code = dcCodes.get(category);
        if (!code) throw new Error(`no DC code for category ${category}`);
        writer.write(code.code, code.length);
        if (category > 0) writer.write(diff > 0 ? diff : diff + (1 << category) - 1, category);
        writer.write(0, 1); // AC: end of block
      }
    }
  }
  const quant = [0, ...new Array<number>(64).fill(8)];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF APP0
    segment(0xdb, quant),
    segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]),
    segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES]),
    segment(0xc4, [0x10, ...AC_BITS, ...AC_VALUES]),
    segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]),
    writer.finish(),
    Buffer.from([0xff, 0xd9]),
  ]);
}

export function imageDimensions(image: Buffer): { width: number; height: number; format: "png" | "jpeg" } | undefined {
  if (image.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { width: image.readUInt32BE(16), height: image.readUInt32BE(20), format: "png" };
  }
  if (image[0] === 0xff && image[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < image.length && image[offset] === 0xff) {
      const marker = image[offset + 1] ?? 0;
      const length = image.readUInt16BE(offset + 2);
      if (marker >= 0xc0 && marker <= 0xc3) {
        return { height: image.readUInt16BE(offset + 5), width: image.readUInt16BE(offset + 7), format: "jpeg" };
      }
      offset += 2 + length;
    }
    return undefined;
  }
  return undefined;
}
