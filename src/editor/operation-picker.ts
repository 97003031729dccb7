/**
 * The operation picker: a search box over a list grouped module -> tag -> operation. The list is
 * virtualised: every row has the same height and only the rows inside the scrolled window (and a
 * few around it) exist in the DOM, so a keystroke filters the 3,000 operations and redraws a
 * screenful of rows however many groups the search opens, and opening the dialog builds one
 * screenful too. Group headers are rows of the list; the rows take Node-RED's treeList classes,
 * so they look (hover, selection, focus, light and dark themes) as the editor's other trees do.
 */
import type { CatalogIndex, OperationSummary } from '../shared/catalog-types';
import { afterPaint, showIf } from './form-fields';
import {
  matchesWords,
  queryWords,
  searchableOperation,
  type SearchableOperation,
  readableSummary,
} from './operation-search';

/** Height of every row in pixels (the styles give the rows exactly this height). */
export const PICKER_ROW_HEIGHT = 28;
/** Rows built above and below the scrolled window, so a quick scroll shows no blank edge. */
const OVERSCAN_ROWS = 3;
/** Indentation per level of the tree in pixels. */
const INDENT_PX = 16;
/** Frames to wait for the dialog to lay the list out before scrolling to the chosen operation. */
const LAYOUT_WAIT_FRAMES = 180;
const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

export interface OperationPickerLabels {
  search: string;
  loading: string;
  noMatches: string;
  /** e.g. "Selected:" */
  selected: string;
  none: string;
}

export interface OperationPickerOptions {
  labels: OperationPickerLabels;
  onPick: (operation: OperationSummary) => void;
  /** Height of the list in pixels. */
  height?: number;
}

interface Group {
  key: string;
  label: string;
  depth: number;
  /** The module's tags; empty for a tag. */
  tags: Group[];
  /** The tag's operations, in display order; empty for a module. */
  entries: SearchableOperation[];
  total: number;
  /** Matches of the current search. */
  matches: number;
  module?: Group;
}

/** One row of the list: a group header or an operation. */
type Line =
  | { kind: 'group'; key: string; group: Group }
  | { kind: 'operation'; key: string; entry: SearchableOperation; tag: Group };

interface Tree {
  modules: Group[];
  tags: Group[];
  /** The tag of every operation. */
  tagOf: Map<string, Group>;
}

/** What an index needs for searching and showing, kept for the editor session. */
interface PreparedIndex {
  entries: SearchableOperation[];
  operationsById: Map<string, OperationSummary>;
}

const preparedIndexes = new WeakMap<CatalogIndex, PreparedIndex>();

function prepareIndex(index: CatalogIndex): PreparedIndex {
  let prepared = preparedIndexes.get(index);
  if (!prepared) {
    const entries = index.operations.map(searchableOperation).sort(compareEntries);
    const operationsById = new Map(
      entries.map((entry) => [entry.operation.operationId, entry.operation]),
    );
    prepared = { entries, operationsById };
    preparedIndexes.set(index, prepared);
  }
  return prepared;
}

export class OperationPicker {
  readonly element: JQuery;
  private readonly list: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly search: JQuery;
  private readonly message: JQuery;
  private readonly selectedLine: JQuery;
  private readonly height: number;
  private tree: Tree = emptyTree();
  private entries: readonly SearchableOperation[] = [];
  private operationsById = new Map<string, OperationSummary>();
  /** Whether each operation (by id) matches the current search. */
  private matched = new Set<string>();
  private filtering = false;
  private appliedQuery = '';
  /** Groups open without a search: the way to the chosen operation, and what the user opened. */
  private readonly openGroups = new Set<string>();
  /** Groups the user closed during the current search (a search opens every matching group). */
  private closedInSearch = new Set<string>();
  private lines: Line[] = [];
  /** The list's scroll position, as last set or scrolled to. */
  private scrollTop = 0;
  /** Rows now in the DOM, by line key. */
  private rendered = new Map<string, HTMLElement>();
  /** The row the keyboard is on, by line key. */
  private activeKey: string | undefined;
  private selectedId: string | undefined;
  /** Bumped by every index or error shown, so rows scheduled for an older one are dropped. */
  private indexGeneration = 0;
  /** Bumped by every reveal, so a scroll waiting for layout is dropped by a newer one. */
  private revealGeneration = 0;

