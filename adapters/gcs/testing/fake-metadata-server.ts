/**
 * A loopback stand-in for the instance metadata server's token endpoint
 * (GET /computeMetadata/v1/instance/service-accounts/default/token, header Metadata-Flavor:
 * Google → {"access_token", "expires_in", "token_type"}). It hands out the given tokens in turn
 * and counts requests; without the header it answers 403 as the real one does.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export class FakeMetadataServer {
  requests = 0;
  private issued = 0;

  private constructor(
    private readonly server: Server,
    readonly host: string,
  ) {}

  static async start(tokens: string[], expiresInS = 3599, status = 200): Promise<FakeMetadataServer> {
    let fake: FakeMetadataServer | undefined;
    const server = createServer((request, response) => {
      const self = fake!;
      self.requests += 1;
      if (request.headers["metadata-flavor"] !== "Google") {
        response
          .writeHead(403, { "content-type": "text/plain" })
          .end("Missing Metadata-Flavor:Google header.");
        return;
      }
      if (request.url !== "/computeMetadata/v1/instance/service-accounts/default/token" || status !== 200) {
        response.writeHead(status === 200 ? 404 : status, { "content-type": "text/plain" }).end("not here");
        return;
      }
      const token = tokens[Math.min(self.issued, tokens.length - 1)]!;
      self.issued += 1;
      const body = JSON.stringify({ access_token: token, expires_in: expiresInS, token_type: "Bearer" });
      response.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeMetadataServer(server, `127.0.0.1:${port}`);
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
