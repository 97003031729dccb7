/**
 * `npm start`: the ConnectWise Manage simulator and Node-RED with this package's nodes, in one
 * process, with a demo flow deployed on first run. Everything it writes stays in `.demo/`.
 * When this Node.js is older than the Node-RED needs, the demo runs on the test matrix's
 * Node.js instead (installed into .tools/ from the npm registry on first use).
 *
 *   PORT=1880          Node-RED's port (a free one when taken)
 *   CW_SIM_PORT=8089   the simulator's port (a free one when taken)
 *   CW_NODE_RED=4.1    run Node-RED 4.1 instead of 5.0
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { Buffer } = require('node:buffer');
const { setInterval, clearInterval } = require('node:timers');
const { URL } = require('node:url');

const { DEFAULT_LEG, NODE_RELEASES, runsOn, selectedNodeRed } = require('./supported-versions');

const ROOT = path.resolve(__dirname, '..');
const DEMO_DIR = path.join(ROOT, '.demo');
const FLOW_FILE = 'flows.json';
const PACKAGE_NAME = require('../package.json').name;
const HOST = '127.0.0.1';
/** The demo changes one seeded ticket this often, so the poll node has something to report. */
const TOUCH_INTERVAL_MS = 15_000;
/** Only protects the demo's own credentials file; real installations set their own. */
const DEMO_CREDENTIAL_SECRET = 'connectwise-manage-demo';

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function requireBuild() {
  const needed = ['dist/simulator/index.js', 'dist/nodes/connectwise-request/index.js'];
  const missing = needed.filter((file) => !fs.existsSync(path.join(ROOT, file)));
  if (missing.length > 0) {
    fail(`The package is not built (${missing.join(', ')} missing): run npm install first.`);
  }
}

function portFrom(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`${name}: "${text}" is not a port number (0 to 65535)`);
  }
  return port;
}

/**
 * Node-RED finds the package in the user directory's node_modules, as if installed there, and
 * the package.json lists it so that installing other nodes from the palette keeps it.
 */
