/** `msg.customFields` of a change message: the record's custom fields by caption. */
import type { NodeMessage } from 'node-red';

import { customFieldMaps } from '../../core/custom-fields';

/** The message with `customFields` added (one object per record for a per-poll page). */
export function withCustomFieldValues(msg: NodeMessage): NodeMessage {
  const values = customFieldMaps(msg.payload);
  return values === undefined ? msg : ({ ...msg, customFields: values } as NodeMessage);
}
