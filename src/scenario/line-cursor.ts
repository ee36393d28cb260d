/**
 * LineCursor: the lines of a text file (traces, length files) one at a time, without splitting the whole text (a
 * trace may have millions of lines), with blank lines and `#` comments skipped.
 */

/** LineCursor walks a text's lines; `line` is the 1-based number of the line `next()` returned last. */
export class LineCursor {
  line = 0;
  private start = 0;

  constructor(private readonly text: string) {}

  /** next is the next line that is not blank, without its `#` comment, trimmed; undefined at the end of the text. */
  next(): string | undefined {
    const text = this.text;
    while (this.start <= text.length) {
      const nl = text.indexOf('\n', this.start);
      const end = nl < 0 ? text.length : nl;
      const raw = text.slice(this.start, end);
      this.start = end + 1;
      this.line++;
      const hash = raw.indexOf('#');
      const body = (hash < 0 ? raw : raw.slice(0, hash)).trim();
      if (body !== '') return body;
    }
    return undefined;
  }
}
