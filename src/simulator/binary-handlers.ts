/**
 * Bytes in and out: downloads, images and PDFs answered as files, and document uploads as
 * `multipart/form-data`.
 */
import { jsonAnswer, type Answer } from './answers';
import { SAMPLE_PNG, contentDisposition, contentTypeForFileName, samplePdf } from './binary-assets';
import { manageTimestamp } from './clock';
import { invalidObject, resourceName, unsupportedMediaType } from './manage-errors';
import { checkParent, isRecordId } from './record-lookup';
import type { ApiRequest } from './sim-request';
import type { SimContext } from './simulator-context';
import type { StoredContent } from './store';

/**
 * `/system/documents/{id}/download` answers the uploaded or seeded file; other downloads, images
 * (`/company/contacts/{id}/image`) and PDFs (`/finance/invoices/{id}/pdf`) answer sample files.
 */
export function answerBinary(context: SimContext, request: ApiRequest): Answer {
  const { segments, operation } = request.match;
  const kind = segments[segments.length - 1].toLowerCase();
  const owner = segments.slice(0, -1);
  const id = owner[owner.length - 1];
  checkParent(context.store, owner);
  const stored = isRecordId(id)
    ? context.store.getContent(owner.slice(0, -1).join('/'), Number(id))
    : undefined;
  let file: StoredContent;
  if (stored && kind === 'download') {
    file = stored;
  } else if (operation.binaryType === 'application/pdf' || kind === 'pdf') {
    const fileName = `${resourceName(owner[owner.length - 2] ?? 'document').replace(/s$/, '')}-${id}.pdf`;
    file = {
      fileName,
      bytes: samplePdf(`${fileName} from the ConnectWise Manage simulator`),
      contentType: 'application/pdf',
    };
  } else if (kind === 'download') {
    const fileName = `document-${id}.txt`;
    file = {
      fileName,
      bytes: Buffer.from(`Document ${id}\n`, 'utf8'),
      contentType: contentTypeForFileName(fileName),
    };
  } else {
    file = { fileName: `${kind}-${id}.png`, bytes: SAMPLE_PNG, contentType: 'image/png' };
  }
  return {
    status: 200,
    bytes: file.bytes,
    contentType: file.contentType,
    headers: { 'content-disposition': contentDisposition(file.fileName) },
  };
}

/** `POST /system/documents`: the `file` part is kept as the document's content. */
export function uploadDocument(context: SimContext, request: ApiRequest): Answer {
  const { segments } = request.match;
  checkParent(context.store, segments);
  const collection = segments.join('/');
  const type = String(request.headers['content-type'] ?? '');
  const parts = request.parts;
  if (!parts) {
    throw unsupportedMediaType(
      `The request entity's media type '${type.split(';')[0] || 'none'}' is not supported: send multipart/form-data with a "file" part`,
    );
  }
  request.entry.body = parts.map((part) => ({
    name: part.name,
    fileName: part.fileName,
    size: part.data.length,
  }));
  const file =
    parts.find((part) => part.fileName !== undefined) ?? parts.find((part) => part.name === 'file');
  if (!file) {
    throw invalidObject('DocumentInfo', [
      {
        code: 'NullObject',
        message: 'file object cannot be null',
        resource: 'documentInfo',
        field: 'file',
      },
    ]);
  }
  const field = (name: string): string | undefined =>
    parts
      .find((part) => part.name.toLowerCase() === name.toLowerCase() && part.fileName === undefined)
      ?.data.toString('utf8');
  const fileName = file.fileName || 'upload.bin';
  const contentType = file.contentType || contentTypeForFileName(fileName);
  const recordId = field('recordId');
  const record = context.store.insert(
    collection,
    {
      title: field('title') ?? fileName,
      fileName,
      serverFileName: `${Date.now().toString(16)}-${fileName}`,
      owner: request.actor,
      linkFlag: false,
      imageFlag: contentType.startsWith('image/'),
      publicFlag: field('privateFlag') === 'false',
      htmlTemplateFlag: false,
      readOnlyFlag: field('readOnlyFlag') === 'true',
      size: file.data.length,
      urlFlag: field('url') !== undefined,
      createdOnDate: manageTimestamp(context.clock.now()),
      recordType: field('recordType'),
      recordId: recordId === undefined ? undefined : Number(recordId),
    },
    request.actor,
  );
  context.store.setContent(collection, record.id, {
    bytes: Buffer.from(file.data),
    contentType,
    fileName,
  });
  return jsonAnswer(201, record);
}
