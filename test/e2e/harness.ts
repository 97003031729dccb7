/**
 * What the editor tests drive: a Node-RED child process (the Node-RED under test) with this
 * package linked into its user directory (as `npm install` in ~/.node-red would), and the
 * system's Chromium through playwright-core, showing the editor in a colour scheme the Node-RED
 * offers. The package runs from dist/ and resources/: run `npm run build` first.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { DEFAULT_LEG } from '../../scripts/supported-versions';
import { nodeRed, type EditorTheme } from '../helpers/node-red-under-test';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = '@msp-nodes/node-red-connectwise-manage';
const ARTIFACTS_ROOT = path.join(PACKAGE_ROOT, 'test-artifacts', 'e2e');
/** The README's screenshots of the picker, taken on the default leg's Node-RED. */
const DOCS_SCREENSHOTS: Record<EditorTheme, string> = {
  light: path.join(PACKAGE_ROOT, 'docs', 'editor-picker.png'),
  dark: path.join(PACKAGE_ROOT, 'docs', 'editor-picker-dark.png'),
};
/**
 * Where Node-RED 5 keeps the user's choice of View > Appearance > Theme (`light`, `dark` or
 * `auto`): the browser's local storage. Node-RED 4.1 has no such setting and ignores it.
 */
const THEME_SETTING = 'view-dark-theme';
/** The class Node-RED 5 puts on <html> while the dark theme shows. */
const DARK_THEME_CLASS = 'nr-theme-dark';
export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const START_TIMEOUT_MS = 45_000;
const STOP_TIMEOUT_MS = 10_000;

/** What the editor needs from the build; missing, the editor would load without our forms. */
const BUILD_OUTPUTS = [
  'dist/nodes/connectwise-request/index.js',
  'dist/catalog/index.json',
  'resources/editor.js',
];

export interface EditorServer {
  /** `http://127.0.0.1:PORT/`: the editor. */
  url: string;
  userDir: string;
  /** What Node-RED printed so far. */
  output(): string;
  /** The flows file as deployed. */
  flowsFileText(): string;
  stop(): Promise<void>;
}

export function requireBuild(): void {
  const missing = BUILD_OUTPUTS.filter((file) => !existsSync(path.join(PACKAGE_ROOT, file)));
  if (missing.length > 0) {
    throw new Error(`the package is not built (${missing.join(', ')} missing): run npm run build`);
  }
}

export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: the editor tests need it ` +
        '(Debian/Ubuntu: sudo apt-get install chromium)',
    );
  }
}

function withoutNodeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_OPTIONS;
  return copy;
}

export interface EditorServerOptions {
  /** Encrypts the credentials file, as a production settings.js does. */
  credentialSecret: string;
  /** The flows Node-RED starts with. */
  flows: unknown[];
}

export async function startEditorServer(options: EditorServerOptions): Promise<EditorServer> {
  requireBuild();
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'cw-e2e-node-red-'));
  mkdirSync(path.join(userDir, 'node_modules', '@msp-nodes'), { recursive: true });
  symlinkSync(PACKAGE_ROOT, path.join(userDir, 'node_modules', PACKAGE_NAME), 'dir');
  writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(options.flows));
  const childOptions = {
    nodeRedPath: nodeRed.entry,
    userDir,
    credentialSecret: options.credentialSecret,
  };
  let output = '';
  const child: ChildProcess = fork(path.join(__dirname, 'node-red-server.js'), [], {
    cwd: userDir,
    // A plain Node.js: not the test runner's TypeScript loader.
    execArgv: [],
    env: { ...withoutNodeOptions(process.env), CW_E2E_NODE_RED: JSON.stringify(childOptions) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(userDir, { recursive: true, force: true });
  };

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Node-RED did not start in ${START_TIMEOUT_MS} ms:\n${output}`)),
        START_TIMEOUT_MS,
      );
      child.once('message', (message: { port: number }) => {
        clearTimeout(timer);
        resolve(message.port);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Node-RED exited with ${code} before it started:\n${output}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url: `http://127.0.0.1:${port}/`,
    userDir,
    output: () => output,
    flowsFileText: () => readFileSync(path.join(userDir, 'flows.json'), 'utf8'),
    stop,
  };
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * A page of the editor in one colour scheme, as a user who chose it in View > Appearance sees
 * it. Fails when the editor shows another scheme than asked for.
 */
export async function openEditor(
  browser: Browser,
  url: string,
  theme: EditorTheme,
  options: { timezoneId?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  await context.addInitScript(([key, value]) => globalThis.localStorage.setItem(key, value), [
    THEME_SETTING,
    theme,
  ] as const);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** Whether the loaded editor shows the dark scheme. */
export function showsDarkTheme(page: Page): Promise<boolean> {
  return page.evaluate(
    (name) => globalThis.document.documentElement.classList.contains(name),
    DARK_THEME_CLASS,
  );
}

/** Screenshots of one suite: a folder per Node-RED, Node.js and theme, emptied when it starts. */
export class Artifacts {
  readonly dir: string;

  constructor(readonly theme: EditorTheme) {
    const node = process.versions.node.split('.')[0];
    this.dir = path.join(ARTIFACTS_ROOT, `node-red-${nodeRed.version}-node-${node}-${theme}`);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Saves a screenshot of the page; answers its path. */
  async save(page: Page, name: string): Promise<string> {
    const file = path.join(this.dir, `${name}.png`);
    await page.screenshot({ path: file });
    return file;
  }

  /**
   * With UPDATE_DOCS_SCREENSHOTS=1 on the default leg's Node-RED, copies a screenshot to the
   * README's picker screenshot of this theme.
   */
  updateDocs(file: string): void {
    if (process.env.UPDATE_DOCS_SCREENSHOTS !== '1' || nodeRed.line !== DEFAULT_LEG.nodeRed) return;
    const target = DOCS_SCREENSHOTS[this.theme];
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
}

/** Median and spread of a series of timings, for a printed table. */
export function timingRow(label: string, samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
  const figures = [median, sorted[0], p95, sorted[sorted.length - 1]]
    .map((ms) => ms.toFixed(1).padStart(8))
    .join('');
  return `${label.padEnd(44)}${figures}${String(sorted.length).padStart(6)}`;
}

export function timingTable(rows: string[]): string {
  const header = `${'ms'.padEnd(44)}${['median', 'min', 'p95', 'max'].map((h) => h.padStart(8)).join('')}${'n'.padStart(6)}`;
  return [header, ...rows].join('\n');
}
