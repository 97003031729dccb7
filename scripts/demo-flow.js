/**
 * The flow `npm start` deploys on first run: a connection to the simulator, a poll node watching
 * tickets, and three requests (post a ticket, read a company, list open Help Desk tickets), each
 * ending in a debug node, with comments that explain them.
 */

const { URL } = require('node:url');

const {
  CONNECTION_DEFAULTS,
  POLL_DEFAULTS,
  REQUEST_DEFAULTS,
} = require('../dist/shared/node-configs');

const TAB_ID = 'cw-demo-tab';
const CONNECTION_ID = 'cw-demo-connection';
const CONNECTION_NAME = 'ConnectWise simulator';

const COLUMN = { start: 170, middle: 440, end: 720 };

function debugNode(id, name, x, y, complete = 'payload') {
  return {
    id,
    type: 'debug',
    z: TAB_ID,
    name,
    active: true,
    tosidebar: true,
    console: false,
    tostatus: false,
    complete,
    targetType: complete === 'true' ? 'full' : 'msg',
    statusVal: '',
    statusType: 'auto',
    x,
    y,
    wires: [],
  };
}

function injectNode(id, name, x, y, wires) {
  return {
    id,
    type: 'inject',
    z: TAB_ID,
    name,
    props: [{ p: 'payload' }],
    repeat: '',
    crontab: '',
    once: false,
    onceDelay: 0.1,
    topic: '',
    payload: '',
    payloadType: 'date',
    x,
    y,
    wires: [wires],
  };
}

function requestNode(id, name, x, y, settings, wires) {
  return {
    ...REQUEST_DEFAULTS,
    id,
    type: 'connectwise-request',
    z: TAB_ID,
    name,
    connection: CONNECTION_ID,
    params: [],
    ...settings,
    x,
    y,
    wires: [wires],
  };
}

function commentNode(id, name, info, x, y) {
  return { id, type: 'comment', z: TAB_ID, name, info, x, y, wires: [] };
}

/**
 * The demo flow for a running simulator.
 * @param {{ url: string, credentials: { companyId: string, publicKey: string, privateKey: string, clientId: string } }} sim
 * @param {{ companyId: number, companyName: string, boardId: number }} seeded ids of seeded records
 */
