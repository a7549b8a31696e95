import type { Command } from 'commander';
import { loadConfig } from '../../config.js';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Run the Trainyard server: MLflow-compatible tracking API, artifact proxy, training API and UI')
    .option('--host <host>', 'address to listen on (default 127.0.0.1; use 0.0.0.0 to expose it)')
    .option('--port <port>', 'port to listen on (default 5000)', (v) => Number(v))
    .option('--backend-store-uri <uri>', 'metadata database: sqlite:///path or postgresql://user:pass@host/db')
    .option('--artifacts-destination <uri>', 'where artifacts are stored: a folder or s3://bucket/prefix')
    .option('--config <file>', 'YAML config file')
    .action(async (opts: { host?: string; port?: number; backendStoreUri?: string; artifactsDestination?: string; config?: string }) => {
      const config = loadConfig({
        host: opts.host,
        port: opts.port,
        backendStoreUri: opts.backendStoreUri,
        artifactsDestination: opts.artifactsDestination,
        config: opts.config,
      });
      // Imported here so that other commands (and --help) do not load the services and HTTP stack.
      const [{ openServices }, { buildApp }, { redact }] = await Promise.all([import('../../services.js'), import('../../server/app.js'), import('../../store/open.js')]);
      const services = await openServices(config);
      const app = await buildApp(services);
      let closing = false;
      let starting: Promise<void> = Promise.resolve();
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        app.log.info({ signal }, 'shutting down: finishing in-flight requests');
        // A signal during start-up (the port already answers while the dispatcher and schedules
        // start) must not close the services under the code still starting them.
        await starting.catch(() => undefined);
        // Node closes the connections that are idle when closing starts; one whose request
        // finishes later would stay open for the keep-alive timeout (72 s) and hold the exit.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
          await services.close();
          app.log.info('stopped');
        }
      };
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      process.once('SIGINT', () => void shutdown('SIGINT'));
      starting = (async () => {
        await app.listen({ host: config.host, port: config.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        const reachable = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
        services.setServerUrl(`http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`);
        await services.start();
      })();
      await starting;
      app.log.info(
        { store: redact(config.backendStoreUri), artifacts: services.artifacts.location },
        `Trainyard listening on http://${config.host}:${config.port}`,
      );
    });
}
