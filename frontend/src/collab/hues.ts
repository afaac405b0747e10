// Picking a user color that stays far from the colors already in use.

/** Circular distance between two hues in degrees (0-180). */
export function hueDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/** A hue (0-359) as far as possible from every hue in `used`; `random` in [0,1) breaks ties. */
export function pickFreeHue(used: number[], random: () => number = Math.random): number {
  const offset = Math.floor(random() * 10);
  let best = offset;
  let bestDist = -1;
  for (let h = offset; h < 360; h += 10) {
    const d = used.length ? Math.min(...used.map((u) => hueDistance(h, u))) : 180;
    if (d > bestDist || (d === bestDist && random() < 0.3)) { best = h; bestDist = d; }
  }
  return best;
}

/** True when `hue` is closer than `minDistance` degrees to one of `used`. */
export function hueTaken(hue: number, used: number[], minDistance = 25): boolean {
  return used.some((u) => hueDistance(hue, u) < minDistance);
}
