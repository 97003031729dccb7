/** The callback node's settings: the URL registered in ConnectWise and field-named refusals. */
import { strict as assert } from 'node:assert';

import {
  callbackUrl,
  resolveCallbackSettings,
  type CallbackConfig,
} from '../../src/nodes/connectwise-callback/callback-settings';

const BASE: CallbackConfig = {
  connection: 'c',
  callbackType: 'ticket',
  level: 'board',
  objectId: '12',
  publicUrl: 'https://nodered.example.com/',
};

describe('connectwise-callback settings', () => {
  it('derives the URL from the public URL, httpNodeRoot and the node id', () => {
    const settings = resolveCallbackSettings(BASE, 'a1b2.c3', '/api/');
    assert.equal(settings.routePath, '/connectwise/callback/a1b2c3');
    assert.equal(settings.spec.url, 'https://nodered.example.com/api/connectwise/callback/a1b2c3');
    assert.deepEqual(
      { type: settings.spec.type, level: settings.spec.level, objectId: settings.spec.objectId },
      { type: 'Ticket', level: 'Board', objectId: 12 },
    );
    assert.equal(settings.typeInfo.collection, '/service/tickets');
    assert.equal(callbackUrl('https://h.example.com', '/', '/x'), 'https://h.example.com/x');
  });

  it('uses objectId 1 for Owner, a given path, and the defaults', () => {
    const settings = resolveCallbackSettings(
      { ...BASE, level: 'Owner', objectId: '', path: 'hooks/cw' },
      'n',
    );
    assert.equal(settings.spec.objectId, 1);
    assert.equal(settings.spec.url, 'https://nodered.example.com/hooks/cw');
    assert.equal(settings.output, 'entity');
    assert.equal(settings.dedupeWindowMs, 600_000);
    assert.equal(settings.spec.description, 'Node-RED Ticket callback');
  });

  it('names the field of an unusable setting', () => {
    const refused = (config: Partial<CallbackConfig>, field: RegExp): void =>
      assert.throws(() => resolveCallbackSettings({ ...BASE, ...config }, 'n'), field);
    refused({ callbackType: 'Spaceship' }, /^callbackType: "Spaceship" is not a callback type/);
    refused({ objectId: '' }, /objectId: the Board level needs/);
    refused({ objectId: '1.5' }, /objectId/);
    refused({ publicUrl: '' }, /publicUrl: is required/);
    refused({ publicUrl: 'ftp://x' }, /publicUrl: must start with https/);
    refused({ publicUrl: 'https://u:p@x.example.com' }, /publicUrl: must not carry/);
    refused({ path: '/a/:id' }, /path: /);
    refused({ description: 'x'.repeat(101) }, /description: is 101 characters/);
    refused({ dedupeWindow: 'soon' }, /dedupeWindow: /);
    refused({ output: 'everything' as never }, /output: /);
  });
});
