/**
 * Node-RED with this package's nodes, run as a child process of the editor tests: the editor,
 * its admin API and its websocket on 127.0.0.1 and a free port. Options come as JSON in
 * CW_E2E_NODE_RED; the chosen port is sent to the parent once the runtime has started.
 * It stops on the message "stop", and on its own when the parent goes away.
 */
const http = require('node:http');

const options = JSON.parse(process.env.CW_E2E_NODE_RED || '{}');
const RED = require(options.nodeRedPath);

const server = http.createServer();
RED.init(server, {
  userDir: options.userDir,
  flowFile: 'flows.json',
  credentialSecret: options.credentialSecret,
  // Node-RED's defaults: the editor and the nodes' routes (the callback node's) both at /.
  httpAdminRoot: '/',
  httpNodeRoot: '/',
  uiHost: '127.0.0.1',
  // The welcome tour and the update-check question would cover the workspace.
  editorTheme: { tours: false, projects: { enabled: false } },
  telemetry: { enabled: false, updateNotification: false },
  diagnostics: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
});
// What red.js does with an express app: the admin app first, then the nodes' routes.
server.on('request', (req, res) =>
  RED.httpAdmin(req, res, () =>
    RED.httpNode(req, res, () => {
      res.statusCode = 404;
      res.end();
    }),
  ),
);

let stopping;
function stop() {
  stopping ??= Promise.resolve()
    .then(() => RED.stop())
    .catch(() => undefined)
    .then(() => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
    });
}

process.on('message', (message) => {
  if (message === 'stop') stop();
});
process.on('disconnect', stop);

server.listen(0, '127.0.0.1', () => {
  RED.start().then(
    () => process.send({ port: server.address().port }),
    (err) => {
      process.stderr.write(`Node-RED did not start: ${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
});
