/**
 * Deterministic seed data: a small MSP's Manage instance (boards, statuses, priorities, members,
 * customers with contacts, tickets with notes, configurations, opportunities, documents). The
 * same seed number always gives the same records; dates are spread over the days before `now`.
 */
import { SAMPLE_PNG, contentTypeForFileName, samplePdf } from './binary-assets';
import { manageTimestamp } from './clock';
import { customFieldsOf, type CustomFieldEntry } from './custom-fields';
import { COLLECTIONS, referenceTo, statusCollection } from './references';
import { MANAGE_RELEASE } from './site';
import type { MemoryStore, RecordInput, SimRecord } from './store';

export interface SeedSize {
  companies?: number;
  contacts?: number;
  tickets?: number;
  configurations?: number;
  opportunities?: number;
  /** Tickets up to this id get notes (default 500): keeps 100,000-ticket stores small. */
  ticketsWithNotes?: number;
}

export const DEFAULT_SEED_SIZE: Required<SeedSize> = {
  companies: 20,
  contacts: 50,
  tickets: 100,
  configurations: 40,
  opportunities: 15,
  ticketsWithNotes: 500,
};

export interface SeedOptions {
  seed: number;
  size?: SeedSize;
  now: Date;
  /** `http://127.0.0.1:PORT/v4_6_release/apis/3.0`, for the `_href` links of references. */
  apiBase: string;
}

