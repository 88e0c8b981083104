// The app icon as PNG (what an install prompt asks for beside icon.svg), drawn from the
// same shapes as web/static/icon.svg: a blue rounded square, a white hub with six spokes
// and members around it. 4×4 samples a pixel smooth the edges.
import { deflateSync } from "node:zlib";

const hubCentre = [256, 256];
const members = [[256, 88], [256, 424], [110, 172], [402, 340], [110, 340], [402, 172]];
const spokes = [[[256, 198], [256, 96]], [[256, 314], [256, 416]], [[206, 227], [118, 176]],
                [[306, 285], [394, 336]], [[206, 285], [118, 336]], [[306, 227], [394, 176]]];

function segmentDistance([x, y], [[ax, ay], [bx, by]]) {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

// What covers a point of the 512-unit square: 2 white, 1 blue, 0 nothing.
function paint(p) {
  const [x, y] = p;
  const r = 96, cx = Math.min(Math.max(x, r), 512 - r), cy = Math.min(Math.max(y, r), 512 - r);
  if (x < 0 || y < 0 || x > 512 || y > 512 || Math.hypot(x - cx, y - cy) > r) return 0;
  const ring = Math.abs(Math.hypot(x - hubCentre[0], y - hubCentre[1]) - 58) <= 14;
  if (ring || members.some(([mx, my]) => Math.hypot(x - mx, y - my) <= 34) ||
      spokes.some((s) => segmentDistance(p, s) <= 14))
    return 2;
  return 1;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function iconPng(size) {
  const rows = Buffer.alloc(size * (1 + 4 * size));
  const n = 4, unit = 512 / size;
  for (let y = 0; y < size; ++y) {
    const row = y * (1 + 4 * size);  // filter byte 0: none
    for (let x = 0; x < size; ++x) {
      let blue = 0, white = 0;
      for (let i = 0; i < n; ++i)
        for (let j = 0; j < n; ++j) {
          const v = paint([(x + (i + 0.5) / n) * unit, (y + (j + 0.5) / n) * unit]);
          if (v === 1) ++blue;
          if (v === 2) ++white;
        }
      const covered = blue + white, at = row + 1 + 4 * x;
      if (!covered) continue;
      const w = white / covered;  // white over blue (#0b5cad)
      rows[at] = Math.round(0x0b + w * (255 - 0x0b));
      rows[at + 1] = Math.round(0x5c + w * (255 - 0x5c));
      rows[at + 2] = Math.round(0xad + w * (255 - 0xad));
      rows[at + 3] = Math.round((255 * covered) / (n * n));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);  // 8 bits, RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header),
                        chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}
