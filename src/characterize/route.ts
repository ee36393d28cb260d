/**
 * Routes as characterize keeps them: a path without its query string or fragment, and the model name a KServe or
 * TF-Serving path carries. Nothing else of a request line is kept.
 */

/** pathOf is a URI's path without its query string or fragment (`/a?b=1` → `/a`); an absolute URI keeps only its path. */
export function pathOf(uri: string): string {
  let end = uri.length;
  const q = uri.indexOf('?');
  if (q !== -1) end = q;
  const h = uri.indexOf('#');
  if (h !== -1 && h < end) end = h;
  let path = end === uri.length ? uri : uri.slice(0, end);
  if (path.charCodeAt(0) !== 47 /* / */) {
    const scheme = path.indexOf('://');
    if (scheme !== -1) {
      const slash = path.indexOf('/', scheme + 3);
      path = slash === -1 ? '/' : path.slice(slash);
    }
  }
  return path;
}

/** pathOfRequest is the path of an HTTP request line (`POST /v2/models/m/infer?x HTTP/1.1` → `/v2/models/m/infer`), or undefined when the line is not one. */
export function pathOfRequest(request: string): string | undefined {
  const a = request.indexOf(' ');
  if (a === -1) return undefined;
  const b = request.indexOf(' ', a + 1);
  const uri = b === -1 ? request.slice(a + 1) : request.slice(a + 1, b);
  return uri.length > 0 && (uri.charCodeAt(0) === 47 || uri.includes('://')) ? pathOf(uri) : undefined;
}

/** modelOfPath is the model a path names: KServe v2 `/v2/models/NAME[/versions/V]/...`, or v1/TF Serving `/v1/models/NAME[:verb]`; undefined otherwise. */
export function modelOfPath(path: string): string | undefined {
  if (!path.startsWith('/v2/models/') && !path.startsWith('/v1/models/')) return undefined;
  const from = 11;
  let end = from;
  while (end < path.length) {
    const c = path.charCodeAt(end);
    if (c === 47 /* / */ || c === 58 /* : */) break;
    end++;
  }
  return end > from ? path.slice(from, end) : undefined;
}
