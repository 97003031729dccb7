/**
 * The editor as a user drives it, in headless Chromium against a real Node-RED (the one under
 * test) with this package and the ConnectWise simulator, once per colour scheme that Node-RED
 * offers (4.1: light; 5.0: light and dark): a connection added and tested from the request
 * node's dialog, operations found with the picker, a flow deployed and run, its answer read in
 * the debug sidebar, a poll node reporting a ticket changed in the simulator, a callback node
 * checked and saved, and the typed secrets kept out of every exported flow. Every form's text
 * must be readable (WCAG contrast) in the scheme shown. How quickly the picker opens and filters
 * is measured by bench/editor.bench.ts.
 *
 * Needs the build (`npm run build`) and Chromium at /usr/bin/chromium. Screenshots go to
 * test-artifacts/e2e/<Node-RED, Node.js, theme>/ (one per failed test too); with
 * UPDATE_DOCS_SCREENSHOTS=1 the README's picker screenshots in docs/ are written again.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { Browser, Locator, Page } from 'playwright-core';

import { CONFIG_VERSIONS } from '../../src/shared/node-configs';
import { startSimulator, type Simulator } from '../../src/simulator';
import { nodeRed, type EditorTheme } from '../helpers/node-red-under-test';
import {
  Artifacts,
  launchChromium,
  openEditor,
  requireBuild,
  requireChromium,
  showsDarkTheme,
  startEditorServer,
  type EditorServer,
} from './harness';

const FLOW_ID = 'e2e.flow';
const IDS = {
  notesInject: 'e2e.inject.notes',
  notesRequest: 'e2e.request.notes',
  notesDebug: 'e2e.debug.notes',
  pollInject: 'e2e.inject.poll',
  poll: 'e2e.poll',
  pollDebug: 'e2e.debug.poll',
  callback: 'e2e.callback',
  callbackDebug: 'e2e.debug.callback',
};
const NOTES_DEBUG_NAME = 'ticket notes';
const POLL_DEBUG_NAME = 'changed tickets';
/** Distinctive secrets, so finding them anywhere they must not be is unambiguous. */
const MEMBER = {
  companyId: 'e2e-msp',
  publicKey: 'PubE2eKey7f3a91',
  privateKey: 'PrivE2eKey9c1d44',
};
const CONNECTION_NAME = 'ConnectWise simulator';
const CREDENTIAL_SECRET = 'editor-test-credential-secret';
/**
 * The contrast every text of our forms must reach against its background: WCAG 2 AA (4.5:1) on
 * Node-RED 5, whose palettes meet it in both themes; on 4.1, 3:1, the level of its own
 * secondary text (#888 on white is 3.5:1, on a selected row 3:1), which our forms share.
 */
const MIN_CONTRAST = nodeRed.line === '4.1' ? 3 : 4.5;

const PICKER_ROWS = '.cw-picker-tree .red-ui-treeList-label';
const PICKER_SEARCH = '.cw-picker-search input';
const TICKETS = 'service/tickets';
/** The form of the topmost edit dialog (a node's or a configuration node's). */
const OPEN_FORM =
  '#red-ui-editor-stack .red-ui-tray:last-child :is(#dialog-form, #node-config-dialog-edit-form)';
/** The debug tab's button: in 4.1's sidebar tab strip, or in 5.0's sidebar tab bar. */
const DEBUG_TAB_BUTTON =
  '#red-ui-tab-debug-link-button, .red-ui-sidebar-tab-bar button[data-tab-id="debug"]';

interface TextContrast {
  text: string;
  element: string;
  color: string;
  background: string;
  ratio: number;
}

interface EditorProbes {
  openDialogTimed(nodeId: string, readySelector: string): Promise<number>;
  textContrasts(rootSelector: string): TextContrast[];
  dialogSettled(): boolean;
  closeDialogs(): Promise<void>;
  filterTimings(
    queries: string[],
    msBetweenKeys: number,
  ): Promise<{
    handler: number[];
    shown: number[];
    /** The search text after each keystroke. */
    typed: string[];
    counts: Record<string, string>;
  }>;
}

interface PageElement {
  value?: string;
  textContent: string | null;
  classList: { contains(name: string): boolean };
}

/**
 * The parts of the page's globals the tests use. Callbacks run in the page reach them through
 * `globalThis` (the test typings know no DOM).
 */
interface EditorWindow {
  document: { querySelector(selector: string): PageElement | null };
  RED: {
    nodes: {
      node(id: string): Record<string, unknown> | null;
      dirty(): boolean;
      createCompleteNodeSet(): unknown[];
      remove(id: string): unknown;
    };
    view: {
      importNodes(nodes: unknown[], options: Record<string, unknown>): void;
      redraw(updateActive?: boolean): void;
    };
    editor: {
      edit(node: Record<string, unknown>): void;
      editConfig(name: string, type: string, id: string): void;
    };
    workspaces: { active(): string };
  };
  cwE2E: EditorProbes;
  ConnectWiseManage?: unknown;
}

