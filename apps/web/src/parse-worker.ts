// Web Worker: parses dropped rating files off the main thread with the @fm/data parsers.
// In: { files: InputFile[] }. Out: { ok: true, result: ParsedFile } or { ok: false, error: ParseFailure }.
import { parseFiles, toFailure, transferablesOf, type InputFile } from './parse-file.js';

self.onmessage = async (ev: MessageEvent<{ files: InputFile[] }>) => {
  try {
    const result = await parseFiles(ev.data.files);
    self.postMessage({ ok: true, result }, { transfer: transferablesOf(result) });
  } catch (e) {
    self.postMessage({ ok: false, error: toFailure(e) });
  }
};
