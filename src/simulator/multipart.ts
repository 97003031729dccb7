/**
 * Reads `multipart/form-data` bodies (document uploads) into their parts with the platform's own
 * parser (`Response.formData()`, undici), so the simulator reads a form as a real server does.
 */
import { badRequest } from './manage-errors';

export interface MultipartPart {
  name: string;
  fileName?: string;
  contentType?: string;
  data: Buffer;
}

export async function readMultipart(body: Buffer, contentType: string): Promise<MultipartPart[]> {
  if (!/boundary=/i.test(contentType)) {
    throw badRequest('multipart/form-data body without a boundary in Content-Type');
  }
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), {
      headers: { 'content-type': contentType },
    }).formData();
  } catch (err) {
    throw badRequest(`The multipart/form-data body cannot be read: ${(err as Error).message}`);
  }
  const entries: [string, FormDataEntryValue][] = [];
  form.forEach((value, name) => entries.push([name, value]));
  const parts: MultipartPart[] = [];
  for (const [name, value] of entries) {
    if (typeof value === 'string') {
      parts.push({ name, data: Buffer.from(value, 'utf8') });
    } else {
      parts.push({
        name,
        fileName: value.name,
        contentType: value.type || undefined,
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return parts;
}
