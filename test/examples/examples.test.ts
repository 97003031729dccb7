/**
 * Every flow in examples/ works: each is loaded into a Node-RED runtime (node-red-node-test-helper)
 * exactly as shipped, except that its connection node points at the simulator, then driven from
 * its inject node or HTTP endpoint, and checked where the flow ends (debug node, written file,
 * HTTP answer). The demo flow of `npm start` is checked the same way.
 * Loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Node, NodeMessage } from 'node-red';

import {
  CONFIG_VERSIONS,
  NODE_DEFAULTS,
  NODE_TYPES,
  type NodeKind,
} from '../../src/shared/node-configs';
import { startSimulator, type SimRecord, type Simulator } from '../../src/simulator';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { connectionCredentials, connectionNode } from '../helpers/node-flows';
import { nodeRed } from '../helpers/node-red-under-test';
import { helper } from '../helpers/test-helper';

type NodeModule = (RED: { httpNode: RequestListener }) => unknown;

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  x?: number;
  y?: number;
  wires?: string[][];
  credentials?: Record<string, unknown>;
  [key: string]: unknown;
}

type OutMessage = NodeMessage & {
  statusCode?: number;
  filename?: string;
  event?: string;
  error?: { message: string; code?: string };
  cw?: { fileName?: string; paging?: { pages?: number; truncated?: boolean } };
};

const load = createRequire(__filename);

const SHIPPED_DIR = path.resolve(__dirname, '../../examples');
/** The same flows as 0.1.0 saved them, before node configurations had versions. */
const SAVED_0_1_0_DIR = path.resolve(__dirname, '../fixtures/saved-0.1.0');
/** Where the examples of the suite running now come from. */
let examplesDir = SHIPPED_DIR;
const CONNECTION_TYPE = 'connectwise-connection';
const TICKETS = 'service/tickets';
const WAIT_MS = 8000;
/** Catch nodes are loaded by the helper itself. */
const HELPER_LOADED_TYPES = new Set(['catch', 'status', 'complete', 'tab']);

const PACKAGE_MODULES: Record<string, NodeModule> = {
  'connectwise-connection': load('../../nodes/connectwise-connection.js') as NodeModule,
  'connectwise-request': load('../../nodes/connectwise-request.js') as NodeModule,
  'connectwise-poll': load('../../nodes/connectwise-poll.js') as NodeModule,
};

const CORE_NODE_FILES: Record<string, string> = {
  inject: 'common/20-inject.js',
  debug: 'common/21-debug.js',
  comment: 'common/90-comment.js',
  function: 'function/10-function.js',
  change: 'function/15-change.js',
  'http in': 'network/21-httpin.js',
  'http response': 'network/21-httpin.js',
  file: 'storage/10-file.js',
  'file in': 'storage/10-file.js',
};

let sim: Simulator;
/** The app the http in nodes of the loaded flow registered their routes on. */
let httpNodeApp: RequestListener | undefined;
let httpServer: LoopbackServer | undefined;

