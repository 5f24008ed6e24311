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
