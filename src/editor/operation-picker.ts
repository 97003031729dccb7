/**
 * The operation picker: a search box over a treeList grouped module -> tag -> operation. Groups
 * are built only when opened (`deferBuild`), so the ~3,000 rows cost nothing until shown. A
 * search hides and shows rows itself rather than through the treeList's filter: that one toggles
 * each built row with jQuery show/hide, which reads computed styles row by row and costs tens of
 * milliseconds a keystroke once a few hundred rows exist, and it opens every group with a match.
 */
import type { CatalogIndex, OperationSummary } from '../shared/catalog-types';
import {
  matchesWords,
  queryWords,
  searchableOperation,
  type SearchableOperation,
  readableSummary,
} from './operation-search';

/** Up to this many matches every matching group is opened, so every matching row shows. */
const OPEN_ALL_LIMIT = 150;
/** Up to this many matching tags the modules open (showing the tags with their counts). */
const OPEN_MODULES_TAG_LIMIT = 40;
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
  /** Height of the tree in pixels. */
  height?: number;
}

/** A row of the tree whose DOM is created the first time the treeList shows it. */
class OperationRow implements TreeListItem {
  readonly id: string;
  selected?: boolean;
  /** Whether the current search matches it. */
  matched = true;
  /** Set by the treeList when it takes the row. */
  treeList?: TreeListItem['treeList'];
  private built?: HTMLElement | JQuery;

  constructor(
    readonly entry: SearchableOperation,
    readonly tag: GroupItem,
  ) {
    this.id = rowId(entry.operation.operationId);
  }

  get operation(): OperationSummary {
    return this.entry.operation;
  }

  get element(): HTMLElement | JQuery {
    if (!this.built) this.built = operationElement(this.entry.operation);
    return this.built;
  }

  set element(value: HTMLElement | JQuery) {
    this.built = value;
  }
}

interface GroupItem extends TreeListItem {
  label: string;
  /** Tags of a module, rows of a tag. */
  members: TreeListItem[];
  total: number;
  /** Matches of the current search. */
  matches: number;
  module?: GroupItem;
}

interface Tree {
  modules: GroupItem[];
  tags: GroupItem[];
  rows: OperationRow[];
  rowsById: Map<string, OperationRow>;
}

const sortedEntries = new WeakMap<CatalogIndex, SearchableOperation[]>();

export class OperationPicker {
  readonly element: JQuery;
  private readonly treeElement: JQuery;
  private readonly search: JQuery;
  private readonly message: JQuery;
  private readonly selectedLine: JQuery;
  private tree: Tree = emptyTree();
  private operationsById = new Map<string, OperationSummary>();
  private selectedId: string | undefined;
  private appliedQuery = '';
  private filtering = false;
  /** Bumped by every search, so group openings scheduled for an older one are dropped. */
  private searchGeneration = 0;