  constructor(
    container: JQuery,
    private readonly options: OperationPickerOptions,
  ) {
    const labels = options.labels;
    this.height = options.height ?? 260;
    this.element = $('<div class="cw-picker"></div>').appendTo(container);
    this.selectedLine = $('<div class="cw-picker-selected"></div>').appendTo(this.element);
    const searchRow = $('<div class="cw-picker-search"></div>').appendTo(this.element);
    this.search = $('<input type="text">')
      .attr('placeholder', labels.search)
      .appendTo(searchRow)
      .searchBox({ delay: 0, change: () => this.applyQuery(this.searchText()) });
    // searchBox reacts to keys only; pasting with the mouse must filter too.
    this.search.on('input', () => this.applyQuery(this.searchText()));
    this.search.on('keydown', (event) => {
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        this.focusList();
      } else if (event.key === 'Enter') {
        this.pickSingleMatch();
      }
    });
    this.list = document.createElement('div');
    this.list.className = 'cw-picker-tree red-ui-treeList-container';
    this.list.tabIndex = 0;
    this.list.setAttribute('role', 'tree');
    this.list.style.height = `${this.height}px`;
    this.canvas = document.createElement('div');
    this.canvas.className = 'cw-picker-canvas';
    this.list.append(this.canvas);
    this.element.append(this.list);
    this.message = $('<div class="cw-picker-message"></div>').appendTo(this.list);
    this.list.addEventListener('scroll', () => {
      this.scrollTop = this.list.scrollTop;
      this.render();
    });
    this.list.addEventListener('click', (event) => this.onClick(event));
    this.list.addEventListener('keydown', (event) => this.onKey(event));
    this.showMessage(labels.loading);
    this.renderSelected();
  }

  /** Shows an index (replacing any other); keeps the selection and the search text. */
  setIndex(index: CatalogIndex): void {
    const prepared = prepareIndex(index);
    this.entries = prepared.entries;
    this.operationsById = prepared.operationsById;
    // Per picker, since a search counts its matches in the groups.
    this.tree = buildTree(this.entries);
    this.renderSelected();
    this.appliedQuery = this.searchText();
    // The rows wait for the dialog to be painted: the search box is usable before them.
    const generation = ++this.indexGeneration;
    afterPaint(() => {
      if (generation !== this.indexGeneration) return;
      this.message.hide();
      this.refresh();
    });
  }

  /** Marks an operation as the chosen one (without calling onPick) and reveals it. */
  select(operationId: string | undefined): void {
    this.selectedId = operationId || undefined;
    this.renderSelected();
    this.revealSelection();
  }

  selected(): OperationSummary | undefined {
    return this.selectedId ? this.operationsById.get(this.selectedId) : undefined;
  }

  operation(operationId: string): OperationSummary | undefined {
    return this.operationsById.get(operationId);
  }

  showError(text: string): void {
    this.indexGeneration++;
    this.entries = [];
    this.tree = emptyTree();
    this.lines = [];
    this.canvas.style.height = '0px';
    this.render();
    this.showMessage(text, true);
  }

  private searchText(): string {
    return String(this.search.val() ?? '');
  }

  private applyQuery(query: string): void {
    if (query === this.appliedQuery) return;
    this.appliedQuery = query;
    this.refresh();
  }

  /** Filters by the current search, rebuilds the lines and shows the rows on screen. */
  private refresh(): void {
    const total = this.entries.length;
    if (total === 0) return;
    const words = queryWords(this.appliedQuery);
    this.filtering = words.length > 0;
    // A scroll to the chosen operation still waiting for layout is for the list before this.
    ++this.revealGeneration;
    this.closedInSearch = new Set();
    this.matched = new Set();
    for (const group of this.tree.modules) group.matches = 0;
    for (const tag of this.tree.tags) {
      tag.matches = 0;
      for (const entry of tag.entries) {
        if (this.filtering && !matchesWords(entry.haystack, words)) continue;
        this.matched.add(entry.operation.operationId);
        tag.matches++;
      }
      if (tag.module) tag.module.matches += tag.matches;
    }
    const matchCount = this.matched.size;
    if (!this.filtering) {
      this.message.hide();
      this.search.searchBox('count', String(total));
      this.rebuild();
      this.scrollTo(0);
      this.revealSelection();
      return;
    }
    this.search.searchBox('count', `${matchCount} / ${total}`);
    if (matchCount === 0) this.showMessage(this.options.labels.noMatches);
    else this.message.hide();
    this.rebuild();
    this.scrollTo(0);
    this.render();
  }

  private isOpen(group: Group): boolean {
    return this.filtering ? !this.closedInSearch.has(group.key) : this.openGroups.has(group.key);
  }

  private setOpen(group: Group, open: boolean): void {
    if (this.filtering) {
      if (open) this.closedInSearch.delete(group.key);
      else this.closedInSearch.add(group.key);
    } else if (open) {
      this.openGroups.add(group.key);
    } else {
      this.openGroups.delete(group.key);
    }
  }

  /** The rows of the list as the search and the open groups make it. */
  private rebuild(): void {
    const lines: Line[] = [];
    for (const module of this.tree.modules) {
      if (this.filtering && module.matches === 0) continue;
      lines.push({ kind: 'group', key: module.key, group: module });
      if (!this.isOpen(module)) continue;
      for (const tag of module.tags) {
        if (this.filtering && tag.matches === 0) continue;
        lines.push({ kind: 'group', key: tag.key, group: tag });
        if (!this.isOpen(tag)) continue;
        for (const entry of tag.entries) {
          const id = entry.operation.operationId;
          if (this.filtering && !this.matched.has(id)) continue;
          lines.push({ kind: 'operation', key: rowId(id), entry, tag });
        }
      }
    }
    this.lines = lines;
    this.canvas.style.height = `${lines.length * PICKER_ROW_HEIGHT}px`;
  }

  /** What a row shows; a row already built for a line is kept while this stays the same. */
  private signature(line: Line, index: number): string {
    if (line.kind === 'operation') return `${index}`;
    const count = this.filtering ? line.group.matches : line.group.total;
    return `${index} ${this.isOpen(line.group) ? 'open' : 'closed'} ${count}`;
  }

  /** Builds the rows inside the scrolled window and removes the others. */
  private render(): void {
    const first = Math.max(0, Math.floor(this.scrollTop / PICKER_ROW_HEIGHT) - OVERSCAN_ROWS);
    const last = Math.min(
      this.lines.length,
      Math.ceil((this.scrollTop + this.height) / PICKER_ROW_HEIGHT) + OVERSCAN_ROWS,
    );
    const wanted = new Map<string, string>();
    for (let index = first; index < last; index++) {
      wanted.set(this.lines[index].key, this.signature(this.lines[index], index));
    }
    // Rows that still show the same thing stay: fewer new elements, less style work per key.
    for (const [key, row] of this.rendered) {
      if (wanted.get(key) === row.dataset.signature) continue;
      row.remove();
      this.rendered.delete(key);
    }
    const added: HTMLElement[] = [];
    for (let index = first; index < last; index++) {
      const line = this.lines[index];
      if (this.rendered.has(line.key)) continue;
      const row = this.lineElement(line, index);
      row.dataset.signature = wanted.get(line.key);
      this.rendered.set(line.key, row);
      added.push(row);
    }
    if (added.length > 0) this.canvas.append(...added);
  }

  private lineElement(line: Line, index: number): HTMLElement {
    const row = document.createElement('div');
    row.className = 'red-ui-treeList-label cw-picker-row';
    row.style.top = `${index * PICKER_ROW_HEIGHT}px`;
    row.dataset.line = line.key;
    row.setAttribute('role', 'treeitem');
    if (line.key === this.activeKey) row.classList.add('focus');
    const icon = document.createElement('span');
    icon.className = 'red-ui-treeList-icon';
    if (line.kind === 'group') {
      const { group } = line;
      const open = this.isOpen(group);
      row.classList.add('cw-picker-group');
      row.setAttribute('aria-expanded', String(open));
      row.style.paddingLeft = `${group.depth * INDENT_PX}px`;
      const angle = document.createElement('i');
      angle.className = open ? 'fa fa-angle-down' : 'fa fa-angle-right';
      icon.append(angle);
      const label = document.createElement('span');
      label.className = 'red-ui-treeList-label-text';
      label.textContent = group.label;
      const count = document.createElement('span');
      count.className = 'red-ui-treeList-sublabel-text';
      count.textContent = String(this.filtering ? group.matches : group.total);
      row.append(icon, label, count);
    } else {
      if (line.entry.operation.operationId === this.selectedId) row.classList.add('selected');
      row.style.paddingLeft = `${2 * INDENT_PX}px`;
      row.append(icon, operationElement(line.entry.operation));
    }
    return row;
  }

  private lineIndex(key: string | undefined): number {
    return key === undefined ? -1 : this.lines.findIndex((line) => line.key === key);
  }

  /** Scrolls the list so the line shows; `centre` puts it in the middle (on open). */
  private scrollToLine(index: number, centre = false): void {
    if (index < 0) return;
    const viewport = this.list.clientHeight || this.height;
    const top = index * PICKER_ROW_HEIGHT;
    if (centre) {
      this.scrollTo(Math.max(0, top - (viewport - PICKER_ROW_HEIGHT) / 2));
    } else if (top < this.scrollTop) {
      this.scrollTo(top);
    } else if (top + PICKER_ROW_HEIGHT > this.scrollTop + viewport) {
      this.scrollTo(top + PICKER_ROW_HEIGHT - viewport);
    }
    this.render();
  }

  /**
   * Scrolls the list, keeping the position for rendering: reading it back from the DOM would
   * make the browser lay the page out again in the middle of a keystroke.
   */
  private scrollTo(top: number): void {
    if (top === 0) {
      if (this.scrollTop !== 0) this.list.scrollTop = 0;
      this.scrollTop = 0;
      return;
    }
    this.list.scrollTop = top;
    // The browser clamps to what the list can scroll (nothing while it is not laid out).
    this.scrollTop = this.list.scrollTop;
  }

  /**
   * Opens the chosen operation's groups and scrolls to its row; while the dialog has not laid
   * the list out yet (it cannot scroll), tries again in the next frames.
   */
  private revealSelection(): void {
    const id = this.selectedId;
    const tag = id ? this.tree.tagOf.get(id) : undefined;
    if (!id || !tag) {
      this.render();
      return;
    }
    if (!this.filtering) {
      this.openGroups.add(tag.key);
      if (tag.module) this.openGroups.add(tag.module.key);
    }
    this.rebuild();
    const key = rowId(id);
    const generation = ++this.revealGeneration;
    let frames = 0;
    const scroll = (): void => {
      if (generation !== this.revealGeneration) return;
      const index = this.lineIndex(key);
      const laidOut = this.list.clientHeight > 0;
      if (laidOut || index < 0) this.scrollToLine(index, true);
      else if (++frames < LAYOUT_WAIT_FRAMES) requestAnimationFrame(scroll);
    };
    // The rows at the top now; the scroll at the start of the next frame, which lays the page
    // out anyway, rather than forcing a layout while the dialog is being built.
    this.render();
    requestAnimationFrame(scroll);
  }

  private focusList(): void {
    if (this.lines.length === 0) return;
    if (this.lineIndex(this.activeKey) < 0) {
      const firstOperation = this.lines.find((line) => line.kind === 'operation');
      this.setActive((firstOperation ?? this.lines[0]).key);
    }
    this.list.focus({ preventScroll: true });
  }

  private setActive(key: string | undefined): void {
    if (this.activeKey !== undefined) this.rendered.get(this.activeKey)?.classList.remove('focus');
    this.activeKey = key;
    if (key === undefined) return;
    this.scrollToLine(this.lineIndex(key));
    this.rendered.get(key)?.classList.add('focus');
  }

  private onClick(event: MouseEvent): void {
    const row = (event.target as HTMLElement | null)?.closest<HTMLElement>('.cw-picker-row');
    const key = row?.dataset.line;
    const line = key === undefined ? undefined : this.lines[this.lineIndex(key)];
    if (!line) return;
    this.setActive(line.key);
    this.activate(line);
  }

  /** A click or Enter: an operation is picked, a group opens or closes. */
  private activate(line: Line): void {
    if (line.kind === 'operation') {
      this.choose(line.entry.operation);
      return;
    }
    this.toggle(line.group, !this.isOpen(line.group));
  }

  private toggle(group: Group, open: boolean): void {
    if (this.isOpen(group) === open) return;
    const scrollTop = this.scrollTop;
    this.setOpen(group, open);
    this.rebuild();
    this.scrollTo(
      Math.min(scrollTop, Math.max(0, this.lines.length * PICKER_ROW_HEIGHT - this.height)),
    );
    this.render();
    if (this.lineIndex(this.activeKey) < 0) this.setActive(group.key);
  }

  private onKey(event: KeyboardEvent): void {
    const index = this.lineIndex(this.activeKey);
    const line = index >= 0 ? this.lines[index] : undefined;
    const page = Math.max(1, Math.floor(this.height / PICKER_ROW_HEIGHT) - 1);
    let next: number | undefined;
    switch (event.key) {
      case 'ArrowDown':
        next = index + 1;
        break;
      case 'ArrowUp':
        if (index <= 0) {
          this.search.trigger('focus');
          break;
        }
        next = index - 1;
        break;
      case 'PageDown':
        next = index + page;
        break;
      case 'PageUp':
        next = index - page;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.lines.length - 1;
        break;
      case 'Enter':
      case ' ':
        if (line) this.activate(line);
        break;
      case 'ArrowRight':
        if (line?.kind === 'group') this.toggle(line.group, true);
        break;
      case 'ArrowLeft':
        if (line?.kind === 'group' && this.isOpen(line.group)) {
          this.toggle(line.group, false);
        } else if (line) {
          const parent = line.kind === 'operation' ? line.tag : line.group.module;
          if (parent) this.setActive(parent.key);
        }
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next !== undefined && this.lines.length > 0) {
      const clamped = Math.min(this.lines.length - 1, Math.max(0, next));
      this.setActive(this.lines[clamped].key);
    }
  }

  private choose(operation: OperationSummary): void {
    if (this.selectedId === operation.operationId) return;
    const previous = this.selectedId;
    this.selectedId = operation.operationId;
    if (previous) this.rendered.get(rowId(previous))?.classList.remove('selected');
    this.rendered.get(rowId(operation.operationId))?.classList.add('selected');
    this.renderSelected();
    this.options.onPick(operation);
  }

  /** Enter in the search box takes the only match. */
  private pickSingleMatch(): void {
    const words = queryWords(this.appliedQuery);
    if (words.length === 0) return;
    let found: SearchableOperation | undefined;
    for (const entry of this.entries) {
      if (!matchesWords(entry.haystack, words)) continue;
      if (found) return;
      found = entry;
    }
    if (!found) return;
    this.choose(found.operation);
    this.revealSelection();
  }

  private renderSelected(): void {
    const labels = this.options.labels;
    this.selectedLine.empty();
    $('<span class="cw-picker-selected-label"></span>')
      .text(labels.selected)
      .appendTo(this.selectedLine);
    const op = this.selected();
    if (op) {
      $(operationElement(op)).appendTo(this.selectedLine);
    } else if (this.selectedId) {
      $('<code></code>').text(this.selectedId).appendTo(this.selectedLine);
    } else {
      $('<span class="cw-picker-none"></span>').text(labels.none).appendTo(this.selectedLine);
    }
  }

  private showMessage(text: string, isError = false): void {
    showIf(this.message.text(text).toggleClass('cw-picker-error', isError), true);
  }
}

