import { createServer, type Server } from 'node:http';
import { parseListen } from '../config/index.js';

/** Serves one text page at `/metrics` (Prometheus scrapes it); everything else is 404. */
export class MetricsServer {
  private server: Server | null = null;

  constructor(
    private readonly listen: string,
    private readonly scrape: () => Promise<{ contentType: string; body: string }>,
  ) {}

  /** Listens; rejects when the address cannot be taken (in use, not on this host). */
  async start(): Promise<void> {
    const { host, port } = parseListen(this.listen);
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (path !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /metrics\n');
        return;
      }
      this.scrape().then(
        ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(req.method === 'HEAD' ? undefined : body),
        (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** The port listened on (the configured one, or the one the system chose for port 0). */
  get port(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
