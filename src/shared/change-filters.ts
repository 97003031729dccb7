/**
 * The change filters a poll or callback node saves, shared by the editor's form and the runtime:
 * "any watched field changed", "<field> becomes <value>", "<field> stops being <value>".
 */
export const CHANGE_FILTER_KINDS = ['any', 'becomes', 'leaves'] as const;
export type ChangeFilterKind = (typeof CHANGE_FILTER_KINDS)[number];

/** A filter as the node saves it. */
export interface ChangeFilterConfig {
  kind: ChangeFilterKind;
  /** The watched field `becomes` and `leaves` look at. */
  field?: string;
  /** The value it becomes or stops being, compared as text (`Waiting on Customer`, `3`). */
  value?: string;
}
