// Real audio files made in code, as long as the text would take to speak.

/** Spoken length of a text: about 15 characters a second (900 characters for a 60-second Short). */
export function speechSeconds(text: string, speed = 1): number {
  return Math.max(0.5, text.length / 15 / (speed > 0 ? speed : 1));
}

/** 16-bit little-endian mono PCM of a quiet 220 Hz tone. */
export function pcm(seconds: number, sampleRate: number): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(900 * Math.sin((2 * Math.PI * 220 * i) / sampleRate)), i * 2);
  }
  return data;
}

/** RIFF/WAVE file around `pcm` (http://soundfile.sapp.org/doc/WaveFormat/). */
export function wav(seconds: number, sampleRate = 24_000): Buffer {
  const data = pcm(seconds, sampleRate);
  const head = Buffer.alloc(44);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(36 + data.length, 4);
  head.write("WAVE", 8, "latin1");
  head.write("fmt ", 12, "latin1");
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(sampleRate, 24);
  head.writeUInt32LE(sampleRate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write("data", 36, "latin1");
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

// MPEG audio layer III bitrates (kbit/s) by index, and sample-rate indexes, for MPEG-1 and MPEG-2 (LSF).
const MPEG1_BITRATES = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_BITRATES = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MPEG1_RATES = [44_100, 48_000, 32_000];
const MPEG2_RATES = [22_050, 24_000, 16_000];

export function mp3Supported(sampleRate: number, kbps: number): boolean {
  return (
    (MPEG1_RATES.includes(sampleRate) && MPEG1_BITRATES.includes(kbps) && kbps > 0) ||
    (MPEG2_RATES.includes(sampleRate) && MPEG2_BITRATES.includes(kbps) && kbps > 0)
  );
}

/**
 * A valid MP3 of silence: mono layer III frames whose side information says "no audio data", which every
 * decoder plays as silence. Size and duration match a real encoder at the same bitrate.
 */
export function mp3(seconds: number, sampleRate = 44_100, kbps = 128): Buffer {
  const mpeg1 = MPEG1_RATES.includes(sampleRate);
  const rates = mpeg1 ? MPEG1_RATES : MPEG2_RATES;
  const bitrates = mpeg1 ? MPEG1_BITRATES : MPEG2_BITRATES;
  const rateIndex = rates.indexOf(sampleRate);
  const bitrateIndex = bitrates.indexOf(kbps);
  if (rateIndex < 0 || bitrateIndex <= 0) throw new Error(`unsupported mp3 ${sampleRate} Hz ${kbps} kbps`);
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  const frames = Math.max(1, Math.ceil((seconds * sampleRate) / samplesPerFrame));
  const slotFactor = mpeg1 ? 144 : 72;
  const out: Buffer[] = [];
  let remainder = 0;
  for (let i = 0; i < frames; i++) {
    // Padding keeps the average bitrate exact, as an encoder does.
    const exact = (slotFactor * kbps * 1000) / sampleRate;
    remainder += exact - Math.floor(exact);
    const padding = remainder >= 1 ? 1 : 0;
    if (padding) remainder -= 1;
    const size = Math.floor(exact) + padding;
    const frame = Buffer.alloc(size);
    frame[0] = 0xff;
    frame[1] = mpeg1 ? 0xfb : 0xf3; // sync, version, layer III, no CRC
    frame[2] = (bitrateIndex << 4) | (rateIndex << 2) | (padding << 1);
    frame[3] = 0xc4; // mono, original
    out.push(frame);
  }
  return Buffer.concat(out);
}
