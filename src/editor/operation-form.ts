/**
 * What the request and poll forms share: the connection's catalog, the operation picker, the
 * chosen operation's detail and its parameter rows.
 */
import type { CatalogIndex, OperationDetail, OperationSummary } from '../shared/catalog-types';
import type { ParameterRow } from '../shared/modes';
import {
  cachedIndex,
  cachedOperation,
  documentForConnection,
  loadIndex,
  loadOperation,
  type IndexKind,
  type OperationAnswer,
} from './catalog-client';
import { resizeTray, showIf } from './form-fields';
import { OperationPicker } from './operation-picker';
import { readableSummary } from './operation-search';
import { ParameterRows } from './parameter-rows';
import { parameterLabels, pickerLabels } from './picker-labels';

export interface OperationNode extends EditorNodeInstance {
  connection?: string;
  operationId?: string;
  operationSummary?: string;
  params?: ParameterRow[];
}

export interface OperationFormOptions {
  node: OperationNode;
  /** The node type, prefix of its labels. */
  prefix: string;
  kind: IndexKind;
  /** Parameters the node sets itself, never offered as rows. */
  hiddenParams?: readonly string[];
  /** Called with the chosen operation's detail (`undefined` when none or not available). */
  onDetail: (answer: OperationAnswer | undefined, initial: boolean) => void;
}

export class OperationForm {
  readonly picker: OperationPicker;
  readonly rows: ParameterRows;
  private document: string;
  private answer: OperationAnswer | undefined;
  /** Guards against an older detail answer arriving after a newer pick. */
  private detailRequest = 0;
  /** Why the current document's index could not be loaded, if it could not. */
  private indexError = '';
  /** The operation the rows were first built for, if its detail was fetched before. */
  private initialRows: OperationDetail | undefined;
  private readonly operationInput = $('#node-input-operationId');
  private readonly summaryInput = $('#node-input-operationSummary');
  private readonly errorLine = $('#node-input-cw-operation-error');

  constructor(private readonly options: OperationFormOptions) {
    const { node, prefix } = options;
    this.picker = new OperationPicker($('#node-input-cw-picker'), {
      labels: pickerLabels(node, prefix),
      onPick: (operation) => this.pick(operation),
    });
    this.rows = new ParameterRows($('#node-input-cw-params'), {
      labels: parameterLabels(node, prefix),
      hiddenNames: options.hiddenParams,
    });
    this.document = documentForConnection(this.connectionId());
    // A detail fetched before gives the rows their operation at once, so they are built once.
    const chosen = this.operationId();
    this.initialRows = chosen ? cachedOperation(this.document, chosen)?.operation : undefined;
    this.rows.setOperation(this.initialRows, node.params ?? []);
    this.picker.select(node.operationId);
    $('#node-input-connection').on('change', () => {
      const document = documentForConnection(this.connectionId());
      if (document === this.document) return;
      this.document = document;
      this.loadCatalog(false);
    });
  }

  /**
   * Shows the connection's catalog and the chosen operation's detail: at once when they were
   * fetched before, else when they arrive. The forms call it at the end of their set-up, once
   * everything `onDetail` touches exists.
   */
  load(): void {
    this.loadCatalog(true);
  }

  detail(): OperationAnswer | undefined {
    return this.answer;
  }

  operationId(): string {
    return String(this.operationInput.val() ?? '');
  }

  params(): ParameterRow[] {
    return this.rows.rows();
  }

  private connectionId(): string {
    const selected = $('#node-input-connection').val();
    return typeof selected === 'string' && selected
      ? selected
      : (this.options.node.connection ?? '');
  }

  /**
   * Loads the chosen operation's detail and the index for the current document. The detail goes
   * first: it clears the operation line, where the index may then say the operation is missing.
   */
  private loadCatalog(initial: boolean): void {
    const document = this.document;
    this.indexError = '';
    const chosen = this.operationId();
    if (chosen) this.loadDetail(chosen, initial);
    const known = cachedIndex(document, this.options.kind);
    if (known) {
      this.showIndex(known);
      return;
    }
    loadIndex(document, this.options.kind).then(
      (index) => {
        if (document === this.document) this.showIndex(index);
      },
      (err: Error) => {
        if (document !== this.document) return;
        this.indexError = err.message;
        this.picker.showError(err.message);
        // The picker already says it; the operation line need not repeat it.
        if (this.errorLine.text() === err.message) this.showError('');
      },
    );
  }

  private showIndex(index: CatalogIndex): void {
    this.picker.setIndex(index);
    const chosen = this.operationId();
    if (chosen && !this.picker.operation(chosen)) {
      this.showError(
        this.options.node._(`${this.options.prefix}.errors.notInCatalog`, {
          operationId: chosen,
        }),
      );
    }
  }

  private pick(operation: OperationSummary): void {
    this.operationInput.val(operation.operationId).trigger('change');
    this.summaryInput.val(readableSummary(operation.summary));
    this.loadDetail(operation.operationId, false);
  }

  private loadDetail(operationId: string, initial: boolean): void {
    const request = ++this.detailRequest;
    this.showError('');
    const known = cachedOperation(this.document, operationId);
    if (known) {
      this.showDetail(known, initial);
      return;
    }
    loadOperation(this.document, operationId).then(
      (answer) => {
        if (request === this.detailRequest) this.showDetail(answer, initial);
      },
      (err: Error) => {
        if (request !== this.detailRequest) return;
        this.answer = undefined;
        if (err.message !== this.indexError) this.showError(err.message);
        this.options.onDetail(undefined, initial);
      },
    );
  }

  private showDetail(answer: OperationAnswer, initial: boolean): void {
    this.answer = answer;
    this.summaryInput.val(readableSummary(answer.operation.summary));
    if (!initial) {
      this.rows.switchOperation(answer.operation);
    } else if (answer.operation !== this.initialRows) {
      this.rows.setOperation(answer.operation, this.options.node.params ?? []);
    }
    this.options.onDetail(answer, initial);
    resizeTray();
  }

  private showError(text: string): void {
    showIf(this.errorLine.text(text), text !== '');
  }
}
