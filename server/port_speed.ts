// Port speeds as the design document writes them ("100M", "1G", "2.5G"), from NetBox's kbit/s
// or from what a person types. Shared by the port tools and the NetBox mapping.

// Kept as kbit/s in between, NetBox's unit, so a speed from either side reads the same.
const UNITS: [string, number][] = [["G", 1_000_000], ["M", 1_000], ["K", 1]];
const SPEED_TEXT = /^(\d{1,9}(?:\.\d{1,6})?)\s*([KMGT])(?:b(?:it)?(?:ps|\/s)?)?$/i;

/** A speed in kbit/s as text: the largest unit that shows it exactly ("2.5G", "100M"). */
export function speedFromKbps(kbps: number | null | undefined): string | null {
  if (kbps === null || kbps === undefined || !Number.isFinite(kbps) || kbps < 0) return null;
  const whole = Math.round(kbps);
  if (whole === 0) return "0M";
  for (const [unit, size] of UNITS) {
    const n = whole / size;
    // At most three decimals ("1.544M"), so the text stays short and exact.
    if (n >= 1 && Math.round(n * 1000) === n * 1000) return `${n}${unit}`;
  }
  return `${whole}K`;
}

/** Normalises a speed given as text ("1G", "2.5 G", "1000M", "10Gbps") to the stored style. */
export function speedFromText(text: string): string | null {
  const m = text.trim().match(SPEED_TEXT);
  if (!m) return null;
  const factor = { K: 1, M: 1_000, G: 1_000_000, T: 1_000_000_000 }[
    m[2].toUpperCase() as "K" | "M" | "G" | "T"
  ];
  return speedFromKbps(Math.round(Number(m[1]) * factor));
}
