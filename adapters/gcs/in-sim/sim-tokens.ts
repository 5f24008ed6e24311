/**
 * Bearer tokens of the simulated bucket: issued on demand, valid for the drawn lifetime from
 * the simulated instant they were issued, then answered 401 (a token expiring mid-run). The
 * clients' provider (SimTokenProvider) caches its token until a 401 makes the adapter invalidate
 * it, as the metadata-server provider does.
 */
import type { Clock } from "../../../engine/runtime.ts";
import type { TokenProvider } from "../token-provider.ts";

export class SimTokens {
  private issued = 0;
  private readonly expiresAtMs = new Map<string, number>();

  constructor(private readonly lifetimeMs: number) {}

  issue(nowMs: number): string {
    const token = `sim-token-${++this.issued}`;
    this.expiresAtMs.set(token, this.lifetimeMs > 0 ? nowMs + this.lifetimeMs : Number.POSITIVE_INFINITY);
    return token;
  }

  valid(token: string, nowMs: number): boolean {
    const expiresAtMs = this.expiresAtMs.get(token);
    return expiresAtMs !== undefined && nowMs < expiresAtMs;
  }
}

export class SimTokenProvider implements TokenProvider {
  readonly source = "simulated bucket";
  private cached: string | undefined;

  constructor(
    private readonly tokens: SimTokens,
    private readonly clock: Clock,
  ) {}

  token(): Promise<string> {
    this.cached ??= this.tokens.issue(this.clock.nowMs());
    return Promise.resolve(this.cached);
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