function rowId(operationId: string): string {
  return `op:${operationId}`;
}

function emptyTree(): Tree {
  return { modules: [], tags: [], tagOf: new Map() };
}

/** Module and tag groups over operations already in module, tag order. */
function buildTree(entries: readonly SearchableOperation[]): Tree {
  const tree: Tree = emptyTree();
  let module: Group | undefined;
  let tag: Group | undefined;
  for (const entry of entries) {
    const { operation } = entry;
    if (!module || module.label !== operation.module) {
      module = group(`module:${operation.module}`, operation.module, 0);
      tree.modules.push(module);
      tag = undefined;
    }
    if (!tag || tag.label !== operation.tag) {
      tag = group(`tag:${operation.module}/${operation.tag}`, operation.tag, 1);
      tag.module = module;
      module.tags.push(tag);
      tree.tags.push(tag);
    }
    tag.entries.push(entry);
    tag.total++;
    module.total++;
    tree.tagOf.set(operation.operationId, tag);
  }
  return tree;
}

function group(key: string, label: string, depth: number): Group {
  return { key, label, depth, tags: [], entries: [], total: 0, matches: 0 };
}

function compareEntries(a: SearchableOperation, b: SearchableOperation): number {
  const x = a.operation;
  const y = b.operation;
  return (
    compareText(x.module, y.module) ||
    compareText(x.tag, y.tag) ||
    compareText(x.path, y.path) ||
    METHOD_ORDER.indexOf(x.method) - METHOD_ORDER.indexOf(y.method)
  );
}

function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function operationElement(op: OperationSummary): HTMLElement {
  const row = document.createElement('span');
  row.className = 'cw-op';
  row.title = `${op.operationId}\n${op.method.toUpperCase()} ${op.path}\n${readableSummary(op.summary)}`;
  const method = document.createElement('span');
  method.className = `cw-op-method cw-op-${op.method}`;
  method.textContent = op.method.toUpperCase();
  const path = document.createElement('span');
  path.className = 'cw-op-path';
  path.textContent = op.path;
  const summary = document.createElement('span');
  summary.className = 'cw-op-summary';
  summary.textContent = `— ${readableSummary(op.summary)}`;
  row.append(method, path, summary);
  return row;
}
