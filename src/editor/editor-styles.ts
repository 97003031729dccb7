/**
 * The forms' own styles, added to the editor page once. Colours come from Node-RED's theme
 * variables (they exist in 4.1 and 5.0, light and dark), so the forms follow whichever theme the
 * editor shows; the few hues of our own are mixed with the theme's text colour.
 */
import { PICKER_ROW_HEIGHT } from './operation-picker';

const STYLE_ID = 'cw-manage-editor-styles';

/** A method's hue in the picker: GET green, POST blue, PUT amber, PATCH purple, DELETE red. */
const METHOD_HUES: Record<string, string> = {
  get: '#2e8540',
  post: '#1f6fb2',
  put: '#a86400',
  patch: '#7d4eb3',
  delete: '#c0392b',
};

/**
 * `colour` mixed with the theme's text colour (`percent` of it kept): darker on a light theme,
 * lighter on a dark one, so it reads at 4.5:1 on the theme's list and form backgrounds. The plain
 * colour comes first for a browser without color-mix().
 */
function readableOn(colour: string, percent: number): string {
  return (
    `color: ${colour}; ` +
    `color: color-mix(in srgb, ${colour} ${percent}%, var(--red-ui-primary-text-color, #555));`
  );
}

function methodColours(): string {
  return Object.entries(METHOD_HUES)
    .map(([method, hue]) => `.cw-op-${method} { ${readableOn(hue, 60)} }`)
    .join('\n');
}

export function installStyles(): void {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = `
.cw-picker { width: 100%; }
.cw-picker-selected { display: flex; align-items: center; gap: 6px; min-height: 22px; margin-bottom: 6px; overflow: hidden; white-space: nowrap; }
.cw-picker-selected-label { font-weight: bold; flex-shrink: 0; }
.cw-picker-none { color: var(--red-ui-secondary-text-color, #888); font-style: italic; }
.cw-picker-search { margin-bottom: 4px; }
.cw-picker-search .red-ui-searchBox-container { width: 100%; }
.cw-picker-tree { position: relative; border: 1px solid var(--red-ui-secondary-border-color, #ccc); border-radius: 4px; }
.cw-picker-tree.red-ui-treeList-container { overflow-x: hidden; overflow-y: auto; contain: strict; }
.cw-picker-tree:focus { outline: none; }
.cw-picker-canvas { position: relative; }
.cw-picker-row.red-ui-treeList-label { position: absolute; left: 0; right: 0; height: ${PICKER_ROW_HEIGHT}px; padding-top: 0; padding-bottom: 0; box-sizing: border-box; overflow: hidden; white-space: nowrap; contain: strict; }
.cw-picker-row .red-ui-treeList-sublabel-text { line-height: ${PICKER_ROW_HEIGHT}px; }
.cw-picker-row .cw-op { flex: 1 1 auto; }
/* On the darker background of the keyboard's or the mouse's row (4.1: #888 on #e6e6e6 is 2.8:1). */
.cw-picker-row.focus .cw-op-summary, .cw-picker-row:hover .cw-op-summary { color: var(--red-ui-list-item-color, #555); }
.cw-picker-message { position: absolute; top: 10px; left: 10px; right: 10px; color: var(--red-ui-secondary-text-color, #888); font-style: italic; }
.cw-picker-message.cw-picker-error { color: var(--red-ui-text-color-error, #d6615f); font-style: normal; }
.cw-op { display: inline-flex; gap: 6px; min-width: 0; max-width: 100%; overflow: hidden; white-space: nowrap; align-items: baseline; }
.cw-op-method { flex-shrink: 0; width: 48px; font-family: monospace; font-size: 11px; font-weight: bold; }
${methodColours()}
.cw-op-path { font-family: monospace; font-size: 12px; flex-shrink: 0; }
.cw-op-summary { color: var(--red-ui-secondary-text-color, #777); overflow: hidden; text-overflow: ellipsis; }
.cw-param-row { display: flex; align-items: center; gap: 8px; }
.cw-param-name { flex: 0 0 30%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: monospace; font-size: 12px; }
.cw-param-name input { width: 100%; }
.cw-param-required { color: var(--red-ui-text-color-error, #d6615f); margin-left: 2px; }
.cw-param-value { flex: 1 1 auto; min-width: 0; }
.cw-param-add { display: flex; gap: 6px; align-items: center; margin-top: 6px; }
.cw-param-add select { flex: 1 1 auto; width: auto; }
.cw-test-result { margin-top: 6px; white-space: pre-wrap; word-break: break-word; }
.cw-test-ok { ${readableOn('var(--red-ui-text-color-success, #3a3)', 50)} }
.cw-test-failed { color: var(--red-ui-text-color-error, #d6615f); }
.cw-section { margin-top: 12px; }
.cw-builder-body { margin-top: 6px; padding: 8px; border: 1px solid var(--red-ui-secondary-border-color, #ccc); border-radius: 4px; }
.cw-builder-head { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
.cw-builder-zone, .cw-builder-caption { color: var(--red-ui-secondary-text-color, #777); font-size: 12px; }
.cw-builder-group { border-left: 3px solid var(--red-ui-secondary-border-color, #ccc); padding-left: 6px; margin: 4px 0; }
.cw-builder-group-head, .cw-builder-actions { display: flex; gap: 6px; align-items: center; margin: 2px 0; }
.cw-builder-group-head select { width: auto; }
.cw-builder-not { width: auto; margin: 0; }
.cw-builder-not input { width: auto; margin: 0; }
.cw-builder-row { display: flex; gap: 4px; align-items: center; margin: 2px 0; }
.cw-builder-row select, .cw-builder-row input { margin: 0; }
.cw-builder-field, .cw-builder-order-field { flex: 1 1 40%; min-width: 0; width: auto; }
.cw-builder-operator, .cw-builder-order-direction { flex: 0 0 110px; width: 110px; }
.cw-builder-value { flex: 1 1 40%; min-width: 0; display: flex; }
.cw-builder-value > * { width: 100%; }
.cw-builder-value-parts { display: flex; gap: 4px; min-width: 0; }
.cw-builder-source { flex: 0 0 82px; width: 82px; }
.cw-builder-value-input { flex: 1 1 auto; min-width: 0; display: flex; }
.cw-builder-value-input > * { width: 100%; }
.cw-builder-note { margin: 4px 0; white-space: pre-wrap; }
.cw-builder-preview-row, .cw-builder-count-row { display: flex; gap: 6px; align-items: baseline; margin-top: 6px; }
.cw-builder-preview { flex: 1 1 auto; min-width: 0; word-break: break-all; white-space: pre-wrap; font-size: 11px; }
.cw-builder-fields, .cw-builder-order { margin-top: 8px; }
.cw-builder-fields-filter { width: 100%; margin-bottom: 4px; }
.cw-builder-fields-list { max-height: 160px; overflow-y: auto; border: 1px solid var(--red-ui-secondary-border-color, #ccc); border-radius: 4px; padding: 2px 6px; }
.cw-builder-fields-item { display: block; width: auto; margin: 0; font-family: monospace; font-size: 12px; }
.cw-builder-fields-item input { width: auto; margin: 0 4px 0 0; }
`;
  document.head.appendChild(style);
}
