/**
 * Entry of the simulator child process the benchmarks start (bundled to bench/out/ first, so it
 * runs as compiled code). Options come as JSON in argv[2]; the address goes back over IPC. The
 * child exits when told to stop or when its parent goes away.
 */
import { startSimulator, type SimulatorOptions } from '../../src/simulator';

export interface SimulatorReady {
  type: 'ready';
  url: string;
  baseUrl: string;
  credentials: { companyId: string; publicKey: string; privateKey: string; clientId: string };
  startMs: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
  const sim = await startSimulator({ ...options, host: '127.0.0.1', port: 0, logLimit: 1 });
  const ready: SimulatorReady = {
    type: 'ready',
    url: sim.url,
    baseUrl: sim.baseUrl(),
    credentials: sim.credentials,
    startMs: performance.now() - started,
  };
  const stop = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') stop();
  });
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.send?.(ready);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