/** One flow of the test: inject -> node under test -> debug, on one row of the workspace. */
function injectAndDebug(
  row: number,
  ids: { inject: string; subject: string; debug: string },
  subject: Record<string, unknown>,
  names: { inject: string; debug: string },
): Record<string, unknown>[] {
  const y = 80 + row * 100;
  return [
    {
      id: ids.inject,
      type: 'inject',
      z: FLOW_ID,
      x: 110,
      y,
      name: names.inject,
      props: [{ p: 'payload' }],
      repeat: '',
      crontab: '',
      once: false,
      onceDelay: 0.1,
      topic: '',
      payload: '',
      payloadType: 'date',
      wires: [[ids.subject]],
    },
    { id: ids.subject, z: FLOW_ID, x: 360, y, wires: [[ids.debug]], ...subject },
    {
      id: ids.debug,
      type: 'debug',
      z: FLOW_ID,
      x: 630,
      y,
      name: names.debug,
      active: true,
      tosidebar: true,
      console: false,
      tostatus: false,
      complete: 'payload',
      targetType: 'msg',
      wires: [],
    },
  ];
}

function mustHave<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing: an earlier step failed`);
  return value;
}

/** Text as the browser renders it, with the non-breaking spaces of code editors made plain. */
async function visibleText(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\u00a0/g, ' ');
}

/** Contrasts below the minimum, one line each, for a failure message. */
function unreadable(contrasts: TextContrast[]): string[] {
  return contrasts
    .filter((found) => found.ratio < MIN_CONTRAST)
    .map(
      (found) =>
        `"${found.text}" (${found.element}): ${found.color} on ${found.background}, ${found.ratio}:1`,
    );
}

function editorSuite(theme: EditorTheme): void {
  describe(`editor in Chromium, Node-RED ${nodeRed.version}, ${theme} theme`, function () {
    this.timeout(60_000);

    let sim: Simulator | undefined;
    let server: EditorServer | undefined;
    let browser: Browser | undefined;
    let page: Page;
    let artifacts: Artifacts;
    const pageErrors: string[] = [];
    let connectionId: string | undefined;
    let deployed: true | undefined;

    before(async function () {
      this.timeout(90_000);
      requireChromium();
      requireBuild();
      artifacts = new Artifacts(theme);
      sim = await startSimulator({ members: [MEMBER] });
      server = await startEditorServer({
        credentialSecret: CREDENTIAL_SECRET,
        flows: [{ id: FLOW_ID, type: 'tab', label: 'Editor test' }],
      });
      browser = await launchChromium();
      page = await openEditor(browser, server.url, theme);
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
      await loadEditor();
      assert.equal(
        await showsDarkTheme(page),
        theme === 'dark',
        `the editor shows the ${theme} theme`,
      );
    });

    /** Waits until the editor shows the flow with this package's nodes; installs the probes. */
    async function loadEditor(): Promise<void> {
      await page
        .waitForFunction(
          ([flowId]) => {
            // Until the editor has loaded, RED and the bundle are not there yet.
            const w = globalThis as unknown as Partial<EditorWindow>;
            return Boolean(w.ConnectWiseManage && w.RED?.workspaces?.active() === flowId);
          },
          [FLOW_ID],
          { timeout: 45_000 },
        )
        .catch((err: Error) => {
          throw new Error(`the editor did not load with this package's nodes: ${err.message}`);
        });
      await page.addScriptTag({ path: path.join(__dirname, 'editor-page.js') });
    }

    afterEach(async function () {
      if (!browser) return;
      if (this.currentTest?.state === 'failed') {
        const name = `failure-${(this.currentTest.title ?? 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
        const file = await artifacts.save(page, name).catch(() => undefined);
        const output = server?.output().split('\n').slice(-25).join('\n') ?? '';
        console.log(`    screenshot: ${file ?? '(none)'}\n    Node-RED said last:\n${output}`);
      }
      // Whatever a test left open (after a failure too), the next one starts on the workspace.
      await page
        .evaluate(() => (globalThis as unknown as EditorWindow).cwE2E.closeDialogs())
        .catch(async (err: Error) => {
          console.log(`    closing the dialogs failed (${err.message}): reloading the editor`);
          await page.reload();
          await loadEditor();
        });
    });

    after(async function () {
      this.timeout(30_000);
      await browser?.close();
      await server?.stop();
      await sim?.stop();
    });

    /**
     * Double-clicks a node of the workspace, as a user opens its dialog, and waits until the
     * dialog has slid in: Node-RED then moves the focus into it, which would take it from a box
     * the test had started typing in.
     */
    async function openNodeDialog(id: string): Promise<void> {
      const box = await page.locator(`[id="${id}"] .red-ui-flow-node`).boundingBox();
      if (!box) throw new Error(`node ${id} is not drawn in the workspace`);
      await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
      await page
        .waitForFunction(() => (globalThis as unknown as EditorWindow).cwE2E.dialogSettled())
        .catch(() => {
          throw new Error(`the dialog of node ${id} did not open`);
        });
    }

    /** Clicks an inject node's button; answers once the runtime has accepted the injection. */
    async function clickInjectButton(id: string): Promise<void> {
      const button = page.locator(`[id="${id}"] .red-ui-flow-node-button-button`);
      // Right after a deploy the editor sometimes lets a click on the button pass without
      // injecting: try again a few times.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const box = await button.boundingBox();
        if (!box) throw new Error(`the button of inject node ${id} is not drawn`);
        const injected = page
          .waitForResponse((response) => response.url().endsWith(`/inject/${id}`), {
            timeout: 3000,
          })
          .catch(() => undefined);
        await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        const response = await injected;
        if (response) {
          assert.equal(response.status(), 200, `the runtime refused the injection of ${id}`);
          return;
        }
      }
      throw new Error(`clicking the button of inject node ${id} injected nothing`);
    }

    async function importFlow(nodes: Record<string, unknown>[]): Promise<void> {
      await page.evaluate((flow) => {
        const { RED } = globalThis as unknown as EditorWindow;
        // As dropped from the palette (defaults applied), but placed where the flow says rather
        // than attached to the mouse.
        RED.view.importNodes(flow, {
          generateIds: false,
          notify: false,
          touchImport: true,
          applyNodeDefaults: true,
        });
      }, nodes);
      // A click on empty canvas clears the selection the import leaves.
      await page.mouse.click(600, 650);
    }

    /** Clicks into the picker's search box and types, as a user does. */
    async function typeSearch(query: string): Promise<void> {
      const search = page.locator(PICKER_SEARCH);
      await search.click();
      await search.fill('');
      await search.pressSequentially(query, { delay: 15 });
      assert.equal(await search.inputValue(), query, 'the search box holds what was typed');
    }

    /** The picker's row of an operation (its tooltip starts with the operationId and a newline). */
    function operationRow(operationId: string): Locator {
      return page.locator(`.cw-picker-tree .cw-op[title^="${operationId}\\A "]`);
    }

    /**
     * The picker builds only the rows in its scrolled window: scrolls it down a page at a time, as
     * a user does with the wheel, until the operation's row is built; fails at the list's end.
     */
    async function scrollToOperation(operationId: string): Promise<Locator> {
      const row = operationRow(operationId);
      const list = page.locator('.cw-picker-tree');
      await page.locator(PICKER_ROWS).first().waitFor();
      for (;;) {
        if ((await row.count()) > 0) {
          await row.scrollIntoViewIfNeeded();
          return row;
        }
        const moved = await list.evaluate((element) => {
          const before = element.scrollTop;
          element.scrollTop = before + element.clientHeight;
          element.dispatchEvent(new Event('scroll'));
          return element.scrollTop !== before;
        });
        if (!moved) throw new Error(`the picker shows no row for ${operationId}`);
      }
    }

    /**
     * Fails naming every text of the open dialog's form that is too faint to read, as it shows
     * with the mouse away from it (a hovered button takes Node-RED's hover colours).
     */
    async function assertReadable(form: string): Promise<void> {
      await page.mouse.move(1, 1);
      const contrasts = await page.evaluate(
        (root) => (globalThis as unknown as EditorWindow).cwE2E.textContrasts(root),
        OPEN_FORM,
      );
      assert.ok(contrasts.length > 0, `the ${form} shows text`);
      const faint = unreadable(contrasts);
      assert.deepEqual(
        faint,
        [],
        `in the ${theme} theme, the ${form} has text below ${MIN_CONTRAST}:1:\n${faint.join('\n')}`,
      );
    }

    async function deploy(): Promise<void> {
      await page.click('#red-ui-header-button-deploy');
      await page
        .waitForFunction(() => !(globalThis as unknown as EditorWindow).RED.nodes.dirty())
        .catch(() => {
          throw new Error('the deploy did not finish (a confirmation or an error is showing?)');
        });
      await page.locator('#red-ui-full-shade').waitFor({ state: 'hidden' });
      deployed = true;
    }

    /** Shows the debug messages; in 5.0 a click on the tab that shows already would hide it. */
    async function showDebugSidebar(): Promise<void> {
      const messages = page.locator('.red-ui-debug-content').first();
      if (!(await messages.isVisible())) await page.click(DEBUG_TAB_BUTTON);
      await messages.waitFor();
    }

    /** The newest debug message of a debug node, every object in it expanded; its text. */
    async function debugMessageText(debugName: string): Promise<string> {
      const message = page
        .locator('.red-ui-debug-msg')
        .filter({
          has: page.locator('.red-ui-debug-msg-name', { hasText: `node: ${debugName}` }),
        })
        .last();
      await message.waitFor({ timeout: 15_000 }).catch(() => {
        throw new Error(`no message from debug node "${debugName}" reached the debug sidebar`);
      });
      // The top level first, then the records of a list (their own objects stay closed).
      await message
        .locator(
          '.red-ui-debug-msg-top-level > .red-ui-debug-msg-row > .red-ui-debug-msg-object-handle',
        )
        .click();
      const records = message.locator(
        '.red-ui-debug-msg-top-level > .red-ui-debug-msg-array-rows > .red-ui-debug-msg-object-entry > .red-ui-debug-msg-element.collapsed > .red-ui-debug-msg-row > .red-ui-debug-msg-object-handle',
      );
      for (let left = await records.count(); left > 0; left--) {
        await records.first().click();
      }
      return visibleText(message);
    }

    it('adds a connection from the request dialog, and "Test connection" reaches the simulator', async function () {
      const simulator = mustHave(sim, 'the simulator');
      await importFlow(
        injectAndDebug(
          0,
          { inject: IDS.notesInject, subject: IDS.notesRequest, debug: IDS.notesDebug },
          { type: 'connectwise-request' },
          { inject: 'get notes', debug: NOTES_DEBUG_NAME },
        ),
      );
      await openNodeDialog(IDS.notesRequest);
      await page.locator(PICKER_ROWS).first().waitFor();

      await page.click('#node-input-btn-connection-add');
      await page.locator('#node-config-input-companyId').waitFor();
      await page.fill('#node-config-input-name', CONNECTION_NAME);
      await page.selectOption('#node-config-input-site', 'custom');
      await page.fill('#node-config-input-host', simulator.url);
      await page.check('#node-config-input-discoverCodebase');
      await page.fill('#node-config-input-companyId', MEMBER.companyId);
      await page.fill('#node-config-input-publicKey', MEMBER.publicKey);
      await page.fill('#node-config-input-privateKey', MEMBER.privateKey);
      await page.fill('#node-config-input-clientId', simulator.credentials.clientId);
      await page.click('#node-config-cw-test');
      const result = page.locator('#node-config-cw-test-result');
      await page
        .locator(
          '#node-config-cw-test-result.cw-test-ok, #node-config-cw-test-result.cw-test-failed',
        )
        .waitFor();
      const verdict = await visibleText(result);
      assert.ok(
        await result.evaluate((element) => element.classList.contains('cw-test-ok')),
        `Test connection failed: ${verdict}`,
      );
      assert.match(verdict, /v2025\.1\.10431/, 'the version the simulator reports is shown');
      assert.match(verdict, /Simulated MSP/, 'the company the site reports is shown');
      await artifacts.save(page, 'connection-dialog');
      await assertReadable('connection dialog');

      await page.click('#node-config-dialog-ok');
      const select = page.locator('#node-input-connection');
      await page.waitForFunction(() => {
        const { document } = globalThis as unknown as EditorWindow;
        const value = document.querySelector('#node-input-connection')?.value;
        return value !== undefined && value !== '' && value !== '_ADD_';
      });
      connectionId = await select.inputValue();
      assert.equal(await visibleText(select.locator('option:checked')), CONNECTION_NAME);
      await page.click('#node-dialog-ok');
      const saved = await page.evaluate(
        (id) => (globalThis as unknown as EditorWindow).RED.nodes.node(id)?.connection,
        IDS.notesRequest,
      );
      assert.equal(saved, connectionId, 'the request node keeps the new connection');
    });

    it('closes a request dialog the moment its body editor shows, without a script error', async function () {
      const connection = mustHave(connectionId, 'the connection');
      const id = 'e2e.quickClose.request';
      await importFlow([
        {
          id,
          type: 'connectwise-request',
          z: FLOW_ID,
          x: 560,
          y: 560,
          connection,
          operationId: 'postServiceTickets',
          bodySource: 'fixed',
        },
      ]);
      const before = pageErrors.length;
      // Each opening fills the editor with the sample, and Monaco asks its JSON worker for the
      // folding ranges; closing the dialog leaves the answers in flight. The first opening in the
      // page waits for the worker to load (this test opens the first body editor); a slow load,
      // as on a busy machine, holds the answers past the closing.
      const workerLoaded = new Promise<void>((resolve) => {
        void page.route('**/vendor/monaco/dist/json.worker.js', async (route) => {
          await new Promise((wait) => setTimeout(wait, 3000));
          await route.continue();
          resolve();
        });
      });
      for (let round = 0; round < 3; round++) {
        await page.evaluate((nodeId) => {
          const { RED } = globalThis as unknown as EditorWindow;
          const node = RED.nodes.node(nodeId);
          if (!node) throw new Error(`no node ${nodeId} in the workspace`);
          RED.editor.edit(node);
        }, id);
        await page.waitForFunction(() => {
          const { document } = globalThis as unknown as EditorWindow;
          const lines = document.querySelector('#node-input-cw-body-editor .view-lines');
          return /summary/.test(lines?.textContent ?? '');
        });
        await page.click('#node-dialog-cancel');
        await page.locator('#node-input-cw-body-editor').waitFor({ state: 'detached' });
      }
      await workerLoaded;
      await page.unroute('**/vendor/monaco/dist/json.worker.js');
      // Long enough for every folding answer to come back.
      await page.waitForTimeout(1500);
      assert.deepEqual(pageErrors.slice(before), []);
      await page.evaluate((nodeId) => {
        const { RED } = globalThis as unknown as EditorWindow;
        RED.nodes.remove(nodeId);
        RED.view.redraw(true);
      }, id);
    });

    it('finds postServiceTickets by typing "post ticket" and shows its sample body', async function () {
      mustHave(connectionId, 'the connection');
      const editor = mustHave(server, 'Node-RED');
      await openNodeDialog(IDS.notesRequest);
      await typeSearch('post ticket');
      await (await scrollToOperation('postServiceTickets')).click();
      await page
        .locator('.cw-body-section')
        .waitFor({ state: 'visible' })
        .catch(() => {
          throw new Error('picking a POST operation did not show the body section');
        });
      assert.match(
        await visibleText(page.locator('.cw-picker-selected')),
        /POST\s*\/service\/tickets/,
      );

      await page.selectOption('#node-input-bodySource', 'fixed');
      const editorLines = page.locator('#node-input-cw-body-editor .view-lines');
      await page.waitForFunction(
        () => {
          const { document } = globalThis as unknown as EditorWindow;
          const lines = document.querySelector('#node-input-cw-body-editor .view-lines');
          return /summary/.test(lines?.textContent ?? '');
        },
        undefined,
        { timeout: 10_000 },
      );
      const shown = JSON.parse(await visibleText(editorLines)) as unknown;
      const answer = (await (
        await fetch(`${editor.url}connectwise-manage/catalog/operations/postServiceTickets`)
      ).json()) as { sampleBody: unknown };
      assert.deepEqual(shown, answer.sampleBody, 'the body editor holds the operation sample');
      await page
        .locator('#node-input-cw-body-editor .margin .codicon-folding-expanded')
        .first()
        .waitFor({ state: 'attached', timeout: 5000 })
        .catch(() => {
          throw new Error('the body editor offers no folds of the sample');
        });
      await artifacts.save(page, 'request-dialog-body');
      await assertReadable('request dialog with a body');
      // Left unsaved: the next test picks the operation the flow runs.
      await page.click('#node-dialog-cancel');
    });

    it('runs a ticket-notes request from an inject node and shows the notes in the debug sidebar', async function () {
      const simulator = mustHave(sim, 'the simulator');
      mustHave(connectionId, 'the connection');
      const ticket = mustHave(
        simulator.store
          .list(TICKETS)
          .find((ticket) => simulator.store.count(`${TICKETS}/${ticket.id}/notes`) >= 2),
        'a seeded ticket with two notes or more',
      );

      await openNodeDialog(IDS.notesRequest);
      await typeSearch('ticket notes');
      const row = await scrollToOperation('getServiceTicketsByParentIdNotes');
      await row.hover();
      artifacts.updateDocs(await artifacts.save(page, 'editor-picker'));
      await assertReadable('request dialog with the picker open');
      await row.click();

      const parentRow = page.locator('.cw-param-row').filter({
        has: page.locator('.cw-param-name', { hasText: 'parentId' }),
      });
      await parentRow.waitFor().catch(() => {
        throw new Error('picking getServiceTicketsByParentIdNotes showed no parentId row');
      });
      assert.equal(
        await parentRow.locator('.cw-param-required').count(),
        1,
        'parentId is required',
      );
      await parentRow.locator('input.red-ui-typedInput-input').fill(String(ticket.id));
      await page.selectOption('.cw-param-add select', 'conditions');
      await page.click('.cw-param-add button');
      const conditionsRow = page.locator('.cw-param-row').filter({
        has: page.locator('.cw-param-name', { hasText: 'conditions' }),
      });
      await conditionsRow.locator('input.red-ui-typedInput-input').fill('id > 0');
      await artifacts.save(page, 'request-dialog-notes');
      await assertReadable('request dialog with parameter rows');
      await page.click('#node-dialog-ok');

      const saved = await page.evaluate((id) => {
        const node = (globalThis as unknown as EditorWindow).RED.nodes.node(id);
        return node && { operationId: node.operationId, params: node.params, valid: node.valid };
      }, IDS.notesRequest);
      assert.deepEqual(saved, {
        operationId: 'getServiceTicketsByParentIdNotes',
        params: [
          { name: 'parentId', type: 'num', value: String(ticket.id) },
          { name: 'conditions', type: 'str', value: 'id > 0' },
        ],
        valid: true,
      });

      await deploy();
      await clickInjectButton(IDS.notesInject);
      await showDebugSidebar();
      const text = await debugMessageText(NOTES_DEBUG_NAME);
      const notes = simulator.store.list(`${TICKETS}/${ticket.id}/notes`);
      assert.match(
        text,
        new RegExp(`array\\[${notes.length}\\]`),
        `the ${notes.length} notes arrive`,
      );
      for (const note of notes) {
        assert.ok(text.includes(String(note.text)), `note ${note.id} is shown:\n${text}`);
      }
    });

    it('opens the picker on the chosen operation, keeps only a screenful of rows and picks with the keyboard', async function () {
      mustHave(deployed, 'the deployed ticket-notes flow');
      // Opened as a double click does (the node on the canvas has just been clicked and redrawn).
      await page.evaluate(
        (a) => (globalThis as unknown as EditorWindow).cwE2E.openDialogTimed(a.id, a.ready),
        { id: IDS.notesRequest, ready: PICKER_ROWS },
      );
      await page.waitForFunction(() =>
        (globalThis as unknown as EditorWindow).cwE2E.dialogSettled(),
      );
      const list = page.locator('.cw-picker-tree');
      const chosen = list.locator('.red-ui-treeList-label.selected .cw-op');
      await chosen.waitFor();
      assert.match(
        (await chosen.getAttribute('title')) ?? '',
        /^getServiceTicketsByParentIdNotes\n/,
        'the saved operation is the highlighted row',
      );
      const listBox = mustHave((await list.boundingBox()) ?? undefined, 'the list box');
      const rowBox = mustHave((await chosen.boundingBox()) ?? undefined, 'the chosen row box');
      assert.ok(
        rowBox.y >= listBox.y && rowBox.y + rowBox.height <= listBox.y + listBox.height,
        'the chosen operation is scrolled into view on open',
      );
      const rows = list.locator('.cw-picker-row');
      assert.ok(
        (await rows.count()) < 40,
        `only the rows on screen are built: ${await rows.count()}`,
      );

      await typeSearch('ticket notes');
      await page.locator(PICKER_SEARCH).press('ArrowDown');
      const focused = list.locator('.cw-picker-row.focus');
      assert.equal(await focused.count(), 1, 'ArrowDown from the search moves into the list');
      const firstTitle = await focused.locator('.cw-op').getAttribute('title');
      assert.ok(firstTitle, 'the keyboard starts on the first operation, not on a group');
      await page.keyboard.press('ArrowDown');
      const secondTitle = mustHave(
        (await focused.locator('.cw-op').getAttribute('title')) ?? undefined,
        'a second matching operation',
      );
      assert.notEqual(secondTitle, firstTitle, 'ArrowDown moves to the next row');
      await page.keyboard.press('Enter');
      const picked = page.locator('.cw-picker-selected .cw-op');
      await page.waitForFunction(
        (title) =>
          (
            globalThis as unknown as {
              document: { querySelector(s: string): { title: string } | null };
            }
          ).document.querySelector('.cw-picker-selected .cw-op')?.title === title,
        secondTitle,
      );
      assert.equal(await picked.getAttribute('title'), secondTitle, 'Enter picks the row');

      // End goes to the last match, far below the first window: it is built and shown.
      await page.keyboard.press('End');
      const lastBox = mustHave((await focused.boundingBox()) ?? undefined, 'the last row box');
      assert.ok(
        lastBox.y + lastBox.height <= listBox.y + listBox.height + 1,
        'the last row is scrolled into view',
      );
      assert.ok((await rows.count()) < 40, 'scrolling keeps only a screenful of rows');
      await assertReadable('picker with the keyboard on a row');
      // Left unsaved: the flow keeps the operation it runs.
      await page.click('#node-dialog-cancel');
    });

    it('polls getServiceTickets and shows a ticket changed in the simulator in the debug sidebar', async function () {
      const simulator = mustHave(sim, 'the simulator');
      const connection = mustHave(connectionId, 'the connection');
      await importFlow(
        injectAndDebug(
          1,
          { inject: IDS.pollInject, subject: IDS.poll, debug: IDS.pollDebug },
          { type: 'connectwise-poll' },
          { inject: 'poll now', debug: POLL_DEBUG_NAME },
        ),
      );
      await openNodeDialog(IDS.poll);
      await page.locator(PICKER_ROWS).first().waitFor();
      await page.selectOption('#node-input-connection', connection);
      await typeSearch('getServiceTickets');
      await (await scrollToOperation('getServiceTickets')).click();
      await page.waitForFunction(() => {
        const { document } = globalThis as unknown as EditorWindow;
        return document.querySelector('#node-input-operationId')?.value === 'getServiceTickets';
      });
      // Watched fields are picked from the list's record fields.
      await page.locator('.cw-field-pick-row').waitFor({ state: 'visible' });
      await page.selectOption('#node-input-cw-field-pick', 'status/name');
      await page.selectOption('#node-input-cw-field-pick', 'owner/identifier');
      assert.equal(
        await page.locator('#node-input-watchedFields').inputValue(),
        'status/name, owner/identifier',
      );
      await artifacts.save(page, 'poll-dialog');
      await assertReadable('poll dialog');
      await page.click('#node-dialog-ok');
      assert.equal(
        await page.evaluate(
          (id) => (globalThis as unknown as EditorWindow).RED.nodes.node(id)?.watchedFields,
          IDS.poll,
        ),
        'status/name, owner/identifier',
      );
      await deploy();

      // The first poll only notes where to start from.
      const status = page.locator(`[id="${IDS.poll}"] .red-ui-flow-node-status-label`);
      await page
        .waitForFunction((id) => {
          const { document } = globalThis as unknown as EditorWindow;
          const label = document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`);
          return /watching from now/.test(label?.textContent ?? '');
        }, IDS.poll)
        .catch(async () => {
          throw new Error(
            `the poll node did not start watching: status "${await status.textContent()}"`,
          );
        });

      const ticket = simulator.store.list(TICKETS)[3];
      const summary = `Editor test: printer jams on floor ${ticket.id}`;
      simulator.store.update(TICKETS, ticket.id, { summary }, 'e2e');
      await clickInjectButton(IDS.pollInject);
      await showDebugSidebar();
      const text = await debugMessageText(POLL_DEBUG_NAME);
      assert.ok(text.includes(summary), `the changed ticket is shown:\n${text}`);
      assert.match(text, new RegExp(`id: ${ticket.id}\\b`));
    });

    it('checks the callback form, then registers the callback, shows its status and a delivery in the debug sidebar', async function () {
      const connection = mustHave(connectionId, 'the connection');
      const simulator = mustHave(sim, 'the simulator');
      // Node-RED itself, as ConnectWise would reach it (its node routes are at /, the default).
      const origin = new URL(mustHave(server, 'Node-RED').url).origin;
      await importFlow([
        {
          id: IDS.callback,
          type: 'connectwise-callback',
          z: FLOW_ID,
          x: 360,
          y: 380,
          wires: [[IDS.callbackDebug]],
        },
        {
          id: IDS.callbackDebug,
          type: 'debug',
          z: FLOW_ID,
          x: 630,
          y: 380,
          name: 'callbacks',
          active: true,
          tosidebar: true,
          complete: 'payload',
          targetType: 'msg',
          wires: [],
        },
      ]);
      await openNodeDialog(IDS.callback);
      await page.selectOption('#node-input-connection', connection);
      const publicUrl = page.locator('#node-input-publicUrl');
      await publicUrl.fill('');
      await publicUrl.dispatchEvent('change');
      await page.waitForFunction(() =>
        (globalThis as unknown as EditorWindow).document
          .querySelector('#node-input-publicUrl')
          ?.classList.contains('input-error'),
      );

      await page.selectOption('#node-input-callbackType', 'Ticket');
      await page.selectOption('#node-input-level', 'Board');
      await page.locator('.cw-object-id-row').waitFor({ state: 'visible' });
      await page.fill('#node-input-objectId', '1');
      await publicUrl.fill(origin);
      await page.fill('#node-input-path', '/connectwise/help-desk');
      assert.equal(
        await visibleText(page.locator('#node-input-cw-endpoint')),
        `${origin}/connectwise/help-desk`,
        'the form shows the URL ConnectWise will call',
      );
      assert.equal(
        await publicUrl.evaluate((input) => input.classList.contains('input-error')),
        false,
        'a valid public URL is no longer marked',
      );
      await page.fill('#node-input-watchedFields', 'status/name, owner/identifier');
      await page.click('#node-input-cw-change-filters .red-ui-editableList-addButton');
      assert.equal(
        await page.locator('.cw-filter-field').inputValue(),
        'status/name',
        'the filter offers the watched fields',
      );
      await page.fill('.cw-filter-value', 'Waiting on Customer');
      await page.fill('#node-input-safetyNet', '15');
      await artifacts.save(page, 'callback-dialog');
      await assertReadable('callback dialog');
      await page.click('#node-dialog-ok');

      const saved = await page.evaluate((id) => {
        const node = (globalThis as unknown as EditorWindow).RED.nodes.node(id);
        return (
          node && {
            connection: node.connection,
            callbackType: node.callbackType,
            level: node.level,
            objectId: node.objectId,
            publicUrl: node.publicUrl,
            path: node.path,
            watchedFields: node.watchedFields,
            changeFilters: node.changeFilters,
            safetyNet: node.safetyNet,
            valid: node.valid,
          }
        );
      }, IDS.callback);
      assert.deepEqual(saved, {
        connection,
        callbackType: 'Ticket',
        level: 'Board',
        objectId: '1',
        publicUrl: origin,
        path: '/connectwise/help-desk',
        watchedFields: 'status/name, owner/identifier',
        changeFilters: [{ kind: 'becomes', field: 'status/name', value: 'Waiting on Customer' }],
        safetyNet: '15',
        valid: true,
      });

      await deploy();
      const status = page.locator(`[id="${IDS.callback}"] .red-ui-flow-node-status-label`);
      await page
        .waitForFunction((id) => {
          const { document } = globalThis as unknown as EditorWindow;
          const label = document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`);
          return /^registered #\d+/.test(label?.textContent ?? '');
        }, IDS.callback)
        .catch(async () => {
          throw new Error(
            `the callback was not registered: status "${await status.textContent()}"`,
          );
        });
      const registered = simulator.store
        .list('system/callbacks')
        .filter((record) => record.url === `${origin}/connectwise/help-desk`);
      assert.equal(registered.length, 1, 'one callback record in ConnectWise');
      assert.equal(registered[0].type, 'Ticket');
      assert.equal(registered[0].level, 'Board');
      assert.equal(registered[0].objectId, 1);
      assert.match((await status.textContent()) ?? '', new RegExp(`#${registered[0].id}`));

      // A ticket of board 1 enters Waiting on Customer (what the filter above asks for):
      // ConnectWise posts it, signed, and the node sends it on.
      const ticket = simulator.store
        .list(TICKETS)
        .find(
          (record) =>
            (record.board as { id?: number } | undefined)?.id === 1 &&
            (record.status as { name?: string } | undefined)?.name !== 'Waiting on Customer',
        );
      const { id: ticketId } = mustHave(ticket, 'a ticket on board 1');
      const summary = `Editor test: callback for ticket ${ticketId}`;
      simulator.store.update(
        TICKETS,
        ticketId as number,
        { summary, status: { id: 999, name: 'Waiting on Customer' } },
        'e2e',
      );
      for (
        let waited = 0;
        !simulator.callbacks.deliveries.some((entry) => entry.id === ticketId);
        waited += 20
      ) {
        if (waited > 10_000) throw new Error('ConnectWise sent no delivery for the changed ticket');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await simulator.callbacks.idle();
      const delivery = simulator.callbacks.deliveries
        .filter((entry) => entry.id === ticketId)
        .at(-1);
      assert.deepEqual(
        delivery?.attempts.map((attempt) => attempt.status),
        [200],
        `the signed delivery was accepted at the first attempt: ${JSON.stringify(delivery?.attempts)}`,
      );
      await showDebugSidebar();
      const text = await debugMessageText('callbacks');
      assert.ok(text.includes(summary), `the delivered ticket is shown:\n${text}`);
      assert.match(text, new RegExp(`id: ${ticketId}\\b`));
      await page.waitForFunction((id) => {
        const { document } = globalThis as unknown as EditorWindow;
        const label = document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`);
        return / · last \d/.test(label?.textContent ?? '');
      }, IDS.callback);
    });

    it('keeps the typed credentials out of the exported flow, GET /flows and the flows file', async function () {
      const editor = mustHave(server, 'Node-RED');
      const simulator = mustHave(sim, 'the simulator');
      mustHave(connectionId, 'the connection');
      mustHave(deployed, 'a deployed flow');
      const secrets = [MEMBER.publicKey, MEMBER.privateKey, simulator.credentials.clientId];

      await page.click('#red-ui-header-button-sidemenu');
      await page.click('#menu-item-export');
      await page.click('#red-ui-clipboard-dialog-export-rng-full');
      const exported = await page.locator('#red-ui-clipboard-dialog-export-text').inputValue();
      await page.click('#red-ui-clipboard-dialog-cancel');
      const nodeSet = await page.evaluate(() =>
        JSON.stringify((globalThis as unknown as EditorWindow).RED.nodes.createCompleteNodeSet()),
      );
      const flowsAnswer = await (await fetch(`${editor.url}flows`)).text();
      const places: [string, string][] = [
        ['the Export dialog', exported],
        ['RED.nodes.createCompleteNodeSet()', nodeSet],
        ['GET /flows', flowsAnswer],
        ['flows.json', editor.flowsFileText()],
        ['flows_cred.json', readFileSync(path.join(editor.userDir, 'flows_cred.json'), 'utf8')],
      ];
      for (const [where, text] of places) {
        if (where !== 'flows_cred.json') {
          assert.ok(text.includes('connectwise-connection'), `${where} holds the connection node`);
        }
        for (const secret of secrets) {
          assert.ok(!text.includes(secret), `${where} shows a typed secret`);
        }
      }
    });

    it('brings nodes saved by 0.1.0 up to date when their dialogs open', async function () {
      const ids = { connection: 'e2e.saved010.connection', request: 'e2e.saved010.request' };
      // As a flow saved by 0.1.0 loads: no version, settings it did not write left out, and no
      // defaults applied by the editor (only new nodes get those).
      await page.evaluate(
        (flow) => {
          (globalThis as unknown as EditorWindow).RED.view.importNodes(flow, {
            generateIds: false,
            notify: false,
            touchImport: true,
            applyNodeDefaults: false,
          });
        },
        [
          {
            id: ids.connection,
            type: 'connectwise-connection',
            name: 'Saved by 0.1.0',
            site: 'eu',
            companyId: 'old-msp',
            timeout: 45,
          },
          {
            id: ids.request,
            type: 'connectwise-request',
            z: FLOW_ID,
            x: 360,
            y: 480,
            connection: ids.connection,
            operationId: 'getServiceTickets',
            wires: [[]],
          },
        ],
      );
      await page.mouse.click(600, 650);

      await openNodeDialog(ids.request);
      assert.equal(
        await page.locator('#node-input-validateBody').isChecked(),
        true,
        '0.1.0 checked bodies when the setting was missing: the box says so',
      );
      await page.click('#node-dialog-ok');
      const request = await page.evaluate(
        (id) => (globalThis as unknown as EditorWindow).RED.nodes.node(id),
        ids.request,
      );
      assert.equal(request?.version, CONFIG_VERSIONS.request);
      assert.equal(request?.validateBody, true);
      assert.equal(request?.responseType, 'auto');

      await page.evaluate(
        (id) =>
          (globalThis as unknown as EditorWindow).RED.editor.editConfig(
            '',
            'connectwise-connection',
            id,
          ),
        ids.connection,
      );
      await page.locator('#node-config-input-maxQueue').waitFor({ state: 'visible' });
      assert.equal(await page.inputValue('#node-config-input-retries'), '3');
      assert.equal(
        await page.inputValue('#node-config-input-timeout'),
        '45',
        'a saved value stays',
      );
      assert.equal(await page.inputValue('#node-config-input-maxQueue'), '1000');
      await page.click('#node-config-dialog-ok');
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached' });
      const connection = await page.evaluate(
        (id) => (globalThis as unknown as EditorWindow).RED.nodes.node(id),
        ids.connection,
      );
      assert.equal(connection?.version, CONFIG_VERSIONS.connection);
      assert.equal(connection?.maxQueue, 1000);
      assert.equal(connection?.maxWait, '');
      assert.equal(connection?.timeout, 45);
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as EditorWindow).RED.nodes.dirty()),
        true,
        'the next deploy saves the migrated nodes',
      );
    });

    it('raised no script errors in the editor', function () {
      assert.deepEqual(pageErrors, []);
    });
  });
}

for (const theme of nodeRed.themes) editorSuite(theme);