function buildDemoFlow(sim, seeded) {
  const ticketBody = {
    summary: 'Printer in reception jams on every page (demo)',
    company: { id: seeded.companyId },
    board: { id: seeded.boardId },
    initialDescription: 'Posted from the Node-RED demo flow.',
  };
  const row = (index) => 100 + index * 80;
  return [
    {
      id: TAB_ID,
      type: 'tab',
      label: 'ConnectWise demo',
      disabled: false,
      info: 'Talks to the ConnectWise Manage simulator started by `npm start`.',
    },
    {
      ...CONNECTION_DEFAULTS,
      id: CONNECTION_ID,
      type: 'connectwise-connection',
      name: CONNECTION_NAME,
      site: 'custom',
      host: sim.url,
      companyId: sim.credentials.companyId,
      credentials: {
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
        clientId: sim.credentials.clientId,
      },
    },
    commentNode(
      'cw-demo-about',
      'ConnectWise Manage demo: open the debug sidebar, then click the inject buttons',
      [
        'Every node here talks to the **simulator** started by `npm start`, through the',
        `connection node "${CONNECTION_NAME}" (site: custom, host: ${sim.url},`,
        `company ${sim.credentials.companyId}).`,
        '',
        '- **Changed tickets** polls the ticket list every 10 seconds and sends one message per',
        '  created or changed ticket. The demo changes a random ticket every 15 seconds, and',
        '  "Post a ticket" creates one, so messages keep arriving.',
        '- **Post a ticket** creates a ticket from the fixed body set in the request node.',
        `- **Get company ${seeded.companyId}** reads one company (${seeded.companyName}) by id.`,
        '- **Open Help Desk tickets** reads every page of a list filtered by conditions.',
        '',
        'Double-click a ConnectWise node to see its operation, parameters and help.',
        'More flows: menu > Import > Examples > @msp-nodes/node-red-connectwise-manage.',
      ].join('\n'),
      COLUMN.middle,
      40,
    ),
    {
      ...POLL_DEFAULTS,
      id: 'cw-demo-poll',
      type: 'connectwise-poll',
      z: TAB_ID,
      name: 'Changed tickets',
      connection: CONNECTION_ID,
      operationId: 'getServiceTickets',
      params: [],
      interval: 10,
      intervalUnit: 's',
      x: COLUMN.start,
      y: row(0),
      wires: [['cw-demo-poll-debug']],
    },
    debugNode('cw-demo-poll-debug', 'ticket changes', COLUMN.end, row(0), 'true'),

    injectNode('cw-demo-post-inject', 'Post a ticket', COLUMN.start, row(1), [
      'cw-demo-post-request',
    ]),
    requestNode(
      'cw-demo-post-request',
      'Post Ticket',
      COLUMN.middle,
      row(1),
      {
        operationId: 'postServiceTickets',
        bodySource: 'fixed',
        body: JSON.stringify(ticketBody, null, 2),
      },
      ['cw-demo-post-debug'],
    ),
    debugNode('cw-demo-post-debug', 'new ticket', COLUMN.end, row(1)),

    injectNode('cw-demo-company-inject', `Get company ${seeded.companyId}`, COLUMN.start, row(2), [
      'cw-demo-company-request',
    ]),
    requestNode(
      'cw-demo-company-request',
      'Get Company',
      COLUMN.middle,
      row(2),
      {
        operationId: 'getCompanyCompaniesById',
        params: [{ name: 'id', type: 'num', value: String(seeded.companyId) }],
      },
      ['cw-demo-company-debug'],
    ),
    debugNode('cw-demo-company-debug', 'company', COLUMN.end, row(2)),

    injectNode('cw-demo-list-inject', 'Open Help Desk tickets', COLUMN.start, row(3), [
      'cw-demo-list-request',
    ]),
    requestNode(
      'cw-demo-list-request',
      'Open Help Desk tickets',
      COLUMN.middle,
      row(3),
      {
        operationId: 'getServiceTickets',
        params: [
          {
            name: 'conditions',
            type: 'str',
            value: 'board/name = "Help Desk" and closedFlag = False',
          },
          { name: 'orderBy', type: 'str', value: 'id desc' },
          { name: 'fields', type: 'str', value: 'id,summary,company/name,status/name' },
        ],
        paging: 'all',
      },
      ['cw-demo-list-debug'],
    ),
    debugNode('cw-demo-list-debug', 'open tickets', COLUMN.end, row(3)),

    {
      id: 'cw-demo-catch',
      type: 'catch',
      z: TAB_ID,
      name: 'Any error',
      scope: null,
      uncaught: false,
      x: COLUMN.start,
      y: row(4),
      wires: [['cw-demo-error-debug']],
    },
    debugNode('cw-demo-error-debug', 'errors', COLUMN.end, row(4), 'error'),
  ];
}

function isLoopbackUrl(text) {
  try {
    const { hostname } = new URL(text);
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  } catch {
    return false;
  }
}

/**
 * Points the saved flow's simulator connections at the simulator's current URL: connections to a
 * loopback host with the simulator's company id. Answers how many were changed.
 * @param {Array<Record<string, unknown>>} flows
 */
function pointConnectionsAt(flows, simUrl, companyId) {
  let changed = 0;
  for (const node of flows) {
    if (
      node.type === 'connectwise-connection' &&
      node.site === 'custom' &&
      node.companyId === companyId &&
      typeof node.host === 'string' &&
      isLoopbackUrl(node.host) &&
      node.host !== simUrl
    ) {
      node.host = simUrl;
      changed += 1;
    }
  }
  return changed;
}

module.exports = { buildDemoFlow, pointConnectionsAt, CONNECTION_NAME };
