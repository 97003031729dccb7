/**
 * What the watched-field snapshot costs: bytes per tracked record in memory and in a file
 * context store (JSON, as Node-RED's localfilesystem writes it), for 100,000 tickets watching
 * `status/name`, `owner/identifier` and `priority/name`; and the time to diff a page of 1,000
 * records against it, to store it (one save) and to read it back (a restart).
 *
 *   npx tsx bench/change-tracking.bench.ts [--quick] [--json]
 */
import { ChangeTracker } from '../src/core/change-tracker';
import { benchArgs, figureOf, report, runBench, type Figure } from './lib/figures';
import { collectGarbage } from './lib/memory';

const args = benchArgs();
const RECORDS = 100_000;
const PAGE = 1_000;
const RUNS = args.quick ? 2 : 3;
const PAGES = args.quick ? 20 : 100;
const FIELDS = ['status/name', 'owner/identifier', 'priority/name'];
const STATUSES = ['New', 'In Progress', 'Waiting on Customer', 'Scheduled', 'Completed', 'Closed'];
const PRIORITIES = ['Priority 1 - Critical', 'Priority 2 - High', 'Priority 3 - Normal'];
const OWNERS = Array.from({ length: 60 }, (_, index) => `tech${index}`);
const MEMORY_TARGET_MB = 30;
const DISK_TARGET_MB = 15;
const BASE_SECONDS = Date.parse('2025-03-01T00:00:00Z') / 1000;

/** A ticket as ConnectWise answers it, its watched fields among others. */
function ticket(id: number, version: number): Record<string, unknown> {
  const pick = (list: string[]) => list[(id * 7 + version * 13) % list.length];
  return {
    id,
    summary: `ticket ${id}`,
    status: { id: 1, name: pick(STATUSES) },
    owner: { id: 2, identifier: pick(OWNERS) },
    priority: { id: 3, name: pick(PRIORITIES) },
    _info: { lastUpdated: cwDate(BASE_SECONDS + id + version * RECORDS) },
  };
}

function cwDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** JSON text as Node-RED's file context store writes it: indented by four spaces. */
function indentedJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const memoryMb: number[] = [];
  const diskMb: number[] = [];
  const diskIndentedMb: number[] = [];
  const pageMs: number[] = [];
  const saveMs: number[] = [];
  const loadMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    let tracker: ChangeTracker | undefined = new ChangeTracker(FIELDS);
    for (let id = 1; id <= RECORDS; id++) {
      const record = ticket(id, 0);
      tracker.observe(
        id,
        String((record._info as { lastUpdated: string }).lastUpdated),
        record,
        'updated',
      );
    }
    collectGarbage();
    memoryMb.push((process.memoryUsage().heapUsed - before) / 1e6);

    let started = performance.now();
    const stored = tracker.toStored();
    const text = JSON.stringify({
      version: 1,
      lastUpdated: cwDate(BASE_SECONDS),
      ids: [],
      snapshot: stored,
    });
    saveMs.push(performance.now() - started);
    diskMb.push(Buffer.byteLength(text) / 1e6);
    diskIndentedMb.push(Buffer.byteLength(indentedJson(JSON.parse(text))) / 1e6);

    started = performance.now();
    tracker = ChangeTracker.fromStored(JSON.parse(text).snapshot, FIELDS);
    loadMs.push(performance.now() - started);

    // Pages of 1,000 changed records spread over the whole snapshot.
    for (let page = 0; page < PAGES; page++) {
      const records: Record<string, unknown>[] = [];
      for (let index = 0; index < PAGE; index++) {
        const id = (((page * PAGE + index) * 97) % RECORDS) + 1;
        records.push(ticket(id, run * PAGES + page + 1));
      }
      started = performance.now();
      for (const record of records) {
        tracker.observe(
          record.id as number,
          (record._info as { lastUpdated: string }).lastUpdated,
          record,
          'updated',
        );
      }
      pageMs.push(performance.now() - started);
    }
    tracker = undefined;
  }
  const bytesPerRecord = (mb: number[]) => mb.map((value) => (value * 1e6) / RECORDS);
  const figures: Figure[] = [
    figureOf('snapshot in memory, 100,000 records', 'MB', memoryMb, {
      baseline: { name: 'target', values: [MEMORY_TARGET_MB] },
      target: `< ${MEMORY_TARGET_MB} MB`,
      meets: (median) => median < MEMORY_TARGET_MB,
    }),
    figureOf('in memory per tracked record', 'bytes', bytesPerRecord(memoryMb), { digits: 0 }),
    figureOf('stored with the watermark (JSON), 100,000 records', 'MB', diskMb, {
      baseline: { name: 'target', values: [DISK_TARGET_MB] },
      target: `< ${DISK_TARGET_MB} MB`,
      meets: (median) => median < DISK_TARGET_MB,
    }),
    figureOf('stored per tracked record', 'bytes', bytesPerRecord(diskMb), { digits: 0 }),
    figureOf(
      'as a file context store writes it (indented), 100,000 records',
      'MB',
      diskIndentedMb,
      {
        baseline: { name: 'target', values: [DISK_TARGET_MB] },
        target: `< ${DISK_TARGET_MB} MB`,
        meets: (median) => median < DISK_TARGET_MB,
      },
    ),
    figureOf('diff a page of 1,000 records against 100,000', 'ms', pageMs, { quartiles: true }),
    figureOf('one save: snapshot of 100,000 to JSON', 'ms', saveMs),
    figureOf('a restart: 100,000 read back from JSON', 'ms', loadMs),
  ];
  report(
    'change-tracking',
    args,
    startedAt,
    [
      `${RECORDS.toLocaleString('en')} tickets watching ${FIELDS.join(', ')} (${STATUSES.length} statuses, ${OWNERS.length} owners, ${PRIORITIES.length} priorities); ${RUNS} runs`,
      'memory: heap after a full garbage collection, with and without the tracker',
      `diff: ${PAGES} pages a run of ${PAGE} changed records each, spread over the snapshot`,
    ],
    figures,
  );
}

runBench(main);
