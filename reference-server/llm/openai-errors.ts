/**
 * OpenAiError: a refused or failed OpenAI request, answered as OpenAI answers, `{"error": {"message", "type",
 * "param", "code"}}`, with its HTTP status (4xx for the request's fault, 503 with Retry-After when overloaded).
 */

/** OpenAiError is an HTTP status and OpenAI's error object. */
export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  /** type is OpenAI's error type for the status. */
  get type(): string {
    if (this.status === 404) return 'not_found_error';
    if (this.status === 429 || this.status === 503) return 'server_overloaded';
    return this.status >= 500 ? 'server_error' : 'invalid_request_error';
  }

  /** body is the JSON object a client gets. */
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** invalidField is a 400 about one request field. */
export function invalidField(param: string, message: string): OpenAiError {
  return new OpenAiError(400, `${param}: ${message}`, param, 'invalid_value');
}
