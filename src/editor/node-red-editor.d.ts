/// <reference types="jquery" />
/**
 * The parts of Node-RED's editor API (RED, its jQuery widgets) the forms use, typed narrowly.
 */

/** A node or config node as the editor holds it while its dialog is open. */
interface EditorNodeInstance {
  id: string;
  type: string;
  _: (key: string, substitutions?: Record<string, unknown>) => string;
  [property: string]: unknown;
}

interface EditorCodeEditor {
  getValue(): string;
  setValue(value: string, cursorPosition?: number): void;
  destroy(): void;
  resize?(): void;
  focus(): void;
}

interface EditorNotification {
  close(): void;
}

interface NodeRedEditorApi {
  _: (key: string, substitutions?: Record<string, unknown>) => string;
  nodes: {
    node(id: string): EditorNodeInstance | null;
  };
  notify(
    message: string,
    options?: { type?: 'error' | 'warning' | 'success' | 'compact'; timeout?: number },
  ): EditorNotification;
  editor: {
    createEditor(options: {
      id?: string;
      element?: HTMLElement;
      mode?: string;
      value?: string;
      /** Monaco's option; Ace ignores it. */
      foldingStrategy?: 'auto' | 'indentation';
    }): EditorCodeEditor;
  };
  tray: { resize(): void };
  popover: {
    tooltip(target: JQuery, content: string): { close(): void; setContent(content: string): void };
  };
  view?: { redraw(updateActive?: boolean): void };
}

declare const RED: NodeRedEditorApi;

/** An item of Node-RED's treeList widget; the widget adds `treeList`, `parent` and `depth`. */
interface TreeListItem {
  id?: string;
  label?: string;
  sublabel?: string;
  icon?: string;
  class?: string;
  element?: HTMLElement | JQuery;
  /** The children, or a loader the treeList calls when the item is first opened. */
  children?:
    TreeListItem[] | ((done: (children: TreeListItem[]) => void, item: TreeListItem) => void);
  expanded?: boolean;
  deferBuild?: boolean;
  selected?: boolean;
  parent?: TreeListItem;
  depth?: number;
  treeList?: {
    label?: JQuery;
    container?: JQuery;
    /** The list of built children; absent until the group is opened. */
    childList?: JQuery;
    /** Applied by the treeList to children when it builds them. */
    childFilter?: (item: TreeListItem) => boolean;
    expand(done?: () => void): void;
    collapse(): void;
  };
}

interface TreeListOptions {
  data?: TreeListItem[];
  multi?: boolean;
  selectable?: boolean;
}

interface SearchBoxOptions {
  delay?: number;
  minimumLength?: number;
  style?: 'compact';
  change?: (this: HTMLInputElement) => void;
}

interface EditableListOptions<T> {
  addButton?: boolean | string;
  addItem?: (row: JQuery, index: number, data: T) => void;
  removeItem?: (data: T) => void;
  removable?: boolean;
  sortable?: boolean;
  height?: number | 'auto';
  scrollOnAdd?: boolean;
  header?: JQuery;
}

type TypedInputTypeName = string;

interface TypedInputTypeDefinition {
  value: string;
  label?: string;
  icon?: string;
  options?: string[] | Array<{ value: string; label: string }>;
  hasValue?: boolean;
}

interface TypedInputOptions {
  default?: TypedInputTypeName;
  types: Array<TypedInputTypeName | TypedInputTypeDefinition>;
  typeField?: JQuery | string;
}

// Merging into jQuery's own interface needs its type parameter, unused here.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
interface JQuery<TElement = HTMLElement> {
  treeList(options: TreeListOptions): this;
  treeList(method: 'data', items: TreeListItem[]): void;
  treeList(method: 'data'): TreeListItem[];
  treeList(method: 'show', item: string | TreeListItem, done?: () => void): void;
  treeList(method: 'select', item: string | TreeListItem, triggerEvent?: boolean): void;
  treeList(method: 'reveal', item: string | TreeListItem): void;
  treeList(method: 'get', id: string): TreeListItem | null;
  treeList(method: 'filter', filter: ((item: TreeListItem) => boolean) | null): number;
  treeList(method: 'clearSelection' | 'empty'): void;

  searchBox(options: SearchBoxOptions): this;
  searchBox(method: 'value'): string;
  searchBox(method: 'value', value: string): void;
  searchBox(method: 'count', value?: string | number): void;

  editableList<T extends object>(options: EditableListOptions<T>): this;
  editableList(method: 'addItem' | 'removeItem', data: object): void;
  editableList(method: 'items'): JQuery;
  editableList(method: 'height' | 'width', value: number | string): void;
  editableList(method: 'empty'): void;
  editableList(method: 'length'): number;

  typedInput(options: TypedInputOptions): this;
  typedInput(method: 'type' | 'value'): string;
  typedInput(method: 'type' | 'value' | 'width', value: string | number): void;
  typedInput(method: 'validate'): boolean;
  typedInput(method: 'types', types: Array<TypedInputTypeName | TypedInputTypeDefinition>): void;
}