function exampleFiles(): string[] {
  return readdirSync(examplesDir)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

function readExample(file: string): FlowNode[] {
  return JSON.parse(readFileSync(path.join(examplesDir, file), 'utf8')) as FlowNode[];
}

function exampleNamed(title: string): string {
  const file = exampleFiles().find((name) => name.replace(/^\d+ - |\.json$/g, '') === title);
  if (!file) throw new Error(`no example titled "${title}" in ${examplesDir}`);
  return file;
}

/** The node modules a flow uses: this package's, and the core nodes it needs (each file once). */
function modulesFor(flow: FlowNode[]): NodeModule[] {
  const modules = new Map<string, NodeModule>();
  for (const { type } of flow) {
    if (HELPER_LOADED_TYPES.has(type)) continue;
    const own = PACKAGE_MODULES[type];
    if (own) {
      modules.set(type, own);
      continue;
    }
    const file = CORE_NODE_FILES[type];
    if (!file) throw new Error(`the test cannot load node type "${type}"`);
    if (modules.has(file)) continue;
    const core = nodeRed.load(`@node-red/nodes/core/${file}`) as NodeModule;
    modules.set(
      file,
      file === CORE_NODE_FILES['http in']
        ? (RED) => {
            httpNodeApp = RED.httpNode;
            return core(RED);
          }
        : core,
    );
  }
  return [...modules.values()];
}

/**
 * Loads a flow with its connection node pointed at the simulator (credentials given as the
 * runtime stores them), inside a tab holding its nodes.
 */
async function loadFlow(nodes: FlowNode[]): Promise<void> {
  const flow: FlowNode[] = nodes.map((node) => {
    if (node.type !== CONNECTION_TYPE) return { ...node };
    // Credentials go to the runtime's credential store, as Node-RED keeps them.
    const rewritten: FlowNode = {
      ...node,
      ...connectionNode(sim, { id: node.id, name: node.name }),
    };
    delete rewritten.credentials;
    // A connection saved before versions existed stays so: the runtime reads it as it is.
    if (!('version' in node)) delete rewritten.version;
    return rewritten;
  });
  const connection = flow.find((node) => node.type === CONNECTION_TYPE);
  assert.ok(connection, 'the flow has a connection node');
  const tabs = new Set(flow.map((node) => node.z).filter((z): z is string => Boolean(z)));
  for (const id of tabs) {
    if (!flow.some((node) => node.id === id)) flow.unshift({ id, type: 'tab', label: id });
  }
  httpNodeApp = undefined;
  await helper.load(modulesFor(flow), flow, connectionCredentials(sim, connection.id));
}

function loadExample(title: string): Promise<void> {
  return loadFlow(readExample(exampleNamed(title)));
}

function nodeById(id: string): Node {
  const node = helper.getNode(id);
  if (!node) throw new Error(`node ${id} is not in the loaded flow`);
  return node;
}

/** Error lines the runtime logged, for failure messages. */
function loggedErrors(): string {
  return helper
    .log()
    .getCalls()
    .map((call) => call.args[0] as { level?: number; msg?: unknown })
    .filter((entry) => entry.level !== undefined && entry.level <= 20)
    .map((entry) => String(entry.msg))
    .join(' | ');
}

/** Records every message a node receives. */
function recordInputs(id: string): OutMessage[] {
  const received: OutMessage[] = [];
  nodeById(id).on('input', (msg: NodeMessage) => received.push(msg as OutMessage));
  return received;
}

async function waitFor(label: string, ready: () => boolean, ms = WAIT_MS): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > ms) {
      const errors = loggedErrors();
      throw new Error(`timed out waiting for ${label}${errors ? `; errors: ${errors}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The next message a node receives after `action`. */
async function nextInput(id: string, action: () => void | Promise<void>): Promise<OutMessage> {
  const received = recordInputs(id);
  await action();
  await waitFor(`a message at ${id}`, () => received.length > 0);
  return received[0];
}

function trigger(injectId: string): void {
  nodeById(injectId).receive({});
}

function statusTexts(id: string): string[] {
  const node = nodeById(id);
  const spy = node.status as unknown as { getCalls(): { thisValue: unknown; args: unknown[] }[] };
  return spy
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => (call.args[0] as { text?: string }).text ?? '');
}

async function startHttpEndpoint(): Promise<string> {
  assert.ok(httpNodeApp, 'the flow registered an http in route');
  httpServer = await startLoopbackServer(httpNodeApp);
  return httpServer.url;
}

async function postForm(
  url: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function companies(): SimRecord[] {
  return sim.store.list('company/companies');
}

function helpDeskBoard(): SimRecord {
  const board = sim.store.list('service/boards').find((record) => record.name === 'Help Desk');
  assert.ok(board, 'the simulator has a Help Desk board');
  return board;
}

function statusOfBoard(boardId: number, name: string): SimRecord {
  const status = sim.store
    .list(`service/boards/${boardId}/statuses`)
    .find((record) => record.name === name);
  assert.ok(status, `board ${boardId} has a status "${name}"`);
  return status;
}

function reference(record: SimRecord): { id: number; name: unknown } {
  return { id: record.id, name: record.name };
}

/** The flows: as the package ships them, and as 0.1.0 saved them (which must still work). */
const SUITES = [
  { name: 'examples', dir: SHIPPED_DIR },
  { name: 'examples as saved by 0.1.0', dir: SAVED_0_1_0_DIR + '/examples' },
];

for (const suite of SUITES) describeExamples(suite.name, suite.dir);

function describeExamples(name: string, dir: string): void {
  describe(name, function () {
    this.timeout(30_000);

    before(async () => {
      examplesDir = dir;
      sim = await startSimulator();
    });

    after(async () => {
      await sim.stop();
    });

    afterEach(async () => {
      await helper.unload();
      if (httpServer) {
        const server = httpServer;
        httpServer = undefined;
        await server.stop();
      }
    });

    if (dir === SHIPPED_DIR)
      describe('files', () => {
        it('are named "NN - Title.json", and there are at least seven', () => {
          const files = exampleFiles();
          assert.ok(files.length >= 7, `found ${files.length} examples`);
          for (const file of files) assert.match(file, /^\d\d - [A-Z][^/\\]+\.json$/);
        });

        it('are flat arrays of nodes with unique ids, positions, wires inside the file and a comment', () => {
          for (const file of exampleFiles()) {
            const nodes = readExample(file);
            assert.ok(Array.isArray(nodes) && nodes.length > 0, `${file}: a non-empty array`);
            const ids = nodes.map((node) => node.id);
            assert.equal(new Set(ids).size, ids.length, `${file}: node ids are unique`);
            for (const node of nodes) {
              assert.equal(typeof node.id, 'string', `${file}: every node has an id`);
              assert.equal(typeof node.type, 'string', `${file}: ${node.id} has a type`);
              assert.notEqual(node.type, 'tab', `${file}: nodes only, no tab`);
              if (node.type === CONNECTION_TYPE) continue;
              assert.ok(
                Number.isFinite(node.x) && Number.isFinite(node.y),
                `${file}: ${node.id} has a position`,
              );
              for (const target of (node.wires ?? []).flat()) {
                assert.ok(
                  ids.includes(target),
                  `${file}: ${node.id} is wired to ${target}, not in the file`,
                );
              }
            }
            assert.ok(
              nodes.some((node) => node.type === 'comment' && String(node.info ?? '').length > 0),
              `${file}: a comment node explains it`,
            );
          }
        });

        it('carry the current configuration of every node of this package, every setting written', () => {
          for (const file of exampleFiles()) {
            for (const node of readExample(file)) {
              const kind = (Object.keys(NODE_TYPES) as NodeKind[]).find(
                (candidate) => NODE_TYPES[candidate] === node.type,
              );
              if (!kind) continue;
              assert.equal(node.version, CONFIG_VERSIONS[kind], `${file}: ${node.id} is current`);
              for (const key of Object.keys(NODE_DEFAULTS[kind])) {
                assert.ok(key in node, `${file}: ${node.id} has ${key}`);
              }
            }
          }
        });

        it('each have exactly one connection node, with placeholders and no credentials', () => {
          for (const file of exampleFiles()) {
            const connections = readExample(file).filter((node) => node.type === CONNECTION_TYPE);
            assert.equal(connections.length, 1, `${file}: one connection node`);
            const [connection] = connections;
            assert.equal(connection.companyId, 'yourcompany', `${file}: placeholder company id`);
            assert.equal(connection.site, 'na', `${file}: placeholder site`);
            const credentials = Object.values(connection.credentials ?? {});
            assert.ok(
              credentials.every((value) => value === '' || value === undefined),
              `${file}: the connection's credentials are empty`,
            );
            for (const node of readExample(file)) {
              if ('connection' in node) {
                assert.equal(node.connection, connection.id, `${file}: ${node.id} uses it`);
              }
            }
          }
        });
      });

    it('Get a record by id: reads the company whose id the inject node sends', async () => {
      await loadExample('Get a record by id');
      const msg = await nextInput('ex01-debug', () => trigger('ex01-inject'));
      const company = sim.store.get('company/companies', 1);
      assert.ok(company);
      assert.equal(msg.statusCode, 200);
      assert.equal((msg.payload as SimRecord).id, 1);
      assert.equal((msg.payload as SimRecord).name, company.name);
    });

    it('Search with conditions and all pages: every open Help Desk ticket of 30 days, newest first', async () => {
      // More tickets than one page of the server's default size, so paging is exercised.
      const company = companies()[0];
      const board = helpDeskBoard();
      for (let index = 0; index < 30; index++) {
        sim.store.insert(TICKETS, {
          summary: `paging check ${index}`,
          board: reference(board),
          status: reference(statusOfBoard(board.id, 'New')),
          company: { id: company.id, identifier: company.identifier, name: company.name },
          closedFlag: false,
        });
      }
      await loadExample('Search with conditions and all pages');
      const received = recordInputs('ex02-debug');
      const counted = recordInputs('ex02-count-debug');
      trigger('ex02-inject');
      await waitFor('the tickets and their count', () => received.length > 0 && counted.length > 0);

      const since = Date.now() - 30 * 86_400_000;
      const expected = sim.store
        .list(TICKETS)
        .filter(
          (ticket) =>
            (ticket.board as { name?: string } | undefined)?.name === 'Help Desk' &&
            ticket.closedFlag === false &&
            Date.parse(ticket._info.lastUpdated) > since,
        )
        .map((ticket) => ticket.id)
        .sort((a, b) => a - b);
      const tickets = received[0].payload as SimRecord[];
      assert.ok(expected.length > 25, `more than one default page of matches (${expected.length})`);
      assert.deepEqual(
        tickets.map((ticket) => ticket.id).sort((a, b) => a - b),
        expected,
      );
      const updated = tickets.map((ticket) => ticket._info.lastUpdated);
      assert.deepEqual(updated, [...updated].sort().reverse(), 'newest first');
      assert.deepEqual(Object.keys(tickets[0]).sort(), [
        '_info',
        'company',
        'id',
        'status',
        'summary',
      ]);
      assert.equal(received[0].cw?.paging?.truncated, false);
      assert.match(String(counted[0].payload), new RegExp(`^${expected.length} tickets in 1 page`));
    });

    describe('Create a ticket from an HTTP form', () => {
      it('answers 201 with the new ticket for a complete form', async () => {
        await loadExample('Create a ticket from an HTTP form');
        const base = await startHttpEndpoint();
        const company = companies()[2];
        const answer = await postForm(`${base}/connectwise/tickets`, {
          summary: 'Scanner offline in the back office',
          company: String(company.identifier),
          email: 'ann@example.com',
          description: 'Sent from the web form',
        });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        assert.equal(answer.body.summary, 'Scanner offline in the back office');
        const ticket = sim.store.get(TICKETS, Number(answer.body.id));
        assert.ok(ticket, 'the ticket exists in ConnectWise');
        assert.equal((ticket.company as { id: number }).id, company.id);
        assert.equal(ticket.contactEmailAddress, 'ann@example.com');
      });

      it('answers 400 naming the field when the form misses or overfills one, and sends nothing', async () => {
        await loadExample('Create a ticket from an HTTP form');
        const base = await startHttpEndpoint();
        const before = sim.store.count(TICKETS);
        sim.clearLog();

        const missing = await postForm(`${base}/connectwise/tickets`, { company: 'ContosoDental' });
        assert.equal(missing.status, 400);
        assert.match(String(missing.body.error), /summary/);

        const long = await postForm(`${base}/connectwise/tickets`, {
          summary: 'x'.repeat(101),
          company: 'ContosoDental',
        });
        assert.equal(long.status, 400);
        assert.match(String(long.body.error), /summary.*100/);

        assert.equal(sim.store.count(TICKETS), before, 'no ticket was created');
        assert.equal(
          sim.log.filter((entry) => entry.method === 'POST').length,
          0,
          'nothing was sent to ConnectWise',
        );
      });

      it("answers 400 with ConnectWise's error for a company it does not know", async () => {
        await loadExample('Create a ticket from an HTTP form');
        const base = await startHttpEndpoint();
        const answer = await postForm(`${base}/connectwise/tickets`, {
          summary: 'For nobody',
          company: 'NoSuchCompany',
        });
        assert.equal(answer.status, 400);
        assert.match(String(answer.body.error), /company/i);
      });
    });

    it("Patch a ticket's status: moves ticket 1 to In Progress on its own board", async () => {
      const ticket = sim.store.get(TICKETS, 1);
      assert.ok(ticket);
      const boardId = (ticket.board as { id: number }).id;
      const inProgress = statusOfBoard(boardId, 'In Progress');
      sim.store.update(TICKETS, 1, { status: reference(statusOfBoard(boardId, 'New')) });

      await loadExample("Patch a ticket's status");
      const msg = await nextInput('ex04-debug', () => trigger('ex04-inject'));
      assert.equal(msg.statusCode, 200);
      assert.equal((msg.payload as SimRecord).id, 1);
      assert.equal((sim.store.get(TICKETS, 1)?.status as { id: number }).id, inProgress.id);
      assert.equal(((msg.payload as SimRecord).status as { name: string }).name, 'In Progress');
    });

    describe('Download a document to a file', () => {
      let directory: string;
      let savedDirectory: string | undefined;

      beforeEach(() => {
        directory = mkdtempSync(path.join(tmpdir(), 'cw-example-download-'));
        savedDirectory = process.env.CW_DOWNLOAD_DIR;
        process.env.CW_DOWNLOAD_DIR = directory;
      });

      afterEach(() => {
        if (savedDirectory === undefined) delete process.env.CW_DOWNLOAD_DIR;
        else process.env.CW_DOWNLOAD_DIR = savedDirectory;
        rmSync(directory, { recursive: true, force: true });
      });

      it("writes the document's bytes to a file named as in ConnectWise", async () => {
        const stored = sim.store.getContent('system/documents', 1);
        assert.ok(stored, 'document 1 has content');
        await loadExample('Download a document to a file');
        const msg = await nextInput('ex05-debug', () => trigger('ex05-inject'));
        assert.equal(msg.filename, path.join(directory, stored.fileName));
        assert.deepEqual(readFileSync(path.join(directory, stored.fileName)), stored.bytes);
      });

      it('keeps a file name that tries to leave the folder inside it', async () => {
        const document = sim.store.insert('system/documents', {
          title: 'Sneaky',
          fileName: '../escape.txt',
        });
        sim.store.setContent('system/documents', document.id, {
          bytes: Buffer.from('stay here'),
          contentType: 'text/plain',
          fileName: '../escape.txt',
        });
        await loadExample('Download a document to a file');
        // The inject node always sends its own id: this message goes to the request node itself.
        const msg = await nextInput('ex05-debug', () =>
          nodeById('ex05-request').receive({ payload: document.id }),
        );
        assert.equal(path.dirname(String(msg.filename)), directory);
        assert.equal(readFileSync(String(msg.filename), 'utf8'), 'stay here');
      });
    });

    // New in this release: 0.1.0 saved no such flow.
    if (dir === SHIPPED_DIR)
      describe('Attach a file to a ticket', () => {
        let directory: string;
        let savedFile: string | undefined;

        beforeEach(() => {
          directory = mkdtempSync(path.join(tmpdir(), 'cw-example-upload-'));
          savedFile = process.env.CW_UPLOAD_FILE;
        });

        afterEach(() => {
          if (savedFile === undefined) delete process.env.CW_UPLOAD_FILE;
          else process.env.CW_UPLOAD_FILE = savedFile;
          rmSync(directory, { recursive: true, force: true });
        });

        it('uploads the file to ticket 1 as multipart/form-data; downloading it gives the same bytes', async () => {
          const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from([0, 200, 255, 10])]);
          const file = path.join(directory, 'invoice scan.pdf');
          writeFileSync(file, bytes);
          process.env.CW_UPLOAD_FILE = file;
          await loadExample('Attach a file to a ticket');
          const msg = await nextInput('ex12-debug', () => trigger('ex12-inject'));
          assert.equal(msg.statusCode, 201, loggedErrors());
          const created = msg.payload as {
            id: number;
            fileName: string;
            recordType: string;
            recordId: number;
          };
          assert.equal(created.fileName, 'invoice scan.pdf');
          assert.equal(created.recordType, 'Ticket');
          assert.equal(created.recordId, 1);
          const download = await fetch(`${sim.baseUrl()}/system/documents/${created.id}/download`, {
            headers: {
              authorization: `Basic ${Buffer.from(`${sim.credentials.companyId}+${sim.credentials.publicKey}:${sim.credentials.privateKey}`).toString('base64')}`,
              clientId: sim.credentials.clientId,
            },
          });
          assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);
        });
      });

    it('Poll changed tickets on one board: reports a changed Help Desk ticket, not other boards', async () => {
      await loadExample('Poll changed tickets on one board');
      trigger('ex06-inject');
      await waitFor('the first poll', () =>
        statusTexts('ex06-poll').some((text) => text.startsWith('watching from now')),
      );

      sim.clock.advance(2);
      const board = helpDeskBoard();
      const tickets = sim.store.list(TICKETS);
      const helpDesk = tickets.find((ticket) => (ticket.board as { id: number }).id === board.id);
      const other = tickets.find((ticket) => (ticket.board as { id: number }).id !== board.id);
      assert.ok(helpDesk && other, 'tickets on the Help Desk and on another board');
      sim.store.update(TICKETS, helpDesk.id, { summary: 'Help Desk ticket, changed' });
      sim.store.update(TICKETS, other.id, { summary: 'Other board ticket, changed' });

      const received = recordInputs('ex06-debug');
      const polls = statusTexts('ex06-poll').length;
      trigger('ex06-inject');
      await waitFor('the second poll', () => statusTexts('ex06-poll').length > polls);
      await waitFor('the change', () => received.length > 0);
      assert.deepEqual(
        received.map((msg) => msg.payload),
        [
          `#${helpDesk.id} updated: Help Desk ticket, changed (${(helpDesk.status as { name: string }).name})`,
        ],
      );
      assert.equal(received[0].event, 'updated');
    });

    if (dir === SHIPPED_DIR)
      it('Notify when a ticket enters Waiting on Customer: once per entry, with the status before', async () => {
        await loadExample('Notify when a ticket enters Waiting on Customer');
        const poll = async (): Promise<void> => {
          const polls = statusTexts('ex11-poll').length;
          trigger('ex11-inject');
          await waitFor('a poll', () => statusTexts('ex11-poll').length > polls);
        };
        await poll();
        assert.match(statusTexts('ex11-poll').at(-1) ?? '', /^watching from now/);

        const waiting = { id: 999, name: 'Waiting on Customer' };
        const open = sim.store.list(TICKETS).filter((ticket) => ticket.closedFlag === false);
        const [entering, other] = open;
        const before = (entering.status as { name: string }).name;
        assert.notEqual(before, waiting.name);
        const received = recordInputs('ex11-debug');
        sim.clock.advance(2);
        sim.store.update(TICKETS, entering.id, { status: waiting });
        sim.store.update(TICKETS, other.id, { summary: 'a note, no status change' });
        await poll();
        await waitFor('the notice', () => received.length > 0);
        const owner =
          (entering.owner as { identifier?: string } | undefined)?.identifier ?? 'nobody';
        assert.deepEqual(
          received.map((msg) => msg.payload),
          [
            `#${entering.id} ${String(entering.summary)}: ${before} -> Waiting on Customer (owner ${owner})`,
          ],
        );

        sim.clock.advance(2);
        sim.store.update(TICKETS, entering.id, { summary: 'still waiting' });
        await poll();
        sim.clock.advance(2);
        sim.store.update(TICKETS, entering.id, { status: { id: 1, name: 'In Progress' } });
        await poll();
        assert.equal(received.length, 1, 'no notice while it waits, nor when it leaves');
        sim.clock.advance(2);
        sim.store.update(TICKETS, entering.id, { status: waiting });
        await poll();
        await waitFor('the second notice', () => received.length > 1);
        assert.match(String(received[1].payload), /: In Progress -> Waiting on Customer/);
        assert.equal(received.length, 2);
      });

    it('Handle errors with a Catch node: a 404 reaches the Catch node, explained', async () => {
      await loadExample('Handle errors with a Catch node');
      const tickets = recordInputs('ex07-debug');
      const msg = await nextInput('ex07-error-debug', () => trigger('ex07-inject'));
      const explained = msg.payload as Record<string, unknown>;
      assert.equal(explained.code, 'HTTP');
      assert.equal(explained.failed, 'Get ticket');
      assert.equal(explained.retryLater, false);
      assert.match(String(explained.message), /404/);
      assert.equal(tickets.length, 0, 'no ticket message');
    });

    describe('the demo flow of npm start', () => {
      it('posts a ticket, reads a company and lists open Help Desk tickets', async () => {
        const company = companies()[0];
        let flow: FlowNode[];
        if (dir === SHIPPED_DIR) {
          const { buildDemoFlow } = load('../../scripts/demo-flow.js') as {
            buildDemoFlow(sim: Simulator, seeded: Record<string, unknown>): FlowNode[];
          };
          flow = buildDemoFlow(sim, {
            companyId: company.id,
            companyName: company.name,
            boardId: helpDeskBoard().id,
          });
          assert.deepEqual(
            Object.keys(
              flow.find((node) => node.type === CONNECTION_TYPE)?.credentials ?? {},
            ).sort(),
            ['clientId', 'privateKey', 'publicKey'],
          );
        } else {
          // As a 0.1.0 demo left it in .demo/flows.json for the simulator's seed data (its
          // credentials are in their own file).
          flow = JSON.parse(
            readFileSync(path.join(SAVED_0_1_0_DIR, 'demo-flow.json'), 'utf8'),
          ) as FlowNode[];
          const post = flow.find((node) => node.id === 'cw-demo-post-request');
          assert.equal(post?.version, undefined, 'saved before versions');
        }
        await loadFlow(flow);

        const posted = await nextInput('cw-demo-post-debug', () => trigger('cw-demo-post-inject'));
        assert.equal(posted.statusCode, 201);
        const ticket = sim.store.get(TICKETS, (posted.payload as SimRecord).id);
        assert.equal((ticket?.company as { id: number }).id, company.id);

        const read = await nextInput('cw-demo-company-debug', () =>
          trigger('cw-demo-company-inject'),
        );
        assert.equal((read.payload as SimRecord).name, company.name);

        const listed = await nextInput('cw-demo-list-debug', () => trigger('cw-demo-list-inject'));
        const open = listed.payload as SimRecord[];
        assert.ok(open.length > 0);
        assert.ok(open.every((record) => Object.keys(record).length <= 5));
        assert.ok(
          open.some((record) => record.id === ticket?.id),
          'the posted ticket is open',
        );
      });
    });
  });
}
