// Reads the duration of an MP4 file from its movie header box (ISO/IEC 14496-12 `moov/mvhd`).

export function mp4DurationSeconds(file: Buffer): number | undefined {
  const moov = findBox(file, 0, file.length, "moov");
  if (!moov) return undefined;
  const mvhd = findBox(file, moov.start, moov.end, "mvhd");
  if (!mvhd) return undefined;
  const version = file[mvhd.start];
  if (version === 1) {
    const timescale = file.readUInt32BE(mvhd.start + 20);
    const duration = Number(file.readBigUInt64BE(mvhd.start + 24));
    return timescale ? duration / timescale : undefined;
  }
  const timescale = file.readUInt32BE(mvhd.start + 12);
  const duration = file.readUInt32BE(mvhd.start + 16);
  return timescale ? duration / timescale : undefined;
}

/** Finds a child box by type between `from` and `to`; returns the range of its payload. */
function findBox(file: Buffer, from: number, to: number, type: string): { start: number; end: number } | undefined {
  let offset = from;
  while (offset + 8 <= to) {
    let size = file.readUInt32BE(offset);
    const boxType = file.toString("latin1", offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      size = Number(file.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = to - offset;
    }
    if (size < header) return undefined;
    if (boxType === type) return { start: offset + header, end: offset + size };
    offset += size;
  }
  return undefined;
}