  constructor(
    container: JQuery,
    private readonly options: OperationPickerOptions,
  ) {
    const labels = options.labels;
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
        this.treeElement.trigger('focus');
      } else if (event.key === 'Enter') {
        this.pickSingleMatch();
      }
    });
    this.treeElement = $('<div class="cw-picker-tree"></div>')
      .css({ height: `${options.height ?? 260}px` })
      .appendTo(this.element)
      .treeList({ data: [] });
    this.message = $('<div class="cw-picker-message"></div>').appendTo(this.treeElement);
    const onRow = (_event: unknown, item?: TreeListItem): void => this.onRow(item);
    this.treeElement.on('treelistselect', onRow).on('treelistconfirm', onRow);
    this.showMessage(labels.loading);
    this.renderSelected();
  }

  /** Shows an index (replacing any other); keeps the selection and the search text. */
  setIndex(index: CatalogIndex): void {
    let entries = sortedEntries.get(index);
    if (!entries) {
      entries = index.operations.map(searchableOperation).sort(compareEntries);
      sortedEntries.set(index, entries);
    }
    this.operationsById = new Map(
      entries.map((entry) => [entry.operation.operationId, entry.operation]),
    );
    this.tree = buildTree(entries, this.selectedId);
    this.filtering = false;
    this.treeElement.treeList('data', this.tree.modules);
    // Rows and tags of groups built later are hidden at build time when they do not match.
    const visible = (item: TreeListItem): boolean => this.isVisible(item);
    for (const group of [...this.tree.modules, ...this.tree.tags]) {
      if (group.treeList) group.treeList.childFilter = visible;
    }
    this.message.hide();
    this.renderSelected();
    this.refresh();
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
    this.tree = emptyTree();
    this.treeElement.treeList('data', []);
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

  private refresh(): void {
    const words = queryWords(this.appliedQuery);
    const total = this.tree.rows.length;
    if (total === 0) return;
    this.filtering = words.length > 0;
    const generation = ++this.searchGeneration;
    for (const group of this.tree.modules) group.matches = 0;
    for (const group of this.tree.tags) group.matches = 0;
    let matchCount = 0;
    for (const row of this.tree.rows) {
      row.matched = !this.filtering || matchesWords(row.entry.haystack, words);
      if (!row.matched) continue;
      matchCount++;
      row.tag.matches++;
      if (row.tag.module) row.tag.module.matches++;
    }
    this.showBuiltRows();
    if (!this.filtering) {
      this.message.hide();
      this.search.searchBox('count', String(total));
      this.closeGroups();
      this.revealSelection();
      return;
    }
    this.search.searchBox('count', `${matchCount} / ${total}`);
    if (matchCount === 0) {
      this.showMessage(this.options.labels.noMatches);
      return;
    }
    this.message.hide();
    const matchingTags = this.tree.tags.filter((tag) => tag.matches > 0);
    const openTags = matchCount <= OPEN_ALL_LIMIT;
    if (!openTags && matchingTags.length > OPEN_MODULES_TAG_LIMIT) return;
    const toOpen = this.tree.modules.filter((module) => module.matches > 0);
    if (openTags) toOpen.push(...matchingTags);
    // One group per task, so typing on is never held up by building rows.
    for (const group of toOpen) {
      setTimeout(() => {
        if (generation === this.searchGeneration) openGroup(group);
      }, 0);
    }
  }

  private isVisible(item: TreeListItem): boolean {
    if (item instanceof OperationRow) return item.matched;
    return !this.filtering || (item as GroupItem).matches > 0;
  }

  /** Shows or hides every row and group the treeList has built, and updates group counts. */
  private showBuiltRows(): void {
    for (const module of this.tree.modules) {
      setShown(module, this.isVisible(module));
      setSublabel(module, `${this.filtering ? module.matches : module.total}`);
      if (!module.treeList?.childList) continue;
      for (const tag of module.members as GroupItem[]) {
        setShown(tag, this.isVisible(tag));
        setSublabel(tag, `${this.filtering ? tag.matches : tag.total}`);
        if (!tag.treeList?.childList) continue;
        for (const row of tag.members) setShown(row, this.isVisible(row));
      }
    }
  }

  /** Back to the unfiltered tree: groups closed, except the way to the chosen operation. */
  private closeGroups(): void {
    const selectedRow = this.selectedRow();
    const keepOpen = new Set<TreeListItem>();
    if (selectedRow) {
      keepOpen.add(selectedRow.tag);
      if (selectedRow.tag.module) keepOpen.add(selectedRow.tag.module);
    }
    for (const group of [...this.tree.tags, ...this.tree.modules]) {
      if (keepOpen.has(group)) continue;
      if (group.treeList?.container?.hasClass('expanded')) {
        group.treeList.collapse();
      } else if (!group.treeList?.container) {
        // Marked open by a search while its module was closed: it would open when built.
        group.expanded = false;
      }
    }
  }

  private selectedRow(): OperationRow | undefined {
    return this.selectedId ? this.tree.rowsById.get(this.selectedId) : undefined;
  }

  /** Opens the chosen operation's groups, then highlights and scrolls to its row. */
  private revealSelection(): void {
    const row = this.selectedRow();
    if (!row) return;
    const { tag } = row;
    if (tag.treeList?.container) {
      openGroup(tag);
    } else {
      // Not built yet: the treeList builds it open, in the same pass as its module.
      tag.expanded = true;
    }
    openGroup(tag.module);
    const generation = this.searchGeneration;
    let frames = 0;
    const highlight = (): void => {
      if (generation !== this.searchGeneration || !document.body.contains(this.element[0])) return;
      const label = row.treeList?.label;
      if (!label || !document.body.contains(label[0])) {
        // Rows are added a few at a time; give up after about three seconds.
        if (++frames < 180) requestAnimationFrame(highlight);
        return;
      }
      this.treeElement.treeList('select', row, false);
      this.treeElement.treeList('reveal', row);
    };
    highlight();
  }

  private onRow(item: TreeListItem | undefined): void {
    if (!(item instanceof OperationRow)) return;
    this.choose(item.operation);
  }

  private choose(operation: OperationSummary): void {
    if (this.selectedId === operation.operationId) return;
    this.selectedId = operation.operationId;
    this.renderSelected();
    this.options.onPick(operation);
  }

  /** Enter in the search box takes the only match. */
  private pickSingleMatch(): void {
    const words = queryWords(this.appliedQuery);
    if (words.length === 0) return;
    let found: OperationRow | undefined;
    for (const row of this.tree.rows) {
      if (!matchesWords(row.entry.haystack, words)) continue;
      if (found) return;
      found = row;
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
    this.message.text(text).toggleClass('cw-picker-error', isError).show();
  }
}

function rowId(operationId: string): string {
  return `op:${operationId}`;
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

function emptyTree(): Tree {
  return { modules: [], tags: [], rows: [], rowsById: new Map() };
}

/**
 * Module and tag groups over rows already in module, tag order; every group closed. A tag hands
 * its rows to the treeList only when opened, so the treeList does not set up 3,000 rows it may
 * never show.
 */
function buildTree(entries: readonly SearchableOperation[], selectedId: string | undefined): Tree {
  const tree: Tree = emptyTree();
  let module: GroupItem | undefined;
  let tag: GroupItem | undefined;
  for (const entry of entries) {
    const { operation } = entry;
    if (!module || module.label !== operation.module) {
      module = group(`module:${operation.module}`, operation.module);
      tree.modules.push(module);
      tag = undefined;
    }
    if (!tag || tag.label !== operation.tag) {
      tag = group(`tag:${operation.module}/${operation.tag}`, operation.tag);
      tag.module = module;
      module.members.push(tag);
      tree.tags.push(tag);
    }
    const row = new OperationRow(entry, tag);
    if (operation.operationId === selectedId) row.selected = true;
    tag.members.push(row);
    tag.total++;
    module.total++;
    tree.rows.push(row);
    tree.rowsById.set(operation.operationId, row);
  }
  for (const module of tree.modules) module.children = module.members;
  for (const tag of tree.tags) {
    tag.children = (done, item) => {
      // From now on the treeList (keyboard moves) sees the rows as plain children.
      item.children = tag.members;
      done(tag.members);
    };
  }
  for (const item of [...tree.modules, ...tree.tags]) item.sublabel = `${item.total}`;
  return tree;
}

function group(id: string, label: string): GroupItem {
  return { id, label, members: [], deferBuild: true, expanded: false, total: 0, matches: 0 };
}

function openGroup(group: GroupItem | undefined): void {
  if (group?.treeList && !group.treeList.container?.hasClass('expanded')) group.treeList.expand();
}

/** Hides a built item's list entry; writes only, so no style is recomputed per row. */
function setShown(item: TreeListItem, shown: boolean): void {
  const entry = item.treeList?.container?.[0]?.parentElement;
  if (!entry) return;
  const display = shown ? '' : 'none';
  if (entry.style.display !== display) entry.style.display = display;
}

function setSublabel(group: GroupItem, text: string): void {
  if (group.sublabel === text) return;
  group.sublabel = text;
  group.treeList?.label?.find('.red-ui-treeList-sublabel-text').first().text(text);
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
