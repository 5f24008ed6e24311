/**
 * A fast, stable, incremental 64-bit hash (two FNV-1a lanes with different offsets) for trace
 * hashing. Not cryptographic: it only has to make two different traces differ.
 */
export class TraceHasher {
  private low = 0x811c9dc5;
  private high = 0x050c5d1f;

  update(text: string): void {
    let low = this.low;
    let high = this.high;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      low = Math.imul(low ^ code, 0x01000193);
      high = Math.imul(high ^ code, 0x01000193) ^ (low >>> 15);
    }
    // A separator so that "ab"+"c" and "a"+"bc" differ.
    low = Math.imul(low ^ 0x1e, 0x01000193);
    high = Math.imul(high ^ 0x1e, 0x01000193) ^ (low >>> 15);
    this.low = low;
    this.high = high;
  }

  /**
   * Hash `name=value;` for each field and then the separator, as `update` of the joined text
   * would, without building that text (the hot path: an event's fields).
   */
  updateFields(fields: Record<string, string | number | boolean | null>): void {
    let low = this.low;
    let high = this.high;
    for (const name in fields) {
      const text = String(fields[name]);
      for (let i = 0; i < name.length; i++) {
        low = Math.imul(low ^ name.charCodeAt(i), 0x01000193);
        high = Math.imul(high ^ name.charCodeAt(i), 0x01000193) ^ (low >>> 15);
      }
      low = Math.imul(low ^ 0x3d, 0x01000193); // "="
      high = Math.imul(high ^ 0x3d, 0x01000193) ^ (low >>> 15);
      for (let i = 0; i < text.length; i++) {
        low = Math.imul(low ^ text.charCodeAt(i), 0x01000193);
        high = Math.imul(high ^ text.charCodeAt(i), 0x01000193) ^ (low >>> 15);
      }
      low = Math.imul(low ^ 0x3b, 0x01000193); // ";"
      high = Math.imul(high ^ 0x3b, 0x01000193) ^ (low >>> 15);
    }
    low = Math.imul(low ^ 0x1e, 0x01000193);
    high = Math.imul(high ^ 0x1e, 0x01000193) ^ (low >>> 15);
    this.low = low;
    this.high = high;
  }

  /** Hash a number without turning it into a string first (the hot path: event times). */
  updateNumber(value: number): void {
    const low32 = value | 0;
    const high32 = (value / 4294967296) | 0;
    let low = Math.imul(this.low ^ low32, 0x01000193);
    let high = Math.imul(this.high ^ high32, 0x01000193) ^ (low >>> 15);
    low = Math.imul(low ^ 0x1f, 0x01000193);
    high = Math.imul(high ^ 0x1f, 0x01000193) ^ (low >>> 15);
    this.low = low;
    this.high = high;
  }

  digest(): string {
    return (this.high >>> 0).toString(16).padStart(8, "0") + (this.low >>> 0).toString(16).padStart(8, "0");
  }
}