/** mulberry32: tiny, fast, and the same sequence on every platform. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CUSTOMERS: [string, string, string, string][] = [
  ['Contoso Dental Group', 'ContosoDental', 'Seattle', 'WA'],
  ['Northwind Logistics', 'NorthwindLog', 'Tacoma', 'WA'],
  ['Fabrikam Legal LLP', 'FabrikamLegal', 'Portland', 'OR'],
  ['Tailspin Aviation Services', 'TailspinAvi', 'Boise', 'ID'],
  ['Adventure Works Outdoor', 'AdventureWorks', 'Bend', 'OR'],
  ['Woodgrove Credit Union', 'WoodgroveCU', 'Spokane', 'WA'],
  ['Litware Accounting', 'LitwareAcct', 'Eugene', 'OR'],
  ['Proseware Engineering', 'Proseware', 'Bellevue', 'WA'],
  ['Wide World Importers', 'WideWorld', 'Everett', 'WA'],
  ['Alpine Ski House', 'AlpineSki', 'Missoula', 'MT'],
  ['Coho Vineyard & Winery', 'CohoVineyard', 'Walla Walla', 'WA'],
  ['Fourth Coffee Roasters', 'FourthCoffee', 'Olympia', 'WA'],
  ['Lucerne Publishing', 'Lucerne', 'Salem', 'OR'],
  ["Margie's Travel", 'MargiesTravel', 'Vancouver', 'WA'],
  ['Trey Research Labs', 'TreyResearch', 'Redmond', 'WA'],
  ['Blue Yonder Airlines', 'BlueYonder', 'Kent', 'WA'],
  ['City Power & Light', 'CityPower', 'Yakima', 'WA'],
  ['Graphic Design Institute', 'GraphicDesign', 'Corvallis', 'OR'],
  ['Humongous Insurance', 'Humongous', 'Kirkland', 'WA'],
  ['Southridge Video', 'Southridge', 'Medford', 'OR'],
];
const EXTRA_COMPANY_WORDS = [
  'Summit',
  'Harbor',
  'Cedar',
  'Granite',
  'Pioneer',
  'Evergreen',
  'Falcon',
];
const EXTRA_COMPANY_KINDS = [
  'Dental',
  'Logistics',
  'Legal',
  'Clinic',
  'Builders',
  'Foods',
  'Realty',
];

const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Ava',
  'Ethan',
  'Sophia',
  'Mason',
  'Isabella',
  'Lucas',
  'Mia',
  'Logan',
  'Amelia',
  'James',
  'Harper',
  'Elijah',
  'Evelyn',
  'Aiden',
  'Abigail',
  'Carter',
];
const LAST_NAMES = [
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
];
const TITLES = [
  'Office Manager',
  'Owner',
  'Controller',
  'Operations Director',
  'Receptionist',
  'IT Coordinator',
  'Paralegal',
  'Practice Manager',
];

const STAFF: [string, string, string, string][] = [
  ['jsmith', 'Jane', 'Smith', 'Service Manager'],
  ['mlee', 'Marcus', 'Lee', 'Senior Engineer'],
  ['agarcia', 'Ana', 'Garcia', 'Help Desk Technician'],
  ['tnguyen', 'Tom', 'Nguyen', 'Help Desk Technician'],
  ['pkowalski', 'Piotr', 'Kowalski', 'Project Engineer'],
  ['simapi', 'API', 'Member', 'Integration'],
];

const HELP_DESK_SUMMARIES = [
  'Outlook keeps asking for password',
  'Printer offline in reception',
  'New user setup: {person}',
  'VPN disconnects every few minutes',
  'Cannot open shared drive S:',
  'Teams calls dropping audio',
  'Laptop running very slowly',
  'Password reset for {person}',
  'Scanner not sending to email',
  'MFA prompt not arriving on phone',
  'Wi-Fi weak in the back office',
  'Request: second monitor for {person}',
  'QuickBooks will not open after update',
  'Phishing email reported by {person}',
  'Offboard user {person}',
];
const ALERT_SUMMARIES = [
  'Disk space low on {host}',
  'Backup failed: {host}',
  'Server {host} offline',
  'Antivirus threat detected on {host}',
  'Firewall {host} high CPU',
];
const PROJECT_SUMMARIES = [
  'Microsoft 365 migration',
  'Replace core switch',
  'Windows 11 rollout',
  'Firewall replacement',
  'New office network build-out',
];
const NOTE_TEXTS = [
  'Called the user and reproduced the issue.',
  'Remote session started; collecting logs.',
  'Applied the fix and asked the user to confirm.',
  'Waiting on the client to schedule a time.',
  'Escalated to the senior engineer.',
  'Confirmed resolved with the client.',
];
const CONFIG_TYPES = ['Workstation', 'Server', 'Firewall', 'Switch', 'Printer'];

export const SEED_DOCUMENTS: { title: string; fileName: string; bytes: () => Buffer }[] = [
  {
    title: 'Network Diagram',
    fileName: 'network-diagram.pdf',
    bytes: () => samplePdf('Network diagram: core switch, firewall, Wi-Fi'),
  },
  {
    title: 'Onboarding Checklist',
    fileName: 'onboarding-checklist.txt',
    bytes: () =>
      Buffer.from('1. Create account\n2. Assign licence\n3. Set up MFA\n4. Ship laptop\n', 'utf8'),
  },
  { title: 'Company Logo', fileName: 'logo.png', bytes: () => SAMPLE_PNG },
  {
    title: 'Asset Inventory',
    fileName: 'asset-inventory.csv',
    bytes: () =>
      Buffer.from(
        'name,type,serial\nDESKTOP-01,Workstation,SN1001\nFW-01,Firewall,SN2001\n',
        'utf8',
      ),
  },
];

const DAY_SECONDS = 86400;

const CONTRACT_LEVELS = ['Gold', 'Silver', 'Bronze'];

/** A customer's custom fields, from its position alone (the random sequence stays as it was). */
function companyCustomFields(index: number, nowSeconds: number): CustomFieldEntry[] {
  const seats = 5 + ((index * 7) % 40);
  const renewalDay = Math.floor(nowSeconds / DAY_SECONDS) + 30 + ((index * 13) % 300);
  return customFieldsOf('Company', {
    'Contract level': CONTRACT_LEVELS[index % CONTRACT_LEVELS.length],
    Seats: seats,
    'Renewal date': manageTimestamp(new Date(renewalDay * DAY_SECONDS * 1000)),
    'Managed firewall': index % 2 === 0,
    'Monthly fee': seats * 42.5,
  });
}

