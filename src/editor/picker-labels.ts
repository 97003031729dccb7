/** Labels of the picker and parameter rows, read from a node type's own catalog. */
import type { OperationPickerLabels } from './operation-picker';
import type { ParameterRowsLabels } from './parameter-rows';

/** `prefix` is the node type, whose locale file holds `<prefix>.picker.*` and `<prefix>.params.*`. */
export function pickerLabels(node: EditorNodeInstance, prefix: string): OperationPickerLabels {
  const t = (key: string): string => node._(`${prefix}.picker.${key}`);
  return {
    search: t('search'),
    loading: t('loading'),
    noMatches: t('noMatches'),
    selected: t('selected'),
    none: t('none'),
  };
}

export function parameterLabels(node: EditorNodeInstance, prefix: string): ParameterRowsLabels {
  const t = (key: string): string => node._(`${prefix}.params.${key}`);
  return {
    add: t('add'),
    addPlaceholder: t('addPlaceholder'),
    other: t('other'),
    otherName: t('otherName'),
    query: t('query'),
    header: t('header'),
    required: t('required'),
    notInOperation: t('notInOperation'),
  };
}
