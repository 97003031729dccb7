/**
 * `npm run simulator`: runs the simulator in the foreground.
 *   --port 8089  --host 127.0.0.1  --seed 1 (or "none")  --tickets 100
 *   --fault 429:3 (repeatable; kinds: 429 500 502 503 slow drop drop-mid-body invalid-json html)
 *   --latency 0
 */
import { parseFaultArgument, type FaultSpec } from './faults';
import { startSimulator, type SimulatorOptions } from './index';

interface CliOptions {
  simulator: SimulatorOptions;
  faults: FaultSpec[];
}

export function parseArguments(argv: string[]): CliOptions {
  const simulator: SimulatorOptions = { port: 8089 };
  const faults: FaultSpec[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const [name, inline] =
      flag.startsWith('--') && flag.includes('=') ? flag.split(/=(.*)/s) : [flag, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${name}: missing value`);
      return next;
    };
    const integer = (text: string): number => {
      const number = Number(text);
      if (!Number.isInteger(number) || number < 0)
        throw new Error(`${name}: "${text}" is not a whole number`);
      return number;
    };
    switch (name) {
      case '--port':
        simulator.port = integer(value());
        break;
      case '--host':
        simulator.host = value();
        break;
      case '--seed': {
        const seed = value();
        simulator.seed = seed === 'none' || seed === 'false' ? false : integer(seed);
        break;
      }
      case '--tickets':
        simulator.seedSize = { ...simulator.seedSize, tickets: integer(value()) };
        break;
      case '--latency':
        simulator.latencyMs = integer(value());
        break;
      case '--fault':
        faults.push(parseFaultArgument(value()));
        break;
      case '--help':
      case '-h':
        throw new Error('usage');
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return { simulator, faults };
}

const USAGE =
  'Usage: npm run simulator -- [--port 8089] [--host 127.0.0.1] [--seed 1|none] [--tickets 100]\n' +
  '                          [--fault kind:count ...] [--latency ms]\n' +
  'Fault kinds: 429 500 502 503 slow drop drop-mid-body invalid-json html';

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`${message === 'usage' ? '' : `${message}\n`}${USAGE}\n`);
    process.exitCode = message === 'usage' ? 0 : 2;
    return;
  }
  const simulator = await startSimulator(options.simulator);
  for (const fault of options.faults) simulator.faults.add(fault);
  const { companyId, publicKey, privateKey, clientId } = simulator.credentials;
  process.stdout.write(
    [
      'ConnectWise Manage simulator',
      `  URL:         ${simulator.url}`,
      `  Site (host): ${new URL(simulator.url).host}`,
      `  API base:    ${simulator.baseUrl()}`,
      `  Company id:  ${companyId}`,
      `  Public key:  ${publicKey}`,
      `  Private key: ${privateKey}`,
      `  Client id:   ${clientId}`,
      ...(options.faults.length > 0
        ? [
            `  Faults:      ${options.faults.map((fault) => `${fault.kind}:${fault.count ?? 1}`).join(', ')}`,
          ]
        : []),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    void simulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