export function seedStore(store: MemoryStore, options: SeedOptions): void {
  const size = { ...DEFAULT_SEED_SIZE, ...options.size };
  const random = randomSource(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  const stamp = (secondsAgo: number): string =>
    manageTimestamp(new Date((nowSeconds - Math.max(0, Math.round(secondsAgo))) * 1000));
  /** `_info` for a record entered `ageDays` ago and touched once since. */
  const infoFor = (ageSeconds: number, by: string): RecordInput => {
    const touched = ageSeconds * random();
    return {
      dateEntered: stamp(ageSeconds),
      lastUpdated: stamp(touched),
      enteredBy: by,
      updatedBy: by,
    };
  };
  const api = options.apiBase;

  // Setup tables: old records.
  const setupAge = 400 * DAY_SECONDS;
  const setupInfo = (): RecordInput => ({ _info: infoFor(setupAge, 'jsmith') });
  const members = STAFF.map(([identifier, firstName, lastName, title]) =>
    store.insert(COLLECTIONS.members, {
      identifier,
      firstName,
      lastName,
      title,
      officeEmail: `${identifier}@msp.example`,
      defaultEmail: 'Office',
      licenseClass: identifier === 'simapi' ? 'A' : 'F',
      inactiveFlag: false,
      ...setupInfo(),
    }),
  );
  const technicians = members.slice(0, 5).map((member) => referenceTo('member', member, api));

  const boards = ['Help Desk', 'Projects', 'Alerts'].map((name) =>
    store.insert(COLLECTIONS.boards, {
      name,
      location: { id: 1, name: 'Main' },
      department: { id: 1, name: 'Service' },
      inactiveFlag: false,
      projectFlag: name === 'Projects',
      ...setupInfo(),
    }),
  );
  const statusesByBoard = new Map<number, SimRecord[]>();
  for (const board of boards) {
    const boardRef = { id: board.id, name: board.name };
    statusesByBoard.set(
      board.id,
      ['New', 'In Progress', 'Waiting', 'Closed'].map((name, index) =>
        store.insert(statusCollection(board.id), {
          name,
          board: boardRef,
          sortOrder: index,
          displayOnBoard: name !== 'Closed',
          inactive: false,
          closedStatus: name === 'Closed',
          defaultFlag: name === 'New',
          ...setupInfo(),
        }),
      ),
    );
  }
  const priorities = [
    ['Priority 1 - Emergency Response', 'Red', 'Level 1'],
    ['Priority 2 - Quick Response', 'Orange', 'Level 2'],
    ['Priority 3 - Normal Response', 'Green', 'Level 3'],
    ['Priority 4 - Schedule Maintenance', 'Blue', 'Level 4'],
  ].map(([name, color, level], index) =>
    store.insert(COLLECTIONS.priorities, {
      name,
      color,
      sortOrder: index + 1,
      level,
      defaultFlag: index === 2,
      ...setupInfo(),
    }),
  );
  const companyStatuses = ['Active', 'Inactive'].map((name) =>
    store.insert('company/companies/statuses', {
      name,
      defaultFlag: name === 'Active',
      inactiveFlag: false,
      ...setupInfo(),
    }),
  );
  const companyTypes = ['Client', 'Prospect', 'Vendor'].map((name) =>
    store.insert('company/companies/types', {
      name,
      defaultFlag: name === 'Client',
      ...setupInfo(),
    }),
  );

  // Customers.
  const companies: SimRecord[] = [];
  for (let i = 0; i < size.companies; i++) {
    const known = CUSTOMERS[i];
    const name = known
      ? known[0]
      : `${EXTRA_COMPANY_WORDS[i % EXTRA_COMPANY_WORDS.length]} ${EXTRA_COMPANY_KINDS[Math.floor(i / EXTRA_COMPANY_WORDS.length) % EXTRA_COMPANY_KINDS.length]} ${i + 1}`;
    const identifier = known ? known[1] : name.replace(/[^A-Za-z0-9]/g, '');
    const domain = `${identifier.toLowerCase()}.example`;
    const prospect = i % 9 === 8;
    companies.push(
      store.insert(COLLECTIONS.companies, {
        identifier,
        name,
        status: { id: companyStatuses[0].id, name: 'Active' },
        types: [{ id: companyTypes[prospect ? 1 : 0].id, name: prospect ? 'Prospect' : 'Client' }],
        addressLine1: `${100 + Math.floor(random() * 9000)} ${pick(['Main St', 'Pine Ave', 'Harbor Way', 'Cedar Rd', 'Market St'])}`,
        city: known ? known[2] : pick(['Seattle', 'Portland', 'Boise']),
        state: known ? known[3] : pick(['WA', 'OR', 'ID']),
        zip: String(97000 + Math.floor(random() * 2999)),
        country: { id: 1, name: 'United States' },
        phoneNumber: `555${String(1000000 + Math.floor(random() * 8999999)).slice(0, 7)}`,
        website: `https://www.${domain}`,
        territory: { id: 1, name: 'Northwest' },
        deletedFlag: false,
        customFields: companyCustomFields(i, nowSeconds),
        _info: infoFor((200 + random() * 300) * DAY_SECONDS, 'jsmith'),
      }),
    );
  }
  const companyRefs = companies.map((company) => referenceTo('company', company, api));

  const contactsByCompany = new Map<number, RecordInput[]>();
  const contacts: SimRecord[] = [];
  for (let i = 0; i < size.contacts && companies.length > 0; i++) {
    const company = companies[i % companies.length];
    const firstName = FIRST_NAMES[(i * 7) % FIRST_NAMES.length];
    const lastName = LAST_NAMES[(i * 3 + Math.floor(i / FIRST_NAMES.length)) % LAST_NAMES.length];
    const domain = String(company.website).replace(/^https:\/\/www\./, '');
    const contact = store.insert(COLLECTIONS.contacts, {
      firstName,
      lastName,
      company: companyRefs[i % companies.length],
      title: pick(TITLES),
      inactiveFlag: false,
      defaultPhoneType: 'Direct',
      defaultPhoneNbr: `555${String(2000000 + i * 37).slice(0, 7)}`,
      communicationItems: [
        {
          id: i * 2 + 1,
          type: { id: 1, name: 'Email' },
          value: `${firstName}.${lastName}@${domain}`.toLowerCase(),
          defaultFlag: true,
          communicationType: 'Email',
        },
        {
          id: i * 2 + 2,
          type: { id: 2, name: 'Direct' },
          value: `555${String(2000000 + i * 37).slice(0, 7)}`,
          defaultFlag: true,
          communicationType: 'Phone',
        },
      ],
      _info: infoFor((100 + random() * 200) * DAY_SECONDS, 'jsmith'),
    });
    contacts.push(contact);
    const list = contactsByCompany.get(company.id) ?? [];
    list.push(referenceTo('contact', contact, api));
    contactsByCompany.set(company.id, list);
  }

  seedTickets(store, size, random, nowSeconds, {
    boards: boards.map((board) => referenceTo('board', board, api)),
    statuses: new Map(
      [...statusesByBoard].map(([id, list]) => [
        id,
        list.map((status) => ({
          ref: referenceTo('status', status, api),
          closed: status.closedStatus === true,
        })),
      ]),
    ),
    priorities: priorities.map((priority) => referenceTo('priority', priority, api)),
    companies: companyRefs,
    contactsByCompany,
    technicians,
  });

  for (let i = 0; i < size.configurations && companies.length > 0; i++) {
    const type = CONFIG_TYPES[i % CONFIG_TYPES.length];
    const prefix = {
      Workstation: 'DESKTOP',
      Server: 'SRV',
      Firewall: 'FW',
      Switch: 'SW',
      Printer: 'PRN',
    }[type];
    const companyIndex = i % companies.length;
    store.insert('company/configurations', {
      name: `${prefix}-${(0x1000 + Math.floor(random() * 0xefff)).toString(16).toUpperCase()}`,
      type: { id: CONFIG_TYPES.indexOf(type) + 1, name: type },
      status: { id: 1, name: 'Active' },
      company: companyRefs[companyIndex],
      contact: contactsByCompany.get(companies[companyIndex].id)?.[0],
      serialNumber: `SN${100000 + Math.floor(random() * 899999)}`,
      osType:
        type === 'Workstation'
          ? 'Windows 11 Pro'
          : type === 'Server'
            ? 'Windows Server 2022'
            : undefined,
      ipAddress: `10.${companyIndex}.0.${10 + i}`,
      activeFlag: true,
      _info: infoFor((30 + random() * 300) * DAY_SECONDS, 'mlee'),
    });
  }

  const stages = ['Prospect', 'Qualified', 'Proposal', 'Negotiation'];
  for (let i = 0; i < size.opportunities && companies.length > 0; i++) {
    const companyIndex = (i * 3) % companies.length;
    store.insert('sales/opportunities', {
      name: pick(PROJECT_SUMMARIES),
      stage: { id: (i % stages.length) + 1, name: stages[i % stages.length] },
      status: { id: 1, name: 'Open' },
      probability: { id: 1, name: `${25 + (i % 3) * 25}%` },
      company: companyRefs[companyIndex],
      contact: contactsByCompany.get(companies[companyIndex].id)?.[0],
      primarySalesRep: technicians[0],
      expectedCloseDate: manageTimestamp(
        new Date((nowSeconds + (10 + i * 5) * DAY_SECONDS) * 1000),
      ),
      _info: infoFor((5 + random() * 60) * DAY_SECONDS, 'jsmith'),
    });
  }

  SEED_DOCUMENTS.forEach((document, index) => {
    const bytes = document.bytes();
    const record = store.insert('system/documents', {
      title: document.title,
      fileName: document.fileName,
      serverFileName: `${(0x10000000 + index * 7919).toString(16)}-${document.fileName}`,
      owner: 'jsmith',
      linkFlag: false,
      imageFlag: document.fileName.endsWith('.png'),
      publicFlag: false,
      htmlTemplateFlag: false,
      readOnlyFlag: false,
      size: bytes.length,
      urlFlag: false,
      createdOnDate: stamp((20 - index) * DAY_SECONDS),
      _info: infoFor((20 - index) * DAY_SECONDS, 'jsmith'),
    });
    store.setContent('system/documents', record.id, {
      bytes,
      contentType: contentTypeForFileName(document.fileName),
      fileName: document.fileName,
    });
  });

  store.setSingleton('system/info', {
    version: MANAGE_RELEASE.versionNumber,
    isCloud: false,
    serverTimeZone: 'Eastern Standard Time',
    licenseBits: [],
    cloudRegion: 'NA',
    maxWorkFlowRecordsAllowed: 50,
  });
}

interface TicketReferences {
  boards: RecordInput[];
  statuses: Map<number, { ref: RecordInput; closed: boolean }[]>;
  priorities: RecordInput[];
  companies: RecordInput[];
  contactsByCompany: Map<number, RecordInput[]>;
  technicians: RecordInput[];
}

function seedTickets(
  store: MemoryStore,
  size: Required<SeedSize>,
  random: () => number,
  nowSeconds: number,
  refs: TicketReferences,
): void {
  if (size.tickets <= 0 || refs.companies.length === 0) return;
  const stamp = (seconds: number): string => manageTimestamp(new Date(seconds * 1000));
  // Custom fields are shared between tickets: records are replaced, never mutated.
  const escalated = [true, false].map((value) => customFieldsOf('Ticket', { Escalated: value }));
  const sources = ['Email', 'Phone', 'Portal'].map((name, index) => ({ id: index + 1, name }));
  const span = 30 * DAY_SECONDS;
  const start = nowSeconds - span;
  for (let i = 0; i < size.tickets; i++) {
    const roll = random();
    const boardIndex = roll < 0.7 ? 0 : roll < 0.9 ? 2 : 1;
    const board = refs.boards[boardIndex];
    const statuses = refs.statuses.get(board.id as number) ?? [];
    const statusRoll = random();
    const status =
      statuses[statusRoll < 0.3 ? 0 : statusRoll < 0.55 ? 1 : statusRoll < 0.7 ? 2 : 3];
    const companyIndex = Math.floor(random() * refs.companies.length);
    const company = refs.companies[companyIndex];
    const contacts = refs.contactsByCompany.get(company.id as number) ?? [];
    const contact =
      contacts.length > 0 ? contacts[Math.floor(random() * contacts.length)] : undefined;
    const templates =
      boardIndex === 0
        ? HELP_DESK_SUMMARIES
        : boardIndex === 2
          ? ALERT_SUMMARIES
          : PROJECT_SUMMARIES;
    const summary = templates[Math.floor(random() * templates.length)]
      .replace('{person}', contact ? String(contact.name) : 'new hire')
      .replace(
        '{host}',
        `${String(company.identifier).slice(0, 6).toUpperCase()}-SRV${1 + Math.floor(random() * 3)}`,
      );
    const entered = Math.floor(
      start + (i * span) / size.tickets + random() * Math.min(3600, span / size.tickets),
    );
    const updated = Math.min(nowSeconds, entered + Math.floor(random() * (nowSeconds - entered)));
    const owner =
      status.ref.name === 'New'
        ? undefined
        : refs.technicians[Math.floor(random() * refs.technicians.length)];
    const ticket = store.insert(COLLECTIONS.tickets, {
      summary,
      recordType: boardIndex === 1 ? 'ProjectTicket' : 'ServiceTicket',
      board,
      status: status.ref,
      company,
      contact,
      priority:
        refs.priorities[boardIndex === 2 ? Math.floor(random() * 2) : 1 + Math.floor(random() * 3)],
      owner,
      source: sources[Math.floor(random() * sources.length)],
      severity: 'Medium',
      impact: 'Medium',
      closedFlag: status.closed,
      customFields: escalated[random() < 0.1 ? 0 : 1],
      _info: {
        dateEntered: stamp(entered),
        lastUpdated: stamp(updated),
        enteredBy: 'jsmith',
        updatedBy: owner ? String(owner.identifier) : 'jsmith',
      },
    });
    if (ticket.id <= size.ticketsWithNotes) {
      const noteCount = 1 + Math.floor(random() * 3);
      for (let n = 0; n < noteCount; n++) {
        const noteTime = Math.min(nowSeconds, entered + n * 600);
        store.insert(`${COLLECTIONS.tickets}/${ticket.id}/notes`, {
          ticketId: ticket.id,
          text:
            n === 0
              ? `${summary}. Reported by ${contact?.name ?? 'the client'}.`
              : NOTE_TEXTS[Math.floor(random() * NOTE_TEXTS.length)],
          detailDescriptionFlag: n === 0,
          internalAnalysisFlag: n > 0 && random() < 0.5,
          resolutionFlag: status.closed && n === noteCount - 1 && n > 0,
          member: n === 0 ? undefined : (owner ?? refs.technicians[0]),
          contact: n === 0 ? contact : undefined,
          dateCreated: stamp(noteTime),
          createdBy: n === 0 ? 'Portal' : String((owner ?? refs.technicians[0]).identifier),
          internalFlag: false,
          externalFlag: n === 0,
          _info: {
            dateEntered: stamp(noteTime),
            lastUpdated: stamp(noteTime),
            enteredBy: 'jsmith',
            updatedBy: 'jsmith',
          },
        });
      }
    }
  }
}
