// The `tickwave` command: `run` (the main job), `check` (a quick self-test), `bench` (the benchmark suite). Bad arguments get a
// message naming what was wrong and exit code 2.
import { VERSION } from './version.js';

const HELP = `tickwave ${VERSION}: an embeddable streaming runtime for real-time trading

Usage:
  tickwave run [--rate N] [--seed N] [--traders N] [--workers N] [--partitions N] [--duration S]
              [--scenario crash|spike|arbitrage[@S]] [--config FILE] [--interval MS] [--egress-spin-ms MS]
                                    run the main job: the trading pipeline in this process on the
                                    built-in market simulator (N events/s, default 20,000), with a live
                                    status; Ctrl-C stops it and prints a summary. --config: a JSON file
                                    of job thresholds (see the README); --egress-spin-ms: poll for
                                    outputs that long before parking (lower latency, more CPU)
              [--kafka BROKERS] [--group ID] [--prefix P] [--topic-partitions N] [--stage-topic]
                                    with --kafka (or KAFKA_BROKERS): consume market data, orders and
                                    policies from Kafka instead, and produce every output there;
                                    --stage-topic: the trade engine's stages meet through the
                                    engine_routes topic, so several processes can share its work
              [--port N] [--host H] [--token T] [--ws-auth] [--no-server]
                                    the dashboard, HTTP API and WebSocket feeds on one port (default
                                    8080; 0: any free one); writes need the token (--token or
                                    TICKWAVE_TOKEN, else a random one is printed); --ws-auth: the
                                    feeds need it too
  tickwave produce --kafka BROKERS [--rate N] [--events N] [--seed N] [--traders N] [--prefix P]
                   [--topic-partitions N] [--frames-per-value N]
                                    publish the simulator into Kafka's topics; --frames-per-value:
                                    up to N frames of one partition in each value (default 1)
  tickwave check                     check that the wire format, the Wasm reader and the runtime work here
  tickwave bench [name] [--quick] [--json] [--no-save]
                                    run every benchmark, or one by name; --quick keeps it short,
                                    --json ends each benchmark's output with one JSON line;
                                    results go to bench/results/ and bench/RESULTS.md unless --no-save
  tickwave bench --list             list the benchmarks
  tickwave sla --config FILE [--out DIR] [--baseline REPORT.json] [--tolerance F]
                                    run the pipeline open loop as FILE says (see bench/sla.example.json),
                                    timing every stage; write the report (Markdown, JSON, HTML, .hlog)
                                    to DIR (default sla-report); exit 1 if a target is violated, 3 if a
                                    percentile regressed against the baseline beyond the tolerance
  tickwave sla merge FILE... [--config FILE] [--out DIR] [--baseline REPORT.json]
                                    one report from the histograms of several reports or .hlog logs
  tickwave --version | --help
`;

export class UsageError extends Error {}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Runs the command line; resolves to the process exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`tickwave: ${e.message}\nRun \`tickwave --help\` for usage.`);
      return 2;
    }
    throw e;
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.out(HELP);
      return 0;
    case '--version':
    case '-v':
      io.out(VERSION);
      return 0;
    case 'run':
      return run(rest, io);
    case 'check':
      return check(rest, io);
    case 'produce': {
      const { produceCommand } = await import('./produce-command.js');
      return produceCommand(rest, io);
    }
    case 'bench':
      return bench(rest, io);
    case 'sla': {
      const { slaCommand } = await import('./sla-command.js');
      return slaCommand(rest, io);
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function flags(args: string[], allowed: string[]): { positional: string[]; set: Set<string> } {
  const positional: string[] = [];
  const set = new Set<string>();
  for (const a of args) {
    if (a.startsWith('-')) {
      if (!allowed.includes(a)) throw new UsageError(`unknown option "${a}" (allowed: ${allowed.join(', ')})`);
      set.add(a);
    } else positional.push(a);
  }
  return { positional, set };
}

async function run(args: string[], io: Io): Promise<number> {
  const { runCommand } = await import('./run-command.js');
  return runCommand(args, io, { tty: io === defaultIo && process.stdout.isTTY === true });
}

async function check(args: string[], io: Io): Promise<number> {
  flags(args, []);
  const { selfCheck, runtimeCheck } = await import('./self-check.js');
  io.out(`tickwave ${VERSION}`);
  io.out(`wire format: ${selfCheck()}`);
  io.out(`runtime: ${await runtimeCheck()}`);
  return 0;
}

async function bench(args: string[], io: Io): Promise<number> {
  const { positional, set } = flags(args, ['--quick', '--json', '--list', '--no-save']);
  const { BENCHMARKS } = await import('../bench/index.js');
  if (set.has('--list')) {
    for (const [name, b] of Object.entries(BENCHMARKS)) io.out(`${name.padEnd(10)} ${b.about}`);
    return 0;
  }
  if (positional.length > 1) throw new UsageError(`bench takes one benchmark name, got ${positional.length}: ${positional.join(' ')}`);
  const names = positional.length ? positional : Object.keys(BENCHMARKS);
  for (const name of names) {
    if (!BENCHMARKS[name]) throw new UsageError(`unknown benchmark "${name}" (available: ${Object.keys(BENCHMARKS).join(', ')})`);
  }
  for (const name of names) await BENCHMARKS[name]!.run({ quick: set.has('--quick'), json: set.has('--json'), save: !set.has('--no-save'), log: io.out });
  return 0;
}
