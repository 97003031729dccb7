/**
 * The examples for custom fields by caption and for acting as a member, loaded as shipped (their
 * connection pointed at the simulator, its own settings kept) and driven from their HTTP endpoint
 * and inject node. Loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { NodeMessage } from 'node-red';

import { customFieldMap } from '../../src/core/custom-fields';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { connectionCredentials, connectionNode } from '../helpers/node-flows';
import { waitFor } from '../helpers/node-red-harness';
import { nodeRed } from '../helpers/node-red-under-test';
import { helper } from '../helpers/test-helper';

type NodeModule = (RED: { httpNode: RequestListener }) => unknown;
type FlowNode = { id: string; type: string; z?: string; [key: string]: unknown };

const load = createRequire(__filename);
const EXAMPLES = path.resolve(__dirname, '../../examples');
const CORE: Record<string, string> = {
  inject: 'common/20-inject.js',
  debug: 'common/21-debug.js',
  comment: 'common/90-comment.js',
  function: 'function/10-function.js',
  change: 'function/15-change.js',
  'http in': 'network/21-httpin.js',
  'http response': 'network/21-httpin.js',
};

let sim: Simulator;
let httpNodeApp: RequestListener | undefined;
let server: LoopbackServer | undefined;

/** Loads the example with its connection on the simulator, keeping the example's own options. */
async function loadExample(file: string): Promise<void> {
  const shipped = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as FlowNode[];
  const flow: FlowNode[] = shipped.map((node) => {
    if (node.type !== 'connectwise-connection') return { ...node };
    const onSimulator: FlowNode = {
      ...connectionNode(sim, { id: node.id, name: String(node.name) }),
      allowImpersonation: node.allowImpersonation,
    };
    return onSimulator;
  });
  flow.unshift({ id: 'cw-example', type: 'tab', label: 'example' });
  const connection = flow.find((node) => node.type === 'connectwise-connection');
  assert.ok(connection);
  const modules = new Map<string, NodeModule>();
  modules.set('connection', load('../../nodes/connectwise-connection.js') as NodeModule);
  modules.set('request', load('../../nodes/connectwise-request.js') as NodeModule);
  for (const { type } of flow) {
    const file = CORE[type];
    if (!file || modules.has(file)) continue;
    const core = nodeRed.load(`@node-red/nodes/core/${file}`) as NodeModule;
    modules.set(
      file,
      file === CORE['http in']
        ? (RED) => {
            httpNodeApp = RED.httpNode;
            return core(RED);
          }
        : core,
    );
  }
  await helper.load([...modules.values()], flow, connectionCredentials(sim, connection.id));
}

describe('examples: custom fields and acting as a member', function () {
  this.timeout(20_000);

  beforeEach(async () => {
    sim = await startSimulator();
  });

  afterEach(async () => {
    await helper.unload();
    await server?.stop();
    server = undefined;
    httpNodeApp = undefined;
    await sim.stop();
  });

  it('09: sets the posted custom fields on a company and keeps every other one', async () => {
    await loadExample("09 - Set a company's custom fields.json");
    assert.ok(httpNodeApp, 'the example registered its http in route');
    server = await startLoopbackServer(httpNodeApp);
    const before = customFieldMap(sim.store.get('company/companies', 4)) ?? {};
    const post = (fields: Record<string, string>) =>
      fetch(`${server?.url}/connectwise/company-fields`, {
        method: 'POST',
        body: new URLSearchParams(fields),
      });

    const ok = await post({ id: '4', 'Contract level': 'Platinum', Seats: '30' });
    assert.equal(ok.status, 200);
    const answer = (await ok.json()) as { id: number; customFields: Record<string, unknown> };
    assert.equal(answer.id, 4);
    assert.equal(answer.customFields['Contract level'], 'Platinum');
    assert.equal(answer.customFields.Seats, 30);
    const after = customFieldMap(sim.store.get('company/companies', 4));
    assert.deepEqual(after, { ...before, 'Contract level': 'Platinum', Seats: 30 });

    const unknown = await post({ id: '4', 'Contract tier': 'Gold' });
    assert.equal(unknown.status, 400);
    const error = (await unknown.json()) as { error: string };
    assert.match(error.error, /no custom field "Contract tier".*"Contract level"/);
    assert.deepEqual(customFieldMap(sim.store.get('company/companies', 4)), after);
  });

  it('10: writes the ticket note as jsmith', async () => {
    await loadExample('10 - Add a ticket note as the technician.json');
    const received: NodeMessage[] = [];
    helper.getNode('ex10-debug').on('input', (msg: NodeMessage) => received.push(msg));
    helper.getNode('ex10-inject').receive({});
    await waitFor('the note at the debug node', () => received.length > 0);
    const note = received[0].payload as { id: number; text: string };
    assert.match(note.text, /Replaced the toner/);
    const stored = sim.store.get('service/tickets/1/notes', note.id);
    assert.equal(stored?._info.enteredBy, 'jsmith');
    assert.equal(stored?._info.updatedBy, 'jsmith');
  });
});
