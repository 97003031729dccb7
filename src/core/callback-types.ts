/**
 * What ConnectWise callbacks can watch: the record types `/system/callbacks` takes, the levels
 * each type offers, and the collection a record of the type is read from. Pure data, shared by
 * the runtime, the simulator and the editor.
 */

export interface CallbackTypeInfo {
  /** The `type` of a `/system/callbacks` record. */
  type: string;
  /** The API collection of the type's records (`/service/tickets`): GET `{collection}/{id}`. */
  collection: string;
  /** Levels the type takes; `Owner` means every record of the type. */
  levels: readonly string[];
}

export const CALLBACK_TYPES: readonly CallbackTypeInfo[] = [
  {
    type: 'Ticket',
    collection: '/service/tickets',
    levels: ['Owner', 'Board', 'Status', 'Company', 'Ticket'],
  },
  {
    type: 'Company',
    collection: '/company/companies',
    levels: ['Owner', 'Status', 'Type', 'Territory', 'Company'],
  },
  {
    type: 'Contact',
    collection: '/company/contacts',
    levels: ['Owner', 'Type', 'Company', 'Contact'],
  },
  {
    type: 'Configuration',
    collection: '/company/configurations',
    levels: ['Owner', 'Type', 'Status', 'Company', 'Configuration'],
  },
  {
    type: 'Agreement',
    collection: '/finance/agreements',
    levels: ['Owner', 'Type', 'Company', 'Agreement'],
  },
  {
    type: 'Activity',
    collection: '/sales/activities',
    levels: ['Owner', 'Status', 'Type', 'Company', 'Activity'],
  },
  { type: 'Invoice', collection: '/finance/invoices', levels: ['Owner', 'Company', 'Invoice'] },
  { type: 'Expense', collection: '/expense/entries', levels: ['Owner', 'Member', 'Expense'] },
  { type: 'Member', collection: '/system/members', levels: ['Owner', 'Member'] },
  {
    type: 'Opportunity',
    collection: '/sales/opportunities',
    levels: ['Owner', 'Status', 'Company', 'Opportunity'],
  },
  {
    type: 'ProductCatalog',
    collection: '/procurement/catalog',
    levels: ['Owner', 'ProductCatalog'],
  },
  {
    type: 'Project',
    collection: '/project/projects',
    levels: ['Owner', 'Board', 'Status', 'Company', 'Project'],
  },
  {
    type: 'PurchaseOrder',
    collection: '/procurement/purchaseorders',
    levels: ['Owner', 'Status', 'PurchaseOrder'],
  },
  {
    type: 'Schedule',
    collection: '/schedule/entries',
    levels: ['Owner', 'Member', 'Type', 'Schedule'],
  },
  { type: 'Time', collection: '/time/entries', levels: ['Owner', 'Member', 'Company', 'Time'] },
];

/** `ObjectId` of an `Owner` callback: ConnectWise wants a number there, 1 by convention. */
export const OWNER_OBJECT_ID = 1;

/** The type's entry, found ignoring case (payloads say `ticket`, records say `Ticket`). */
export function callbackTypeInfo(type: string): CallbackTypeInfo | undefined {
  const wanted = type.trim().toLowerCase();
  return CALLBACK_TYPES.find((info) => info.type.toLowerCase() === wanted);
}

/** True when the level picks every record of the type, so it needs no object id. */
export function isOwnerLevel(level: string): boolean {
  return level.trim().toLowerCase() === 'owner';
}
