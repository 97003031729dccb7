/**
 * The request dialog's custom fields and member settings in the real editor (headless Chromium):
 * typed inputs that save what the user typed, an empty custom fields setting that is no error,
 * malformed JSON marked invalid, and the connection's switch for acting as a member.
 * Needs `npm run build` first.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';

import type { Browser, Page } from 'playwright-core';

import { REQUEST_DEFAULTS, CONNECTION_DEFAULTS } from '../../src/shared/node-configs';
import { nodeRed } from '../helpers/node-red-under-test';
import {
  launchChromium,
  openEditor,
  requireBuild,
  requireChromium,
  startEditorServer,
  type EditorServer,
} from './harness';

const FLOW_ID = 'cf.flow';
const REQUEST_ID = 'cf.request';
const CONNECTION_ID = 'cf.connection';

interface EditorWindow {
  RED: {
    nodes: { node(id: string): Record<string, unknown> | null };
    workspaces: { active(): string };
  };
  ConnectWiseManage?: unknown;
}

describe(`editor in Chromium, Node-RED ${nodeRed.version}: custom fields and acting as a member`, function () {
  this.timeout(60_000);
  let server: EditorServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  before(async function () {
    this.timeout(90_000);
    requireChromium();
    requireBuild();
    server = await startEditorServer({
      credentialSecret: 'custom-fields-form-secret',
      flows: [
        { id: FLOW_ID, type: 'tab', label: 'Custom fields' },
        {
          ...CONNECTION_DEFAULTS,
          id: CONNECTION_ID,
          type: 'connectwise-connection',
          name: 'cw',
          companyId: 'msp',
        },
        {
          ...REQUEST_DEFAULTS,
          id: REQUEST_ID,
          type: 'connectwise-request',
          z: FLOW_ID,
          x: 200,
          y: 100,
          wires: [],
          connection: CONNECTION_ID,
          operationId: 'patchCompanyCompaniesById',
          params: [{ name: 'id', type: 'num', value: '4' }],
        },
      ],
    });
    browser = await launchChromium();
    page = await openEditor(browser, server.url, 'light');
    page.setDefaultTimeout(15_000);
    await page.waitForFunction(
      ([flowId]) => {
        const w = globalThis as unknown as Partial<EditorWindow>;
        return Boolean(w.ConnectWiseManage && w.RED?.workspaces?.active() === flowId);
      },
      [FLOW_ID],
      { timeout: 45_000 },
    );
    await page.addScriptTag({ path: path.join(__dirname, 'editor-page.js') });
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await server?.stop();
  });

  async function openRequestDialog(): Promise<void> {
    // A dialog closed just before is gone before the next opens.
    await page.locator('#node-input-actAs').waitFor({ state: 'detached' });
    const box = await page.locator(`[id="${REQUEST_ID}"] .red-ui-flow-node`).boundingBox();
    assert.ok(box, 'the request node is drawn');
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await typedInput('actAs').waitFor({ state: 'visible' });
    // The tray slides in and then takes the focus: typing before that would lose it.
    await page.waitForFunction(() =>
      (globalThis as unknown as { cwE2E: { dialogSettled(): boolean } }).cwE2E.dialogSettled(),
    );
  }

  /** The visible box of the typed input of a setting. */
  function typedInput(name: string) {
    return page
      .locator('.form-row')
      .filter({ has: page.locator(`label[for="node-input-${name}"]`) })
      .locator('input.red-ui-typedInput-input')
      .first();
  }

  const saved = () =>
    page.evaluate((id) => {
      const node = (globalThis as unknown as EditorWindow).RED.nodes.node(id);
      return (
        node && {
          customFields: node.customFields,
          customFieldsType: node.customFieldsType,
          customFieldValues: node.customFieldValues,
          actAs: node.actAs,
          actAsType: node.actAsType,
          valid: node.valid,
        }
      );
    }, REQUEST_ID);

  it('leaves an empty custom fields setting valid', async () => {
    await openRequestDialog();
    await page.click('#node-dialog-ok');
    assert.deepEqual(await saved(), {
      customFields: '',
      customFieldsType: 'json',
      customFieldValues: false,
      actAs: '',
      actAsType: 'str',
      valid: true,
    });
  });

  it('saves custom fields, the values option and the member to act as', async () => {
    await openRequestDialog();
    const customFields = typedInput('customFields');
    await customFields.fill('{"Contract level": "Gold"}');
    const actAs = typedInput('actAs');
    await actAs.fill('jsmith');
    await page.check('#node-input-customFieldValues');
    await page.click('#node-dialog-ok');
    assert.deepEqual(await saved(), {
      customFields: '{"Contract level": "Gold"}',
      customFieldsType: 'json',
      customFieldValues: true,
      actAs: 'jsmith',
      actAsType: 'str',
      valid: true,
    });
  });

  it('marks custom fields that are not a JSON object as invalid', async () => {
    await openRequestDialog();
    const customFields = typedInput('customFields');
    await customFields.fill('["Gold"]');
    await page.click('#node-dialog-ok');
    assert.equal((await saved())?.valid, false);
  });

  it('offers the connection switch for acting as a member, off by default', async () => {
    await openRequestDialog();
    await page.click('#node-input-btn-connection-edit');
    await page.locator('#node-config-input-allowImpersonation').waitFor({ state: 'attached' });
    assert.equal(await page.isChecked('#node-config-input-allowImpersonation'), false);
    await page.click('#node-config-dialog-cancel');
    await page.click('#node-dialog-cancel');
  });
});
