/**
 * Acting as a member through the client against the simulator: one token per member however many
 * requests want it at once, a token ConnectWise stopped taking replaced once, and refusals
 * before anything is sent.
 */
import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import { cwFailure, testClients } from '../helpers/test-clients';

describe('member tokens: acting as a member through the client', function () {
  this.timeout(20_000);
  let sim: Simulator;
  const texts: string[] = [];
  const { client, closeAll } = testClients(
    () => ({ baseUrl: sim.baseUrl(), ...sim.credentials, timeoutMs: 5000 }),
    texts,
  );

  beforeEach(async () => {
    sim = await startSimulator();
    texts.length = 0;
  });

  afterEach(async () => {
    closeAll();
    await sim.stop();
  });

  const note = (text: string) => ({
    method: 'post' as const,
    path: '/service/tickets/2/notes',
    body: { text },
    actAs: 'jsmith',
  });
  const tokenRequests = (): number =>
    sim.log.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/tokens')).length;

  it('asks for one token when many requests act as the same member at once', async () => {
    const members = client({ allowImpersonation: true });
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => members.request<{ id: number }>(note(`note ${n}`))),
    );
    assert.equal(tokenRequests(), 1);
    for (const answer of answers) {
      const stored = sim.store.get('service/tickets/2/notes', answer.data.id);
      assert.equal(stored?._info.enteredBy, 'jsmith');
    }
    await members.request({ ...note('as mlee'), actAs: 'mlee' });
    assert.equal(tokenRequests(), 2, 'one token per member');
  });

  it('replaces a cached token ConnectWise no longer takes, once', async () => {
    const members = client({ allowImpersonation: true });
    await members.request(note('first'));
    // The simulator's clock runs past the token's expiration; the client's cache does not know.
    sim.clock.advance(2 * 3600);
    const answer = await members.request<{ id: number }>(note('second'));
    assert.equal(tokenRequests(), 2);
    const stored = sim.store.get('service/tickets/2/notes', answer.data.id);
    assert.equal(stored?._info.enteredBy, 'jsmith');
  });

  it('masks the token keys in the errors of requests sent with them', async () => {
    const members = client({ allowImpersonation: true });
    await members.request(note('first'));
    sim.faults.add({ kind: 500, match: { method: 'POST', path: '/service/tickets/2/notes' } });
    const err = await cwFailure(members.request(note('fails')));
    assert.equal(err.statusCode, 500);
    const [token] = sim.memberTokens.issued();
    const text = [err.message, JSON.stringify(err), ...texts].join('\n');
    assert.ok(!text.includes(token.privateKey), 'no private key of the token');
    assert.ok(!text.includes(token.publicKey), 'no public key of the token');
    // Any text the client produces masks the keys, however they got into it.
    assert.equal(
      members.redact(`keys ${token.publicKey}:${token.privateKey}`),
      'keys [redacted]:[redacted]',
    );
  });

  it('refuses before sending anything when the connection does not allow it', async () => {
    sim.clearLog();
    const err = await cwFailure(client().request(note('refused')));
    assert.equal(err.code, 'CONFIG');
    assert.equal(err.field, 'actAs');
    assert.equal(sim.log.length, 0);
  });

  it('names a member ConnectWise does not have', async () => {
    const err = await cwFailure(
      client({ allowImpersonation: true }).request({ ...note('x'), actAs: 'ghost' }),
    );
    assert.equal(err.code, 'INPUT');
    assert.match(err.message, /^actAs: ConnectWise has no member "ghost" to act as \(404/);
  });
});