function prepareUserDir() {
  const scopeDir = path.join(DEMO_DIR, 'node_modules', ...PACKAGE_NAME.split('/').slice(0, -1));
  const link = path.join(DEMO_DIR, 'node_modules', ...PACKAGE_NAME.split('/'));
  fs.mkdirSync(scopeDir, { recursive: true });
  let target;
  try {
    target = fs.readlinkSync(link);
  } catch {
    target = undefined;
  }
  if (target === undefined || path.resolve(path.dirname(link), target) !== ROOT) {
    fs.rmSync(link, { force: true, recursive: false });
    fs.symlinkSync(ROOT, link, 'junction');
  }
  const packageFile = path.join(DEMO_DIR, 'package.json');
  if (!fs.existsSync(packageFile)) {
    const manifest = {
      name: 'connectwise-manage-demo',
      description: 'Node-RED user directory of npm start',
      version: '0.0.0',
      private: true,
      dependencies: { [PACKAGE_NAME]: 'file:..' },
    };
    fs.writeFileSync(packageFile, `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

/** The saved flow, or undefined when there is none yet (first run, or an empty workspace). */
function readSavedFlows() {
  const file = path.join(DEMO_DIR, FLOW_FILE);
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8').trim();
  if (text === '') return undefined;
  let flows;
  try {
    flows = JSON.parse(text);
  } catch (err) {
    fail(`${file} is not valid JSON (${err.message}): fix it, or delete .demo/ to start over.`);
  }
  const nodes = Array.isArray(flows) ? flows : flows && flows.flows;
  return Array.isArray(nodes) && nodes.length > 0 ? { file, flows, nodes } : undefined;
}

async function startSimulatorOnFreePort(startSimulator, port) {
  try {
    return { sim: await startSimulator({ port, host: HOST }), wanted: port };
  } catch (err) {
    if (err.code !== 'EADDRINUSE') throw err;
    return { sim: await startSimulator({ port: 0, host: HOST }), wanted: port };
  }
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (err) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE' && port !== 0) resolve(listen(server, 0));
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, HOST);
  });
}

/** POSTs JSON to the local Node-RED admin API. */
function postJson(port, urlPath, body, headers) {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: HOST,
        port,
        path: urlPath,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...headers,
        },
      },
      (response) => {
        let answer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (answer += chunk));
        response.on('end', () => {
          if (response.statusCode >= 200 && response.statusCode < 300) resolve(answer);
          else reject(new Error(`POST ${urlPath} answered ${response.statusCode}: ${answer}`));
        });
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

function seededIds(sim) {
  const company = sim.store.list('company/companies')[0];
  const board = sim.store.list('service/boards').find((record) => record.name === 'Help Desk');
  if (!company || !board) throw new Error('the simulator has no seeded companies or boards');
  return { companyId: company.id, companyName: String(company.name), boardId: board.id };
}

/** Moves a random seeded ticket to another status of its board, as a technician would. */
function touchRandomTicket(sim, referenceTo, log) {
  const tickets = sim.store.list('service/tickets');
  if (tickets.length === 0) return;
  const ticket = tickets[Math.floor(Math.random() * tickets.length)];
  const boardId = ticket.board && ticket.board.id;
  const currentStatusId = ticket.status && ticket.status.id;
  const statuses = sim.store
    .list(`service/boards/${boardId}/statuses`)
    .filter((status) => status.id !== currentStatusId);
  if (statuses.length === 0) return;
  const status = statuses[Math.floor(Math.random() * statuses.length)];
  sim.store.update(
    'service/tickets',
    ticket.id,
    {
      status: referenceTo('status', status, sim.baseUrl()),
      closedFlag: status.closedStatus === true,
    },
    'agarcia',
  );
  log(`simulator: ticket #${ticket.id} "${ticket.summary}" moved to ${status.name}`);
}

function banner(editorUrl, sim, nodeRed, notes) {
  const { companyId, publicKey, privateKey, clientId } = sim.credentials;
  return [
    '',
    '  ConnectWise Manage demo',
    `    Node-RED editor   ${editorUrl}  (Node-RED ${nodeRed.version}, Node.js ${process.versions.node})`,
    `    Simulator site    ${sim.url}  (API ${sim.baseUrl()})`,
    `    Company id        ${companyId}`,
    `    Public key        ${publicKey}`,
    `    Private key       ${privateKey}`,
    `    Client id         ${clientId}`,
    '    User directory    .demo/  (delete it to start over)',
    ...notes.map((note) => `    ${note}`),
    '  Open the editor, then the debug sidebar. Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/** Runs this script again on the matrix's Node.js; exits with its exit code. */
function restartOnMatrixNode(nodeRed) {
  const { runOnNode } = require('./node-tools');
  const major = DEFAULT_LEG.node;
  process.stdout.write(
    `Node-RED ${nodeRed.version} needs Node.js ${nodeRed.engines} and this is ${process.version}: ` +
      `starting the demo on Node.js ${NODE_RELEASES[major]} from .tools/\n`,
  );
  runOnNode(major, [__filename, ...process.argv.slice(2)]).then(
    (code) => process.exit(code),
    (err) => fail(`npm start failed: ${err.message}`),
  );
}

async function main(nodeRed) {
  requireBuild();
  const { startSimulator } = require('../dist/simulator');
  const { referenceTo } = require('../dist/simulator/references');
  const { buildDemoFlow, pointConnectionsAt } = require('./demo-flow');
  // Node-RED's own express, the one its httpAdmin and httpNode apps are made with.
  const express = nodeRed.load('express');
  const RED = nodeRed.load(nodeRed.entry);

  prepareUserDir();
  const notes = [];
  const simPort = portFrom('CW_SIM_PORT', 8089);
  const { sim } = await startSimulatorOnFreePort(startSimulator, simPort);
  const simActualPort = Number(new URL(sim.url).port);
  if (simPort !== 0 && simActualPort !== simPort) {
    notes.push(`(port ${simPort} was taken: the simulator runs on ${simActualPort})`);
  }

  const saved = readSavedFlows();
  if (saved) {
    const changed = pointConnectionsAt(saved.nodes, sim.url, sim.credentials.companyId);
    if (changed > 0) {
      fs.writeFileSync(saved.file, `${JSON.stringify(saved.flows, null, 4)}\n`);
      notes.push(`(the saved flow's simulator connection now points at ${sim.url})`);
    }
  }

  const app = express();
  const server = http.createServer(app);
  const wantedPort = portFrom('PORT', 1880);
  const port = await listen(server, wantedPort);
  if (wantedPort !== 0 && port !== wantedPort) {
    notes.push(`(port ${wantedPort} was taken: Node-RED runs on ${port})`);
  }

  const settings = {
    uiHost: HOST,
    uiPort: port,
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    userDir: DEMO_DIR,
    flowFile: FLOW_FILE,
    flowFilePretty: true,
    credentialSecret: DEMO_CREDENTIAL_SECRET,
    contextStorage: {
      default: { module: 'localfilesystem', config: { dir: DEMO_DIR } },
    },
    editorTheme: {
      tours: false,
      page: { title: 'Node-RED · ConnectWise Manage demo' },
      header: { title: 'Node-RED · ConnectWise Manage demo' },
    },
    telemetry: { enabled: false, updateNotification: false },
    logging: { console: { level: 'info', metrics: false, audit: false } },
  };
  RED.init(server, settings);
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  app.use(settings.httpNodeRoot, RED.httpNode);
  const log = (text) => RED.log.info(`[demo] ${text}`);

  let touchTimer;
  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      process.exit(0);
    }
    stopping = true;
    log(`${signal}: stopping Node-RED and the simulator`);
    if (touchTimer) clearInterval(touchTimer);
    const forceExit = setTimeout(() => process.exit(0), 5000);
    forceExit.unref();
    RED.stop()
      .catch((err) => RED.log.warn(`[demo] Node-RED did not stop cleanly: ${err.message}`))
      .then(
        () =>
          new Promise((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      )
      .then(() => sim.stop())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  await RED.start();
  if (!saved) {
    const flow = buildDemoFlow(sim, seededIds(sim));
    await postJson(port, `${settings.httpAdminRoot}flows`, flow, {
      'Node-RED-Deployment-Type': 'full',
    });
    log('deployed the demo flow');
  }
  touchTimer = setInterval(() => touchRandomTicket(sim, referenceTo, log), TOUCH_INTERVAL_MS);

  process.stdout.write(banner(`http://${HOST}:${port}/`, sim, nodeRed, notes));
}

let nodeRed;
try {
  nodeRed = selectedNodeRed();
} catch (err) {
  fail(err.message);
}
if (runsOn(nodeRed)) {
  main(nodeRed).catch((err) => {
    process.stderr.write(`npm start failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
} else {
  restartOnMatrixNode(nodeRed);
}
